"""More of `keras.ops`' reductions and orderings: sorting and top-k, quantiles and medians,
NaN-skipping reductions, norms and moments, cumulative products, segments, counting and
binning. Differentiable ones are compositions of taped ops or have their own rule (see
ops_core); indices and counts have no gradient, as in Keras."""

from __future__ import annotations

import builtins

import numpy as np

from .ops_core import _float, _make, _v, add, divide, matmul, multiply, power, subtract
from .ops_math import _axes, abs, max, mean, min, prod, sqrt, square, sum, where
from .ops_shapes import cumsum, reshape, take, take_along_axis, transpose
from .tape import as_array, lift
from .variables import as_tensor


# ---------------------------------------------------------------- ordering
def argsort(x, axis=-1):
    xv = as_array(x)
    if xv.ndim == 0:
        return as_tensor(np.zeros((), np.int64))
    return as_tensor(np.argsort(xv, axis=axis, kind="stable"))


def sort(x, axis=-1):
    x = lift(x)
    if as_array(x).ndim == 0:
        return x
    return take_along_axis(x, np.asarray(argsort(x, axis)), axis=axis)


def top_k(x, k, sorted=True):
    """(values, indices) of the `k` largest entries of the last axis, largest first."""
    x = lift(x)
    order = np.argsort(-as_array(x), axis=-1, kind="stable")[..., :k]
    return take_along_axis(x, order, axis=-1), as_tensor(order.astype(np.int32))


def in_top_k(targets, predictions, k):
    p = as_array(predictions)
    t = as_array(targets).astype(np.int64)
    own = np.take_along_axis(p, t[:, None], axis=1)
    return as_tensor((p > own).sum(axis=1) < k)


# ---------------------------------------------------------------- quantiles
def quantile(x, q, axis=None, method="linear", keepdims=False):
    """Keras's quantile (method='linear' and the others of NumPy); differentiable through
    the sort for 'linear'."""
    x = lift(x)
    xv = as_array(x)
    qv = np.asarray(as_array(q), np.float64)
    if np.any((qv < 0) | (qv > 1)):
        raise ValueError(f"Quantiles must be in the range [0, 1]. Received: q={qv.tolist()}")
    nd = xv.ndim
    axes = _axes(axis, nd)
    keep = [a for a in range(nd) if a not in axes]
    moved = reshape(transpose(x, keep + list(axes)), [xv.shape[a] for a in keep] + [-1])
    s = sort(moved, axis=-1)
    n = as_array(s).shape[-1]
    pos = qv.reshape(-1) * (n - 1)
    if method == "linear":
        lo, hi = np.floor(pos).astype(np.int64), np.ceil(pos).astype(np.int64)
        frac = (pos - lo).astype(np.float32)
        y = add(multiply(take(s, lo, axis=-1), 1 - frac), multiply(take(s, hi, axis=-1), frac))
    else:
        pick = {"lower": np.floor(pos), "higher": np.ceil(pos), "nearest": np.round(pos)}
        if method == "midpoint":
            y = multiply(add(take(s, np.floor(pos).astype(np.int64), axis=-1),
                             take(s, np.ceil(pos).astype(np.int64), axis=-1)), 0.5)
        elif method in pick:
            y = take(s, pick[method].astype(np.int64), axis=-1)
        else:
            raise ValueError(f"method must be one of 'linear', 'lower', 'higher', 'midpoint', 'nearest'. "
                             f"Received: method={method!r}")
    if keepdims:
        y = reshape(y, [1 if a in axes else xv.shape[a] for a in range(nd)] + [-1])
    y = transpose(y, [as_array(y).ndim - 1] + list(range(as_array(y).ndim - 1)))   # q first, as NumPy
    return reshape(y, as_array(y).shape[1:]) if qv.ndim == 0 else y


def percentile(x, q, axis=None, method="linear", keepdims=False):
    return quantile(x, np.asarray(as_array(q), np.float64) / 100.0, axis=axis, method=method, keepdims=keepdims)


def median(x, axis=None, keepdims=False):
    return quantile(x, 0.5, axis=axis, keepdims=keepdims)


