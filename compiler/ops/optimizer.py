"""Optimizer update operators: sgd_update, sgd_mom_update, mp_sgd_update, mp_sgd_mom_update,
nag_mom_update, mp_nag_mom_update, adam_update, rmsprop_update, rmspropalex_update,
ftrl_update, ftml_update, signsgd_update, signum_update.  Each op's `step` picks its update
formula (kernels/codegen/optimizer.py: one declaration, from which the CPU kernel
(kernels/cpu/optimizer.py) and the CUDA kernel (kernels/cuda/optimizer.py) are generated)
and converts the scalars for it.

MXNet 1.9.1 semantics (src/operator/optimizer_op-inl.h, checked against real MXNet 1.9.1):
- The state inputs (mom, mean, var, n, g, delta, z, d, v and the mp_* float32 master
  weight `weight32`) are MUTATED in place (MXNet's FMutateInputs; they are the aux
  states of the op's symbol).  The output is the new weight: `out=weight` updates the
  weight in place, without `out` a new array is returned and the weight is unchanged.
- Every float attribute is a C++ float: it is rounded to float32 and then cast to the
  weight's dtype (float16 weights round it to float16), and the update computes in that
  dtype with MXNet's operation order.
- clip_gradient < 0 means no clipping (clip_gradient = 0 clips to 0).  wd is applied
  outside the clip by sgd/sgd_mom/nag/signum, inside it by adam/rmsprop/rmspropalex/ftml;
  ftrl divides by it.  signsgd_update takes the sign of the raw gradient: rescale_grad
  and clip_gradient have no effect (as in MXNet).
- Only floating dtypes ("This operation only support floating point types"); weight,
  grad and the states share one dtype, except the mp_* ops whose `mom`/`weight32` are
  float32 for any weight dtype.  lazy_update is accepted and has no effect (dense only).
- Not differentiable (MXNet registers no gradient); never recorded by autograd.
"""
import numpy as np

from compiler.errors import MXNetTypeError
from kernels.codegen import optimizer as F
from kernels.cpu.optimizer import run as run_cpu
from .attrs import Attrs
from .registry import Op, Attr, register, fail

_F16 = np.dtype(np.float16)


LR = Attr("float", doc="learning rate")
WD = Attr("float", 0.0)
RESCALE = Attr("float", 1.0)
CLIP = Attr("float", -1.0)
LAZY = Attr("bool", True)


class _Scalars:
    """Attribute values as MXNet's kernel sees them: C++ float -> the compute dtype."""

    def __init__(self, ctype, half):
        self.ct = ctype
        self.half = half

    def __call__(self, *values):
        out = []
        for v in values:
            f = np.float32(v)
            if self.half:
                f = np.float32(np.float16(f))
            out.append(self.ct(f))
        return out if len(out) > 1 else out[0]


