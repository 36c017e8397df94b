"""Regression and likelihood metrics: MAE, MSE, RMSE, CrossEntropy, NegativeLogLikelihood,
Perplexity, PearsonCorrelation, Loss."""
import math

import numpy

from ..base import MXNetIndexError, MXNetValueError
from ..ndarray import NDArray
from .base import EvalMetric, register, alias, check_label_shapes, _asnumpy, _check


@register
class Perplexity(EvalMetric):
    """exp(mean negative log-probability of the label), skipping labels == ignore_label."""

    def __init__(self, ignore_label, axis=-1, name='perplexity', output_names=None,
                 label_names=None):
        super().__init__(name, ignore_label=ignore_label, output_names=output_names,
                         label_names=label_names, has_global_stats=True)
        self.ignore_label = ignore_label
        self.axis = axis

    def update(self, labels, preds):
        _check(len(labels) == len(preds), "Perplexity: %d labels for %d predictions"
               % (len(labels), len(preds)))
        loss = 0.
        num = 0
        for label, pred in zip(labels, preds):
            label, pred = _asnumpy(label), _asnumpy(pred)
            _check(label.size == pred.size / pred.shape[-1],
                   "shape mismatch: %s vs. %s" % (label.shape, pred.shape))
            label = label.reshape((label.size,))
            axis = self.axis % pred.ndim
            index = numpy.clip(label.astype('int32'), 0, pred.shape[axis] - 1)   # pick's mode='clip'
            picked = numpy.take_along_axis(
                pred, numpy.expand_dims(index.reshape(pred.shape[:axis] + pred.shape[axis + 1:]),
                                        axis), axis=axis).squeeze(axis).reshape(-1)
            if self.ignore_label is not None:
                ignore = (label == self.ignore_label).astype(picked.dtype)
                num -= float(ignore.sum())
                picked = picked * (1 - ignore) + ignore
            loss -= float(numpy.log(numpy.maximum(picked.dtype.type(1e-10), picked)).sum())
            num += picked.size
        self._add(loss, num)

    def get(self):
        if self.num_inst == 0:
            return (self.name, float('nan'))
        return (self.name, math.exp(self.sum_metric / self.num_inst))

    def get_global(self):
        if self.global_num_inst == 0:
            return (self.name, float('nan'))
        return (self.name, math.exp(self.global_sum_metric / self.global_num_inst))


def _as_columns(label, pred):
    label, pred = _asnumpy(label), _asnumpy(pred)
    if len(label.shape) == 1:
        label = label.reshape(label.shape[0], 1)
    if len(pred.shape) == 1:
        pred = pred.reshape(pred.shape[0], 1)
    return label, pred


class _Regression(EvalMetric):
    def __init__(self, name, output_names, label_names):
        super().__init__(name, output_names=output_names, label_names=label_names,
                         has_global_stats=True)

    def update(self, labels, preds):
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds):
            label, pred = _as_columns(label, pred)
            try:
                numpy.broadcast_shapes(label.shape, pred.shape)
            except ValueError:
                raise MXNetValueError("%s: label shape %s does not match prediction shape %s"
                                      % (type(self).__name__, label.shape, pred.shape)) from None
            self._add(float(self._value(label, pred)), 1)


@register
class MAE(_Regression):
    """Mean absolute error, averaged over updates (one mean per batch)."""

    def __init__(self, name='mae', output_names=None, label_names=None):
        super().__init__(name, output_names, label_names)

    @staticmethod
    def _value(label, pred):
        return numpy.abs(label - pred).mean()


@register
class MSE(_Regression):
    """Mean squared error, averaged over updates."""

    def __init__(self, name='mse', output_names=None, label_names=None):
        super().__init__(name, output_names, label_names)

    @staticmethod
    def _value(label, pred):
        return ((label - pred) ** 2.0).mean()


@register
class RMSE(_Regression):
    """Root mean squared error of each update, averaged over updates."""

    def __init__(self, name='rmse', output_names=None, label_names=None):
        super().__init__(name, output_names, label_names)

    @staticmethod
    def _value(label, pred):
        return numpy.sqrt(((label - pred) ** 2.0).mean())


