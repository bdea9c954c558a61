"""`keras.ops` on NumPy: reductions, element-wise functions and activations, each with its
backward rule for the tape (see ops_core)."""

from __future__ import annotations

import math

import numpy as np

from .ops_core import _float, _make, _v, subtract
from .tape import TapeTensor, as_array, lift
from .variables import as_tensor


# ---------------------------------------------------------------- reductions
def _axes(axis, ndim) -> tuple:
    if axis is None:
        return tuple(range(ndim))
    return tuple(a % ndim for a in (axis if isinstance(axis, (tuple, list)) else (axis,)))


def _expand(g, axes, ndim):
    """A reduced gradient with its reduced axes back (size 1) for broadcasting."""
    shape = list(g.shape)
    for a in sorted(axes):
        shape.insert(a, 1)
    return g.reshape(shape) if len(shape) == ndim else g


def sum(x, axis=None, keepdims=False):
    x = lift(x)
    xv = _v(x)
    axes = _axes(axis, xv.ndim)
    return _make(np.sum(xv, axis=axes, keepdims=keepdims), (x,),
                 lambda g: (np.broadcast_to(g if keepdims else _expand(g, axes, xv.ndim), xv.shape),))


def mean(x, axis=None, keepdims=False):
    x = lift(x)
    xv = _float(_v(x))
    axes = _axes(axis, xv.ndim)
    n = math.prod(xv.shape[a] for a in axes)
    return _make(np.mean(xv, axis=axes, keepdims=keepdims), (x,),
                 lambda g: (np.broadcast_to((g if keepdims else _expand(g, axes, xv.ndim)) / n, xv.shape),))


def _extreme(fn):
    def op(x, axis=None, keepdims=False, initial=None):
        x = lift(x)
        xv = _v(x)
        axes = _axes(axis, xv.ndim)
        y = fn(xv, axis=axes, keepdims=True)

        def rule(g):
            hit = (xv == y).astype(xv.dtype)
            share = hit / hit.sum(axis=axes, keepdims=True)   # ties share the gradient (as torch's amax)
            return ((g if keepdims else _expand(g, axes, xv.ndim)) * share,)
        return _make(y if keepdims else np.squeeze(y, axis=axes), (x,), rule)
    op.__name__ = fn.__name__
    return op


max = _extreme(np.max)
min = _extreme(np.min)
amax, amin = max, min


def prod(x, axis=None, keepdims=False, dtype=None):
    x = lift(x)
    xv = _v(x)
    axes = _axes(axis, xv.ndim)
    y = np.prod(xv, axis=axes, keepdims=True)

    def rule(g):
        g = g if keepdims else _expand(g, axes, xv.ndim)
        # the product of the others, exact also where an entry is zero
        rest = [d for i, d in enumerate(xv.shape) if i not in axes]
        moved = np.moveaxis(xv, axes, range(len(axes))).reshape(-1, *rest)
        left = np.cumprod(np.concatenate([np.ones_like(moved[:1]), moved[:-1]]), axis=0)
        right = np.cumprod(np.concatenate([np.ones_like(moved[:1]), moved[::-1][:-1]]), axis=0)[::-1]
        others = (left * right).reshape([xv.shape[a] for a in axes] + rest)
        others = np.moveaxis(others, range(len(axes)), axes)
        return (g * others,)
    return _make(y if keepdims else np.squeeze(y, axis=axes), (x,), rule)


def var(x, axis=None, keepdims=False):
    x = lift(x)
    m = mean(x, axis=axis, keepdims=True)
    return mean(square(subtract(x, m)), axis=axis, keepdims=keepdims)


def std(x, axis=None, keepdims=False):
    return sqrt(var(x, axis=axis, keepdims=keepdims))


def logsumexp(x, axis=None, keepdims=False):
    x = lift(x)
    xv = _v(x)
    axes = _axes(axis, xv.ndim)
    m = np.max(xv, axis=axes, keepdims=True)
    y = np.log(np.sum(np.exp(xv - m), axis=axes, keepdims=True)) + m
    return _make(y if keepdims else np.squeeze(y, axis=axes), (x,),
                 lambda g: ((g if keepdims else _expand(g, axes, xv.ndim)) * np.exp(xv - y),))


# ---------------------------------------------------------------- element-wise
def _unary(name, fn, grad):
    """An element-wise op: `grad(x, y, g)` is the gradient of its input."""
    def op(x):
        x = lift(x)
        xv = _float(_v(x))
        y = fn(xv)
        return _make(y, (x,), lambda g: (grad(xv, y, g),))
    op.__name__ = name
    return op