def ptp(x, axis=None, keepdims=False):
    x = lift(x)
    return subtract(max(x, axis=axis, keepdims=keepdims), min(x, axis=axis, keepdims=keepdims))


def count_nonzero(x, axis=None):
    return as_tensor(np.asarray(np.count_nonzero(as_array(x), axis=axis), np.int32))


def cumprod(x, axis=None, dtype=None):
    x = lift(x)
    if axis is None:
        return cumprod(reshape(x, (-1,)), axis=0)
    xv = _v(x)
    y = np.cumprod(xv, axis=axis)
    # d y_i / d x_j = y_i / x_j for i >= j (the entries are taken as nonzero)
    return _make(y, (x,), lambda g: (np.flip(np.cumsum(np.flip(g * y, axis), axis=axis), axis) / xv,))


# ---------------------------------------------------------------- NaN-skipping
def _nan_filled(x, value):
    x = lift(x)
    return where(np.isnan(as_array(x)), np.float32(value), x)


def nansum(x, axis=None, keepdims=False):
    return sum(_nan_filled(x, 0.0), axis=axis, keepdims=keepdims)


def nanmean(x, axis=None, keepdims=False):
    count = np.sum(~np.isnan(as_array(x)), axis=_axes(axis, as_array(x).ndim), keepdims=keepdims)
    return divide(nansum(x, axis=axis, keepdims=keepdims), count.astype(np.float32))


def nanmax(x, axis=None, keepdims=False):
    return max(_nan_filled(x, -np.inf), axis=axis, keepdims=keepdims)


def nanmin(x, axis=None, keepdims=False):
    return min(_nan_filled(x, np.inf), axis=axis, keepdims=keepdims)


def nanprod(x, axis=None, keepdims=False):
    return prod(_nan_filled(x, 1.0), axis=axis, keepdims=keepdims)


def nanvar(x, axis=None, keepdims=False):
    x = lift(x)
    m = nanmean(x, axis=axis, keepdims=True)
    return nanmean(square(subtract(x, m)), axis=axis, keepdims=keepdims)


def nanstd(x, axis=None, keepdims=False):
    return sqrt(nanvar(x, axis=axis, keepdims=keepdims))


def nanargmax(x, axis=None, keepdims=False):
    xv = as_array(x)
    return as_tensor(np.nanargmax(np.where(np.isnan(xv).all(axis=axis, keepdims=True), -np.inf, xv), axis=axis,
                                  keepdims=keepdims))


def nanargmin(x, axis=None, keepdims=False):
    xv = as_array(x)
    return as_tensor(np.nanargmin(np.where(np.isnan(xv).all(axis=axis, keepdims=True), np.inf, xv), axis=axis,
                                  keepdims=keepdims))


def nancumsum(x, axis=None, dtype=None):
    return cumsum(_nan_filled(x, 0.0), axis=axis)


def nancumprod(x, axis=None, dtype=None):
    return cumprod(_nan_filled(x, 1.0), axis=axis)


# ---------------------------------------------------------------- statistics, norms
def average(x, axis=None, weights=None):
    x = lift(x)
    if weights is None:
        return mean(x, axis=axis)
    w = lift(weights)
    if as_array(w).ndim == 1 and as_array(x).ndim > 1 and axis is not None:
        shape = [1] * as_array(x).ndim
        shape[axis] = -1
        w = reshape(w, shape)
    return divide(sum(multiply(x, w), axis=axis), sum(multiply(w, np.ones_like(as_array(x))), axis=axis))


def moments(x, axes, keepdims=False, synchronized=False):
    """(mean, variance) over `axes`, the variance as Keras's E[x^2] - E[x]^2."""
    x = lift(x)
    m = mean(x, axis=axes, keepdims=True)
    v = subtract(mean(square(x), axis=axes, keepdims=True), square(m))
    if not keepdims:
        m, v = reshape(m, _squeezed(m, axes)), reshape(v, _squeezed(v, axes))
    return m, v


def _squeezed(t, axes):
    shape = as_array(t).shape
    axes = _axes(axes, len(shape))
    return [d for i, d in enumerate(shape) if i not in axes]