class UpdateOp(Op):
    """Shared declaration: every input has the weight's shape; output = new weight."""

    differentiable = False
    outputs = ("output",)
    fp32_inputs = ()            # mp_* ops: inputs that are float32 master copies / states
    inplace = ((0, 0),)

    @property
    def aux(self):
        return tuple(self.arguments[2:])

    mutates_aux = True

    def infer_shape(self, attrs, in_shapes):
        known = next((s for s in in_shapes if s is not None), None)
        if known is None:
            return list(in_shapes), [None]
        names = self.arguments
        ref = in_shapes[0] if in_shapes[0] is not None else known
        for name, s in zip(names, in_shapes):
            if s is not None and tuple(s) != tuple(ref):
                fail("%s shape %s does not match weight shape %s", name, tuple(s), tuple(ref))
        return [tuple(ref)] * len(in_shapes), [tuple(ref)]

    def infer_type(self, attrs, in_types):
        names = self.arguments
        main = [t for n, t in zip(names, in_types) if n not in self.fp32_inputs]
        dt = next((t for t in main if t is not None), None)
        if dt is not None and dt not in ("float16", "float32", "float64"):
            raise MXNetTypeError("This operation only support floating point types, not %s" % dt)
        want = []
        for name, t in zip(names, in_types):
            w = "float32" if name in self.fp32_inputs else dt
            if t is not None and w is not None and t != w:
                fail("input '%s' has dtype %s but %s is required (weight dtype %s)",
                     name, t, w, dt)
            want.append(w)
        return want, [dt]

    # --- execution -------------------------------------------------------------------
    def _cpu(self, attrs, inputs, outputs, octx):
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # as C++ floats
            self._run(attrs, inputs, outputs)

    def _run(self, attrs, inputs, outputs):
        w, out = inputs[0], outputs[0]
        aliased = out is w or (out.ctypes.data == w.ctypes.data and out.size == w.size)
        flat = [a.reshape(-1) for a in inputs]
        if out.dtype != _F16:
            if not aliased:
                out[...] = w                  # the kernels update the weight buffer in place
            spec, params = self.step(attrs, _Scalars(out.dtype.type, False), aliased)
            run_cpu(spec, [out.reshape(-1)] + flat[1:], params)
            return
        wide = [a.astype(np.float32) if a.dtype == _F16 else a for a in flat]
        spec, params = self.step(attrs, _Scalars(np.float32, True), aliased)
        run_cpu(spec, wide, params)
        for src, dst in zip(wide[2:], flat[2:]):
            if src is not dst:
                dst[...] = src
        out.reshape(-1)[...] = wide[0]

    @property
    def kernels(self):
        return {"cpu": self._cpu}

    def step(self, attrs, s, aliased):
        """(update spec, its scalars): the formula that updates the flat weight and states in
        place (kernels/codegen/optimizer.py); `s` converts attribute values to the compute
        dtype; `aliased`: the output is the weight buffer."""
        raise NotImplementedError("%s must define step()" % self.name)

    double_attrs = ()           # attributes that are C++ doubles (not rounded to float32)

    def c_attrs(self, attrs):
        """The attributes as MXNet's C++ parameter struct holds them (float -> float32)."""
        out = Attrs(attrs)
        for name, spec in self.attrs.items():
            if spec.kind == "float" and name not in self.double_attrs:
                out[name] = float(np.float32(attrs[name]))
        return out

    def reference(self, attrs, inputs, octx):
        attrs = self.c_attrs(attrs)
        arrays = [a.astype(np.float64) for a in inputs]
        new_w = self.formula(attrs, arrays)
        for src, dst in zip(arrays[2:], inputs[2:]):
            dst[...] = src
        return [new_w.astype(inputs[0].dtype)]

    def formula(self, attrs, a):
        """NumPy float64 version of MXNet's formula: updates a[2:] in place, returns weight."""
        raise NotImplementedError("%s must define formula()" % self.name)


def _np_clip(g, c):
    return np.clip(g, -c, c) if c >= 0 else g


def _np_sign(x):
    return (x > 0).astype(np.float64) - (x < 0).astype(np.float64)


# --- SGD family ------------------------------------------------------------------------------

@register
class SGDUpdate(UpdateOp):
    """weight = (1 - lr*wd) * weight - lr * clip(rescale_grad * grad, clip_gradient)."""

    name = "sgd_update"
    arguments = ("weight", "grad")
    attrs = dict(lr=LR, wd=WD, rescale_grad=RESCALE, clip_gradient=CLIP, lazy_update=LAZY)

    def step(self, attrs, s, aliased):
        lr, wd, rescale, clip = s(attrs.lr, attrs.wd, attrs.rescale_grad, attrs.clip_gradient)
        return F.SGD, (s.ct(1) - lr * wd, lr, rescale, lr * rescale, clip)

    def formula(self, attrs, a):
        w, g = a
        return (1 - attrs.lr * attrs.wd) * w - attrs.lr * _np_clip(attrs.rescale_grad * g,
                                                                   attrs.clip_gradient)


