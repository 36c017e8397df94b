"""The CUDA target's names for generated elementwise kernels.

Generated CUDA kernels do `from kernels.codegen.scalar_cuda import *` where CPU kernels do
`from kernels.codegen.scalar import *`: the same helper names (plus `math`), so one scalar
expression compiles for both targets.  Changing this file changes the CUDA kernels' cache key.

- On a GPU the helpers ARE scalar.py's (Numba compiles them as device code unchanged),
  except those that call NumPy ufuncs on scalars (np.trunc, np.floor, np.fmod do not exist
  in CUDA device code): `mod`, `fmod_py`, `round_half_away` and `rint_mx` are re-spelled
  below with `math` (libdevice), same case splits.  The float32 approximations are the exact
  functions there (the codegen maps them to math.exp/math.tanh/sigmoid: GPU exp is fast).
- In Numba's CUDA simulator kernels run as Python with NumPy scalars, so every helper must be
  callable from Python with Numba's semantics: scalar.py's njit functions are (they compile
  for the CPU), its jit-only overloads get njit wrappers, and `math` is a namespace of NumPy
  ufuncs and njit wrappers, so math.log(0.0) gives -inf as on a GPU, not a Python exception.
"""
import math as _pymath
from types import SimpleNamespace

import numpy as np
from numba import njit

from . import scalar as _s
from ..cuda.runtime import SIMULATOR, require

_opts = dict(error_model="numpy", cache=True)

# portable: these compile for CUDA as they are, and run on the CPU in the simulator
sigmoid = _s.sigmoid
softrelu = _s.softrelu
sign = _s.sign
gelu_erf = _s.gelu_erf
erfinv = _s.erfinv
digamma = _s.digamma
relu = _s.relu

__all__ = ["math", "sigmoid", "softrelu", "sign", "gelu_erf", "erfinv", "digamma", "relu",
           "maximum", "minimum", "div", "mod", "power", "rsqrt", "fmod_py", "round_half_away",
           "rint_mx", "cbrt"]


if SIMULATOR:
    @njit(**_opts)
    def maximum(a, b):
        return _s.maximum(a, b)

    @njit(**_opts)
    def minimum(a, b):
        return _s.minimum(a, b)

    @njit(**_opts)
    def div(a, b):
        return _s.div(a, b)

    @njit(**_opts)
    def mod(a, b):
        return _s.mod(a, b)

    @njit(**_opts)
    def power(a, b):
        return _s.power(a, b)

    @njit(**_opts)
    def rsqrt(x):
        return _s.rsqrt(x)

    fmod_py = _s.fmod_py
    round_half_away = _s.round_half_away
    rint_mx = _s.rint_mx

    @njit(**_opts)
    def _erf(x):
        return _pymath.erf(x)

    @njit(**_opts)
    def _erfc(x):
        return _pymath.erfc(x)

    @njit(**_opts)
    def _gamma(x):
        return _pymath.gamma(x)

    @njit(**_opts)
    def _lgamma(x):
        return _pymath.lgamma(x)

    # `math` as seen by a simulated kernel: C semantics (NaN/inf, no exceptions), float
    # results.  A namespace, not a class: njit functions as class attributes would bind.
    math = SimpleNamespace(
        exp=np.exp, expm1=np.expm1, log=np.log, log1p=np.log1p, log2=np.log2, log10=np.log10,
        sqrt=np.sqrt, fabs=np.fabs, hypot=np.hypot, pow=np.power, fmod=np.fmod,
        copysign=np.copysign, sin=np.sin, cos=np.cos, tan=np.tan, asin=np.arcsin,
        acos=np.arccos, atan=np.arctan, atan2=np.arctan2, sinh=np.sinh, cosh=np.cosh,
        tanh=np.tanh, asinh=np.arcsinh, acosh=np.arccosh, atanh=np.arctanh, floor=np.floor,
        ceil=np.ceil, trunc=np.trunc, isnan=np.isnan, isinf=np.isinf, isfinite=np.isfinite,
        erf=_erf, erfc=_erfc, gamma=_gamma, lgamma=_lgamma, pi=_pymath.pi, e=_pymath.e,
        inf=_pymath.inf, nan=_pymath.nan)
    cbrt = np.cbrt

else:
    import math
    from numba import types
    require()
    from numba.cuda import libdevice
    from numba.cuda.extending import overload

    maximum = _s.maximum
    minimum = _s.minimum
    div = _s.div
    power = _s.power
    rsqrt = _s.rsqrt

    def _is_int(t):
        return isinstance(t, (types.Integer, types.Boolean))

    def mod(a, b):
        """MXNet's mod (scalar.mod) for device code."""
        raise NotImplementedError("used inside generated CUDA kernels only")

    @overload(mod, target="cuda", inline="always")
    def _ov_mod(a, b):
        if _is_int(a) and _is_int(b):
            def impl(a, b):
                if b == 0:
                    return 0
                return a % b
            return impl

        def impl(a, b):
            if b == 0:
                return 0.0
            if b < 0:
                if a < 0:
                    return -math.fmod(-a, -b)
                r = math.fmod(a, -b)
                return 0.0 if r == 0 else r + b
            if a < 0:
                r = math.fmod(-a, b)
                return 0.0 if r == 0 else b - r
            return math.fmod(a, b)
        return impl

    def cbrt(x):
        """Cube root (NumPy's np.cbrt) for device code."""
        raise NotImplementedError("used inside generated CUDA kernels only")

    @overload(cbrt, target="cuda", inline="always")
    def _ov_cbrt(x):
        if isinstance(x, types.Float) and x.bitwidth == 32:
            return lambda x: libdevice.cbrtf(x)
        return lambda x: libdevice.cbrt(float(x))

    def fmod_py(a, b):
        """Python's % for floats (scalar.fmod_py) for device code."""
        raise NotImplementedError("used inside generated CUDA kernels only")

    @overload(fmod_py, target="cuda", inline="always")
    def _ov_fmod_py(a, b):
        def impl(a, b):
            if b == 0:
                return 0.0 * a
            r = math.fmod(a, b)
            if r != 0 and ((r < 0) != (b < 0)):
                r += b
            return r
        return impl

    def round_half_away(x):
        """C's round() (scalar.round_half_away) for device code."""
        raise NotImplementedError("used inside generated CUDA kernels only")

    @overload(round_half_away, target="cuda", inline="always")
    def _ov_round(x):
        def impl(x):
            t = math.trunc(x)
            d = x - t
            if d >= 0.5:
                return t + 1.0
            if d <= -0.5:
                return t - 1.0
            return t
        return impl

    def rint_mx(x):
        """MXNet 1.9.1's rint (scalar.rint_mx) for device code."""
        raise NotImplementedError("used inside generated CUDA kernels only")

    @overload(rint_mx, target="cuda", inline="always")
    def _ov_rint(x):
        def impl(x):
            f = math.floor(x)
            c = math.ceil(x)
            return f if (x - f) <= (c - x) else c
        return impl