def norm(x, ord=None, axis=None, keepdims=False):
    """Vector norms (an int axis, or all entries) and matrix norms (two axes): 'fro', 1,
    -1, inf, -inf differentiable; 'nuc', 2 and -2 through the SVD, forward only."""
    x = lift(x)
    xv = _float(as_array(x))
    nd = xv.ndim
    if axis is None and (ord is None or nd == 1):
        axis = tuple(range(nd))
        vector = True
    else:
        axis = axis if isinstance(axis, (tuple, list)) else (axis,) if axis is not None else tuple(range(nd))
        vector = len(axis) == 1
    if vector:
        a = abs(x)
        if ord is None or ord == 2:
            return sqrt(sum(square(x), axis=axis, keepdims=keepdims))
        if ord == np.inf:
            return max(a, axis=axis, keepdims=keepdims)
        if ord == -np.inf:
            return min(a, axis=axis, keepdims=keepdims)
        if ord == 0:
            return as_tensor(np.sum(xv != 0, axis=tuple(axis), keepdims=keepdims).astype(np.float32))
        if isinstance(ord, str):
            raise ValueError(f"Invalid `ord` argument for vector norm. Received: ord={ord!r}")
        return power(sum(power(a, float(ord)), axis=axis, keepdims=keepdims), 1.0 / ord)
    r, c = (a % nd for a in axis)
    if ord is None or ord == "fro":
        return sqrt(sum(square(x), axis=(r, c), keepdims=keepdims))
    if ord in (1, -1, np.inf, -np.inf):
        inner, outer = (r, c) if ord in (1, -1) else (c, r)
        sums = sum(abs(x), axis=inner, keepdims=True)
        pick = max if ord in (1, np.inf) else min
        y = pick(sums, axis=outer, keepdims=True)
        return y if keepdims else reshape(y, [d for i, d in enumerate(as_array(y).shape) if i not in (r, c)])
    if ord in ("nuc", 2, -2):
        s = np.linalg.svd(np.moveaxis(xv, (r, c), (-2, -1)), compute_uv=False)
        y = s.sum(-1) if ord == "nuc" else s.max(-1) if ord == 2 else s.min(-1)
        if keepdims:
            y = np.expand_dims(np.expand_dims(y, min(r, c)), builtins.max(r, c))
        return _forward_only("norm", y, x)
    raise ValueError(f"Invalid `ord` argument for matrix norm. Received: ord={ord!r}")


def _forward_only(name, value, *args):
    """A result Keras computes but VisualNet cannot differentiate: refused on the tape."""
    def rule(g):
        raise NotImplementedError(f"VisualNet has no gradient for ops.{name} with these arguments; "
                                  "compute it outside the tape (ops.stop_gradient) or use another op.")
    return _make(value, args, rule)


# ---------------------------------------------------------------- segments, counting, binning
def segment_sum(data, segment_ids, num_segments=None, sorted=False):
    data = lift(data)
    ids = as_array(segment_ids).astype(np.int64)
    n = int(num_segments if num_segments is not None else ids.max() + 1)
    dv = _v(data)
    y = np.zeros((n, *dv.shape[1:]), dv.dtype)
    keep = ids < n
    np.add.at(y, ids[keep], dv[keep])
    return _make(y, (data,), lambda g: (np.where(keep.reshape(-1, *[1] * (dv.ndim - 1)), g[np.clip(ids, 0, n - 1)], 0),))


def segment_max(data, segment_ids, num_segments=None, sorted=False):
    data = lift(data)
    ids = as_array(segment_ids).astype(np.int64)
    n = int(num_segments if num_segments is not None else ids.max() + 1)
    dv = _v(data)
    y = np.full((n, *dv.shape[1:]), -np.inf if dv.dtype.kind == "f" else np.iinfo(dv.dtype).min, dv.dtype)
    keep = ids < n
    np.maximum.at(y, ids[keep], dv[keep])

    def rule(g):
        safe = np.clip(ids, 0, n - 1)
        hit = (dv == y[safe]) & keep.reshape(-1, *[1] * (dv.ndim - 1))
        ties = np.zeros_like(y)
        np.add.at(ties, safe, hit.astype(dv.dtype))
        return (np.where(hit, g[safe] / np.maximum(ties[safe], 1), 0),)
    return _make(y, (data,), rule)