def _sigmoid(x):
    return np.where(x >= 0, 1 / (1 + np.exp(-np.abs(x))), np.exp(-np.abs(x)) / (1 + np.exp(-np.abs(x))))


exp = _unary("exp", np.exp, lambda x, y, g: g * y)
log = _unary("log", np.log, lambda x, y, g: g / x)
log1p = _unary("log1p", np.log1p, lambda x, y, g: g / (1 + x))
sqrt = _unary("sqrt", np.sqrt, lambda x, y, g: g / (2 * y))
square = _unary("square", np.square, lambda x, y, g: 2 * g * x)
abs = _unary("abs", np.abs, lambda x, y, g: g * np.sign(x))
absolute = abs
tanh = _unary("tanh", np.tanh, lambda x, y, g: g * (1 - y * y))
sigmoid = _unary("sigmoid", _sigmoid, lambda x, y, g: g * y * (1 - y))
relu = _unary("relu", lambda x: np.maximum(x, 0), lambda x, y, g: g * (x > 0))
softplus = _unary("softplus", lambda x: np.logaddexp(0, x), lambda x, y, g: g * _sigmoid(x))
sin = _unary("sin", np.sin, lambda x, y, g: g * np.cos(x))
cos = _unary("cos", np.cos, lambda x, y, g: -g * np.sin(x))
reciprocal = _unary("reciprocal", lambda x: 1 / x, lambda x, y, g: -g * y * y)
rsqrt = _unary("rsqrt", lambda x: 1 / np.sqrt(x), lambda x, y, g: -0.5 * g * y * y * y)


def sign(x):
    return as_tensor(np.sign(as_array(x)))


def round(x, decimals=0):
    return as_tensor(np.round(as_array(x), decimals))


def floor(x):
    return as_tensor(np.floor(as_array(x)))


def ceil(x):
    return as_tensor(np.ceil(as_array(x)))


def softmax(x, axis=-1):
    x = lift(x)
    xv = _float(_v(x))
    e = np.exp(xv - np.max(xv, axis=axis, keepdims=True))
    y = e / np.sum(e, axis=axis, keepdims=True)
    return _make(y, (x,), lambda g: (y * (g - np.sum(g * y, axis=axis, keepdims=True)),))


def log_softmax(x, axis=-1):
    x = lift(x)
    xv = _float(_v(x))
    z = xv - np.max(xv, axis=axis, keepdims=True)
    y = z - np.log(np.sum(np.exp(z), axis=axis, keepdims=True))
    return _make(y, (x,), lambda g: (g - np.exp(y) * np.sum(g, axis=axis, keepdims=True),))


def maximum(x1, x2):
    a, b = lift(x1), lift(x2)
    av, bv = _v(a), _v(b)
    first = av >= bv
    return _make(np.maximum(av, bv), (a, b), lambda g: (g * first, g * ~first))


def minimum(x1, x2):
    a, b = lift(x1), lift(x2)
    av, bv = _v(a), _v(b)
    first = av <= bv
    return _make(np.minimum(av, bv), (a, b), lambda g: (g * first, g * ~first))


def clip(x, x_min, x_max):
    x = lift(x)
    xv = _v(x)
    lo, hi = as_array(x_min), as_array(x_max)
    inside = (xv >= lo) & (xv <= hi)
    return _make(np.clip(xv, lo, hi), (x,), lambda g: (g * inside,))


def where(condition, x1=None, x2=None):
    cond = as_array(condition).astype(bool)
    if x1 is None and x2 is None:
        return as_tensor(np.stack(np.nonzero(cond)))
    a, b = lift(x1), lift(x2)
    return _make(np.where(cond, _v(a), _v(b)), (a, b), lambda g: (np.where(cond, g, 0), np.where(cond, 0, g)))


expm1 = _unary("expm1", np.expm1, lambda x, y, g: g * (y + 1))


def _activation(name: str, **params):
    from . import activations

    def op(x):
        y = getattr(activations, name)(lift(x), **params)
        return y if isinstance(y, TapeTensor) else as_tensor(y)
    return op


def leaky_relu(x, negative_slope=0.2):
    return _activation("leaky_relu", negative_slope=negative_slope)(x)


def gelu(x, approximate=True):
    return _activation("gelu", approximate=approximate)(x)


def silu(x):
    return _activation("silu")(x)


def elu(x, alpha=1.0):
    return _activation("elu", alpha=alpha)(x)


__all__ = [name for name, value in list(globals().items())
           if not name.startswith("_") and callable(value) and getattr(value, "__module__", None) == __name__]
