"""mx.lr_scheduler against the sequences real MXNet 1.9.1 printed (31 update counts per
schedule, see make_golden_optimizer.py), hand-computed values, and bad configurations."""
import json
import math
import os

import numpy as np
import pytest

import framework as mx
from framework.base import MXNetError

with open(os.path.join(os.path.dirname(__file__), "data", "golden_optimizer.json")) as _f:
    META = json.load(_f)
CASES = META["schedulers"]


@pytest.mark.parametrize("case", CASES, ids=["%s-%d" % (c["name"], i) for i, c in enumerate(CASES)])
def test_golden_sequence(case):
    sched = getattr(mx.lr_scheduler, case["name"])(**case["kwargs"])
    counts = case.get("counts", range(0, 31))
    got = [sched(n) for n in counts]
    np.testing.assert_allclose(got, case["lrs"], rtol=1e-15, atol=0)


def test_factor_scheduler_changes_in_place_and_floors():
    s = mx.lr_scheduler.FactorScheduler(step=2, factor=0.1, stop_factor_lr=1e-3, base_lr=1.0)
    assert [s(n) for n in (1, 2, 3, 5, 7, 9)] == pytest.approx([1, 1, 0.1, 0.01, 1e-3, 1e-3])
    assert s.base_lr == 1e-3 and s.count == 8
    # counts going backwards do not restore the rate (MXNet keeps its state)
    assert s(1) == 1e-3


def test_warmup_linear_and_constant():
    s = mx.lr_scheduler.PolyScheduler(max_update=10, base_lr=1.0, pwr=1, warmup_steps=4,
                                      warmup_begin_lr=0.2)
    assert [s(n) for n in range(4)] == pytest.approx([0.2, 0.4, 0.6, 0.8])
    assert s(4) == pytest.approx(1.0) and s(7) == pytest.approx(0.5) and s(10) == 0.0
    assert s(50) == 0.0                          # stays at its last value
    c = mx.lr_scheduler.CosineScheduler(max_update=10, base_lr=1.0, warmup_steps=2,
                                        warmup_begin_lr=0.3, warmup_mode="constant")
    assert [c(0), c(1)] == [0.3, 0.3]
    assert c(6) == pytest.approx((1 + math.cos(math.pi * 4 / 8)) / 2)


def test_multifactor_steps():
    s = mx.lr_scheduler.MultiFactorScheduler(step=[2, 4], factor=0.5, base_lr=1.0)
    assert [s(n) for n in range(1, 7)] == [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
    assert s.cur_step_ind == 2 and s.count == 4


def test_base_class_must_be_overridden():
    with pytest.raises(NotImplementedError):
        mx.lr_scheduler.LRScheduler()(1)


BAD = META["bad_schedulers"]


@pytest.mark.parametrize("case", BAD, ids=["%s-%d" % (c["name"], i) for i, c in enumerate(BAD)])
def test_bad_configuration_raises_like_mxnet(case):
    assert case["error"] == "ValueError"
    with pytest.raises(MXNetError, match=case["message"]) as info:
        getattr(mx.lr_scheduler, case["name"])(**case["kwargs"])
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("make", [
    lambda: mx.lr_scheduler.FactorScheduler(step=2, warmup_steps=1.5),
    lambda: mx.lr_scheduler.MultiFactorScheduler(step=(2, 3)),
    lambda: mx.lr_scheduler.PolyScheduler(max_update=10.0),
])
def test_wrong_argument_types(make):
    with pytest.raises(MXNetError):
        make()