def _segment_reduce(data, segment_ids, num_segments, ufunc, start, name):
    ids = as_array(segment_ids).astype(np.int64)
    dv = as_array(data)
    n = int(num_segments if num_segments is not None else ids.max() + 1)
    y = np.full((n, *dv.shape[1:]), start, dv.dtype)
    keep = ids < n
    ufunc.at(y, ids[keep], dv[keep])
    return _forward_only(name, y, lift(data))


def segment_min(data, segment_ids, num_segments=None, sorted=False):
    dt = as_array(data).dtype
    return _segment_reduce(data, segment_ids, num_segments, np.minimum,
                           np.inf if dt.kind == "f" else np.iinfo(dt).max, "segment_min")


def segment_prod(data, segment_ids, num_segments=None, sorted=False):
    return _segment_reduce(data, segment_ids, num_segments, np.multiply, 1, "segment_prod")


def trapezoid(y, x=None, dx=1.0, axis=-1):
    y = lift(y)
    n = as_array(y).shape[axis]
    mid = multiply(add(take(y, np.arange(1, n), axis=axis), take(y, np.arange(n - 1), axis=axis)), 0.5)
    if x is None:
        return multiply(sum(mid, axis=axis), float(dx))
    xv = as_array(x)
    d = np.diff(xv, axis=axis if xv.ndim > 1 else -1).astype(np.float32)
    if xv.ndim == 1:
        shape = [1] * as_array(y).ndim
        shape[axis] = -1
        d = d.reshape(shape)
    return sum(multiply(mid, d), axis=axis)


def corrcoef(x):
    x = lift(x)
    centred = subtract(x, mean(x, axis=-1, keepdims=True))
    cov = divide(matmul(centred, transpose(centred)), float(as_array(x).shape[-1] - 1))
    d = sqrt(take(reshape(cov, (-1,)), np.arange(as_array(cov).shape[0]) * (as_array(cov).shape[0] + 1)))
    return divide(divide(cov, reshape(d, (-1, 1))), reshape(d, (1, -1)))


def histogram(x, bins=10, range=None):
    counts, edges = np.histogram(as_array(x), bins=bins, range=range)
    return as_tensor(counts.astype(np.int32)), as_tensor(edges.astype(np.float32))


def bincount(x, weights=None, minlength=0, sparse=False):
    xv = as_array(x).astype(np.int64)
    w = None if weights is None else as_array(weights)
    if xv.ndim == 1:
        return as_tensor(np.bincount(xv, w, minlength))
    length = builtins.max(minlength, int(xv.max()) + 1)
    rows = [np.bincount(r, None if w is None else wr, length) for r, wr in zip(xv, xv if w is None else w)]
    return as_tensor(np.stack(rows))


def digitize(x, bins):
    return as_tensor(np.digitize(as_array(x), as_array(bins)).astype(np.int32))


def searchsorted(sorted_sequence, values, side="left"):
    return as_tensor(np.searchsorted(as_array(sorted_sequence), as_array(values), side=side).astype(np.int64))


def unique(x, sorted=True, return_inverse=False, return_counts=False, axis=None, size=None, fill_value=None):
    out = np.unique(as_array(x), return_inverse=return_inverse, return_counts=return_counts, axis=axis)
    if isinstance(out, tuple):
        return tuple(as_tensor(o) for o in out)
    return as_tensor(out)


def extract_sequences(x, sequence_length, sequence_stride):
    """Frames of `sequence_length` along the last axis, every `sequence_stride` samples."""
    x = lift(x)
    n = as_array(x).shape[-1]
    starts = np.arange(0, n - sequence_length + 1, sequence_stride)
    return take(x, starts[:, None] + np.arange(sequence_length)[None, :], axis=-1)


__all__ = [name for name, value in list(globals().items())
           if not name.startswith("_") and callable(value) and getattr(value, "__module__", None) == __name__]
