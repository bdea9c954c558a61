"""`keras.ops.nn`'s functions beyond the activations: encodings, cross-entropies,
normalizations, attention, and convolutions and pooling (channels_last) as patches taken
from the input (`_patches`) and a product with the kernel, so the tape differentiates them
through `get_item` and `einsum` (see ops_core). ctc_loss is refused."""

from __future__ import annotations

import numpy as np

from .ops_core import add, divide, einsum, multiply, subtract
from .ops_math import (abs as _abs, clip, log, log_softmax, maximum, mean, minimum, rsqrt, softmax, softplus,
                       square, sum, where)
from .ops_shapes import concatenate, flip, get_item, pad, reshape, take, take_along_axis, transpose
from .tape import as_array, lift
from .variables import as_tensor

_EPSILON = 1e-7


def _tuple(value, n: int, name: str) -> tuple:
    out = (value,) * n if isinstance(value, int) else tuple(value)
    if len(out) != n:
        raise ValueError(f"`{name}` must be an int or a tuple of {n} ints. Received: {name}={value!r}")
    return out


def _channels_last(data_format):
    if data_format not in (None, "channels_last"):
        raise ValueError(f"VisualNet's ops.nn convolutions and pooling take channels_last data. Received: "
                         f"data_format={data_format!r}")


# ---------------------------------------------------------------- encodings, losses
def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    num_classes = kwargs.pop("num_tokens", num_classes)
    idx = as_array(inputs).astype(np.int64)
    eye = np.eye(num_classes, dtype=dtype or np.float32)[idx]
    y = eye.max(axis=1 if idx.ndim > 1 else 0)
    return as_tensor(np.moveaxis(y, -1, axis) if axis != -1 else y)


def binary_crossentropy(target, output, from_logits=False):
    t, o = lift(target), lift(output)
    if from_logits:   # max(o, 0) - o * t + log(1 + exp(-|o|))
        return add(subtract(maximum(o, 0.0), multiply(o, t)), softplus(multiply(-1.0, _abs(o))))
    p = clip(o, _EPSILON, 1 - _EPSILON)
    return multiply(-1.0, add(multiply(t, log(p)), multiply(subtract(1.0, t), log(subtract(1.0, p)))))


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    t, o = lift(target), lift(output)
    if as_array(t).shape != as_array(o).shape:
        raise ValueError(f"Arguments `target` and `output` must have the same shape. Received: "
                         f"target.shape={as_array(t).shape}, output.shape={as_array(o).shape}")
    if from_logits:
        logp = log_softmax(o, axis=axis)
    else:
        logp = log(clip(divide(o, sum(o, axis=axis, keepdims=True)), _EPSILON, 1 - _EPSILON))
    return multiply(-1.0, sum(multiply(t, logp), axis=axis))


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    o = lift(output)
    idx = as_array(target).astype(np.int64)
    ov = as_array(o)
    if idx.ndim == ov.ndim and idx.shape[axis] == 1:
        idx = np.squeeze(idx, axis)
    if from_logits:
        logp = log_softmax(o, axis=axis)
    else:
        logp = log(clip(divide(o, sum(o, axis=axis, keepdims=True)), _EPSILON, 1 - _EPSILON))
    picked = take_along_axis(logp, np.expand_dims(idx, axis), axis=axis)
    return multiply(-1.0, reshape(picked, idx.shape))


# ---------------------------------------------------------------- normalization
def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    x = lift(x)
    shape = [1] * as_array(x).ndim
    shape[axis] = -1
    inv = rsqrt(add(reshape(variance, shape), epsilon))
    if scale is not None:
        inv = multiply(inv, reshape(scale, shape))
    y = multiply(subtract(x, reshape(mean, shape)), inv)
    return y if offset is None else add(y, reshape(offset, shape))


def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs):
    x = lift(x)
    eps = _EPSILON if epsilon is None else epsilon
    axes = tuple(axis) if isinstance(axis, (list, tuple)) else (axis,)
    m = mean(x, axis=axes, keepdims=True)
    centred = subtract(x, m)
    if kwargs.get("rms_scaling"):
        y = multiply(x, rsqrt(add(mean(square(centred), axis=axes, keepdims=True), eps)))
    else:
        y = multiply(centred, rsqrt(add(mean(square(centred), axis=axes, keepdims=True), eps)))
    if gamma is not None:
        y = multiply(y, gamma)
    return y if beta is None or kwargs.get("rms_scaling") else add(y, beta)


def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    x = lift(x)
    eps = _EPSILON if epsilon is None else epsilon
    y = multiply(x, rsqrt(add(mean(square(x), axis=axis, keepdims=True), eps)))
    return y if scale is None else multiply(y, scale)


