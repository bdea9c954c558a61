"""`keras.ops.image` on channels_last images (a batch (N, H, W, C) or one (H, W, C)):
resize (bilinear, nearest), colour conversions, crop and pad, patches. Each is a
composition of taped ops, so its gradient comes from theirs (see ops_core); the formulas
follow Keras's torch backend (keras/src/backend/torch/image.py)."""

from __future__ import annotations

import itertools

import numpy as np

from .ops_core import add, multiply, subtract
from .ops_elementwise import mod
from .ops_math import abs, clip, maximum, minimum, reciprocal, where
from .ops_nn import _channels_last, _patches, _tuple
from .ops_shapes import expand_dims, get_item, pad, reshape, squeeze, stack, take
from .tape import as_array, lift


def _batched(images):
    images = lift(images)
    nd = as_array(images).ndim
    if nd not in (3, 4):
        raise ValueError(f"Invalid images rank: expected rank 3 (single image) or rank 4 (batch of images). "
                         f"Received input with shape: images.shape={as_array(images).shape}")
    return (expand_dims(images, 0), True) if nd == 3 else (images, False)


def _out(images, single):
    return squeeze(images, 0) if single else images


def _axis_weights(n_in: int, n_out: int, interpolation: str):
    """(low index, high index, weight of high) per output position (torch's align_corners=False)."""
    scale = n_in / n_out
    dst = np.arange(n_out, dtype=np.float64)
    if interpolation == "nearest":     # torch's nearest-exact
        idx = np.minimum(np.floor((dst + 0.5) * scale), n_in - 1).astype(np.int64)
        return idx, idx, np.zeros(n_out, np.float32)
    src = np.maximum((dst + 0.5) * scale - 0.5, 0.0)
    lo = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    hi = np.minimum(lo + 1, n_in - 1)
    return lo, hi, (src - lo).astype(np.float32)


def resize(images, size, interpolation="bilinear", antialias=False, crop_to_aspect_ratio=False,
           pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format=None):
    _channels_last(data_format)
    if interpolation not in ("bilinear", "nearest"):
        raise ValueError(f"VisualNet's ops.image.resize interpolates 'bilinear' or 'nearest'. Received: "
                         f"interpolation={interpolation!r}")
    if antialias or crop_to_aspect_ratio or pad_to_aspect_ratio:
        raise ValueError("VisualNet's ops.image.resize has no antialias, crop_to_aspect_ratio or "
                         "pad_to_aspect_ratio. Received one of them True.")
    if len(size) != 2:
        raise ValueError(f"Argument `size` must be a tuple of two elements (height, width). Received: size={size}")
    x, single = _batched(images)
    for axis, n_out in ((1, size[0]), (2, size[1])):
        lo, hi, w = _axis_weights(as_array(x).shape[axis], int(n_out), interpolation)
        shape = [1, 1, 1, 1]
        shape[axis] = -1
        w = w.reshape(shape)
        a, b = take(x, lo, axis=axis), take(x, hi, axis=axis)
        x = a if interpolation == "nearest" else add(multiply(a, 1 - w), multiply(b, w))
    return _out(x, single)


def rgb_to_grayscale(images, data_format=None):
    _channels_last(data_format)
    x = lift(images)
    r, g, b = (take(x, i, axis=-1) for i in range(3))
    y = add(add(multiply(r, 0.2989), multiply(g, 0.587)), multiply(b, 0.114))
    return expand_dims(y, -1)


def rgb_to_hsv(images, data_format=None):
    _channels_last(data_format)
    x = lift(images)
    eps = np.finfo(np.float32).eps
    x = where(np.abs(as_array(x)) < eps, np.float32(0.0), x)
    r, g, b = (take(x, i, axis=-1) for i in range(3))
    value = maximum(maximum(r, g), b)
    rng = subtract(value, minimum(minimum(r, g), b))
    vv, rv = as_array(value), as_array(rng)
    safe_value = where(vv > 0, value, np.float32(1.0))
    safe_range = where(rv > 0, rng, np.float32(1.0))
    saturation = where(vv > 0, multiply(rng, reciprocal(safe_value)), np.float32(0.0))
    norm = reciprocal(multiply(safe_range, 6.0))
    hue = where(vv == as_array(g), add(multiply(norm, subtract(b, r)), 2.0 / 6.0),
                add(multiply(norm, subtract(r, g)), 4.0 / 6.0))
    hue = where(vv == as_array(r), multiply(norm, subtract(g, b)), hue)
    hue = add(where(rv > 0, hue, np.float32(0.0)), (as_array(hue) < 0).astype(np.float32))
    return stack([hue, saturation, value], axis=-1)


