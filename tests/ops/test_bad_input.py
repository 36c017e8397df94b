"""Bad input never crashes the process and always raises MXNetError (see fuzz_bad_input.py)."""
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.slow
def test_every_op_rejects_bad_input_with_mxnet_error():
    proc = subprocess.run([sys.executable, "-m", "tests.ops.fuzz_bad_input"], cwd=ROOT,
                          capture_output=True, text=True, timeout=900,
                          env=dict(os.environ, PYTHONPATH=ROOT))
    assert proc.returncode == 0, "the process crashed (exit %d):\n%s" % (
        proc.returncode, (proc.stdout + proc.stderr)[-3000:])
    lines = [json.loads(l) for l in proc.stdout.splitlines() if l.startswith("{")]
    summary = lines[-1]
    assert summary.get("done"), proc.stdout[-2000:]
    problems = [l for l in lines[:-1]]
    assert not problems, "ops raised non-MXNetError exceptions:\n" + "\n".join(
        "%(op)s [%(variant)s] %(error)s: %(message)s" % p for p in problems[:40])
    assert summary["ops"] > 200
