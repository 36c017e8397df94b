"""Memory planning: Graph -> Graph assigning every intermediate value a slot of one arena.

MXNet's algorithm (nnvm PlanMemory / AllocMemory with the GraphAllocator):

- Reference counts per entry: one per use as a node input, one more per graph output.
- Nodes are visited in execution order (graph.nodes: the forward nodes, then the backward
  ones).  For each (input, output) pair an op declares in `inplace`, the output takes the
  input's slot when: that input is not already taken by another pair, the output has no slot
  yet, the input lives in the arena, this node holds the slot's last reference (so the input
  dies here), the output is used, and both have the same number of elements and the same
  dtype.  Nodes that mutate aux states (`_backward_BatchNorm`) never work in place.
- Other outputs, largest first, get a slot from the allocator: best fit among free slots
  within a size window (MXNet's match_range, 16x: the smallest free slot of at least the
  requested size up to 16x, else the largest one down to 1/16 of it, which then grows), or a
  new slot.  Sizes are real bytes (MXNet assumes 4-byte elements).
- Then the node's inputs are released (a slot returns to the free list when its count reaches
  zero) and outputs nobody reads are released at once.

Variables (arguments, aux states, head gradients), graph outputs (forward outputs and the
gradients written into user-owned arrays) are external: slot -1, never reused.

Results in graph.attrs: "storage" {entry key: slot or -1}, "slot_bytes" [bytes per slot],
"inplace" {output entry key: input entry key}, "mem_stats" {"arena_bytes", "naive_bytes"
(every intermediate in its own buffer), "inplace_count", "num_slots"}.
"""
import bisect
import itertools
import os

import numpy as np

from ..errors import MXNetError

EXTERNAL = -1
MATCH_RANGE = 16


def enabled():
    """Whether memory planning is on (env MXNET_MEM_PLAN, default on)."""
    return os.environ.get("MXNET_MEM_PLAN", "1").strip().lower() not in ("0", "false", "off")


class Allocator:
    """MXNet's GraphAllocator for one device: slots with a size that only grows, and a free
    list ordered by size (ties: release order)."""

    def __init__(self, match_range=MATCH_RANGE):
        self.match_range = match_range
        self.slot_bytes = []
        self._free = []                  # sorted (bytes, release seq, slot)
        self._seq = itertools.count()

    def request(self, nbytes):
        if self.match_range == 0:
            return self._alloc(nbytes)
        free = self._free
        begin = bisect.bisect_left(free, (nbytes // self.match_range, -1))
        mid = bisect.bisect_left(free, (nbytes, -1))
        end = bisect.bisect_right(free, (nbytes * self.match_range, float("inf")))
        if mid < end:                    # the smallest free slot at least as large
            return self._take(mid, nbytes)
        if mid > begin:                  # else the largest smaller one (it grows)
            return self._take(mid - 1, nbytes)
        return self._alloc(nbytes)

    def release(self, slot):
        bisect.insort(self._free, (self.slot_bytes[slot], next(self._seq), slot))

    def _take(self, pos, nbytes):
        _, _, slot = self._free.pop(pos)
        self.slot_bytes[slot] = max(self.slot_bytes[slot], nbytes)
        return slot

    def _alloc(self, nbytes):
        self.slot_bytes.append(nbytes)
        return len(self.slot_bytes) - 1


def _nbytes(shape, dtype):
    return int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize


def plan_memory(graph, match_range=None):
    """Return a copy of `graph` with the memory plan in graph.attrs (see the module doc)."""
    shapes, dtypes = graph.attrs.get("shape"), graph.attrs.get("dtype")
    if shapes is None or dtypes is None:
        raise MXNetError("plan_memory: the graph needs inferred shapes and dtypes "
                         "(run infer_shape and infer_type first)")
    if match_range is None:
        match_range = int(os.environ.get("NNVM_EXEC_MATCH_RANGE", MATCH_RANGE))
    nodes = graph.nodes

    def info(key, node):
        shape, dtype = shapes.get(key), dtypes.get(key)
        if shape is None or dtype is None:
            raise MXNetError("plan_memory: output %d of '%s' has an unknown %s"
                             % (key[1], node.name, "shape" if shape is None else "dtype"))
        return shape, dtype

    ref = {}
    for node in nodes:
        for e in node.inputs:
            ref[e.key()] = ref.get(e.key(), 0) + 1
    for e in graph.outputs:
        ref[e.key()] = ref.get(e.key(), 0) + 1
    storage = {}
    for node in nodes:
        if node.is_variable:
            storage[(id(node), 0)] = EXTERNAL
    for e in graph.outputs:
        storage[e.key()] = EXTERNAL

    alloc = Allocator(match_range)
    slot_ref = []                       # slot -> live references
    inplace = {}
    naive = 0
    for node in nodes:
        if node.is_variable:
            continue
        n_out = node.num_outputs()
        out_keys = [(id(node), i) for i in range(n_out)]
        for key in out_keys:
            if storage.get(key) != EXTERNAL:
                naive += _nbytes(*info(key, node))
        if node.op.inplace and not node.op.mutates_aux:
            taken = set()
            for i_in, i_out in node.op.inplace:
                if i_in >= len(node.inputs) or i_out >= n_out or i_in in taken:
                    continue
                in_key, out_key = node.inputs[i_in].key(), out_keys[i_out]
                sid = storage.get(in_key, EXTERNAL)
                # identity views (reshapes, MXNet's FInplaceIdentity) may share a slot whose
                # input is still read later: both names hold the same bytes and the refcount
                # keeps anyone from writing that slot in place while either is live
                shared_ok = node.op.identity_view or slot_ref[sid] == 1 if sid >= 0 else False
                if (out_key in storage or sid < 0 or not shared_ok
                        or ref.get(out_key, 0) == 0):
                    continue
                (s_in, t_in), (s_out, t_out) = info(in_key, node.inputs[i_in].node), \
                    info(out_key, node)
                if _nbytes(s_in, t_in) != _nbytes(s_out, t_out) or t_in != t_out:
                    continue
                taken.add(i_in)
                storage[out_key] = sid
                slot_ref[sid] += ref[out_key]
                inplace[out_key] = in_key
        pending = [k for k in out_keys if k not in storage]
        # largest first; equal sizes in reverse output order, as MXNet's multimap walk
        pending.sort(key=lambda k: (_nbytes(*info(k, node)), k[1]), reverse=True)
        for key in pending:
            sid = alloc.request(_nbytes(*info(key, node)))
            if sid == len(slot_ref):
                slot_ref.append(0)
            slot_ref[sid] = ref.get(key, 0)
            storage[key] = sid
        for e in node.inputs:
            sid = storage.get(e.key(), EXTERNAL)
            if sid < 0:
                continue
            slot_ref[sid] -= 1
            if slot_ref[sid] == 0:
                alloc.release(sid)
        for key in out_keys:
            sid = storage[key]
            if sid >= 0 and slot_ref[sid] == 0:
                alloc.release(sid)       # never read (hidden outputs): free at once
    out = graph.copy()
    out.attrs["storage"] = storage
    out.attrs["slot_bytes"] = list(alloc.slot_bytes)
    out.attrs["inplace"] = inplace
    out.attrs["mem_stats"] = {"arena_bytes": int(sum(alloc.slot_bytes)), "naive_bytes": naive,
                              "inplace_count": len(inplace), "num_slots": len(alloc.slot_bytes)}
    return out