def _sgd_mom_step(attrs, s):
    lr, wd, rescale, clip, momentum = s(attrs.lr, attrs.wd, attrs.rescale_grad,
                                        attrs.clip_gradient, attrs.momentum)
    return F.SGD_MOM, (momentum, lr * wd, lr, rescale, lr * rescale, clip, s.ct(0))


def _sgd_mom_formula(attrs, w, g, mom):
    mom[...] = (attrs.momentum * mom - attrs.lr * attrs.wd * w
                - attrs.lr * _np_clip(attrs.rescale_grad * g, attrs.clip_gradient))
    return w + mom


@register
class SGDMomUpdate(UpdateOp):
    """mom = momentum*mom - lr*wd*weight - lr*clip(rescale_grad*grad); weight += mom."""

    name = "sgd_mom_update"
    arguments = ("weight", "grad", "mom")
    attrs = dict(lr=LR, momentum=Attr("float", 0.0), wd=WD, rescale_grad=RESCALE,
                 clip_gradient=CLIP, lazy_update=LAZY)

    def step(self, attrs, s, aliased):
        return _sgd_mom_step(attrs, s)

    def formula(self, attrs, a):
        return _sgd_mom_formula(attrs, *a)


class _MPUpdate(UpdateOp):
    """Multi-precision: the update runs on the float32 master copy `weight32` (updated in
    place); the output is weight32 cast to the weight's dtype."""

    def _run(self, attrs, inputs, outputs):
        out = outputs[0]
        flat = [a.reshape(-1) for a in inputs]
        grad = flat[1] if flat[1].dtype == np.float32 else flat[1].astype(np.float32)
        w32 = flat[-1]
        spec, params = self.step(attrs, _Scalars(np.float32, False), True)
        run_cpu(spec, [w32, grad] + flat[2:-1], params)
        out.reshape(-1)[...] = w32

    def reference(self, attrs, inputs, octx):
        attrs = self.c_attrs(attrs)
        arrays = [a.astype(np.float64) for a in inputs]
        arrays[0] = arrays[-1]
        new_w = self.formula(attrs, arrays[:-1])
        inputs[-1][...] = new_w
        for src, dst in zip(arrays[2:-1], inputs[2:-1]):
            dst[...] = src
        return [inputs[-1].astype(inputs[0].dtype)]


@register
class MPSGDUpdate(_MPUpdate):
    """sgd_update on the float32 master weight `weight32`."""

    name = "mp_sgd_update"
    arguments = ("weight", "grad", "weight32")
    fp32_inputs = ("weight32",)
    attrs = SGDUpdate.attrs

    def step(self, attrs, s, aliased):
        return SGDUpdate.step(self, attrs, s, aliased)

    def formula(self, attrs, a):
        return SGDUpdate.formula(self, attrs, a)


@register
class MPSGDMomUpdate(_MPUpdate):
    """sgd_mom_update on the float32 master weight `weight32` with a float32 `mom`."""

    name = "mp_sgd_mom_update"
    arguments = ("weight", "grad", "mom", "weight32")
    fp32_inputs = ("mom", "weight32")
    attrs = SGDMomUpdate.attrs

    def step(self, attrs, s, aliased):
        return _sgd_mom_step(attrs, s)

    def formula(self, attrs, a):
        return _sgd_mom_formula(attrs, *a)


def _nag_step(attrs, s, aliased):
    lr, wd, rescale, clip, momentum = s(attrs.lr, attrs.wd, attrs.rescale_grad,
                                        attrs.clip_gradient, attrs.momentum)
    return F.NAG_MOM, (bool(aliased), momentum, momentum + s.ct(1), lr, wd, rescale, clip)


def _nag_formula(attrs, w, g, mom, momentum_sees_new_weight=False):
    m = attrs.momentum * mom
    gr = _np_clip(attrs.rescale_grad * g, attrs.clip_gradient)
    new_w = w - m + (attrs.momentum + 1) * (m - attrs.lr * (gr + attrs.wd * w))
    mom[...] = m - attrs.lr * (gr + attrs.wd * (new_w if momentum_sees_new_weight else w))
    return new_w


