"""ONNX rules of the dense, activation, reshaping, merging, normalization, embedding and
inference-time-identity layers (channels-last throughout, as in Keras)."""

from __future__ import annotations

import numpy as np

from ...graph import get_spec
from ...graph.layer_types.wrappers import time_distributed_inner
from .builder import Builder, activation
from .context import RULES, Layer, axis_of, f32, rule

IDENTITY_AT_INFERENCE = ("Dropout", "SpatialDropout1D", "SpatialDropout2D", "GaussianNoise", "GaussianDropout",
                         "AlphaDropout", "ActivityRegularization", "Identity", "Masking", "RandomFlip",
                         "RandomTranslation", "RandomZoom", "RandomRotation", "RandomContrast", "RandomBrightness")


@rule(*IDENTITY_AT_INFERENCE)
def _identity(b: Builder, L: Layer) -> str:
    return b.op("Identity", [L.x], L.name)


def dense(b: Builder, L: Layer, x: str, units_weights: list) -> str:
    y = b.op("MatMul", [x, b.const(units_weights[0], f"{L.name}/kernel")], L.name)
    if len(units_weights) > 1:
        y = b.op("Add", [y, b.const(units_weights[1], f"{L.name}/bias")], L.name)
    return activation(b, L.params.get("activation"), y, L.name)


@rule("Dense")
def _dense(b, L):
    return dense(b, L, L.x, L.weights)


@rule("Activation")
def _activation(b, L):
    return b.op("Identity", [activation(b, L.params["activation"], L.x, L.name)], L.name)


@rule("LeakyReLU")
def _leaky(b, L):
    return b.op("LeakyRelu", [L.x], L.name, alpha=float(L.params["negative_slope"]))


@rule("ELU")
def _elu(b, L):
    return b.op("Elu", [L.x], L.name, alpha=float(L.params["alpha"]))


@rule("ReLU")
def _relu(b, L):
    p = L.params
    slope, threshold, top = float(p["negative_slope"]), float(p["threshold"]), p["max_value"]
    if slope == 0.0 and threshold == 0.0:
        y = b.op("Relu", [L.x], L.name)
    else:
        below = b.op("Mul", [b.op("Sub", [L.x, b.scalar(threshold)], L.name), b.scalar(slope)], L.name)
        y = b.op("Where", [b.op("GreaterOrEqual", [L.x, b.scalar(threshold)], L.name), L.x, below], L.name)
    return y if top is None else b.op("Min", [y, b.scalar(float(top))], L.name)


@rule("PReLU")
def _prelu(b, L):
    return b.op("PRelu", [L.x, b.const(L.weights[0], f"{L.name}/alpha")], L.name)


@rule("Softmax")
def _softmax(b, L):
    axis = L.params["axis"]
    if isinstance(axis, (list, tuple)):
        if len(axis) != 1:
            L.refuse("a softmax over several axes")
        axis = axis[0]
    return b.op("Softmax", [L.x], L.name, axis=int(axis))


@rule("Flatten")
def _flatten(b, L):
    return b.op("Flatten", [L.x], L.name, axis=1)


@rule("Reshape")
def _reshape(b, L):
    return b.op("Reshape", [L.x, b.ints([0, *L.params["target_shape"]])], L.name)


@rule("Permute")
def _permute(b, L):
    return b.transpose(L.x, [0, *L.params["dims"]], L.name)


@rule("RepeatVector")
def _repeat(b, L):
    y = b.unsqueeze(L.x, [1], L.name)
    return b.op("Tile", [y, b.ints([1, int(L.params["n"]), 1])], L.name)


@rule("Concatenate")
def _concat(b, L):
    return b.op("Concat", L.xs, L.name, axis=axis_of(int(L.params["axis"]), L.rank))


@rule("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum")
def _merge(b, L):
    op = {"Add": "Sum", "Subtract": "Sub", "Multiply": "Mul", "Average": "Mean", "Maximum": "Max",
          "Minimum": "Min"}[L.type]
    if op == "Mul":
        y = L.xs[0]
        for other in L.xs[1:]:
            y = b.op("Mul", [y, other], L.name)
        return y
    return b.op(op, L.xs, L.name)


