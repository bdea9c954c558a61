"""Keras 3's `keras.ops` on NumPy, the core: conversion and creation, arithmetic and linear
algebra, comparisons, random numbers; and the helpers every op module uses. Each op has its
local backward rule for the tape (tape.py); arguments may be arrays, numbers, tracked tensors
or weights, and the result is tracked when an argument is, else an eager `Tensor` (a NumPy
array with `.numpy()`). `tensor_ops` gathers all of them."""

from __future__ import annotations

import builtins

import numpy as np

from .kernels import gemm
from .rng import global_rng, make_rng
from .tape import TapeTensor, as_array, lift
from .variables import as_tensor

def _v(x) -> np.ndarray:
    return x.value if isinstance(x, TapeTensor) else x


def _tracked(args) -> bool:
    return builtins.any(isinstance(a, TapeTensor) and a.tracked for a in args)


def _make(value, args, rule):
    """The op's result: tracked (with `rule(g) -> gradient per arg`) when an arg is."""
    value = np.asarray(value)
    if value.dtype == np.float64:
        value = value.astype(np.float32)
    if _tracked(args):
        return TapeTensor(value, args, rule, tracked=True)
    return as_tensor(value)


def _float(x) -> np.ndarray:
    a = as_array(x)
    return a if a.dtype.kind == "f" else a.astype(np.float32)


# ---------------------------------------------------------------- conversion
def convert_to_tensor(x, dtype=None, sparse=None):
    x = lift(x)
    if isinstance(x, TapeTensor):
        return x if dtype is None else cast(x, dtype)
    a = as_array(x)
    return as_tensor(a if dtype is None else a.astype(dtype))


def convert_to_numpy(x) -> np.ndarray:
    return np.array(as_array(x), copy=True)


def cast(x, dtype):
    x = lift(x)
    dtype = np.dtype(dtype)
    return _make(_v(x).astype(dtype), (x,), lambda g: (g.astype(_v(x).dtype) if dtype.kind == "f" else None,))


def shape(x) -> tuple:
    return tuple(as_array(x).shape)


def size(x):
    return as_tensor(np.asarray(as_array(x).size))


def stop_gradient(x):
    return as_tensor(np.array(as_array(x)))


def zeros(shape, dtype="float32"):
    return as_tensor(np.zeros(shape, dtype))


def ones(shape, dtype="float32"):
    return as_tensor(np.ones(shape, dtype))


def zeros_like(x, dtype=None):
    return as_tensor(np.zeros_like(as_array(x), dtype=dtype))


def ones_like(x, dtype=None):
    return as_tensor(np.ones_like(as_array(x), dtype=dtype))


def full(shape, fill_value, dtype="float32"):
    return as_tensor(np.full(shape, fill_value, dtype))


def arange(start, stop=None, step=1, dtype=None):
    return as_tensor(np.arange(start, stop, step, dtype=dtype))


def eye(N, M=None, k=0, dtype="float32"):
    return as_tensor(np.eye(N, M, k, dtype=dtype))


# ---------------------------------------------------------------- arithmetic
def add(x1, x2):
    a, b = lift(x1), lift(x2)
    return _make(_v(a) + _v(b), (a, b), lambda g: (g, g))


def subtract(x1, x2):
    a, b = lift(x1), lift(x2)
    return _make(_v(a) - _v(b), (a, b), lambda g: (g, -g))


def multiply(x1, x2):
    a, b = lift(x1), lift(x2)
    return _make(_v(a) * _v(b), (a, b), lambda g: (g * _v(b), g * _v(a)))


def divide(x1, x2):
    a, b = lift(x1), lift(x2)
    av, bv = _float(_v(a)), _v(b)
    return _make(av / bv, (a, b), lambda g: (g / bv, -g * av / (bv * bv)))


true_divide = divide


def power(x1, x2):
    a, b = lift(x1), lift(x2)
    av, bv = _v(a), _v(b)
    y = np.power(_float(av), bv)

    def rule(g):
        gb = None
        if isinstance(b, TapeTensor) and b.tracked:
            gb = g * y * np.log(np.where(av > 0, av, 1))
        return g * bv * np.power(av, bv - 1), gb
    return _make(y, (a, b), rule)


