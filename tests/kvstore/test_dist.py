"""dist_sync over MPI with 2 ranks: each test launches `_dist_worker.py` under mpiexec (through
framework.tools.launch, or mpiexec directly) and checks what the ranks wrote."""
import importlib.util
import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest

import framework as mx
from framework.kvstore.collectives import Collectives
from framework.tools.launch import find_mpiexec

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
WORKER = os.path.join(HERE, "_dist_worker.py")
sys.path.insert(0, HERE)
import dist_common  # noqa: E402

_MPIEXEC = find_mpiexec()
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("mpi4py") is None,
                       reason="mpi4py is not installed (pip install -e '.[dist]')"),
    pytest.mark.skipif(_MPIEXEC is None,
                       reason="no mpiexec (the mpich wheel of the dist extra provides it)"),
]
TIMEOUT = 180


def _env(**extra):
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def _launch(mode, out, env=None, n=2):
    cmd = [sys.executable, "-m", "framework.tools.launch", "-n", str(n), WORKER, mode, str(out)]
    proc = subprocess.run(cmd, cwd=ROOT, env=_env(**(env or {})), capture_output=True,
                          text=True, timeout=TIMEOUT)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


def test_allreduce_init_broadcast_and_buckets(tmp_path):
    bucket_mb = 0.001                       # ~1 KB buckets: the 121 tensors need several
    _launch("allreduce", tmp_path, env={"MXNET_KVSTORE_BUCKET_MB": str(bucket_mb)})
    tensors = dist_common.small_tensors(rank=0)
    layout = tuple((v.shape, v.dtype.str) for _, v in tensors)
    expected_calls = len(Collectives(None, bucket_nbytes=int(bucket_mb * (1 << 20))).plan(layout))
    assert 3 < expected_calls < len(tensors) // 4
    for rank in range(2):
        res = np.load(tmp_path / ("rank%d.npz" % rank))
        np.testing.assert_array_equal(res["init"], np.ones(3))          # rank 0's value
        assert int(res["calls"]) == expected_calls                     # one call per bucket
        for key, base in tensors:
            got = res["sum_" + key]
            assert got.dtype == base.dtype, key
            np.testing.assert_array_equal(got, base * 3, err_msg=key)  # 1x + 2x
        np.testing.assert_array_equal(res["devices"], np.full((2, 2, 2), 9.0))   # (1+2)*(1+2)
        np.testing.assert_array_equal(res["broadcast"], [5.0, 5.0])
        np.testing.assert_array_equal(res["updated"], np.full(4, 1 - 0.5 * 3))


def test_bucket_plan_packs_small_tensors():
    coll = Collectives(None, bucket_nbytes=64)
    layout = (((4,), "<f4"),) * 5 + (((32,), "<f4"), ((2,), "<f8"), ((3,), "<f4"))
    plan = coll.plan(layout)
    # 4 floats of 16 bytes: 4 per bucket; the 128-byte tensor alone; f8 in its own bucket
    assert [[i for i, _, _ in b.items] for b in plan] == [[0, 1, 2, 3], [4, 7], [5], [6]]
    assert [b.items[1][1] for b in plan[:2]] == [4, 4]                  # element offsets


def _check_mlp(tmp_path, use_optimizer):
    ref = dist_common.train_single_process(mx, 2, use_optimizer=use_optimizer)
    start = dist_common.init_params(seed=0)
    assert max(float(np.abs(a - b).max()) for a, b in zip(ref, start)) > 1e-2   # it trained
    for rank in range(2):
        res = np.load(tmp_path / ("rank%d.npz" % rank))
        for i, want in enumerate(ref):
            np.testing.assert_allclose(res["p%d" % i], want, rtol=0, atol=1e-5)


def test_two_rank_mlp_equals_single_process(tmp_path):
    _launch("mlp", tmp_path)
    _check_mlp(tmp_path, use_optimizer=False)


def test_two_rank_mlp_with_set_optimizer(tmp_path):
    _launch("mlp_optimizer", tmp_path)
    _check_mlp(tmp_path, use_optimizer=True)
    # the momentum states, written once by rank 0, load into a local store
    assert sorted(os.listdir(tmp_path)) == ["opt.states", "rank0.npz", "rank1.npz"]
    kv = mx.kv.create('local')
    kv.set_optimizer(mx.optimizer.SGD(learning_rate=dist_common.LR,
                                      momentum=dist_common.MOMENTUM))
    kv.load_optimizer_states(str(tmp_path / "opt.states"))
    assert sorted(kv._updater.states) == [0, 1, 2, 3]


def test_two_rank_gluon_trainer_equals_single_process(tmp_path):
    _launch("trainer", tmp_path)
    ref = dist_common.train_gluon(mx, 0, 1, kvstore=None)
    for rank in range(2):
        res = np.load(tmp_path / ("rank%d.npz" % rank))
        for i, want in enumerate(ref):
            np.testing.assert_allclose(res["p%d" % i], want, rtol=0, atol=1e-5)


def test_mismatched_shapes_raise_on_every_rank(tmp_path):
    _launch("mismatch", tmp_path)
    for rank in range(2):
        msgs = json.load(open(tmp_path / ("rank%d.json" % rank)))
        assert msgs["init"] == ("KVStore.init (dist_sync): arrays differ across workers: rank 0 "
                                "has key 'w' shape (2, 3) float32, rank 1 has key 'w' shape "
                                "(3, 3) float32")
        assert "rank 0 has key 'x' shape (2,) float32, rank 1 has key 'y'" in msgs["push"]
        assert msgs["after"] == [2.0, 2.0]


def test_exception_on_one_rank_ends_the_job(tmp_path):
    start = time.monotonic()
    proc = subprocess.run([_MPIEXEC, "-n", "2", sys.executable, WORKER, "raise", str(tmp_path)],
                          cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=TIMEOUT)
    assert time.monotonic() - start < 60
    assert proc.returncode != 0
    assert "RuntimeError: rank 1 fails on purpose" in proc.stderr + proc.stdout


def test_launcher_returns_the_exit_code_of_a_failing_rank(tmp_path):
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "framework.tools.launch", "-n", "2", WORKER,
                           "exit", str(tmp_path)], cwd=ROOT, env=_env(), capture_output=True,
                          text=True, timeout=TIMEOUT)
    assert time.monotonic() - start < 60
    assert proc.returncode == 3, proc.stderr[-2000:]


def test_dist_store_without_mpiexec_is_one_worker(tmp_path):
    """`python train.py` with a dist store: MPI's singleton init, rank 0 of 1."""
    proc = subprocess.run([sys.executable, WORKER, "allreduce", str(tmp_path)], cwd=ROOT,
                          env=_env(), capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    res = np.load(tmp_path / "rank0.npz")
    for key, base in dist_common.small_tensors(rank=0):
        np.testing.assert_array_equal(res["sum_" + key], base, err_msg=key)
    np.testing.assert_array_equal(res["devices"], np.full((2, 2, 2), 3.0))
    np.testing.assert_array_equal(res["updated"], np.full(4, 0.5))


def test_mismatch_message_for_different_key_counts():
    from framework.kvstore.dist import _describe_mismatch
    msg = _describe_mismatch("KVStore.push (dist_sync)",
                             [[["a", [2], "float32"]], [["a", [2], "float32"],
                                                        ["b", [3], "float32"]]])
    assert msg == ("KVStore.push (dist_sync): the ranks give different numbers of keys "
                   "(rank 0: 1, rank 1: 2)")
