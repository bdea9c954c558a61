"""More of `keras.ops`' array manipulation: stacking and splitting variants, moving axes,
rolling and rotating, triangles and diagonals, slices and scatters, grids and ranges,
cross products, depth/space blocks and window functions.

An op that only picks elements of its input (roll, rot90, diagonal, slice, moveaxis...)
is `take` on the flattened input with the op applied to the input's element numbers
(`_pick`), so its gradient is take's; the others have their own rules (see ops_core)."""

from __future__ import annotations

import builtins

import numpy as np

from .ops_core import _make, _v, add, multiply, power
from .ops_math import sum as _sum, where
from .ops_shapes import concatenate, expand_dims, flip, reshape, split, stack, take
from .tape import as_array, lift
from .variables import as_tensor


def _pick(x, select):
    """`select` (a NumPy function of an array) applied to `x`, differentiable: the
    elements it picks are taken from `x` by their numbers."""
    x = lift(x)
    shape = as_array(x).shape
    index = select(np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape))
    return take(reshape(x, (-1,)), np.ascontiguousarray(index))


# ---------------------------------------------------------------- joining and splitting
def _atleast(x, n):
    x = lift(x)
    nd = as_array(x).ndim
    if nd >= n:
        return x
    if nd == 0:
        return reshape(x, (1,) * n)
    if n == 2:
        return reshape(x, (1, -1))
    return reshape(x, (1, *as_array(x).shape, 1)) if nd == 1 else expand_dims(x, -1)


def hstack(xs):
    xs = [lift(x) for x in xs]
    return concatenate(xs, axis=0 if as_array(xs[0]).ndim == 1 else 1)


def vstack(xs):
    return concatenate([_atleast(x, 2) for x in xs], axis=0)


def dstack(xs):
    return concatenate([_atleast(x, 3) for x in xs], axis=2)


def unstack(x, num=None, axis=0):
    x = lift(x)
    n = as_array(x).shape[axis]
    return [take(x, i, axis=axis) for i in range(n)]


def array_split(x, indices_or_sections, axis=0):
    x = lift(x)
    if isinstance(indices_or_sections, int):
        n, k = as_array(x).shape[axis], indices_or_sections
        sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
        indices_or_sections = list(np.cumsum(sizes)[:-1])
    return split(x, indices_or_sections, axis=axis)


def hsplit(x, indices_or_sections):
    return split(x, indices_or_sections, axis=0 if as_array(x).ndim == 1 else 1)


def vsplit(x, indices_or_sections):
    return split(x, indices_or_sections, axis=0)


def dsplit(x, indices_or_sections):
    return split(x, indices_or_sections, axis=2)


def append(x1, x2, axis=None):
    if axis is None:
        return concatenate([reshape(x1, (-1,)), reshape(x2, (-1,))], axis=0)
    return concatenate([x1, x2], axis=axis)


# ---------------------------------------------------------------- moving elements
def moveaxis(x, source, destination):
    return _pick(x, lambda i: np.moveaxis(i, source, destination))


def ravel(x):
    return reshape(x, (-1,))


def roll(x, shift, axis=None):
    return _pick(x, lambda i: np.roll(i, shift, axis=axis))


def rot90(array, k=1, axes=(0, 1)):
    return _pick(array, lambda i: np.rot90(i, k=k, axes=axes))


def fliplr(x):
    return flip(x, axis=1)


def flipud(x):
    return flip(x, axis=0)


def diagonal(x, offset=0, axis1=0, axis2=1):
    return _pick(x, lambda i: np.diagonal(i, offset=offset, axis1=axis1, axis2=axis2))


def trace(x, offset=0, axis1=0, axis2=1):
    return _sum(diagonal(x, offset, axis1, axis2), axis=-1)


def diag(x, k=0):
    x = lift(x)
    xv = as_array(x)
    if xv.ndim == 2:
        return diagonal(x, offset=k)
    if xv.ndim != 1:
        raise ValueError(f"`x` must be 1-D or 2-D. Received: x.shape={xv.shape}")
    n = xv.shape[0] + builtins.abs(k)
    where = np.diag(np.arange(1, xv.shape[0] + 1), k)    # 0 off the diagonal, i + 1 on it
    padded = concatenate([np.zeros((1,), xv.dtype if xv.dtype.kind == "f" else np.float32), x], axis=0)
    return reshape(take(padded, where.reshape(-1)), (n, n))


