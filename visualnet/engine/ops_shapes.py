"""`keras.ops` on NumPy: shapes, joining and splitting, indexing, padding and one-hot
encoding, each with its backward rule for the tape (see ops_core)."""

from __future__ import annotations

import builtins

import numpy as np

from .ops_core import _make, _v
from .tape import TapeTensor, as_array, lift
from .variables import as_tensor


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


def one_hot(x, num_classes, axis=-1, dtype="float32"):
    idx = as_array(x).astype(np.int64)
    y = np.eye(num_classes, dtype=dtype)[idx]
    return as_tensor(np.moveaxis(y, -1, axis) if axis != -1 else y)


__all__ = [name for name, value in list(globals().items())
           if not name.startswith("_") and callable(value) and getattr(value, "__module__", None) == __name__]
