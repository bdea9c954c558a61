"""Keras 3's `keras.ops` on NumPy, each op with its local backward rule for the tape
(tape.py). Arguments may be arrays, numbers, tracked tensors or weights; the result is
tracked when an argument is, else an eager `Tensor` (a NumPy array with `.numpy()`)."""

from __future__ import annotations

import builtins
import math

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


# ---------------------------------------------------------------- shapes
def reshape(x, newshape):
    x = lift(x)
    xv = _v(x)
    return _make(np.reshape(xv, newshape), (x,), lambda g: (g.reshape(xv.shape),))


def transpose(x, axes=None):
    x = lift(x)
    xv = _v(x)
    perm = tuple(range(xv.ndim))[::-1] if axes is None else tuple(a % xv.ndim for a in axes)
    return _make(np.transpose(xv, perm), (x,), lambda g: (np.transpose(g, np.argsort(perm)),))


def swapaxes(x, axis1, axis2):
    perm = list(range(len(shape(x))))
    perm[axis1], perm[axis2] = perm[axis2], perm[axis1]
    return transpose(x, perm)


def expand_dims(x, axis):
    x = lift(x)
    xv = _v(x)
    return _make(np.expand_dims(xv, axis), (x,), lambda g: (g.reshape(xv.shape),))


def squeeze(x, axis=None):
    x = lift(x)
    xv = _v(x)
    return _make(np.squeeze(xv, axis=axis), (x,), lambda g: (g.reshape(xv.shape),))


def concatenate(xs, axis=0):
    args = [lift(x) for x in xs]
    vals = [_v(a) for a in args]
    cuts = np.cumsum([v.shape[axis] for v in vals])[:-1]
    return _make(np.concatenate(vals, axis=axis), args, lambda g: np.split(g, cuts, axis=axis))


def stack(x, axis=0):
    args = [lift(a) for a in x]
    y = np.stack([_v(a) for a in args], axis=axis)
    return _make(y, args, lambda g: [np.take(g, i, axis=axis) for i in range(len(args))])


def split(x, indices_or_sections, axis=0):
    x = lift(x)
    xv = _v(x)
    pieces = np.split(xv, indices_or_sections, axis=axis)
    starts = np.cumsum([0] + [p.shape[axis] for p in pieces])
    out = []
    for i, piece in enumerate(pieces):
        def rule(g, lo=starts[i], hi=starts[i + 1]):
            full = np.zeros_like(xv)
            index = [builtins.slice(None)] * xv.ndim
            index[axis] = builtins.slice(lo, hi)
            full[tuple(index)] = g
            return (full,)
        out.append(_make(piece, (x,), rule))
    return out


def take(x, indices, axis=None):
    x = lift(x)
    xv = _v(x)
    idx = as_array(indices).astype(np.int64)
    if axis is None:
        y = np.take(xv.reshape(-1), idx)

        def rule(g):
            full = np.zeros(xv.size, xv.dtype)
            np.add.at(full, idx.reshape(-1), g.reshape(-1))
            return (full.reshape(xv.shape),)
        return _make(y, (x,), rule)
    axis = axis % xv.ndim
    y = np.take(xv, idx, axis=axis)

    def rule(g):
        full = np.zeros_like(np.moveaxis(xv, axis, 0))
        moved = np.moveaxis(g, list(range(axis, axis + idx.ndim)), list(range(idx.ndim)))
        np.add.at(full, idx.reshape(-1), moved.reshape(idx.size, *full.shape[1:]))
        return (np.moveaxis(full, 0, axis),)
    return _make(y, (x,), rule)


gather = take


def take_along_axis(x, indices, axis=None):
    x = lift(x)
    xv = _v(x)
    idx = as_array(indices).astype(np.int64)
    y = np.take_along_axis(xv, idx, axis=axis)

    def rule(g):
        full = np.zeros_like(xv)
        np.put_along_axis(full, idx, 0, axis=axis)
        grid = list(np.indices(idx.shape, sparse=True))
        grid[axis % xv.ndim] = idx
        np.add.at(full, tuple(grid), g)
        return (full,)
    return _make(y, (x,), rule)


