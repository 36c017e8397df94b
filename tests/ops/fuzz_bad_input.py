"""Feed every registered op perturbed inputs; print one JSON line per unexpected outcome.

Run as a script (tests/ops/test_bad_input.py runs it in a subprocess, so a segfault or an
abort fails the test instead of killing pytest).  For each op case: wrong rank, wrong sizes,
wrong dtype, an unknown attribute and malformed attribute values.  Each call must either
succeed or raise MXNetError; any other exception is reported.
"""
import json
import sys
import traceback

import numpy as np

import framework as mx
from compiler.errors import MXNetError
from compiler.ops import registry
from tests.ops.test_ops import CASES

MALFORMED = ["((", "abc", "-1000000000", "1e400", "(1, 2, 3, 4, 5, 6, 7)", "-1", "None", "True"]


def _variants(case, arrays):
    yield "unknown_attr", arrays, dict(case.attrs, bogus_attribute="1")
    for name, spec in registry.get(case.op).attrs.items():
        for value in MALFORMED:
            yield "attr_%s=%s" % (name, value), arrays, dict(case.attrs, **{name: value})
    for i, a in enumerate(arrays):
        bad = list(arrays)
        bad[i] = a.reshape(a.shape + (1,)) if a.ndim < 6 else a.reshape(-1)
        yield "rank+1_in%d" % i, bad, case.attrs
        if a.ndim:
            bad = list(arrays)
            bad[i] = np.ascontiguousarray(a.reshape(-1)[: max(a.size - 1, 0)])
            yield "flat_shorter_in%d" % i, bad, case.attrs
            shape = list(a.shape)
            shape[-1] += 2
            bad = list(arrays)
            bad[i] = np.resize(a, shape).astype(a.dtype)
            yield "bigger_last_dim_in%d" % i, bad, case.attrs
        bad = list(arrays)
        bad[i] = a.astype(np.int32) if a.dtype.kind == "f" else a.astype(np.float32)
        yield "dtype_in%d" % i, bad, case.attrs
    if arrays:
        yield "missing_input", arrays[:-1], case.attrs


def main(ops=None):
    from framework.ndarray import dispatch
    # a malformed size (start=-1e9 for arange) is a legal, huge request: the framework's
    # memory guard must refuse it instead of the machine running out of memory
    dispatch._available_bytes = lambda: 1 << 30
    problems = 0
    seen = set()
    for case in CASES:
        if ops and case.op not in ops:
            continue
        if case.op in seen:     # one case per op keeps the run short
            continue
        seen.add(case.op)
        arrays = case.make_inputs(case.dtypes[0])
        fn = getattr(mx.nd.op, case.op)
        for label, inputs, attrs in _variants(case, arrays):
            try:
                fn(*[mx.nd.array(a, dtype=a.dtype) for a in inputs], **attrs)
            except MXNetError:
                pass
            except Exception as err:  # noqa: BLE001 - this is what the fuzzer looks for
                problems += 1
                print(json.dumps({"op": case.op, "variant": label, "error": type(err).__name__,
                                  "message": str(err)[:300],
                                  "where": traceback.format_exc().strip().splitlines()[-3][:200]}))
    print(json.dumps({"done": True, "ops": len(seen), "problems": problems}))


if __name__ == "__main__":
    main(set(sys.argv[1:]) or None)