def normalize(x, axis=-1, order=2, epsilon=None):
    if not isinstance(order, int) or order < 1:
        raise ValueError(f"Argument `order` must be an int >= 1. Received: order={order}")
    x = lift(x)
    eps = _EPSILON if epsilon is None else epsilon
    if order == 2:
        return multiply(x, minimum(rsqrt(sum(square(x), axis=axis, keepdims=True)), 1.0 / eps))
    from .ops_reductions import norm
    return divide(x, maximum(norm(x, ord=order, axis=axis, keepdims=True), eps))


def psnr(x1, x2, max_val):
    a, b = lift(x1), lift(x2)
    if as_array(a).shape != as_array(b).shape:
        raise ValueError(f"Input shapes {as_array(a).shape} and {as_array(b).shape} must match for PSNR "
                         "calculation.")
    mse = mean(square(subtract(a, b)))
    return subtract(20 * np.log10(np.float32(max_val)), multiply(10.0 / np.log(10.0), log(mse)))


# ---------------------------------------------------------------- attention
def dot_product_attention(query, key, value, bias=None, mask=None, scale=None, is_causal=False,
                          flash_attention=None, attn_logits_soft_cap=None):
    """Keras's attention on (batch, length, heads, head_dim) tensors: softmax(q k^T * scale
    + bias, masked) v, the scale 1/sqrt(head_dim) by default."""
    if flash_attention:
        raise ValueError("VisualNet has no flash attention. Received: flash_attention=True")
    q, k, v = lift(query), lift(key), lift(value)
    head_dim = as_array(q).shape[-1]
    s = 1.0 / np.sqrt(head_dim) if scale is None else scale
    logits = multiply(einsum("btnh,bsnh->bnts", q, k), np.float32(s))
    if attn_logits_soft_cap is not None:
        from .ops_math import tanh
        logits = multiply(tanh(divide(logits, attn_logits_soft_cap)), attn_logits_soft_cap)
    if bias is not None:
        logits = add(logits, bias)
    t, n = as_array(logits).shape[-2:]
    keep = np.ones((t, n), bool)
    if is_causal:
        keep = np.tril(keep)
    if mask is not None:
        keep = keep & as_array(mask).astype(bool)
    if mask is not None or is_causal:
        logits = where(keep, logits, np.float32(np.finfo(np.float32).min))
    return einsum("bnts,bsnh->btnh", softmax(logits, axis=-1), v)