def negative(x):
    x = lift(x)
    return _make(-_v(x), (x,), lambda g: (-g,))


def _mm2(a, b) -> np.ndarray:
    """a @ b for 2-D float32 operands on the engine's GEMM tiles (`a` may be a transpose):
    NumPy's BLAS runs these products many times slower beside the engine's workers."""
    out = np.empty((a.shape[0], b.shape[1]), np.float32)
    return gemm.matmul_2d(a, b if b.strides[-1] == 4 else np.ascontiguousarray(b), out)


def matmul(x1, x2):
    a, b = lift(x1), lift(x2)
    av, bv = _v(a), _v(b)
    if av.ndim >= 2 and bv.ndim == 2 and av.dtype == bv.dtype == np.float32:   # (..., K) @ (K, N): the usual case
        k, n = bv.shape
        a2 = av.reshape(-1, k)
        y = _mm2(a2, bv).reshape(*av.shape[:-1], n)

        def rule2(g):
            g2 = np.ascontiguousarray(g, dtype=np.float32).reshape(-1, n)
            return _mm2(g2, bv.T).reshape(av.shape), _mm2(a2.T, g2)
        return _make(y, (a, b), rule2)

    def rule(g):
        if av.ndim == 1 and bv.ndim == 1:
            return g * bv, g * av
        a2 = av[None, :] if av.ndim == 1 else av
        b2 = bv[:, None] if bv.ndim == 1 else bv
        g2 = g
        if av.ndim == 1:
            g2 = np.expand_dims(g2, -2)
        if bv.ndim == 1:
            g2 = np.expand_dims(g2, -1)
        ga = g2 @ np.swapaxes(b2, -1, -2)
        gb = np.swapaxes(a2, -1, -2) @ g2
        ga = ga.reshape(ga.shape[:-2] + ga.shape[-1:]) if av.ndim == 1 else ga
        gb = gb.reshape(gb.shape[:-1]) if bv.ndim == 1 else gb
        return _sum_to(ga, av.shape), _sum_to(gb, bv.shape)
    return _make(np.matmul(av, bv), (a, b), rule)


def _sum_to(g, shape):
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    axes = tuple(i for i, d in enumerate(shape) if d == 1 and g.shape[i] != 1)
    return g.sum(axis=axes, keepdims=True) if axes else g


def dot(x1, x2):
    """NumPy's `dot` (Keras's): matmul for 1-D and 2-D, the last axis of x1 with the
    second-to-last of x2 beyond."""
    a, b = lift(x1), lift(x2)
    av, bv = _v(a), _v(b)
    if av.ndim == 0 or bv.ndim == 0:
        return multiply(a, b)
    if av.ndim <= 2 and bv.ndim <= 2:
        return matmul(a, b)
    return tensordot(a, b, axes=([-1], [-2 if bv.ndim > 1 else -1]))


def tensordot(x1, x2, axes=2):
    a, b = lift(x1), lift(x2)
    av, bv = _v(a), _v(b)
    if isinstance(axes, int):
        axes = (list(range(av.ndim - axes, av.ndim)), list(range(axes)))
    ax_a = [i % av.ndim for i in np.atleast_1d(axes[0])]
    ax_b = [i % bv.ndim for i in np.atleast_1d(axes[1])]
    free_a = [i for i in range(av.ndim) if i not in ax_a]
    free_b = [i for i in range(bv.ndim) if i not in ax_b]
    y = np.tensordot(av, bv, axes=(ax_a, ax_b))

    def rule(g):
        na = len(free_a)
        ga = np.tensordot(g, bv, axes=(list(range(na, g.ndim)), free_b))   # free_a + ax_a order
        ga = np.transpose(ga, np.argsort(free_a + ax_a))
        gb = np.tensordot(av, g, axes=(free_a, list(range(na))))          # ax_a (as ax_b) + free_b
        gb = np.transpose(gb, np.argsort(ax_b + free_b))
        return ga, gb
    return _make(y, (a, b), rule)