_NAG_ATTRS = dict(lr=LR, momentum=Attr("float", 0.0), wd=WD, rescale_grad=RESCALE,
                  clip_gradient=CLIP)


@register
class NAGMomUpdate(UpdateOp):
    """Nesterov momentum: m = momentum*mom; g = clip(rescale*grad);
    out = weight - m + (momentum+1)*(m - lr*(g + wd*weight)); mom = m - lr*(g + wd*w), where
    w is the weight buffer after `out` is written: with out=weight (in place, as the NAG
    optimizer calls it) the momentum's weight decay uses the NEW weight, as in MXNet."""

    name = "nag_mom_update"
    arguments = ("weight", "grad", "mom")
    attrs = _NAG_ATTRS

    def step(self, attrs, s, aliased):
        return _nag_step(attrs, s, aliased)

    def formula(self, attrs, a):
        return _nag_formula(attrs, *a)


@register
class MPNAGMomUpdate(_MPUpdate):
    """nag_mom_update on the float32 master weight `weight32` with a float32 `mom`."""

    name = "mp_nag_mom_update"
    arguments = ("weight", "grad", "mom", "weight32")
    fp32_inputs = ("mom", "weight32")
    attrs = _NAG_ATTRS

    def step(self, attrs, s, aliased):
        return _nag_step(attrs, s, aliased)

    def formula(self, attrs, a):
        return _nag_formula(attrs, *a, momentum_sees_new_weight=True)


# --- sign-based ------------------------------------------------------------------------------

@register
class SignSGDUpdate(UpdateOp):
    """weight = (1 - lr*wd) * weight - lr * sign(grad) (rescale/clip have no effect)."""

    name = "signsgd_update"
    arguments = ("weight", "grad")
    attrs = dict(lr=LR, wd=WD, rescale_grad=RESCALE, clip_gradient=CLIP)

    def step(self, attrs, s, aliased):
        lr, wd = s(attrs.lr, attrs.wd)
        return F.SIGNSGD, (s.ct(1) - lr * wd, lr, s.ct(1), s.ct(0))

    def formula(self, attrs, a):
        w, g = a
        return (1 - attrs.lr * attrs.wd) * w - attrs.lr * _np_sign(g)


@register
class SignumUpdate(UpdateOp):
    """mom = momentum*mom - (1-momentum)*(wd*weight + clip(rescale*grad));
    weight = (1 - lr*wd_lh)*weight + lr*sign(mom)."""

    name = "signum_update"
    arguments = ("weight", "grad", "mom")
    attrs = dict(lr=LR, momentum=Attr("float", 0.0), wd=WD, rescale_grad=RESCALE,
                 clip_gradient=CLIP, wd_lh=Attr("float", 0.0))

    def step(self, attrs, s, aliased):
        lr, momentum, wd, rescale, clip, wd_lh = s(attrs.lr, attrs.momentum, attrs.wd,
                                                   attrs.rescale_grad, attrs.clip_gradient,
                                                   attrs.wd_lh)
        omm = s.ct(1) - momentum
        return F.SIGNUM, (momentum, omm * wd, omm, omm * rescale, rescale, clip,
                          s.ct(1) - lr * wd_lh, lr, s.ct(1), s.ct(0))

    def formula(self, attrs, a):
        w, g, mom = a
        omm = 1 - attrs.momentum
        mom[...] = (attrs.momentum * mom - omm * attrs.wd * w
                    - omm * _np_clip(attrs.rescale_grad * g, attrs.clip_gradient))
        return (1 - attrs.lr * attrs.wd_lh) * w + attrs.lr * _np_sign(mom)


# --- adaptive ------------------------------------------------------------------------------------

