"""mx.metric against MXNet 1.9.1's recorded values (make_golden_metric.py) and hand formulas."""
import json
import math
import os

import numpy as np
import pytest

import framework as mx
from framework import metric

GOLDEN = json.load(open(os.path.join(os.path.dirname(__file__), "data", "golden_metric.json")))

CASES = {
    "acc": (["acc"], {}, "label", "prob"),
    "acc_labels": (["acc"], {}, "label", "label"),
    "top3": (["top_k_accuracy"], {"top_k": 3}, "label", "prob"),
    "f1_macro": (["f1"], {}, "blabel", "bprob"),
    "f1_micro": (["f1"], {"average": "micro"}, "blabel", "bprob"),
    "mcc_macro": (["mcc"], {}, "blabel", "bprob"),
    "mcc_micro": (["mcc"], {"average": "micro"}, "blabel", "bprob"),
    "mae": (["mae"], {}, "reg_label", "reg_pred"),
    "mse": (["mse"], {}, "reg_label", "reg_pred"),
    "rmse": (["rmse"], {}, "reg_label", "reg_pred"),
    "ce": (["ce"], {}, "label", "prob"),
    "nll": (["nll_loss"], {}, "label", "prob"),
    "perplexity": (["perplexity"], {"ignore_label": None}, "label", "prob"),
    "perplexity_ignore": (["perplexity"], {"ignore_label": 2}, "label", "prob"),
    "perplexity_axis": (["perplexity"], {"ignore_label": 1, "axis": -1}, "seq_label", "seq_prob"),
    "pearson_macro": (["pearsonr"], {}, "reg_label", "reg_pred"),
    "pearson_micro": (["pearsonr"], {"average": "micro"}, "reg_label", "reg_pred"),
    "pcc": (["pcc"], {}, "label", "prob"),
    "loss": (["loss"], {}, "label", "reg_pred"),
}


def _close(a, b):
    if isinstance(a, list):
        return all(_close(x, y) for x, y in zip(a, b)) and len(a) == len(b)
    if isinstance(a, str):
        return a == b
    if math.isnan(b):
        return math.isnan(a)
    return math.isclose(a, b, rel_tol=2e-6, abs_tol=1e-7)


@pytest.mark.parametrize("case", sorted(CASES))
def test_matches_mxnet_golden(case):
    args, kwargs, lkey, pkey = CASES[case]
    m = metric.create(*args, **kwargs)
    steps = []
    for i, batch in enumerate(GOLDEN["batches"]):
        m.update([mx.nd.array(batch[lkey])], [mx.nd.array(batch[pkey])])
        steps.append({"get": list(m.get()), "global": list(m.get_global()),
                      "num_inst": float(m.num_inst)})
        if i == 1:
            m.reset_local()
            steps.append({"get": list(m.get()), "global": list(m.get_global()),
                          "num_inst": float(m.num_inst)})
    for got, want in zip(steps, GOLDEN["results"][case]):
        assert got["get"][0] == want["get"][0]
        assert _close(got["get"][1], want["get"][1]), (case, got, want)
        assert _close(got["global"][1], want["global"][1]), (case, got, want)
        assert got["num_inst"] == want["num_inst"]


def test_composite_matches_mxnet():
    comp = metric.create(["acc", "ce", metric.TopKAccuracy(top_k=2)])
    for batch in GOLDEN["batches"]:
        comp.update([mx.nd.array(batch["label"])], [mx.nd.array(batch["prob"])])
    want = GOLDEN["results"]["composite"][0]
    assert comp.get()[0] == want["get"][0]
    assert _close(comp.get()[1], want["get"][1])
    assert [list(p) for p in comp.get_name_value()][0][0] == "accuracy"


def test_hand_formulas():
    pred = mx.nd.array([[0.3, 0.7], [0.6, 0.4], [0.2, 0.8]])
    label = mx.nd.array([1, 1, 1])
    acc = metric.Accuracy()
    acc.update([label], [pred])
    assert acc.get() == ("accuracy", 2 / 3)
    ce = metric.CrossEntropy()
    ce.update([label], [pred])
    assert math.isclose(ce.get()[1], -np.mean(np.log(np.array([0.7, 0.4, 0.8]) + 1e-12)),
                        rel_tol=1e-6)
    mse = metric.MSE()
    mse.update([mx.nd.array([1.0, 2.0])], [mx.nd.array([1.5, 1.0])])
    mse.update([mx.nd.array([0.0])], [mx.nd.array([2.0])])
    assert math.isclose(mse.get()[1], ((0.25 + 1) / 2 + 4) / 2)   # mean of per-batch means
    loss = metric.Loss()
    loss.update(None, mx.nd.array([1.0, 2.0, 6.0]))
    assert loss.get() == ("loss", 3.0)
    ppl = metric.Perplexity(ignore_label=None)
    ppl.update([mx.nd.array([0, 1])], [mx.nd.array([[0.5, 0.5], [0.25, 0.75]])])
    assert math.isclose(ppl.get()[1], math.exp(-(math.log(0.5) + math.log(0.75)) / 2), rel_tol=1e-6)