def diagflat(x, k=0):
    return diag(reshape(x, (-1,)), k)


def tri(N, M=None, k=0, dtype=None):
    return as_tensor(np.tri(N, M, k, dtype=np.dtype(dtype or "float32")))


def tril(x, k=0):
    x = lift(x)
    shape = as_array(x).shape
    return multiply(x, np.tri(shape[-2], shape[-1], k, dtype=bool).astype(as_array(x).dtype))


def triu(x, k=0):
    x = lift(x)
    shape = as_array(x).shape
    return multiply(x, (~np.tri(shape[-2], shape[-1], k - 1, dtype=bool)).astype(as_array(x).dtype))


def diff(a, n=1, axis=-1):
    a = lift(a)
    for _ in range(n):
        size = as_array(a).shape[axis]
        a = add(take(a, np.arange(1, size), axis=axis), multiply(-1.0, take(a, np.arange(size - 1), axis=axis)))
    return a


# ---------------------------------------------------------------- slices and scatters
def slice(inputs, start_indices, shape):
    starts = [int(s) for s in as_array(start_indices).reshape(-1)]
    region = tuple(builtins.slice(s, s + int(n)) for s, n in zip(starts, shape))
    return _pick(inputs, lambda i: i[region])


def slice_update(inputs, start_indices, updates):
    x, u = lift(inputs), lift(updates)
    xv, uv = _v(x), _v(u)
    starts = [int(s) for s in as_array(start_indices).reshape(-1)]
    region = tuple(builtins.slice(s, s + n) for s, n in zip(starts, uv.shape))
    y = np.array(xv, copy=True)
    y[region] = uv

    def rule(g):
        gx = np.array(g, copy=True)
        gx[region] = 0
        return gx, g[region]
    return _make(y, (x, u), rule)


def _index_tuple(indices, depth):
    idx = as_array(indices).astype(np.int64)
    return tuple(idx[..., j] for j in range(depth))


def scatter(indices, values, shape):
    """Zeros of `shape` with `values` added at `indices` (repeated indices add up, as Keras's)."""
    v = lift(values)
    vv = _v(v)
    idx = as_array(indices).astype(np.int64)
    key = _index_tuple(idx, idx.shape[-1])
    y = np.zeros(tuple(shape), vv.dtype if vv.dtype.kind == "f" else vv.dtype)
    np.add.at(y, key, vv)
    return _make(y, (v,), lambda g: (g[key],))


def scatter_update(inputs, indices, updates, reduction=None):
    """`inputs` with `updates` written at `indices` (the last write of a repeated index wins)."""
    if reduction is not None:
        raise ValueError(f"VisualNet's scatter_update writes the updates (reduction=None). Received: "
                         f"reduction={reduction!r}")
    x, u = lift(inputs), lift(updates)
    xv, uv = _v(x), _v(u)
    idx = as_array(indices).astype(np.int64)
    key = _index_tuple(idx, idx.shape[-1])
    y = np.array(xv, copy=True)
    y[key] = uv

    def rule(g):
        gx = np.array(g, copy=True)
        gx[key] = 0
        return gx, g[key]
    return _make(y, (x, u), rule)


# ---------------------------------------------------------------- grids, ranges, copies
def meshgrid(*x, indexing="xy"):
    xs = [lift(v) for v in x]
    grids = np.meshgrid(*[np.arange(as_array(v).size) for v in xs], indexing=indexing)
    return [take(reshape(v, (-1,)), g) for v, g in zip(xs, grids)]


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    y = np.linspace(as_array(start), as_array(stop), num, endpoint=endpoint, retstep=retstep, axis=axis)
    if retstep:
        return as_tensor(np.asarray(y[0], dtype or np.float32)), as_tensor(np.asarray(y[1], dtype or np.float32))
    return as_tensor(np.asarray(y, dtype or np.float32))


def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    return as_tensor(np.logspace(as_array(start), as_array(stop), num, endpoint=endpoint, base=base,
                                 axis=axis).astype(dtype or np.float32))


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    return as_tensor(np.geomspace(as_array(start), as_array(stop), num, endpoint=endpoint,
                                  axis=axis).astype(dtype or np.float32))


def full_like(x, fill_value, dtype=None):
    xv = as_array(x)
    return as_tensor(np.full(xv.shape, as_array(fill_value), dtype=dtype or xv.dtype))