@register
class AdamUpdate(UpdateOp):
    """g = clip(rescale*grad + wd*weight); mean = b1*mean + (1-b1)*g;
    var = b2*var + (1-b2)*g^2; weight -= lr * mean / (sqrt(var) + epsilon).
    (The Adam optimizer folds the bias correction into lr.)"""

    name = "adam_update"
    arguments = ("weight", "grad", "mean", "var")
    attrs = dict(lr=LR, beta1=Attr("float", 0.9), beta2=Attr("float", 0.999),
                 epsilon=Attr("float", 1e-8), wd=WD, rescale_grad=RESCALE, clip_gradient=CLIP,
                 lazy_update=LAZY)

    def step(self, attrs, s, aliased):
        lr, b1, b2, eps, wd, rescale, clip = s(attrs.lr, attrs.beta1, attrs.beta2,
                                               attrs.epsilon, attrs.wd, attrs.rescale_grad,
                                               attrs.clip_gradient)
        one = s.ct(1)
        return F.ADAM, (b1, b2, one - b1, one - b2, lr, wd, rescale, eps, clip)

    def formula(self, attrs, a):
        w, g, mean, var = a
        gr = _np_clip(attrs.rescale_grad * g + attrs.wd * w, attrs.clip_gradient)
        mean[...] = attrs.beta1 * mean + (1 - attrs.beta1) * gr
        var[...] = attrs.beta2 * var + (1 - attrs.beta2) * gr * gr
        return w - attrs.lr * mean / (np.sqrt(var) + attrs.epsilon)


_RMS_TAIL = dict(wd=WD, rescale_grad=RESCALE, clip_gradient=CLIP,
                 clip_weights=Attr("float", -1.0))


@register
class RMSPropUpdate(UpdateOp):
    """g = clip(rescale*grad + wd*weight); n = (1-gamma1)*g^2 + gamma1*n;
    weight = clip_weights(weight - lr * g / sqrt(n + epsilon))."""

    name = "rmsprop_update"
    arguments = ("weight", "grad", "n")
    attrs = dict(lr=LR, gamma1=Attr("float", 0.95), epsilon=Attr("float", 1e-8), **_RMS_TAIL)

    def step(self, attrs, s, aliased):
        lr, g1, eps, wd, rescale, clip, clip_w = s(
            attrs.lr, attrs.gamma1, attrs.epsilon, attrs.wd, attrs.rescale_grad,
            attrs.clip_gradient, attrs.clip_weights)
        return F.RMSPROP, (s.ct(1) - g1, g1, lr, wd, rescale, eps, clip, clip_w)

    def formula(self, attrs, a):
        w, g, n = a
        gr = _np_clip(attrs.rescale_grad * g + attrs.wd * w, attrs.clip_gradient)
        n[...] = (1 - attrs.gamma1) * gr * gr + attrs.gamma1 * n
        return _np_clip(w - attrs.lr * gr / np.sqrt(n + attrs.epsilon), attrs.clip_weights)


@register
class RMSPropAlexUpdate(UpdateOp):
    """Centered RMSProp (Graves): n = (1-gamma1)*g^2 + gamma1*n; g_avg = (1-gamma1)*g +
    gamma1*g_avg; delta = gamma2*delta - lr*g / sqrt(n - g_avg^2 + epsilon);
    weight = clip_weights(weight + delta)."""

    name = "rmspropalex_update"
    arguments = ("weight", "grad", "n", "g", "delta")
    attrs = dict(lr=LR, gamma1=Attr("float", 0.95), gamma2=Attr("float", 0.9),
                 epsilon=Attr("float", 1e-8), **_RMS_TAIL)

    def step(self, attrs, s, aliased):
        lr, g1, g2, eps, wd, rescale, clip, clip_w = s(
            attrs.lr, attrs.gamma1, attrs.gamma2, attrs.epsilon, attrs.wd, attrs.rescale_grad,
            attrs.clip_gradient, attrs.clip_weights)
        return F.RMSPROPALEX, (s.ct(1) - g1, g1, g2, lr, wd, rescale, eps, clip, clip_w)

    def formula(self, attrs, a):
        w, g, n, gavg, delta = a
        gr = _np_clip(attrs.rescale_grad * g + attrs.wd * w, attrs.clip_gradient)
        n[...] = (1 - attrs.gamma1) * gr * gr + attrs.gamma1 * n
        gavg[...] = (1 - attrs.gamma1) * gr + attrs.gamma1 * gavg
        delta[...] = attrs.gamma2 * delta - attrs.lr * gr / np.sqrt(n - gavg * gavg
                                                                    + attrs.epsilon)
        return _np_clip(w + delta, attrs.clip_weights)


