"""The device arena: typed views share the arena's bytes (what the executor's memory plan
relies on), bounds and alignment are checked, and the pool reuses released buffers."""
import numpy as np
import pytest

from compiler.errors import MXNetValueError
from kernels.codegen.elementwise import ElementwiseSpec
from kernels.cuda import codegen, memory


def test_views_alias_the_arena_and_kernels_write_through_them():
    pool = memory.DevicePool()
    arena = pool.acquire(300)
    assert arena.size == 512 and arena.dtype == np.uint8
    a = memory.view(arena, 0, (2, 3), np.float32)
    b = memory.view(arena, 64, (6,), np.float64)
    alias = memory.view(arena, 0, (6,), np.float32)
    codegen.fill(a, 1.5)
    codegen.launch(ElementwiseSpec(("x",), ["x * 2"], tag="test_arena"), [b], [alias])
    np.testing.assert_array_equal(alias.copy_to_host(), np.full(6, 1.5, np.float32))
    np.testing.assert_array_equal(b.copy_to_host(), np.full(6, 3.0))
    raw = arena.copy_to_host()
    np.testing.assert_array_equal(raw[:24].view(np.float32), np.full(6, 1.5, np.float32))
    with pytest.raises(MXNetValueError, match="do not fit an arena of 512 bytes"):
        memory.view(arena, 480, (8,), np.float64)
    with pytest.raises(MXNetValueError, match="misaligned"):
        memory.view(arena, 4, (2,), np.float64)


def test_pool_reuses_released_buffers():
    pool = memory.DevicePool()
    first = pool.acquire(1000)
    pool.release(first)
    assert pool.acquire(700) is first and pool.reused == 1
    other = pool.acquire(5000)
    assert other.size == 8192 and pool.allocated_bytes == 1024 + 8192
    pool.release(other)
    assert pool.cached_bytes() == 8192
    pool.trim()
    assert pool.cached_bytes() == 0 and pool.allocated_bytes == 1024
    assert isinstance(memory.default_pool(), memory.DevicePool)
