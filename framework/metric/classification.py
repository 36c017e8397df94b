"""Classification metrics: Accuracy, TopKAccuracy, F1, MCC, PCC."""
import math

import numpy

from ..base import MXNetValueError
from .base import EvalMetric, register, alias, check_label_shapes, _asnumpy, _check


@register
@alias('acc')
class Accuracy(EvalMetric):
    """Fraction of correct predictions; predictions whose shape differs from the label's are
    reduced with argmax over `axis` first."""

    def __init__(self, axis=1, name='accuracy', output_names=None, label_names=None):
        super().__init__(name, axis=axis, output_names=output_names, label_names=label_names,
                         has_global_stats=True)
        self.axis = axis

    def update(self, labels, preds):
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred_label in zip(labels, preds):
            pred_label, label = _asnumpy(pred_label), _asnumpy(label)
            if pred_label.shape != label.shape:
                pred_label = numpy.argmax(pred_label, axis=self.axis)
            pred_label = pred_label.astype('int32').ravel()
            label = label.astype('int32').ravel()
            check_label_shapes(label, pred_label)
            self._add(int((pred_label == label).sum()), len(pred_label))


@register
@alias('top_k_accuracy', 'top_k_acc')
class TopKAccuracy(EvalMetric):
    """Fraction of samples whose label is among the top_k (> 1) predicted classes."""

    def __init__(self, top_k=1, name='top_k_accuracy', output_names=None, label_names=None):
        super().__init__(name, top_k=top_k, output_names=output_names, label_names=label_names,
                         has_global_stats=True)
        self.top_k = top_k
        _check(self.top_k > 1, 'Please use Accuracy if top_k is no more than 1')
        self.name += '_%d' % self.top_k

    def update(self, labels, preds):
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred_label in zip(labels, preds):
            _check(len(pred_label.shape) <= 2, 'Predictions should be no more than 2 dims')
            pred_label = numpy.argpartition(_asnumpy(pred_label).astype('float32'), -self.top_k)
            label = _asnumpy(label).astype('int32')
            check_label_shapes(label, pred_label)
            if label.size != pred_label.shape[0]:
                raise MXNetValueError("TopKAccuracy: label shape %s does not match prediction "
                                      "shape %s" % (label.shape, pred_label.shape))
            num_samples = pred_label.shape[0]
            if pred_label.ndim == 1:
                # MXNet counts this case in the local statistics only
                self.sum_metric += int((pred_label.flat == label.flat).sum())
            elif pred_label.ndim == 2:
                num_classes = pred_label.shape[1]
                top_k = min(num_classes, self.top_k)
                for j in range(top_k):
                    num_correct = int((pred_label[:, num_classes - 1 - j].flat == label.flat).sum())
                    self.sum_metric += num_correct
                    self.global_sum_metric += num_correct
            self.num_inst += num_samples
            self.global_num_inst += num_samples


class _BinaryClassificationMetrics:
    """Confusion counts of a binary classifier (prediction = argmax over axis 1)."""

    _FIELDS = ('true_positives', 'false_negatives', 'false_positives', 'true_negatives')

    def __init__(self):
        self.reset_stats()

    def update_binary_stats(self, label, pred):
        pred = _asnumpy(pred)
        label = _asnumpy(label).astype('int32')
        if pred.ndim != 2 or label.size != pred.shape[0]:
            raise MXNetValueError("%s: predictions must have shape (batch, 2) and labels "
                                  "(batch,), got %s and %s" % (getattr(self, 'owner', 'F1/MCC'),
                                                               pred.shape, label.shape))
        label = label.reshape(-1)
        pred_label = numpy.argmax(pred, axis=1)
        check_label_shapes(label, pred)
        if len(numpy.unique(label)) > 2:
            raise MXNetValueError("%s currently only supports binary classification."
                                  % self.__class__.__name__)
        pred_true = (pred_label == 1)
        pred_false = 1 - pred_true
        label_true = (label == 1)
        label_false = 1 - label_true
        counts = (int((pred_true * label_true).sum()), int((pred_false * label_true).sum()),
                  int((pred_true * label_false).sum()), int((pred_false * label_false).sum()))
        for field, count in zip(self._FIELDS, counts):
            setattr(self, field, getattr(self, field) + count)
            setattr(self, 'global_' + field, getattr(self, 'global_' + field) + count)

    @staticmethod
    def _ratio(num, other):
        return float(num) / (num + other) if num + other > 0 else 0.

    @staticmethod
    def _f(precision, recall):
        return 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.

    precision = property(lambda s: s._ratio(s.true_positives, s.false_positives))
    global_precision = property(lambda s: s._ratio(s.global_true_positives,
                                                   s.global_false_positives))
    recall = property(lambda s: s._ratio(s.true_positives, s.false_negatives))
    global_recall = property(lambda s: s._ratio(s.global_true_positives, s.global_false_negatives))
    fscore = property(lambda s: s._f(s.precision, s.recall))
    global_fscore = property(lambda s: s._f(s.global_precision, s.global_recall))
    total_examples = property(lambda s: sum(getattr(s, f) for f in s._FIELDS))
    global_total_examples = property(lambda s: sum(getattr(s, 'global_' + f) for f in s._FIELDS))

    def matthewscc(self, use_global=False):
        prefix = 'global_' if use_global else ''
        if not getattr(self, prefix + 'total_examples'):
            return 0.
        tp, fn, fp, tn = (float(getattr(self, prefix + f)) for f in self._FIELDS)
        denom = 1.
        for t in (tp + fp, tp + fn, tn + fp, tn + fn):
            if t != 0.:
                denom *= t
        return ((tp * tn) - (fp * fn)) / math.sqrt(denom)

    def local_reset_stats(self):
        for field in self._FIELDS:
            setattr(self, field, 0)

    def reset_stats(self):
        for field in self._FIELDS:
            setattr(self, field, 0)
            setattr(self, 'global_' + field, 0)