# ---------------------------------------------------------------- convolution and pooling
def _same_pads(sizes, windows, strides, dilations):
    pads = []
    for n, k, s, d in zip(sizes, windows, strides, dilations):
        out = -(-n // s)
        total = max((out - 1) * s + (k - 1) * d + 1 - n, 0)
        pads.append((total // 2, total - total // 2))
    return pads


def _patches(x, windows, strides, dilations, padding, fill=0.0):
    """(patches of shape (batch, *out, *window, channels), the out sizes, a mask of the
    entries that are the input's, not padding); `padding` 'valid' or 'same'."""
    x = lift(x)
    shape = as_array(x).shape
    spatial = shape[1:-1]
    nd = len(spatial)
    if padding == "same":
        pads = _same_pads(spatial, windows, strides, dilations)
        x = pad(x, [(0, 0), *pads, (0, 0)], constant_values=fill)
    elif padding == "valid":
        pads = [(0, 0)] * nd
    else:
        raise ValueError(f"`padding` must be 'valid' or 'same'. Received: padding={padding!r}")
    sizes = as_array(x).shape[1:-1]
    outs = [(n - (k - 1) * d - 1) // s + 1 for n, k, s, d in zip(sizes, windows, strides, dilations)]
    index = []
    for i in range(nd):
        o = np.arange(outs[i]) * strides[i]
        j = np.arange(windows[i]) * dilations[i]
        shape_o = [1] * (2 * nd)
        shape_o[i] = outs[i]
        shape_j = [1] * (2 * nd)
        shape_j[nd + i] = windows[i]
        index.append(o.reshape(shape_o) + j.reshape(shape_j))
    key = (slice(None), *index, slice(None))
    inside = np.ones(sizes, bool)
    if padding == "same":
        inside = np.zeros(sizes, bool)
        inside[tuple(slice(lo, lo + n) for (lo, _), n in zip(pads, spatial))] = True
    return get_item(x, key), outs, inside[tuple(index)]


def _letters(nd):
    return "ijk"[:nd], "pqr"[:nd]


def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    _channels_last(data_format)
    x, w = lift(inputs), lift(kernel)
    nd = as_array(x).ndim - 2
    wshape = as_array(w).shape
    strides, dil = _tuple(strides, nd, "strides"), _tuple(dilation_rate, nd, "dilation_rate")
    patches, outs, _ = _patches(x, wshape[:nd], strides, dil, padding)
    o, k = _letters(nd)
    cin, groups = as_array(x).shape[-1], as_array(x).shape[-1] // wshape[-2]
    if groups == 1:
        return einsum(f"b{o}{k}c,{k}cf->b{o}f", patches, w)
    p = reshape(patches, (*as_array(patches).shape[:-1], groups, cin // groups))
    kk = reshape(w, (*wshape[:-1], groups, wshape[-1] // groups))
    y = einsum(f"b{o}{k}gc,{k}cgf->b{o}gf", p, kk)
    return reshape(y, (*as_array(y).shape[:-2], wshape[-1]))


def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    _channels_last(data_format)
    x, w = lift(inputs), lift(kernel)
    nd = as_array(x).ndim - 2
    wshape = as_array(w).shape
    strides, dil = _tuple(strides, nd, "strides"), _tuple(dilation_rate, nd, "dilation_rate")
    patches, outs, _ = _patches(x, wshape[:nd], strides, dil, padding)
    o, k = _letters(nd)
    y = einsum(f"b{o}{k}c,{k}cm->b{o}cm", patches, w)
    return reshape(y, (*as_array(y).shape[:-2], wshape[-2] * wshape[-1]))


def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1):
    y = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format, dilation_rate)
    nd = as_array(y).ndim - 2
    return conv(y, pointwise_kernel, 1, "valid", data_format, 1) if nd else y


def _pool(inputs, pool_size, strides, padding, data_format, kind):
    _channels_last(data_format)
    x = lift(inputs)
    nd = as_array(x).ndim - 2
    windows = _tuple(pool_size, nd, "pool_size")
    strides = windows if strides is None else _tuple(strides, nd, "strides")
    fill = -np.inf if kind == "max" else 0.0
    patches, outs, inside = _patches(x, windows, strides, (1,) * nd, padding, fill)
    axes = tuple(range(1 + nd, 1 + 2 * nd))
    if kind == "max":
        from .ops_math import max as max_
        return max_(patches, axis=axes)
    counts = inside.sum(axis=tuple(range(nd, 2 * nd))).astype(np.float32)   # padding is not counted
    return divide(sum(patches, axis=axes), counts[None, ..., None])


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    return _pool(inputs, pool_size, strides, padding, data_format, "max")


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    return _pool(inputs, pool_size, strides, padding, data_format, "average")


def _transpose_pads(k, s, d, padding, output_padding):
    """(left, right) padding of the spread-out input: Keras's arguments as its backends
    read them (backend_utils._convert_conv_transpose_padding_args_from_keras_to_jax)."""
    k_eff = (k - 1) * d + 1
    if padding == "valid":
        op = max(k_eff, s) - k_eff if output_padding is None else output_padding
        return k_eff - 1, k_eff - 1 + op
    pad_len = s + k_eff - 2 if output_padding is None else k_eff + k_eff % 2 - 2 + output_padding
    left = min(pad_len // 2 + pad_len % 2, k_eff - 1)
    return left, pad_len - left


def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None, data_format=None,
                   dilation_rate=1):
    """The transpose of `conv` (kernel (*window, out_channels, in_channels)): the input
    spread `strides` apart, padded, and convolved with the flipped kernel."""
    _channels_last(data_format)
    if padding not in ("valid", "same"):
        raise ValueError(f"The `padding` argument must be one of 'valid', 'same'. Received: padding={padding}")
    x, w = lift(inputs), lift(kernel)
    shape = as_array(x).shape
    nd = len(shape) - 2
    windows = as_array(w).shape[:nd]
    strides, dil = _tuple(strides, nd, "strides"), _tuple(dilation_rate, nd, "dilation_rate")
    outp = [None] * nd if output_padding is None else list(_tuple(output_padding, nd, "output_padding"))
    # the input spread out: element i at i * stride, zeros between (taken from a zero appended)
    spread = [(n - 1) * s + 1 for n, s in zip(shape[1:-1], strides)]
    index = np.full((shape[0], *spread, shape[-1]), int(np.prod(shape)), np.int64)
    index[(slice(None), *(slice(None, None, s) for s in strides), slice(None))] = np.arange(
        int(np.prod(shape))).reshape(shape)
    flat = concatenate([reshape(x, (-1,)), np.zeros((1,), np.float32)], axis=0)
    y = take(flat, index)
    pads = [_transpose_pads(k, st, d, padding, op) for k, st, d, op in zip(windows, strides, dil, outp)]
    y = pad(y, [(0, 0), *pads, (0, 0)])
    flipped = transpose(flip(w, axis=tuple(range(nd))), (*range(nd), nd + 1, nd))
    return conv(y, flipped, 1, "valid", None, dil)


def ctc_loss(target, output, target_length, output_length, mask_index=0):
    raise NotImplementedError("VisualNet has no ops.ctc_loss yet.")


__all__ = [name for name, value in list(globals().items())
           if not name.startswith("_") and callable(value) and getattr(value, "__module__", None) == __name__]