def empty(shape, dtype=None):
    return as_tensor(np.zeros(shape, dtype or np.float32))


def empty_like(x, dtype=None):
    xv = as_array(x)
    return as_tensor(np.zeros(xv.shape, dtype or xv.dtype))


def copy(x):
    x = lift(x)
    return _make(np.array(_v(x), copy=True), (x,), lambda g: (g,))


def identity(n, dtype=None):
    return as_tensor(np.identity(n, dtype or np.float32))


def nonzero(x):
    return tuple(as_tensor(i) for i in np.nonzero(as_array(x)))


def select(condlist, choicelist, default=0):
    out = lift(default)
    for cond, choice in reversed(list(zip(condlist, choicelist))):
        out = where(as_array(cond), choice, out)
    return out if not isinstance(out, np.ndarray) else as_tensor(out)


def array(x, dtype=None):
    a = as_array(x)
    return as_tensor(np.array(a, dtype=dtype) if dtype is not None else np.array(a))


def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """The cross product of 3-vectors (a 2-vector counts its third component as 0)."""
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = moveaxis(x1, axisa, -1), moveaxis(x2, axisb, -1)

    def parts(t):
        n = as_array(t).shape[-1]
        if n not in (2, 3):
            raise ValueError(f"Incompatible dimensions for cross product (dimension must be 2 or 3). Received: "
                             f"shape {as_array(t).shape}")
        return [take(t, i, axis=-1) for i in range(n)] + ([np.float32(0.0)] if n == 2 else [])
    (a0, a1, a2), (b0, b1, b2) = parts(a), parts(b)
    if as_array(a).shape[-1] == 2 and as_array(b).shape[-1] == 2:
        return add(multiply(a0, b1), multiply(-1.0, multiply(a1, b0)))
    c = [add(multiply(a1, b2), multiply(-1.0, multiply(a2, b1))),
         add(multiply(a2, b0), multiply(-1.0, multiply(a0, b2))),
         add(multiply(a0, b1), multiply(-1.0, multiply(a1, b0)))]
    return moveaxis(stack(c, axis=-1), -1, axisc)


def vander(x, N=None, increasing=False):
    x = lift(x)
    n = as_array(x).shape[0] if N is None else N
    powers = np.arange(n) if increasing else np.arange(n)[::-1]
    return power(expand_dims(x, -1), powers.astype(np.float32 if as_array(x).dtype.kind == "f" else np.int64))


def unravel_index(indices, shape):
    return tuple(as_tensor(i) for i in np.unravel_index(as_array(indices).astype(np.int64), shape))


def depth_to_space(x, block_size, data_format="channels_last"):
    """(N, H, W, C) -> (N, H * b, W * b, C / b^2), Keras's order of the blocks."""
    if data_format != "channels_last":
        raise ValueError(f"VisualNet's depth_to_space takes channels_last data. Received: data_format={data_format!r}")

    def select(i):
        n, h, w, c = i.shape
        i = i.reshape(n, h, w, block_size, block_size, c // block_size ** 2).transpose(0, 1, 3, 2, 4, 5)
        return i.reshape(n, h * block_size, w * block_size, c // block_size ** 2)
    return _pick(x, select)


def space_to_depth(x, block_size, data_format="channels_last"):
    """(N, H, W, C) -> (N, H / b, W / b, C * b^2): the inverse of depth_to_space."""
    if data_format != "channels_last":
        raise ValueError(f"VisualNet's space_to_depth takes channels_last data. Received: data_format={data_format!r}")

    def select(i):
        n, h, w, c = i.shape
        i = i.reshape(n, h // block_size, block_size, w // block_size, block_size, c).transpose(0, 1, 3, 2, 4, 5)
        return i.reshape(n, h // block_size, w // block_size, c * block_size ** 2)
    return _pick(x, select)


def _window(fn):
    def op(x):
        return as_tensor(fn(int(as_array(x))).astype(np.float32))
    op.__name__ = fn.__name__
    return op


bartlett = _window(np.bartlett)
blackman = _window(np.blackman)
hamming = _window(np.hamming)
hanning = _window(np.hanning)


def kaiser(x, beta):
    return as_tensor(np.kaiser(int(as_array(x)), float(as_array(beta))).astype(np.float32))


__all__ = [name for name, value in list(globals().items())
           if not name.startswith("_") and callable(value) and getattr(value, "__module__", None) == __name__]