def hsv_to_rgb(images, data_format=None):
    _channels_last(data_format)
    x = lift(images)
    h, s, v = (take(x, i, axis=-1) for i in range(3))
    dh = multiply(mod(h, 1.0), 6.0)
    dr = clip(subtract(abs(subtract(dh, 3.0)), 1.0), 0.0, 1.0)
    dg = clip(subtract(2.0, abs(subtract(dh, 2.0))), 0.0, 1.0)
    db = clip(subtract(2.0, abs(subtract(dh, 4.0))), 0.0, 1.0)
    one_minus_s = subtract(1.0, s)
    rgb = [multiply(v, add(one_minus_s, multiply(s, d))) for d in (dr, dg, db)]
    return stack(rgb, axis=-1)


def _box(total, first, last, target, names, sign=1):
    if first is None and last is None and target is None:
        first = last = 0
    if target is not None:
        if first is None and last is None:
            raise ValueError(f"Give `{names[0]}` or `{names[1]}` with `{names[2]}`.")
        room = total - target if sign > 0 else target - total   # cropped (or padded) rows in all
        if first is None:
            first = room - last
        if last is None:
            last = room - first
    return int(first or 0), int(last or 0)


def crop_images(images, top_cropping=None, left_cropping=None, bottom_cropping=None, right_cropping=None,
                target_height=None, target_width=None, data_format=None):
    _channels_last(data_format)
    x, single = _batched(images)
    _, h, w, _ = as_array(x).shape
    top, bottom = _box(h, top_cropping, bottom_cropping, target_height,
                       ("top_cropping", "bottom_cropping", "target_height"))
    left, right = _box(w, left_cropping, right_cropping, target_width,
                       ("left_cropping", "right_cropping", "target_width"))
    if top + bottom >= h or left + right >= w or min(top, bottom, left, right) < 0:
        raise ValueError(f"The cropping ({top}, {bottom}, {left}, {right}) leaves nothing of images of height {h} "
                         f"and width {w}.")
    return _out(get_item(x, (slice(None), slice(top, h - bottom), slice(left, w - right))), single)


def pad_images(images, top_padding=None, left_padding=None, bottom_padding=None, right_padding=None,
               target_height=None, target_width=None, data_format=None):
    _channels_last(data_format)
    x, single = _batched(images)
    _, h, w, _ = as_array(x).shape
    top, bottom = _box(h, top_padding, bottom_padding, target_height,
                       ("top_padding", "bottom_padding", "target_height"), -1)
    left, right = _box(w, left_padding, right_padding, target_width,
                       ("left_padding", "right_padding", "target_width"), -1)
    if min(top, bottom, left, right) < 0:
        raise ValueError(f"The padding ({top}, {bottom}, {left}, {right}) must not be negative.")
    return _out(pad(x, [(0, 0), (top, bottom), (left, right), (0, 0)]), single)


def extract_patches(images, size, strides=None, dilation_rate=1, padding="valid", data_format=None):
    """(N, rows, cols, size_h * size_w * C): each patch flattened row by row, channels last."""
    _channels_last(data_format)
    x, single = _batched(images)
    size = _tuple(size, 2, "size")
    strides = size if strides is None else _tuple(strides, 2, "strides")
    patches, outs, _ = _patches(x, size, strides, _tuple(dilation_rate, 2, "dilation_rate"), padding)
    shape = as_array(patches).shape
    return _out(reshape(patches, (shape[0], *outs, -1)), single)