def test_perplexity_clips_labels_like_pick():
    # value printed by MXNet 1.9.1 for the same call: out-of-range labels are clipped (pick mode)
    ppl = metric.Perplexity(ignore_label=-1)
    ppl.update([mx.nd.array([-1, 1, 5])], [mx.nd.array([[0.2, 0.3, 0.5]] * 3)])
    assert math.isclose(ppl.get()[1], 2.581988915604924, rel_tol=1e-6)
    assert math.isclose(ppl.get()[1], math.exp(-(math.log(0.3) + math.log(0.5)) / 2), rel_tol=1e-6)


def test_accuracy_axis_and_numpy_input():
    acc = metric.Accuracy(axis=0)
    acc.update([np.array([0, 2])], [np.array([[0.9, 0.0], [0.1, 0.0], [0.0, 1.0]])])
    assert acc.get()[1] == 1.0   # argmax over axis 0: [0, 2]


def test_global_and_local_stats():
    acc = metric.Accuracy()
    acc.update([mx.nd.array([1])], [mx.nd.array([[0.0, 1.0]])])
    acc.reset_local()
    assert math.isnan(acc.get()[1]) and acc.get_global() == ("accuracy", 1.0)
    acc.update([mx.nd.array([0])], [mx.nd.array([[0.0, 1.0]])])
    assert acc.get() == ("accuracy", 0.0) and acc.get_global() == ("accuracy", 0.5)
    acc.reset()
    assert math.isnan(acc.get_global()[1])
    assert str(metric.MAE()) == "EvalMetric: {'mae': nan}"


def test_create_register_custom_and_config():
    assert isinstance(metric.create("acc"), metric.Accuracy)
    assert isinstance(metric.create("top_k_acc", top_k=5), metric.TopKAccuracy)
    assert isinstance(metric.create("nll_loss"), metric.NegativeLogLikelihood)
    assert isinstance(metric.create("composite"), metric.CompositeEvalMetric)
    m = metric.create('["mae", {"name": "my_mae"}]')
    assert isinstance(m, metric.MAE) and m.name == "my_mae"
    cfg = metric.Accuracy(axis=2).get_config()
    assert cfg == {"axis": 2, "metric": "Accuracy", "name": "accuracy", "output_names": None,
                   "label_names": None}
    assert metric.create(cfg).axis == 2

    def hit_rate(label, pred):
        return (label == pred.argmax(axis=1)).sum(), label.size
    custom = metric.create(hit_rate)
    custom.update([mx.nd.array([0, 1])], [mx.nd.array([[1, 0], [1, 0]])])
    assert custom.get() == ("hit_rate", 0.5)
    npm = metric.np(lambda label, pred: float(np.abs(label - pred).max()))
    npm.update([mx.nd.array([1, 2])], [mx.nd.array([1, 5])])
    assert npm.get() == ("custom(<lambda>)", 3.0)

    @metric.register
    @metric.alias("always_one")
    class AlwaysOne(metric.EvalMetric):
        def __init__(self):
            super().__init__("one")

        def update(self, labels, preds):
            self.sum_metric += len(labels)
            self.num_inst += len(labels)
    assert metric.create("always_one").get()[0] == "one"


def test_update_dict_selects_names():
    comp = metric.CompositeEvalMetric(["acc"], label_names=["y"], output_names=["out"])
    comp.update_dict({"y": mx.nd.array([1]), "z": mx.nd.array([0])},
                     {"out": mx.nd.array([[0.0, 1.0]]), "other": mx.nd.array([[1.0, 0.0]])})
    assert comp.get() == (["accuracy"], [1.0])


def test_bad_input():
    with pytest.raises(ValueError, match="Shape of labels 2 does not match shape of predictions 3"):
        metric.Accuracy().update([mx.nd.array([0]), mx.nd.array([1])], [mx.nd.array([0])] * 3)
    with pytest.raises(ValueError, match=r"Shape of labels 3 does not match shape of predictions 2"):
        metric.Accuracy().update([mx.nd.array([0, 1, 1])], [mx.nd.array([[0.1, 0.9]] * 2)])
    with pytest.raises(AssertionError, match="Please use Accuracy"):
        metric.TopKAccuracy(top_k=1)
    with pytest.raises(AssertionError, match="foo is not registered"):
        metric.create("foo")
    with pytest.raises(ValueError, match="only supports binary"):
        metric.F1().update([mx.nd.array([0, 1, 2])], [mx.nd.array(np.eye(3))])
    with pytest.raises(NotImplementedError):
        metric.create(lambda l, p: 0.0).get_config()
    assert isinstance(metric.CompositeEvalMetric().get_metric(3), ValueError)
