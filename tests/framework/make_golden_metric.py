"""Record MXNet 1.9.1's metric values on a few batches (run ONLY in /work/mxnet-venv; writes
data/golden_metric.json).

    /work/mxnet-venv/bin/python tests/framework/make_golden_metric.py
"""
import json
import os

import numpy as np
import mxnet as mx

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "golden_metric.json")


def batches():
    """Three batches: class probabilities (softmaxed), labels, regression outputs, losses."""
    rng = np.random.RandomState(3)
    out = []
    for n in (6, 5, 7):
        logits = rng.randn(n, 4).astype(np.float32)
        prob = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        label = rng.randint(0, 4, size=n).astype(np.float32)
        blogits = rng.randn(n, 2).astype(np.float32)
        bprob = np.exp(blogits) / np.exp(blogits).sum(axis=1, keepdims=True)
        blabel = rng.randint(0, 2, size=n).astype(np.float32)
        reg_pred = rng.randn(n).astype(np.float32)
        reg_label = (reg_pred * 0.5 + rng.randn(n) * 0.3).astype(np.float32)
        seq_prob = rng.dirichlet(np.ones(5), size=2 * n).astype(np.float32)   # (2n, 5)
        seq_label = rng.randint(0, 5, size=(2, n)).astype(np.float32)
        out.append({k: v.tolist() for k, v in dict(
            prob=prob, label=label, bprob=bprob, blabel=blabel, reg_pred=reg_pred,
            reg_label=reg_label, seq_prob=seq_prob, seq_label=seq_label).items()})
    return out


# metric spec: (create args, kwargs, label key, pred key)
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


def main():
    data = batches()
    results = {}
    for case, (args, kwargs, lkey, pkey) in CASES.items():
        metric = mx.metric.create(*args, **kwargs)
        steps = []
        for i, batch in enumerate(data):
            metric.update([mx.nd.array(batch[lkey])], [mx.nd.array(batch[pkey])])
            steps.append({"get": list(metric.get()), "global": list(metric.get_global()),
                          "num_inst": float(metric.num_inst)})
            if i == 1:
                metric.reset_local()
                steps.append({"get": list(metric.get()), "global": list(metric.get_global()),
                              "num_inst": float(metric.num_inst)})
        results[case] = steps
    composite = mx.metric.create(["acc", "ce", mx.metric.TopKAccuracy(top_k=2)])
    for batch in data:
        composite.update([mx.nd.array(batch["label"])], [mx.nd.array(batch["prob"])])
    results["composite"] = [{"get": list(composite.get()),
                             "name_value": composite.get_name_value()}]
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    tmp = OUT + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"mxnet_version": mx.__version__, "batches": data, "results": results}, f,
                  default=float)
    os.replace(tmp, OUT)
    print("wrote", OUT)


if __name__ == "__main__":
    main()