def _mirror(index, size):
    s = size - 1
    return np.abs((index + s) % (2 * s) - s) if s > 0 else np.zeros_like(index)


_FIXERS = {"constant": lambda i, n: np.clip(i, 0, n - 1), "nearest": lambda i, n: np.clip(i, 0, n - 1),
           "wrap": lambda i, n: i % n, "mirror": _mirror,
           "reflect": lambda i, n: (_mirror(2 * i + 1, 2 * n + 1) - 1) // 2}


def map_coordinates(inputs, coordinates, order, fill_mode="constant", fill_value=0.0):
    """`inputs` read at the (fractional) `coordinates` (one array per axis), nearest
    (order 0) or linear (order 1), as Keras's; differentiable in `inputs`."""
    if order not in (0, 1):
        raise ValueError(f"Argument `order` must be 0 or 1. Received: order={order}")
    if fill_mode not in _FIXERS:
        raise ValueError(f"Invalid value for argument `fill_mode`. Expected one of {sorted(_FIXERS)}. "
                         f"Received: fill_mode={fill_mode!r}")
    x = lift(inputs)
    shape = as_array(x).shape
    coords = [np.asarray(as_array(c)) for c in coordinates]
    if len(coords) != len(shape):
        raise ValueError(f"coordinates must be a sequence of length inputs.shape, but {len(coords)} != "
                         f"{len(shape)}")
    nodes = []
    for c, n in zip(coords, shape):
        if order == 0:
            points = [(np.round(c).astype(np.int64), np.float32(1.0))]
        else:
            lo = np.floor(c)
            points = [(lo.astype(np.int64), (1 - (c - lo)).astype(np.float32)),
                      (lo.astype(np.int64) + 1, (c - lo).astype(np.float32))]
        nodes.append([(_FIXERS[fill_mode](i, n), (i >= 0) & (i < n) if fill_mode == "constant" else None, w)
                      for i, w in points])
    flat = reshape(x, (-1,))
    out = None
    for items in itertools.product(*nodes):
        index = np.ravel_multi_index(tuple(i for i, _, _ in items), shape)
        value = take(flat, index)
        valid = [v for _, v, _ in items if v is not None]
        if valid:
            value = where(np.logical_and.reduce(valid), value, np.float32(fill_value))
        weight = np.prod(np.stack([np.broadcast_to(w, index.shape) for _, _, w in items]), axis=0)
        term = multiply(value, weight.astype(np.float32))
        out = term if out is None else add(out, term)
    return out


def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant", fill_value=0,
                     data_format=None):
    """Each output pixel (row y, column x) read at column a0 x + a1 y + a2, row b0 x + b1 y +
    b2 of the input (`transform` [a0, a1, a2, b0, b1, b2, c0, c1] per image, as Keras's
    torch backend applies it)."""
    _channels_last(data_format)
    if interpolation not in ("nearest", "bilinear"):
        raise ValueError(f"Invalid value for argument `interpolation`. Expected one of ['bilinear', 'nearest']. "
                         f"Received: interpolation={interpolation!r}")
    x, single = _batched(images)
    t = np.asarray(as_array(transform), np.float32)     # in float32, as Keras: the same pixels round alike
    t = t[None] if t.ndim == 1 else t
    n, h, w, c = as_array(x).shape
    rows, cols, chans = np.meshgrid(*(np.arange(k, dtype=np.float32) for k in (h, w, c)), indexing="ij")
    out = []
    for b in range(n):
        a0, a1, a2, b0, b1, b2, c0, c1 = t[b if len(t) > 1 else 0]
        coords = [rows * b1 + cols * b0 + chans * c0 + b2, rows * a1 + cols * a0 + chans * c1 + a2, chans]
        out.append(map_coordinates(take(x, b, axis=0), coords, 0 if interpolation == "nearest" else 1,
                                   fill_mode, fill_value))
    return _out(stack(out, axis=0), single)


__all__ = [name for name, value in list(globals().items())
           if not name.startswith("_") and callable(value) and getattr(value, "__module__", None) == __name__]