class _BinaryMetric(EvalMetric):
    """F1 / MCC: 'macro' averages the per-update score, 'micro' scores all counts together."""

    def __init__(self, name, output_names, label_names, average):
        self.average = average
        self._metrics = _BinaryClassificationMetrics()
        self._metrics.owner = type(self).__name__       # named in error messages
        EvalMetric.__init__(self, name=name, output_names=output_names, label_names=label_names,
                            has_global_stats=True)

    def update(self, labels, preds):
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds):
            self._metrics.update_binary_stats(label, pred)
        local, global_ = self._score(False), self._score(True)
        if self.average == "macro":
            self.sum_metric += local
            self.global_sum_metric += global_
            self.num_inst += 1
            self.global_num_inst += 1
            self._metrics.reset_stats()
        else:
            self.sum_metric = local * self._metrics.total_examples
            self.global_sum_metric = global_ * self._metrics.global_total_examples
            self.num_inst = self._metrics.total_examples
            self.global_num_inst = self._metrics.global_total_examples

    def reset(self):
        self.sum_metric = 0.
        self.num_inst = 0
        self.global_num_inst = 0
        self.global_sum_metric = 0.0
        self._metrics.reset_stats()

    def reset_local(self):
        self.sum_metric = 0.
        self.num_inst = 0
        self._metrics.local_reset_stats()


@register
class F1(_BinaryMetric):
    """F1 score of a binary classifier (label 1 is positive)."""

    def __init__(self, name='f1', output_names=None, label_names=None, average="macro"):
        super().__init__(name, output_names, label_names, average)

    metrics = property(lambda self: self._metrics)

    def _score(self, use_global):
        return self._metrics.global_fscore if use_global else self._metrics.fscore


@register
class MCC(_BinaryMetric):
    """Matthews correlation coefficient of a binary classifier."""

    def __init__(self, name='mcc', output_names=None, label_names=None, average="macro"):
        super().__init__(name, output_names, label_names, average)

    def _score(self, use_global):
        return self._metrics.matthewscc(use_global=use_global)


@register
class PCC(EvalMetric):
    """Multi-class Matthews correlation from a growing confusion matrix."""

    def __init__(self, name='pcc', output_names=None, label_names=None, has_global_stats=True):
        self.k = 2
        super().__init__(name=name, output_names=output_names, label_names=label_names,
                         has_global_stats=has_global_stats)

    def _grow(self, inc):
        self.lcm = numpy.pad(self.lcm, ((0, inc), (0, inc)), 'constant', constant_values=(0))
        self.gcm = numpy.pad(self.gcm, ((0, inc), (0, inc)), 'constant', constant_values=(0))
        self.k += inc

    @staticmethod
    def _calc_mcc(cmat):
        n = cmat.sum()
        x = cmat.sum(axis=1)
        y = cmat.sum(axis=0)
        cov_xx = numpy.sum(x * (n - x))
        cov_yy = numpy.sum(y * (n - y))
        if cov_xx == 0 or cov_yy == 0:
            return float('nan')
        i = cmat.diagonal()
        cov_xy = numpy.sum(i * n - x * y)
        return float(cov_xy / (cov_xx * cov_yy) ** 0.5)

    def update(self, labels, preds):
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds):
            label = _asnumpy(label).astype('int32')
            pred = _asnumpy(pred)
            pred = pred.argmax(axis=1) if pred.shape != label.shape else pred.astype('int32')
            if pred.size != label.size:
                raise MXNetValueError("PCC: %d labels (shape %s) for %d predicted classes"
                                      % (label.size, label.shape, pred.size))
            if not label.size:
                continue
            if min(pred.min(), label.min()) < 0:
                raise MXNetValueError("PCC: negative class label %d" % min(pred.min(),
                                                                            label.min()))
            n = max(pred.max(), label.max())
            if n >= self.k:
                self._grow(n + 1 - self.k)
            bcm = numpy.zeros((self.k, self.k))
            numpy.add.at(bcm, (pred.ravel(), label.ravel()), 1)
            self.lcm += bcm
            self.gcm += bcm
        self.num_inst += 1
        self.global_num_inst += 1

    sum_metric = property(lambda self: self._calc_mcc(self.lcm) * self.num_inst)
    global_sum_metric = property(lambda self: self._calc_mcc(self.gcm) * self.global_num_inst)

    def reset(self):
        self.global_num_inst = 0.
        self.gcm = numpy.zeros((self.k, self.k))
        self.reset_local()

    def reset_local(self):
        self.num_inst = 0.
        self.lcm = numpy.zeros((self.k, self.k))
