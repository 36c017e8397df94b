"""python -m framework.tools.inspect: the report of a compiled graph (passes, fusion groups,
memory plan table, arena usage chart, DOT by fusion group) checked on LeNet and ResNet-18."""
import io
import os
import re
import shutil
import sys

import pytest

import framework as mx
from framework.tools import inspect as insp

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LENET = os.path.join(ROOT, "tests", "compat", "data", "symbols", "lenet_bn-symbol.json")


def resnet18_v1(classes=10):
    """ResNet-18 v1 (Gluon model zoo layout: BasicBlockV1, downsample by a 1x1 conv + BN)."""
    def conv_bn(x, name, filters, kernel, stride, pad, relu):
        x = mx.sym.Convolution(x, num_filter=filters, kernel=kernel, stride=stride, pad=pad,
                               no_bias=True, name=name + "_conv")
        x = mx.sym.BatchNorm(x, fix_gamma=False, eps=1e-5, name=name + "_bn")
        return mx.sym.Activation(x, act_type="relu", name=name + "_relu") if relu else x

    def block(x, name, filters, stride, downsample):
        body = conv_bn(x, name + "_a", filters, (3, 3), (stride, stride), (1, 1), True)
        body = conv_bn(body, name + "_b", filters, (3, 3), (1, 1), (1, 1), False)
        short = (conv_bn(x, name + "_down", filters, (1, 1), (stride, stride), (0, 0), False)
                 if downsample else x)
        return mx.sym.Activation(body + short, act_type="relu", name=name + "_out")

    with mx.name.NameManager():
        x = conv_bn(mx.sym.Variable("data"), "stem", 64, (7, 7), (2, 2), (3, 3), True)
        x = mx.sym.Pooling(x, pool_type="max", kernel=(3, 3), stride=(2, 2), pad=(1, 1),
                           name="stem_pool")
        for stage, filters in enumerate((64, 128, 256, 512)):
            for b in range(2):
                first = stage > 0 and b == 0
                x = block(x, "stage%d_unit%d" % (stage + 1, b + 1), filters, 2 if first else 1,
                          first)
        x = mx.sym.Pooling(x, pool_type="avg", global_pool=True, kernel=(1, 1), name="pool")
        x = mx.sym.FullyConnected(mx.sym.Flatten(x, name="flatten"), num_hidden=classes,
                                  name="fc")
        return mx.sym.SoftmaxOutput(x, name="softmax")


@pytest.fixture(scope="module")
def resnet18(tmp_path_factory):
    prefix = str(tmp_path_factory.mktemp("r18") / "resnet18")
    resnet18_v1().save(prefix + "-symbol.json")
    return prefix


def _run(*argv):
    out, err = io.StringIO(), io.StringIO()
    status = insp.run([str(a) for a in argv], out=out, err=err)
    return status, out.getvalue(), err.getvalue()


def _section(text, title):
    return text.split(title + "\n")[1].split("\n\n")[0]


def _slot_rows(text):
    """(slot, bytes, offset, first, last) of the memory table's slot rows."""
    rows = []
    for line in _section(text, "Memory plan").splitlines():
        m = re.match(r"^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)-(\d+)\s", line)
        if m:
            rows.append(tuple(int(v) for v in m.groups()))
    return rows


def _chart_rows(text):
    return [line for line in text.splitlines() if re.match(r"^\s*\d+ [FB] \S+\s+\|[# ]*\| \d+$",
                                                          line)]


def _check_lifetimes(ins):
    """Every tensor lives first <= last; tensors of one slot never overlap unless one took the
    other's slot in place (an in-place op or a reshape view); slot lifetime = their span."""
    for slot in ins.slots:
        live = [t for t in slot.tensors if t.first is not None]
        assert live, slot.index
        names = {t.name for t in slot.tensors}
        for t in live:
            assert 0 <= t.first <= t.last < len(ins.steps)
        live.sort(key=lambda t: (t.first, t.last))
        for a, b in zip(live, live[1:]):
            if b.first <= a.last:
                assert b.inplace_of in names, (slot.index, a.name, b.name)
        assert slot.first == min(t.first for t in live)
        assert slot.last == max(t.last for t in live)