def _l2_normalize(b: Builder, x: str, axes: list, base: str) -> str:
    """x / sqrt(max(sum(x^2 over axes), 1e-12)), as Keras's l2_normalize."""
    total = b.op("ReduceSum", [b.op("Mul", [x, x], base), b.ints(axes, "axes")], base, keepdims=1)
    return b.op("Mul", [x, b.op("Reciprocal", [b.op("Sqrt", [b.op("Max", [total, b.scalar(1e-12)], base)], base)],
                                base)], base)


@rule("UnitNormalization")
def _unit_norm(b, L):
    axes = L.params["axis"]
    axes = [axis_of(int(a), L.rank) for a in (axes if isinstance(axes, (list, tuple)) else [axes])]
    return _l2_normalize(b, L.x, axes, L.name)


@rule("Dot")
def _dot(b, L):
    a_axis, b_axis = (axis_of(int(a), L.rank) for a in L.params["axes"])
    xa, xb = L.xs
    if L.params["normalize"]:
        xa, xb = _l2_normalize(b, xa, [a_axis], L.name), _l2_normalize(b, xb, [b_axis], L.name)
    ranks = [len(s) for s in L.in_shapes]
    if ranks == [2, 2]:
        return b.op("ReduceSum", [b.op("Mul", [xa, xb], L.name), b.ints([1])], L.name, keepdims=1)
    if ranks != [3, 3]:
        L.refuse("a Dot of inputs other than two 2-D or two 3-D tensors")
    la, lb = ("bij", "bkj") if (a_axis, b_axis) == (2, 2) else ("bji", "bjk") if (a_axis, b_axis) == (1, 1) \
        else ("bij", "bjk") if (a_axis, b_axis) == (2, 1) else ("bji", "bkj")
    return b.op("Einsum", [xa, xb], L.name, equation=f"{la},{lb}->bik")


def _channel_shape(L: Layer, axes: list) -> list:
    """The shape that broadcasts a per-`axes` parameter against the input (batch included)."""
    return [L.in_shapes[0][a] if a in axes else 1 for a in range(1, L.rank)]


@rule("BatchNormalization")
def _batch_norm(b, L):
    """(x - mean) / sqrt(variance + epsilon) * gamma + beta, each weight a constant of its own
    (so that onnx_import can read them back)."""
    p, w = L.params, list(L.weights)
    gamma = w.pop(0) if p["scale"] else None
    beta = w.pop(0) if p["center"] else None
    mean, var = w
    shape = _channel_shape(L, [axis_of(int(p["axis"]), L.rank)])
    std = b.op("Sqrt", [b.op("Add", [b.const(f32(var).reshape(shape), f"{L.name}/moving_variance"),
                                     b.scalar(float(p["epsilon"]))], L.name)], L.name)
    y = b.op("Div", [b.op("Sub", [L.x, b.const(f32(mean).reshape(shape), f"{L.name}/moving_mean")], L.name), std],
             L.name)
    if gamma is not None:
        y = b.op("Mul", [y, b.const(f32(gamma).reshape(shape), f"{L.name}/gamma")], L.name)
    if beta is not None:
        y = b.op("Add", [y, b.const(f32(beta).reshape(shape), f"{L.name}/beta")], L.name)
    return y


@rule("LayerNormalization")
def _layer_norm(b, L):
    p, w = L.params, list(L.weights)
    axes = sorted(axis_of(int(a), L.rank) for a in (p["axis"] if isinstance(p["axis"], (list, tuple)) else [p["axis"]]))
    eps = b.scalar(float(p["epsilon"]))
    if p["rms_scaling"]:
        ms = b.op("ReduceMean", [b.op("Mul", [L.x, L.x], L.name)], L.name, axes=axes, keepdims=1)
        y = b.op("Div", [L.x, b.op("Sqrt", [b.op("Add", [ms, eps], L.name)], L.name)], L.name)
    else:
        d = b.op("Sub", [L.x, b.op("ReduceMean", [L.x], L.name, axes=axes, keepdims=1)], L.name)
        var = b.op("ReduceMean", [b.op("Mul", [d, d], L.name)], L.name, axes=axes, keepdims=1)
        y = b.op("Div", [d, b.op("Sqrt", [b.op("Add", [var, eps], L.name)], L.name)], L.name)
    shape = _channel_shape(L, axes)
    if p["scale"]:
        y = b.op("Mul", [y, b.const(f32(w.pop(0)).reshape(shape), f"{L.name}/gamma")], L.name)
    if p["center"] and not p["rms_scaling"]:
        y = b.op("Add", [y, b.const(f32(w.pop(0)).reshape(shape), f"{L.name}/beta")], L.name)
    return y