class _LogLoss(EvalMetric):
    def __init__(self, eps, name, output_names, label_names):
        super().__init__(name, eps=eps, output_names=output_names, label_names=label_names,
                         has_global_stats=True)
        self.eps = eps

    def update(self, labels, preds):
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds):
            label, pred = _asnumpy(label).ravel(), _asnumpy(pred)
            who = type(self).__name__
            if pred.ndim != 2:
                raise MXNetIndexError("%s: predictions must be 2-D (batch, classes), got shape "
                                      "%s" % (who, pred.shape))
            num_examples = pred.shape[0]
            _check(label.shape[0] == num_examples, "%s: %d labels for %d predictions (pred "
                   "shape %s)" % (who, label.shape[0], num_examples, pred.shape))
            index = numpy.int64(label)
            if index.size and (index.min() < 0 or index.max() >= pred.shape[1]):
                raise MXNetIndexError("%s: label %d is out of range for %d classes (pred shape "
                                      "%s)" % (who, index.min() if index.min() < 0
                                               else index.max(), pred.shape[1], pred.shape))
            prob = pred[numpy.arange(num_examples, dtype=numpy.int64), index]
            self._add(float((-numpy.log(prob + self.eps)).sum()), num_examples)


@register
@alias('ce')
class CrossEntropy(_LogLoss):
    """Mean of -log(p[label] + eps) over samples."""

    def __init__(self, eps=1e-12, name='cross-entropy', output_names=None, label_names=None):
        super().__init__(eps, name, output_names, label_names)


@register
@alias('nll_loss')
class NegativeLogLikelihood(_LogLoss):
    """Mean of -log(p[label] + eps) over samples."""

    def __init__(self, eps=1e-12, name='nll-loss', output_names=None, label_names=None):
        super().__init__(eps, name, output_names, label_names)


@register
@alias('pearsonr')
class PearsonCorrelation(EvalMetric):
    """Pearson correlation of predictions and labels; 'macro' averages per update, 'micro'
    accumulates running means and variances."""

    def __init__(self, name='pearsonr', output_names=None, label_names=None, average='macro'):
        self.average = average
        super().__init__(name, output_names=output_names, label_names=label_names,
                         has_global_stats=True)
        if self.average == 'micro':
            self.reset_micro()

    def reset_micro(self):
        self._sse_p = self._mean_p = self._sse_l = self._mean_l = 0
        self._pred_nums = self._label_nums = 0
        self._conv = 0

    def reset(self):
        super().reset()
        if self.average == 'micro':
            self.reset_micro()

    @staticmethod
    def update_variance(new_values, *aggregate):
        count, mean, m_2 = aggregate
        count += len(new_values)
        delta = new_values - mean
        mean += numpy.sum(delta / count)
        delta_2 = new_values - mean
        m_2 += numpy.sum(delta * delta_2)
        return count, mean, m_2

    def update_cov(self, label, pred):
        self._conv = self._conv + numpy.sum((label - self._mean_l) * (pred - self._mean_p))

    def update(self, labels, preds):
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds):
            check_label_shapes(label, pred, False, True)
            label = _asnumpy(label).ravel().astype(numpy.float64)
            pred = _asnumpy(pred).ravel().astype(numpy.float64)
            if self.average == 'macro':
                self._add(float(numpy.corrcoef(pred, label)[0, 1]), 1)
            else:
                self.global_num_inst += 1
                self.num_inst += 1
                self._label_nums, self._mean_l, self._sse_l = \
                    self.update_variance(label, self._label_nums, self._mean_l, self._sse_l)
                self.update_cov(label, pred)
                self._pred_nums, self._mean_p, self._sse_p = \
                    self.update_variance(pred, self._pred_nums, self._mean_p, self._sse_p)

    def get(self):
        if self.num_inst == 0:
            return (self.name, float('nan'))
        if self.average == 'macro':
            return (self.name, self.sum_metric / self.num_inst)
        n = self._label_nums
        pearsonr = self._conv / ((n - 1) * numpy.sqrt(self._sse_p / (n - 1)) *
                                 numpy.sqrt(self._sse_l / (n - 1)))
        return (self.name, float(pearsonr))


@register
class Loss(EvalMetric):
    """Mean of the output values (for outputs that are losses); labels are ignored."""

    def __init__(self, name='loss', output_names=None, label_names=None):
        super().__init__(name, output_names=output_names, label_names=label_names,
                         has_global_stats=True)

    def update(self, _, preds):
        if isinstance(preds, (NDArray, numpy.ndarray)):
            preds = [preds]
        for pred in preds:
            pred = _asnumpy(pred)
            self._add(float(pred.sum()), pred.size)
