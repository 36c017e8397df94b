"""mx.kv 'local' / 'device' stores in one process, against real MXNet 1.9.1's behaviour
(golden_kvstore.json from make_golden_kvstore.py) and hand-computed values."""
import json
import os
import sys

import numpy as np
import pytest

import framework as mx
from framework.base import MXNetError

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import kv_scenarios  # noqa: E402

with open(os.path.join(HERE, "golden_kvstore.json")) as _f:
    GOLDEN = json.load(_f)["scenarios"]

# MXNet raises these classes; ours must be instances of them (MXNetError subclasses
# keep `except AssertionError` / `except ValueError` working)
_CLASSES = {"MXNetError": MXNetError, "AssertionError": AssertionError,
            "ValueError": ValueError, "TypeError": TypeError, "Exception": Exception}


@pytest.mark.parametrize("scenario", kv_scenarios.SCENARIOS, ids=lambda s: s.__name__)
def test_scenario_matches_mxnet(scenario, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rec = kv_scenarios.Recorder()
    scenario(mx, rec)
    golden = GOLDEN[scenario.__name__]
    assert [label for label, _ in rec.results] == [label for label, _ in golden]
    for (label, got), (_, want) in zip(rec.results, golden):
        if isinstance(want, dict) and "error" in want:
            err = rec.errors.get(label)
            assert err is not None, "%s: MXNet raised %s, we returned %r" % (label, want, got)
            assert isinstance(err, _CLASSES[want["error"]]), (label, type(err), want)
            assert isinstance(err, MXNetError), (label, type(err))
            continue
        assert label not in rec.errors, "%s: %r" % (label, rec.errors.get(label))
        assert json.loads(json.dumps(got)) == want, label


def test_error_messages_name_the_key():
    kv = mx.kv.create('local')
    kv.init(3, mx.nd.ones((2, 3)))
    with pytest.raises(MXNetError, match="duplicate init of key 3"):
        kv.init(3, mx.nd.ones((2, 3)))
    with pytest.raises(MXNetError, match="key 99 has not been inited"):
        kv.pull(99, out=mx.nd.zeros((2, 3)))
    with pytest.raises(MXNetError, match="Mixed key types are not allowed"):
        kv.push('w', mx.nd.ones((2, 3)))
    # MXNet accepts these silently (the engine fails later); here they raise at once
    with pytest.raises(MXNetError, match=r"push: key 3: array shape \(3, 3\) does not match "
                                         r"the stored shape \(2, 3\)"):
        kv.push(3, mx.nd.ones((3, 3)))
    with pytest.raises(MXNetError, match=r"pull: key 3: array shape \(4,\)"):
        kv.pull(3, out=mx.nd.zeros((4,)))
    s = mx.kv.create('local')
    s.init('w', mx.nd.ones((2,)))
    with pytest.raises(MXNetError, match="key q doesn't exist. Did you init"):
        s.push('q', mx.nd.ones((2,)))


def test_store_keeps_its_own_copy():
    kv = mx.kv.create('local')
    x = mx.nd.ones((2,)) * 3
    kv.init(0, x)
    x[:] = 9                      # the store copied the init value (MXNet does too)
    g = mx.nd.ones((2,))
    kv.push(0, g)
    g[:] = 5                      # MXNet aliases the pushed array here; we copy
    out = mx.nd.zeros((2,))
    kv.pull(0, out=out)
    np.testing.assert_array_equal(out.asnumpy(), [1, 1])


def test_updater_gets_str_keys_and_stored_array_in_place():
    kv = mx.kv.create('local')
    w0 = mx.nd.array([1.0, 2.0])
    kv.init('w', w0)
    seen = {}

    def sgd(key, grad, weight):
        seen['key'] = key
        seen['weight_buffer'] = weight._data
        weight[:] = weight - 0.1 * grad

    kv._set_updater(sgd)
    kv.push('w', [mx.nd.array([1.0, 1.0], ctx=mx.cpu(i)) for i in range(2)])
    kv.push('w', mx.nd.array([0.5, -0.5]))
    out = mx.nd.zeros((2,))
    kv.pull('w', out=out)
    np.testing.assert_allclose(out.asnumpy(), [1 - 0.2 - 0.05, 2 - 0.2 + 0.05], rtol=1e-6)
    assert seen['key'] == 'w'
    assert seen['weight_buffer'] is kv._store[0]._data     # updated in place


def test_device_store_over_cpu_contexts():
    ctxs = [mx.cpu(i) for i in range(3)]
    kv = mx.kv.create('device')
    kv.init('w', mx.nd.zeros((2, 2), ctx=ctxs[0]))
    grads = [mx.nd.ones((2, 2), ctx=c) * (i + 1) for i, c in enumerate(ctxs)]
    outs = [mx.nd.zeros((2, 2), ctx=c) for c in ctxs]
    kv.pushpull('w', grads, out=outs)
    for c, o in zip(ctxs, outs):
        assert o.context == c
        np.testing.assert_array_equal(o.asnumpy(), np.full((2, 2), 6.0))


def test_unsupported_types_and_sparse():
    with pytest.raises(MXNetError, match="asynchronous updates are not supported"):
        mx.kv.create('dist_async')
    with pytest.raises(MXNetError, match="NCCL"):
        mx.kv.create('nccl')
    kv = mx.kv.create('local')
    kv.init(0, mx.nd.ones((2,)))
    with pytest.raises(MXNetError, match="row_sparse"):
        kv.row_sparse_pull(0, out=mx.nd.zeros((2,)), row_ids=mx.nd.array([0]))


class _StateUpdater:
    """A tiny updater with MXNet's Updater state API (bytes in, bytes out)."""

    def __init__(self):
        self.count = 0

    def __call__(self, key, grad, weight):
        self.count += 1
        weight[:] = weight - grad

    def get_states(self, dump_optimizer=False):
        return json.dumps({"count": self.count, "dump": dump_optimizer}).encode()

    def set_states(self, states):
        self.count = json.loads(states.decode())["count"]


def test_save_load_optimizer_states_atomic(tmp_path):
    kv = mx.kv.create('local')
    kv.init(0, mx.nd.ones((2,)))
    updater = _StateUpdater()
    kv._set_updater(updater)
    kv.push(0, mx.nd.ones((2,)))
    kv.push(0, mx.nd.ones((2,)))
    fname = str(tmp_path / "opt.states")
    kv.save_optimizer_states(fname, dump_optimizer=True)
    assert json.loads(open(fname, "rb").read()) == {"count": 2, "dump": True}
    assert os.listdir(tmp_path) == ["opt.states"]          # no temporary file left
    other = mx.kv.create('local')
    fresh = _StateUpdater()
    other._set_updater(fresh)
    other.load_optimizer_states(fname)
    assert fresh.count == 2


def test_set_optimizer_sgd():
    opt = mx.optimizer
    kv = mx.kv.create('local')
    weight = mx.nd.zeros((2, 2))
    kv.init(3, weight)
    kv.set_optimizer(opt.SGD())
    kv.push(3, mx.nd.ones((2, 2)))
    kv.pull(3, out=weight)
    np.testing.assert_allclose(weight.asnumpy(), np.full((2, 2), -0.01), rtol=1e-6)


def test_barrier_and_capability():
    kv = mx.kv.create('device')
    kv._barrier()
    kv.barrier()
    assert kv.is_capable(mx.kv.KVStoreBase.OPTIMIZER)
    assert isinstance(kv, mx.kvstore.KVStoreBase)


def test_register_custom_store():
    @mx.kv.KVStoreBase.register
    class MyTinyStore(mx.kv.KVStoreBase):
        @property
        def type(self):
            return "mytinystore"

    try:
        assert type(mx.kv.create('MyTinyStore')).__name__ == "MyTinyStore"
    finally:
        del mx.kv.KVStoreBase.kv_registry["mytinystore"]
