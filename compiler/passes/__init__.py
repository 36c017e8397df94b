"""Compiler passes: each a pure function Graph -> Graph in its own file.

infer_shape, infer_type: shape and dtype inference (results in graph.attrs);
gradient (MXNet's gradient pass), eliminate_common_expr (cse.py), dce, fuse, plan_memory,
lower (-> compiler.plan.ExecPlan).  compiler/pipeline.py runs them in that order.
"""
from .infer_shape import infer_shape  # noqa: F401
from .infer_type import infer_type  # noqa: F401
from .gradient import gradient  # noqa: F401
from .cse import eliminate_common_expr  # noqa: F401
from .dce import dce  # noqa: F401
from .lower import lower  # noqa: F401