@rule("GroupNormalization")
def _group_norm(b, L):
    p, w = L.params, list(L.weights)
    if axis_of(int(p["axis"]), L.rank) != L.rank - 1:
        L.refuse("a group normalization over another axis than the last")
    channels, groups = L.in_shapes[0][-1], int(p["groups"])
    grouped = b.op("Reshape", [L.x, b.ints([0, *([0] * (L.rank - 2)), groups, channels // groups])], L.name)
    axes = list(range(1, L.rank - 1)) + [L.rank]
    d = b.op("Sub", [grouped, b.op("ReduceMean", [grouped], L.name, axes=axes, keepdims=1)], L.name)
    var = b.op("ReduceMean", [b.op("Mul", [d, d], L.name)], L.name, axes=axes, keepdims=1)
    y = b.op("Div", [d, b.op("Sqrt", [b.op("Add", [var, b.scalar(float(p["epsilon"]))], L.name)], L.name)], L.name)
    y = b.op("Reshape", [y, b.ints([0, *([0] * (L.rank - 2)), channels])], L.name)
    if p["scale"]:
        y = b.op("Mul", [y, b.const(w.pop(0), f"{L.name}/gamma")], L.name)
    if p["center"]:
        y = b.op("Add", [y, b.const(w.pop(0), f"{L.name}/beta")], L.name)
    return y


@rule("Rescaling")
def _rescaling(b, L):
    y = b.op("Mul", [L.x, b.const(f32(L.params["scale"]), f"{L.name}/scale")], L.name)
    return b.op("Add", [y, b.const(f32(L.params["offset"]), f"{L.name}/offset")], L.name)


@rule("Normalization")
def _normalization(b, L):
    mean, var = (f32(a) for a in L.weights[:2])
    axes = L.params["axis"]
    axes = [axis_of(int(a), L.rank) for a in (axes if isinstance(axes, (list, tuple)) else [axes])]
    shape = _channel_shape(L, axes) if mean.ndim else [1]
    mean = b.const(mean.reshape(shape), f"{L.name}/mean")
    std = b.op("Max", [b.op("Sqrt", [b.const(var.reshape(shape), f"{L.name}/variance")], L.name),
                       b.scalar(1e-7)], L.name)
    if L.params["invert"]:
        return b.op("Add", [b.op("Mul", [L.x, std], L.name), mean], L.name)
    return b.op("Div", [b.op("Sub", [L.x, mean], L.name), std], L.name)


@rule("Embedding")
def _embedding(b, L):
    ids = b.op("Cast", [L.x], L.name, to=7)    # int64
    return b.op("Gather", [b.const(L.weights[0], f"{L.name}/embeddings"), ids], L.name, axis=0)


@rule("TimeDistributed")
def _time_distributed(b, L):
    """The wrapped layer's rule on the steps folded into the batch, then unfolded."""
    inner_type, inner_params = time_distributed_inner(L.params)
    if inner_type not in RULES:
        L.refuse(f"the wrapped {inner_type} has no ONNX rule")
    shape = L.in_shapes[0]
    step_in = (None, *shape[2:])
    step_out = get_spec(inner_type).output_shape(get_spec(inner_type).normalize(inner_params), [step_in])
    if any(d is None for d in (*step_in[1:], *step_out[1:])):
        L.refuse("a wrapped layer whose step shape is not fully known")
    folded = b.op("Reshape", [L.x, b.ints([-1, *step_in[1:]])], L.name)
    inner = Layer(inner_type, L.name, get_spec(inner_type).normalize(inner_params), [folded], [step_in],
                  step_out, L.weights)
    y = RULES[inner_type](b, inner)
    lead = b.slice(b.op("Shape", [L.x], L.name), [0], [2], [0], L.name)      # (batch, steps) at run time
    return b.op("Reshape", [y, b.op("Concat", [lead, b.ints(step_out[1:])], L.name, axis=0)], L.name)
