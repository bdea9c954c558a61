"""ONNX rules of the convolution, pooling, padding, cropping and resampling layers. ONNX
convolves channels-first: each rule transposes in and out, so the model stays channels-last
as in Keras."""

from __future__ import annotations

import math

import numpy as np

from .builder import Builder, activation
from .context import Layer, f32, rule


def _tuple(value, n: int) -> list:
    return list(value) if isinstance(value, (list, tuple)) else [value] * n


def to_channels_first(b: Builder, x: str, rank: int, base: str) -> str:
    return b.transpose(x, [0, rank - 1, *range(1, rank - 1)], base)


def to_channels_last(b: Builder, x: str, rank: int, base: str) -> str:
    return b.transpose(x, [0, *range(2, rank), 1], base)


def same_pads(sizes, kernel, strides, dilation) -> list | None:
    """TensorFlow's "same" padding (the extra pixel after), as ONNX pads; None when a size is
    unknown (ONNX's SAME_UPPER then does the same at run time)."""
    if any(s is None for s in sizes):
        return None
    before, after = [], []
    for n, k, s, d in zip(sizes, kernel, strides, dilation):
        total = max((math.ceil(n / s) - 1) * s + (k - 1) * d + 1 - n, 0)
        before.append(total // 2)
        after.append(total - total // 2)
    return before + after


def _pad_attrs(L: Layer, kernel, strides, dilation) -> dict:
    padding, dims = L.params.get("padding", "valid"), len(kernel)
    if padding == "valid":
        return {"pads": [0] * (2 * dims)}
    if padding == "causal":
        return {"pads": [(kernel[0] - 1) * dilation[0], 0]}
    pads = same_pads(L.in_shapes[0][1:-1], kernel, strides, dilation)
    return {"auto_pad": "SAME_UPPER"} if pads is None else {"pads": pads}


def conv(b: Builder, L: Layer, x: str, kernel: np.ndarray, bias, groups: int, strides, dilation) -> str:
    """A Keras-layout kernel (k..., in/groups, out) applied to channels-last `x`."""
    dims = kernel.ndim - 2
    w = np.transpose(kernel, [dims + 1, dims, *range(dims)])
    ins = [to_channels_first(b, x, dims + 2, L.name), b.const(w, f"{L.name}/kernel")]
    if bias is not None:
        ins.append(b.const(bias, f"{L.name}/bias"))
    y = b.op("Conv", ins, L.name, kernel_shape=list(kernel.shape[:dims]), strides=list(strides),
             dilations=list(dilation), group=groups, **_pad_attrs(L, kernel.shape[:dims], strides, dilation))
    return to_channels_last(b, y, dims + 2, L.name)


def _bias(L: Layer, index: int):
    return L.weights[index] if L.params.get("use_bias", True) and len(L.weights) > index else None


@rule("Conv1D", "Conv2D", "Conv3D")
def _conv(b, L):
    dims, p = L.rank - 2, L.params
    y = conv(b, L, L.x, np.asarray(L.weights[0]), _bias(L, 1), int(p["groups"]), _tuple(p["strides"], dims),
             _tuple(p["dilation_rate"], dims))
    return activation(b, p["activation"], y, L.name)


def _depthwise_kernel(kernel: np.ndarray) -> np.ndarray:
    """Keras's (k..., C, m) depthwise kernel as a grouped convolution's (k..., 1, C*m)."""
    *k, c, m = kernel.shape
    return kernel.reshape(*k, 1, c * m)


@rule("DepthwiseConv1D", "DepthwiseConv2D")
def _depthwise(b, L):
    dims, p = L.rank - 2, L.params
    kernel = np.asarray(L.weights[0])
    y = conv(b, L, L.x, _depthwise_kernel(kernel), _bias(L, 1), kernel.shape[-2], _tuple(p["strides"], dims),
             _tuple(p["dilation_rate"], dims))
    return activation(b, p["activation"], y, L.name)


@rule("SeparableConv1D", "SeparableConv2D")
def _separable(b, L):
    dims, p = L.rank - 2, L.params
    depthwise, pointwise = (np.asarray(w) for w in L.weights[:2])
    y = conv(b, L, L.x, _depthwise_kernel(depthwise), None, depthwise.shape[-2], _tuple(p["strides"], dims),
             _tuple(p["dilation_rate"], dims))
    point = Layer(L.type, L.name, {"padding": "valid"}, [y], [None], L.shape, [])
    y = conv(b, point, y, pointwise, _bias(L, 2), 1, [1] * dims, [1] * dims)
    return activation(b, p["activation"], y, L.name)


def _transpose_padding(k: int, s: int, d: int, padding: str, output_padding) -> tuple:
    """(pad before, pad after, output padding) of ONNX's ConvTranspose giving Keras's output
    (Keras's padding of the stride-dilated input, as its JAX backend states it, is ONNX's
    full output cropped by k_eff - 1 - pad on each side)."""
    k_eff = (k - 1) * d + 1
    if padding == "valid":
        extra = max(k_eff, s) - k_eff if output_padding is None else int(output_padding)
        left, right = k_eff - 1, k_eff - 1 + extra
    else:
        pad_len = s + k_eff - 2 if output_padding is None else k_eff + k_eff % 2 - 2 + int(output_padding)
        left = min(pad_len // 2 + pad_len % 2, k_eff - 1)
        right = pad_len - left
    end = k_eff - 1 - right
    return k_eff - 1 - left, max(end, 0), max(-end, 0)


@rule("Conv1DTranspose", "Conv2DTranspose")
def _conv_transpose(b, L):
    dims, p = L.rank - 2, L.params
    kernel = np.asarray(L.weights[0])                     # (k..., filters, in)
    k, strides, dilation = list(kernel.shape[:dims]), _tuple(p["strides"], dims), _tuple(p["dilation_rate"], dims)
    extra = _tuple(p.get("output_padding"), dims)
    parts = [_transpose_padding(k[i], strides[i], dilation[i], p["padding"], extra[i]) for i in range(dims)]
    ins = [to_channels_first(b, L.x, L.rank, L.name),
           b.const(np.transpose(kernel, [dims + 1, dims, *range(dims)]), f"{L.name}/kernel")]
    bias = _bias(L, 1)
    if bias is not None:
        ins.append(b.const(bias, f"{L.name}/bias"))
    y = b.op("ConvTranspose", ins, L.name, kernel_shape=k, strides=strides, dilations=dilation,
             pads=[q[0] for q in parts] + [q[1] for q in parts], output_padding=[q[2] for q in parts])
    return activation(b, p["activation"], to_channels_last(b, y, L.rank, L.name), L.name)


@rule("MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D", "AveragePooling3D")
def _pool(b, L):
    dims, p = L.rank - 2, L.params
    k = _tuple(p["pool_size"], dims)
    strides = _tuple(p["strides"] if p["strides"] is not None else k, dims)
    attrs = {"kernel_shape": k, "strides": strides, **_pad_attrs(L, k, strides, [1] * dims)}
    op = "MaxPool" if L.type.startswith("Max") else "AveragePool"
    if op == "AveragePool":
        attrs["count_include_pad"] = 0      # Keras averages over the window's real pixels only
    y = b.op(op, [to_channels_first(b, L.x, L.rank, L.name)], L.name, **attrs)
    return to_channels_last(b, y, L.rank, L.name)


@rule("GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D", "GlobalMaxPooling1D",
      "GlobalMaxPooling2D", "GlobalMaxPooling3D")
def _global_pool(b, L):
    op = "ReduceMean" if "Average" in L.type else "ReduceMax"
    return b.op(op, [L.x], L.name, axes=list(range(1, L.rank - 1)), keepdims=int(bool(L.params["keepdims"])))


def _pairs(value, dims: int) -> list:
    """Keras's padding/cropping argument as (before, after) per spatial axis."""
    if isinstance(value, int):
        return [(value, value)] * dims
    out = []
    for v in (value if dims > 1 else [value]):
        out.append((v, v) if isinstance(v, int) else tuple(v))
    return out


@rule("ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D")
def _zero_pad(b, L):
    pairs = _pairs(L.params["padding"], L.rank - 2)
    pads = [0, *(a for a, _ in pairs), 0, 0, *(z for _, z in pairs), 0]
    return b.op("Pad", [L.x, b.ints(pads)], L.name)


@rule("Cropping1D", "Cropping2D", "Cropping3D")
def _crop(b, L):
    pairs = _pairs(L.params["cropping"], L.rank - 2)
    big = np.iinfo(np.int64).max
    return b.slice(L.x, [a for a, _ in pairs], [-z if z else big for _, z in pairs], list(range(1, L.rank - 1)),
                   L.name)


@rule("UpSampling1D", "UpSampling2D", "UpSampling3D")
def _upsample(b, L):
    if L.params.get("interpolation", "nearest") != "nearest":
        L.refuse("only nearest-neighbour upsampling has an ONNX form here")
    sizes = _tuple(L.params["size"], L.rank - 2)
    scales = b.const(f32([1, *sizes, 1]), f"{L.name}/scales")
    return b.op("Resize", [L.x, "", scales], L.name, mode="nearest", coordinate_transformation_mode="asymmetric",
                nearest_mode="floor")


@rule("CenterCrop")
def _center_crop(b, L):
    h, w = L.in_shapes[0][1], L.in_shapes[0][2]
    th, tw = int(L.params["height"]), int(L.params["width"])
    if h is None or w is None or h < th or w < tw:
        L.refuse("only cropping an image at least as large as the target has an ONNX form here")
    top, left = (h - th) // 2, (w - tw) // 2
    return b.slice(L.x, [top, left], [top + th, left + tw], [1, 2], L.name)


@rule("RandomCrop")
def _random_crop(b, L):
    if tuple(L.in_shapes[0][1:3]) != (int(L.params["height"]), int(L.params["width"])):
        L.refuse("at inference RandomCrop resizes the image, which has no ONNX form here")
    return b.op("Identity", [L.x], L.name)


@rule("Resizing")
def _resizing(b, L):
    from ...engine.layers.preprocessing import crop_box, interpolation_matrix

    p, (_, h, w, _) = L.params, L.in_shapes[0]
    if h is None or w is None:
        L.refuse("resizing images of unknown size has no ONNX form here")
    top, left, ch, cw = crop_box(p, h, w)
    x = b.slice(L.x, [top, left], [top + ch, left + cw], [1, 2], L.name)
    rh = b.const(interpolation_matrix(ch, int(p["height"]), p["interpolation"]), f"{L.name}/rows")
    rw = b.const(interpolation_matrix(cw, int(p["width"]), p["interpolation"]), f"{L.name}/columns")
    return b.op("Einsum", [rh, x, rw], L.name, equation="ip,bpqc,jq->bijc")