@register
class FtrlUpdate(UpdateOp):
    """g = clip(rescale*grad); z += g - (sqrt(n + g^2) - sqrt(n)) * weight / lr; n += g^2;
    weight = (sign(z)*lamda1 - z) / ((beta + sqrt(n)) / lr + wd) * (|z| > lamda1)."""

    name = "ftrl_update"
    arguments = ("weight", "grad", "z", "n")
    attrs = dict(lr=LR, lamda1=Attr("float", 0.01), beta=Attr("float", 1.0), wd=WD,
                 rescale_grad=RESCALE, clip_gradient=CLIP)

    def step(self, attrs, s, aliased):
        lr, lamda1, beta, wd, rescale, clip = s(attrs.lr, attrs.lamda1, attrs.beta, attrs.wd,
                                                attrs.rescale_grad, attrs.clip_gradient)
        return F.FTRL, (lr, lamda1, beta, wd, rescale, clip, s.ct(1), s.ct(0))

    def formula(self, attrs, a):
        w, g, z, n = a
        gr = _np_clip(attrs.rescale_grad * g, attrs.clip_gradient)
        z += gr - (np.sqrt(n + gr * gr) - np.sqrt(n)) * w / attrs.lr
        n += gr * gr
        return ((_np_sign(z) * attrs.lamda1 - z) / ((attrs.beta + np.sqrt(n)) / attrs.lr + attrs.wd)
                * (np.abs(z) > attrs.lamda1))


@register
class FTMLUpdate(UpdateOp):
    """FTML (Zheng & Kwok 2017) at step t: g = clip(rescale*grad + wd*weight);
    v = b2*v + (1-b2)*g^2; d_t = (1 - b1^t)/lr * (sqrt(v / (1 - b2^t)) + epsilon);
    z = b1*z + (1-b1)*g - (d_t - b1*d)*weight; d = d_t; weight = -z / d_t."""

    name = "ftml_update"
    arguments = ("weight", "grad", "d", "v", "z")
    double_attrs = ("epsilon",)
    attrs = dict(lr=LR, beta1=Attr("float", 0.6), beta2=Attr("float", 0.999),
                 epsilon=Attr("float", 1e-8), t=Attr("int"), wd=WD, rescale_grad=RESCALE,
                 clip_grad=CLIP)

    def infer_shape(self, attrs, in_shapes):
        for name in ("beta1", "beta2"):
            if not 0.0 <= attrs[name] <= 1.0:
                fail("attribute '%s' = %s is out of its range [0, 1]", name, attrs[name])
        return UpdateOp.infer_shape(self, attrs, in_shapes)

    def step(self, attrs, s, aliased):
        lr, b1, b2, wd, rescale, clip, t = s(attrs.lr, attrs.beta1, attrs.beta2, attrs.wd,
                                             attrs.rescale_grad, attrs.clip_grad, attrs.t)
        eps = s.ct(attrs.epsilon)                       # a C++ double in MXNet
        one = s.ct(1)
        return F.FTML, (one - b1 ** t, one - b2 ** t, lr, b1, b2, one - b1, one - b2, eps, wd,
                        rescale, clip)

    def formula(self, attrs, a):
        w, g, d, v, z = a
        b1, b2, t = attrs.beta1, attrs.beta2, attrs.t
        gr = _np_clip(attrs.rescale_grad * g + attrs.wd * w, attrs.clip_grad)
        v[...] = b2 * v + (1 - b2) * gr * gr
        d_t = (1 - b1 ** t) / attrs.lr * (np.sqrt(v / (1 - b2 ** t)) + attrs.epsilon)
        z[...] = b1 * z + (1 - b1) * gr - (d_t - b1 * d) * w
        d[...] = d_t
        return -z / d_t