def test_lenet_training_report():
    status, text, _ = _run(LENET, "--shape", "data=1,1,28,28", "--grad-req", "write",
                           "--chart", "text")
    assert status == 0
    passes = _section(text, "Passes\n------")
    assert re.search(r"^gradient\s+13 -> 34 nodes\s+added 21 backward nodes$", passes, re.M)
    assert "_backward_Convolution x2" in passes and "_backward_BatchNorm x2" in passes
    assert re.search(r"^fuse\s+34 -> 34 nodes\s+1 group made from 1 node$", passes, re.M)
    assert "    group 0: fused_tanh1 from ops [Activation(tanh1)]" in passes
    assert re.search(r"^lower\s+28 steps\s+12 forward steps, 16 backward steps", passes, re.M)
    groups = _section(text, "Fusion groups (1)\n-------------")
    assert groups.splitlines() == ["[0] fused_tanh1  1x6x24x24 float32  forward, 1 inputs, "
                                   "1 outputs", "    1 ops: Activation(tanh1)"]
    ins, _ = insp.inspect_file(LENET, {"data": (1, 1, 28, 28)}, grad_req="write")
    rows = _slot_rows(text)
    assert len(rows) == len(ins.slots) == ins.mem_stats["num_slots"] == 15
    assert sum(r[1] for r in rows) == ins.arena_bytes == 51864
    assert "arena 51864 B (50.6 KiB) vs naive 112768 B (110.1 KiB) (46.0%), 15 slots, " \
           "in-place 12" in text
    assert rows[0] == (0, 13824, 0, 0, 22)               # conv1's output, read by bn1_backward
    assert "fused_tanh1_tanh1 1x6x24x24 [2-21] in place of bn1_output" in text
    _check_lifetimes(ins)
    chart = _chart_rows(text)
    assert len(chart) == len(ins.steps) == 28
    assert chart[0].split()[:3] == ["0", "F", "conv1"] and chart[-1].split()[1] == "B"
    assert [int(line.split()[-1]) for line in chart] == ins.usage
    assert max(ins.usage) <= ins.arena_bytes
    # at step 0 only conv1's output is live; every slot is live at some step
    assert ins.usage[0] == 13824


def test_resnet18_inference(resnet18):
    status, text, _ = _run(resnet18, "--shape", "data=1,3,32,32", "--chart", "text")
    assert status == 0                                   # a Gluon-style export prefix
    ins, _ = insp.inspect_file(resnet18, {"data": (1, 3, 32, 32)})
    assert len(ins.groups) == 8
    assert "Fusion groups (8)" in text
    for k, g in enumerate(ins.groups):
        stage, unit = divmod(k, 2)
        assert g.members == [("elemwise_add", "_plus%d" % k),
                             ("Activation", "stage%d_unit%d_out" % (stage + 1, unit + 1))]
        assert g.side == "forward" and g.n_inputs == 2 and g.n_outputs == 1
    assert ("    group 2: fused_elemwise_add_activation_2 from ops [elemwise_add(_plus2), "
            "Activation(stage2_unit1_out)]") in text
    assert "[2] fused_elemwise_add_activation_2  1x128x4x4 float32  forward" in text
    assert re.search(r"^fold_batchnorm\s+70 -> 41 nodes\s+folded 20 BatchNorms \(9 relus\) into "
                     r"their Convolutions$", text, re.M)
    assert re.search(r"^fuse\s+41 -> 33 nodes\s+8 groups made from 16 nodes$", text, re.M)
    assert "gradient               70 -> 70 nodes     no gradient requested" in text
    rows = _slot_rows(text)
    assert sum(r[1] for r in rows) == ins.arena_bytes == ins.mem_stats["arena_bytes"]
    assert [r[0] for r in rows] == list(range(len(ins.slots)))
    assert all(r[3] <= r[4] for r in rows)
    _check_lifetimes(ins)
    assert len(_chart_rows(text)) == len(ins.steps) == 32
    assert ins.naive_bytes > ins.arena_bytes