def get_item(x, key):
    """`x[key]` (basic and advanced indexing; a tensor key is read as an array)."""
    x = lift(x)
    xv = _v(x)
    if isinstance(key, tuple):
        key = tuple(as_array(k) if isinstance(k, TapeTensor) else k for k in key)
    elif isinstance(key, TapeTensor):
        key = as_array(key)

    def rule(g):
        full = np.zeros_like(xv)
        np.add.at(full, key, g)
        return (full,)
    return _make(xv[key], (x,), rule)


def broadcast_to(x, shape):
    x = lift(x)
    xv = _v(x)
    return _make(np.broadcast_to(xv, shape).copy(), (x,), lambda g: (g,))   # the tape sums g back to x's shape


def tile(x, repeats):
    x = lift(x)
    xv = _v(x)
    reps = (repeats,) if isinstance(repeats, int) else tuple(repeats)
    full = (1,) * (len(reps) - xv.ndim) + xv.shape
    reps = (1,) * (len(full) - len(reps)) + reps

    def rule(g):
        parts = g.reshape([d for r, n in zip(reps, full) for d in (r, n)])
        return (parts.sum(axis=tuple(range(0, parts.ndim, 2))).reshape(xv.shape),)
    return _make(np.tile(xv, repeats), (x,), rule)


def repeat(x, repeats, axis=None):
    x = lift(x)
    xv = _v(x)
    if axis is None or not isinstance(repeats, int):
        idx = np.repeat(np.arange(xv.size if axis is None else xv.shape[axis]), repeats)
        return take(x, idx, axis=axis) if axis is not None else take(reshape(x, (-1,)), idx)
    axis = axis % xv.ndim
    y = np.repeat(xv, repeats, axis=axis)
    return _make(y, (x,), lambda g: (g.reshape(xv.shape[:axis + 1] + (repeats,) + xv.shape[axis + 1:])
                                      .sum(axis=axis + 1),))


def pad(x, pad_width, mode="constant", constant_values=None):
    if mode != "constant":
        raise ValueError(f"VisualNet's pad supports mode='constant' only. Received: mode={mode!r}")
    x = lift(x)
    xv = _v(x)
    widths = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (xv.ndim, 2))
    y = np.pad(xv, widths, constant_values=0 if constant_values is None else constant_values)
    inner = tuple(builtins.slice(int(lo), int(lo) + n) for (lo, _), n in zip(widths, xv.shape))
    return _make(y, (x,), lambda g: (g[inner],))


def cumsum(x, axis=None, dtype=None):
    x = lift(x)
    xv = _v(x)
    if axis is None:
        return cumsum(reshape(x, (-1,)), axis=0)
    return _make(np.cumsum(xv, axis=axis), (x,), lambda g: (np.flip(np.cumsum(np.flip(g, axis), axis=axis), axis),))


def flip(x, axis=None):
    x = lift(x)
    return _make(np.flip(_v(x), axis=axis), (x,), lambda g: (np.flip(g, axis=axis),))


def any(x, axis=None, keepdims=False):
    return as_tensor(np.any(as_array(x), axis=axis, keepdims=keepdims))


def all(x, axis=None, keepdims=False):
    return as_tensor(np.all(as_array(x), axis=axis, keepdims=keepdims))


def ndim(x) -> int:
    return as_array(x).ndim


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


def one_hot(x, num_classes, axis=-1, dtype="float32"):
    idx = as_array(x).astype(np.int64)
    y = np.eye(num_classes, dtype=dtype)[idx]
    return as_tensor(np.moveaxis(y, -1, axis) if axis != -1 else y)


# ---------------------------------------------------------------- random (the global generator)
def random_normal(shape, mean=0.0, stddev=1.0, dtype="float32", seed=None):
    rng = global_rng() if seed is None else make_rng(seed)
    return as_tensor(rng.normal(mean, stddev, size=tuple(shape)).astype(dtype))


def random_uniform(shape, minval=0.0, maxval=1.0, dtype="float32", seed=None):
    rng = global_rng() if seed is None else make_rng(seed)
    return as_tensor(rng.uniform(minval, maxval, size=tuple(shape)).astype(dtype))
