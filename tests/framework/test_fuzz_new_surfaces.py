"""Run tests/framework/fuzz_new_surfaces.py (every group in its own process, so a segfault
fails the test instead of killing pytest) and require no finding.  gluon.rnn's group is left
out: its known findings belong to the RNN layers (see the fuzz cases)."""
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.slow
def test_new_surfaces_reject_bad_input_with_mxnet_errors():
    sys.path.insert(0, ROOT)
    from tests.framework.fuzz_new_surfaces import _groups
    groups = sorted(g for g in _groups() if g != "rnn_layers")
    proc = subprocess.run([sys.executable, "-m", "tests.framework.fuzz_new_surfaces"] + groups,
                          cwd=ROOT, capture_output=True, text=True, timeout=1800,
                          env=dict(os.environ, PYTHONPATH=ROOT))
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    lines = [json.loads(l) for l in proc.stdout.splitlines() if l.startswith("{")]
    assert lines and lines[-1].get("done") and lines[-1]["groups"] == len(groups), \
        proc.stdout[-2000:]
    findings = lines[:-1]
    assert not findings, "bad input not handled:\n" + "\n".join(
        "%(group)s/%(case)s [%(kind)s] %(detail)s" % f for f in findings[:40])
