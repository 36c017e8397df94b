"""python -m framework.tools.dump: the graph after every pass of a symbol JSON file, printed
or written per stage (text / JSON / DOT, rendered when Graphviz's dot is installed)."""
import io
import json
import os
import shutil
import subprocess
import sys

import pytest

from framework.tools import dump

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LENET = os.path.join(ROOT, "tests", "compat", "data", "symbols", "lenet_bn-symbol.json")
MLP = os.path.join(ROOT, "tests", "compat", "data", "symbols", "mlp-symbol.json")


def _run(*argv):
    out = io.StringIO()
    status = dump.run(list(argv), out=out)
    return status, out.getvalue()


def test_text_of_every_stage():
    status, text = _run(LENET, "--shape", "data=2,1,28,28")
    assert status == 0
    headers = [line for line in text.splitlines() if line.startswith("=== ")]
    assert headers == ["=== %s (text) ===" % s for s in dump.STAGES]
    fuse = text.split("=== fuse (text) ===")[1].split("===")[0]
    assert "fused_tanh1 = _FusedElementwise(bn1_output=#7) -> (2, 6, 24, 24) float32" in fuse
    assert "    | tanh1 = Activation(bn1_output) {act_type=tanh}" in fuse
    planned = text.split("=== plan_memory (text) ===")[1].split("===")[0]
    assert "@slot" in planned and "in-place" in planned
    assert "memory: arena" in planned
    assert "ExecPlan" in text.split("=== lower (text) ===")[1]


def test_training_graph_json_and_dot():
    status, text = _run(MLP, "--shape", "data=4,20", "--grad-req", "write", "--stage",
                        "plan_memory", "--format", "json,dot")
    assert status == 0
    body = text.split("=== plan_memory (json) ===\n")[1].split("\n=== plan_memory (dot)")[0]
    doc = json.loads(body)
    names = [n["name"] for n in doc["nodes"]]
    assert "fc1_weight" in names and any(n.startswith("fc1_backward") for n in names)
    storage = doc["attrs"]["storage_id"][1]
    assert len(storage) == doc["node_row_ptr"][-1] and max(storage) >= 0
    assert text.split("=== plan_memory (dot) ===\n")[1].startswith('digraph "plan_memory" {')


def test_write_files(tmp_path):
    status, text = _run(MLP, "--shape", "data=4,20", "--format", "text,dot", "--out",
                        str(tmp_path), "--stage", "input,fuse,lower", "--render", "none")
    assert status == 0
    files = sorted(os.listdir(tmp_path))
    assert files == ["00-input.dot", "00-input.txt", "07-fuse.dot", "07-fuse.txt",
                     "09-lower.txt"]
    assert "wrote %s" % os.path.join(str(tmp_path), "07-fuse.txt") in text


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_dot_files_are_rendered(tmp_path):
    status, _ = _run(LENET, "--shape", "data=1,1,28,28", "--grad-req", "write", "--format",
                     "dot", "--out", str(tmp_path), "--stage", "fuse", "--render", "svg,png")
    assert status == 0
    svg = (tmp_path / "07-fuse.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "fused_tanh1" in svg
    assert (tmp_path / "07-fuse.png").read_bytes()[:4] == b"\x89PNG"


def test_switches_and_errors(capsys):
    status, text = _run(LENET, "--shape", "data=2,1,28,28", "--stage", "fuse", "--no-fuse")
    assert status == 0 and "=== fuse" not in text          # the pass did not run
    assert _run(LENET, "--stage", "nope")[0] == 1
    assert "unknown stage nope" in capsys.readouterr().err
    assert _run(LENET, "--shape", "data=2,3")[0] == 1       # Convolution needs 4-d data
    assert "Convolution" in capsys.readouterr().err
    assert _run(os.path.join(ROOT, "missing.json"))[0] == 1


def test_module_entry_point():
    done = subprocess.run([sys.executable, "-m", "framework.tools.dump", MLP, "--shape",
                           "data=1,20", "--stage", "fuse"], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("=== fuse (text) ===\nfuse: ")
