"""`keras.ops`' products of vectors and `keras.ops.linalg`: inverse, determinant, solving,
and the factorizations. inv, det, slogdet, solve and the products have their backward
rules (see ops_core); the factorizations (qr, svd, eigh, eig, cholesky, lstsq, ...) run
forward only and refuse a gradient on the tape, naming the op."""

from __future__ import annotations

import numpy as np

from .ops_core import _float, _make, _v, einsum, multiply
from .ops_shapes import reshape
from .tape import as_array, lift
from .variables import as_tensor


def outer(x1, x2):
    return multiply(reshape(x1, (-1, 1)), reshape(x2, (1, -1)))


def inner(x1, x2):
    a, b = lift(x1), lift(x2)
    if as_array(a).ndim == 0 or as_array(b).ndim == 0:
        return multiply(a, b)
    na, nb = as_array(a).ndim, as_array(b).ndim
    letters = "abcdefghijklmnopqrstuvw"
    sa, sb = letters[:na - 1] + "z", letters[na - 1:na - 1 + nb - 1] + "z"
    return einsum(f"{sa},{sb}->{sa[:-1]}{sb[:-1]}", a, b)


def vdot(x1, x2):
    return einsum("i,i->", reshape(x1, (-1,)), reshape(x2, (-1,)))


def kron(x1, x2):
    a, b = lift(x1), lift(x2)
    av, bv = as_array(a), as_array(b)
    nd = max(av.ndim, bv.ndim)
    a = reshape(a, (1,) * (nd - av.ndim) + av.shape)
    b = reshape(b, (1,) * (nd - bv.ndim) + bv.shape)
    sa, sb = as_array(a).shape, as_array(b).shape
    inter = [d for pair in zip(sa, [1] * nd) for d in pair]
    interb = [d for pair in zip([1] * nd, sb) for d in pair]
    y = multiply(reshape(a, inter), reshape(b, interb))
    return reshape(y, [p * q for p, q in zip(sa, sb)])


def _mT(a):
    return np.swapaxes(a, -1, -2)


def inv(x):
    x = lift(x)
    y = np.linalg.inv(_float(_v(x)))
    return _make(y, (x,), lambda g: (-_mT(y) @ g @ _mT(y),))


def det(x):
    x = lift(x)
    xv = _float(_v(x))
    y = np.linalg.det(xv)
    return _make(y, (x,), lambda g: (np.asarray(g * y)[..., None, None] * _mT(np.linalg.inv(xv)),))


def slogdet(x):
    """(sign, log|det|); the log's gradient is inv(x)^T."""
    x = lift(x)
    xv = _float(_v(x))
    sign, logabs = np.linalg.slogdet(xv)
    return as_tensor(sign.astype(np.float32)), _make(logabs, (x,),
                                                     lambda g: (np.asarray(g)[..., None, None] *
                                                                _mT(np.linalg.inv(xv)),))


def logdet(x):
    return slogdet(x)[1]


def solve(a, b):
    a, b = lift(a), lift(b)
    av, bv = _float(_v(a)), _float(_v(b))
    vector = bv.ndim == av.ndim - 1
    y = np.linalg.solve(av, bv[..., None] if vector else bv)

    def rule(g):
        g = g[..., None] if vector else g
        gb = np.linalg.solve(_mT(av), g)
        ga = -gb @ _mT(y)
        return ga, gb[..., 0] if vector else gb
    return _make(y[..., 0] if vector else y, (a, b), rule)


def solve_triangular(a, b, lower=False):
    """`solve` on the lower (or upper) triangle of `a` (the other entries are not read)."""
    a = lift(a)
    n = as_array(a).shape[-1]
    mask = np.tri(n, n, 0, dtype=np.float32)
    return solve(multiply(a, mask if lower else mask.T), b)


def _forward_only(name, values, args):
    """Results Keras computes that VisualNet cannot differentiate: refused on the tape."""
    def rule(g):
        raise NotImplementedError(f"VisualNet has no gradient for ops.linalg.{name} (ops.{name}); compute it "
                                  "outside the tape (ops.stop_gradient) or use a differentiable op.")
    args = tuple(lift(a) for a in args)
    out = tuple(_make(np.asarray(v, np.float32) if np.asarray(v).dtype.kind == "f" else v, args, rule)
                for v in values)
    return out


def qr(x, mode="reduced"):
    if mode not in ("reduced", "complete"):
        raise ValueError(f"`mode` argument value not supported. Expected one of {{'reduced', 'complete'}}. "
                         f"Received: mode={mode}")
    return _forward_only("qr", np.linalg.qr(_float(as_array(x)), mode=mode), (x,))


def svd(x, full_matrices=True, compute_uv=True):
    xv = _float(as_array(x))
    if not compute_uv:
        return _forward_only("svd", (np.linalg.svd(xv, compute_uv=False),), (x,))[0]
    return _forward_only("svd", np.linalg.svd(xv, full_matrices=full_matrices), (x,))


def eigh(x):
    return _forward_only("eigh", np.linalg.eigh(_float(as_array(x))), (x,))


def eig(x):
    w, v = np.linalg.eig(_float(as_array(x)))
    return as_tensor(w), as_tensor(v)


def cholesky(x, upper=False):
    low = np.linalg.cholesky(_float(as_array(x)))
    return _forward_only("cholesky", (_mT(low) if upper else low,), (x,))[0]


def cholesky_inverse(x, upper=False):
    f = _float(as_array(x))
    a = _mT(f) @ f if upper else f @ _mT(f)
    return _forward_only("cholesky_inverse", (np.linalg.inv(a),), (x,))[0]


def lstsq(a, b, rcond=None):
    av, bv = _float(as_array(a)), _float(as_array(b))
    return _forward_only("lstsq", (np.linalg.lstsq(av, bv, rcond=rcond)[0],), (a, b))[0]


def pinv(x, rcond=None):
    kw = {} if rcond is None else {"rcond": rcond}
    return _forward_only("pinv", (np.linalg.pinv(_float(as_array(x)), **kw),), (x,))[0]


def matrix_rank(x, tol=None):
    return as_tensor(np.asarray(np.linalg.matrix_rank(_float(as_array(x)), tol=tol), np.int32))


__all__ = [name for name, value in list(globals().items())
           if not name.startswith("_") and callable(value) and getattr(value, "__module__", None) == __name__]