def einsum(subscripts: str, *operands):
    """NumPy's einsum with explicit or implicit output (no ellipsis); each operand's
    gradient is the einsum of the output's gradient with the other operands."""
    if "..." in subscripts:
        raise ValueError(f"einsum with an ellipsis is not supported by VisualNet. Received: "
                         f"subscripts={subscripts!r}")
    args = [lift(o) for o in operands]
    vals = [_v(a) for a in args]
    spec = subscripts.replace(" ", "")
    ins, _, out = spec.partition("->")
    terms = ins.split(",")
    if "->" not in spec:
        letters = "".join(terms)
        out = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    if len(terms) != len(vals):
        raise ValueError(f"einsum: subscripts {subscripts!r} name {len(terms)} operands; received {len(vals)}.")
    y = np.einsum(f"{','.join(terms)}->{out}", *vals)

    def rule(g):
        grads = []
        for i, term in enumerate(terms):
            others = [(t, v) for j, (t, v) in enumerate(zip(terms, vals)) if j != i]
            known = set(out).union(*(set(t) for t, _ in others))
            if len(set(term)) != len(term):
                raise ValueError(f"einsum's gradient of a repeated index (operand {term!r}) is not supported.")
            kept = "".join(c for c in term if c in known)
            gi = np.einsum(",".join([out] + [t for t, _ in others]) + "->" + kept, g, *[v for _, v in others])
            if kept != term:  # an index summed in this operand only: broadcast back
                shape = [vals[i].shape[term.index(c)] if c in kept else 1 for c in term]
                gi = np.broadcast_to(gi.reshape(shape), vals[i].shape)
            grads.append(gi)
        return grads
    return _make(y, args, rule)


def on_tape(forward, backward, x):
    """An engine function `forward(x) -> y` with `backward(x, y, dy) -> dx` as a tape op
    (`keras.activations` on tensors)."""
    x = lift(x)
    xv = np.ascontiguousarray(_float(_v(x)))
    y = forward(xv)
    return _make(y, (x,), lambda g: (backward(xv, y, np.ascontiguousarray(g, dtype=y.dtype)),))


# ---------------------------------------------------------------- comparisons (no gradient)
def _compare(fn):
    def op(x1, x2):
        return as_tensor(fn(as_array(x1), as_array(x2)))
    op.__name__ = fn.__name__
    return op


less, less_equal = _compare(np.less), _compare(np.less_equal)
greater, greater_equal = _compare(np.greater), _compare(np.greater_equal)
equal, not_equal = _compare(np.equal), _compare(np.not_equal)


def logical_and(x1, x2):
    return as_tensor(np.logical_and(as_array(x1), as_array(x2)))


def logical_or(x1, x2):
    return as_tensor(np.logical_or(as_array(x1), as_array(x2)))


def logical_not(x):
    return as_tensor(np.logical_not(as_array(x)))


def argmax(x, axis=None, keepdims=False):
    return as_tensor(np.argmax(as_array(x), axis=axis, keepdims=keepdims))


def argmin(x, axis=None, keepdims=False):
    return as_tensor(np.argmin(as_array(x), axis=axis, keepdims=keepdims))



# ---------------------------------------------------------------- random (the global generator)
def random_normal(shape, mean=0.0, stddev=1.0, dtype="float32", seed=None):
    rng = global_rng() if seed is None else make_rng(seed)
    return as_tensor(rng.normal(mean, stddev, size=tuple(shape)).astype(dtype))


def random_uniform(shape, minval=0.0, maxval=1.0, dtype="float32", seed=None):
    rng = global_rng() if seed is None else make_rng(seed)
    return as_tensor(rng.uniform(minval, maxval, size=tuple(shape)).astype(dtype))


__all__ = [name for name, value in list(globals().items())
           if not name.startswith("_") and callable(value) and getattr(value, "__module__", None) == __name__]