def test_resnet18_training_groups_both_sides(resnet18):
    ins, _ = insp.inspect_file(resnet18, {"data": (1, 3, 32, 32)}, grad_req="write")
    forward = [g for g in ins.groups if g.side == "forward"]
    backward = [g for g in ins.groups if g.side == "backward"]
    assert len(forward) == 8 and len(backward) == 7
    for g in backward:        # the residual's gradient sum fused with relu's backward
        assert [op for op, _ in g.members] == ["elemwise_add", "_backward_Activation"]
    grad = [p for p in ins.passes if p.name == "gradient"][0]
    assert grad.summary == "added 74 backward nodes"
    _check_lifetimes(ins)
    assert sum(s.nbytes for s in ins.slots) == ins.arena_bytes
    assert len(ins.usage) == len(ins.steps) == len(ins.plan.forward) + len(ins.plan.backward)


def test_cse_merge_is_reported(tmp_path):
    with mx.name.NameManager():          # `_plus0` whatever ran before in this process
        x = mx.sym.var("x")
        a = mx.sym.Activation(x, act_type="relu", name="ra")
        b = mx.sym.Activation(x, act_type="relu", name="rb")
        net = mx.sym.FullyConnected(mx.sym.exp(a + b, name="e"), num_hidden=3, name="fc")
    path = tmp_path / "cse-symbol.json"
    net.save(str(path))
    status, text, _ = _run(path, "--shape", "x=2,4", "--chart", "text")
    assert status == 0
    assert re.search(r"^eliminate_common_expr\s+5 -> 4 nodes\s+merged 1 node$", text, re.M)
    assert "    merged Activation(rb) into ra" in text
    assert ("group 0: fused_activation_elemwise_add_exp from ops [Activation(ra), "
            "elemwise_add(_plus0), exp(e)]") in text


def test_switches_off(resnet18):
    status, text, _ = _run(resnet18, "--shape", "data=1,3,32,32", "--no-fuse", "--no-plan")
    assert status == 0
    assert "Fusion groups (0)" in text and "fuse   " not in text
    assert "none (plan_memory off)" in text
    assert not _chart_rows(text) and "Arena usage" not in text


def test_png_chart_and_dot_files(tmp_path):
    pytest.importorskip("matplotlib")
    status, text, _ = _run(LENET, "--shape", "data=1,1,28,28", "--out", tmp_path)
    assert status == 0
    png = tmp_path / "arena_usage.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Arena usage chart: %s" % png in text and not _chart_rows(text)
    assert (tmp_path / "report.txt").read_text() in text
    dot = (tmp_path / "graph.dot").read_text()
    assert "subgraph cluster_0 {" in dot and 'label="group 0: fused_tanh1"' in dot
    assert re.search(r'n\d+ \[label="Activation\\ntanh1", shape=box, style="rounded,filled", '
                     r'fillcolor="#ffd8a8"\];', dot)
    if shutil.which("dot"):
        assert (tmp_path / "graph.svg").read_text().lstrip().startswith("<?xml")
        assert (tmp_path / "graph.png").read_bytes()[:4] == b"\x89PNG"


def test_text_chart_without_matplotlib(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)      # import matplotlib fails
    status, text, err = _run(LENET, "--shape", "data=2,1,28,28", "--out", tmp_path,
                             "--chart", "png")
    assert status == 0 and "matplotlib is not installed" in err
    assert not (tmp_path / "arena_usage.png").exists()
    ins, _ = insp.inspect_file(LENET, {"data": (2, 1, 28, 28)})
    assert len(_chart_rows(text)) == len(ins.steps) == 9
    assert (tmp_path / "graph.dot").exists()


def test_dot_clusters_resnet(resnet18):
    ins, _ = insp.inspect_file(resnet18, {"data": (1, 3, 32, 32)})
    dot = insp.to_dot(ins)
    assert dot.count("subgraph cluster_") == 8
    assert 'label="group 7: fused_elemwise_add_activation_7"' in dot
    assert re.search(r'label="elemwise_add\\n_plus7", shape=box, style="rounded,filled"', dot)


def test_errors():
    status, _, err = _run(LENET, "--shape", "data=2,3")
    assert status == 1 and "Convolution" in err
    status, _, err = _run(os.path.join(ROOT, "missing-symbol.json"), "--shape", "data=1,2")
    assert status == 1 and "inspect:" in err
