"""Every layer type VisualNet supports, declared once (Keras 3 names and defaults)."""

from __future__ import annotations

import math

from .names import ACTIVATIONS, INITIALIZERS
from .params import Param
from .registry import LayerSpec, ShapeError, WeightSpec, register


def _fmt(shape) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + (",)" if len(shape) == 1 else ")")


def _activation(default=None, required=False) -> Param:
    return Param("activation", "activation", default, "Activation applied to the output ('linear' when unset).",
                 choices=ACTIVATIONS, optional=not required, required=required)


def _initializer(name: str, default: str, what: str) -> Param:
    return Param(name, "initializer", default, f"How the {what} is initialized.", choices=INITIALIZERS)


_PADDING = Param("padding", "choice", "valid",
                 "How borders are handled: 'valid' adds no padding (the output shrinks), 'same' pads so that "
                 "output = ceil(input / stride).",
                 choices=("valid", "same"))


def _spatial_out(length, k, s, padding):
    if length is None:
        return None
    if padding == "same":
        return -(-length // s)
    return (length - k) // s + 1


def _require_rank(layer: str, shape, rank: int, hint: str):
    if len(shape) != rank:
        raise ShapeError(f"{layer} expects a {rank}-D input {hint}; it receives {_fmt(shape)}.")


# ---------------------------------------------------------------- input / core
def _input_shape(p, shapes):
    return (None, *p["shape"])


register(LayerSpec(
    "Input", "input", "Feeds samples of the given shape into the network (batch dimension excluded).",
    (Param("shape", "shape", (784,), "Shape of one sample, without the batch dimension, e.g. 28, 28, 1.",
           required=True),),
    0, 0, _input_shape, key_params=("shape",),
))


def _dense_shape(p, shapes):
    (s,) = shapes
    if len(s) < 2 or s[-1] is None:
        raise ShapeError(f"Dense needs an input whose last dimension is known; it receives {_fmt(s)}.")
    return (*s[:-1], p["units"])


def _dense_weights(p, shapes):
    n_in = shapes[0][-1]
    w = [WeightSpec("kernel", (n_in, p["units"]), True, p["kernel_initializer"])]
    if p["use_bias"]:
        w.append(WeightSpec("bias", (p["units"],), True, p["bias_initializer"]))
    return w


register(LayerSpec(
    "Dense", "core", "Fully connected layer: output = activation(input · kernel + bias).",
    (Param("units", "int", 32, "Number of output units.", min=1, required=True),
     _activation(),
     Param("use_bias", "bool", True, "Add a learned bias to the output."),
     _initializer("kernel_initializer", "glorot_uniform", "kernel"),
     _initializer("bias_initializer", "zeros", "bias")),
    1, 1, _dense_shape, _dense_weights, key_params=("units", "activation"),
))


def _flatten_shape(p, shapes):
    (s,) = shapes
    if len(s) < 2:
        raise ShapeError(f"Flatten needs at least one dimension besides the batch; it receives {_fmt(s)}.")
    rest = s[1:]
    return (None, None if None in rest else math.prod(rest))


register(LayerSpec("Flatten", "core", "Flattens each sample to one dimension (keeps the batch).",
                   (), 1, 1, _flatten_shape))


def _reshape_shape(p, shapes):
    (s,) = shapes
    target = p["target_shape"]
    n_in = None if None in s[1:] else math.prod(s[1:])
    if -1 in target:
        known = math.prod(d for d in target if d != -1)
        if n_in is None:
            return (None, *(None if d == -1 else d for d in target))
        if n_in % known:
            raise ShapeError(
                f"Reshape cannot fit {n_in} values per sample (input {_fmt(s)}) into {_fmt(target)}: "
                f"{n_in} is not divisible by {known}.")
        return (None, *(n_in // known if d == -1 else d for d in target))
    if n_in is not None and math.prod(target) != n_in:
        raise ShapeError(
            f"Reshape's target_shape {_fmt(target)} holds {math.prod(target)} values but each sample has {n_in} "
            f"(input {_fmt(s)}). Choose a target_shape whose product is {n_in}, or use -1 for one dimension.")
    return (None, *target)


register(LayerSpec(
    "Reshape", "core", "Reshapes each sample to target_shape (one dimension may be -1).",
    (Param("target_shape", "shape", (28, 28, 1), "New shape of one sample; -1 infers one dimension.",
           required=True, allow_minus_one=True),),
    1, 1, _reshape_shape, key_params=("target_shape",),
))


# ---------------------------------------------------------------- convolution
def _conv_shape(p, shapes):
    (s,) = shapes
    _require_rank("Conv2D", s, 4, "(batch, height, width, channels); add a Reshape such as (28, 28, 1) before it")
    if s[3] is None:
        raise ShapeError(f"Conv2D needs a known number of channels; it receives {_fmt(s)}.")
    (kh, kw), (sh, sw) = p["kernel_size"], p["strides"]
    oh, ow = _spatial_out(s[1], kh, sh, p["padding"]), _spatial_out(s[2], kw, sw, p["padding"])
    if (oh is not None and oh < 1) or (ow is not None and ow < 1):
        raise ShapeError(
            f"Conv2D's {kh}x{kw} kernel does not fit the {s[1]}x{s[2]} input with padding 'valid'. "
            "Use padding 'same' or a smaller kernel_size.")
    return (None, oh, ow, p["filters"])


def _conv_weights(p, shapes):
    kh, kw = p["kernel_size"]
    w = [WeightSpec("kernel", (kh, kw, shapes[0][3], p["filters"]), True, p["kernel_initializer"])]
    if p["use_bias"]:
        w.append(WeightSpec("bias", (p["filters"],), True, p["bias_initializer"]))
    return w


register(LayerSpec(
    "Conv2D", "convolution", "2-D convolution over height and width (channels last).",
    (Param("filters", "int", 32, "Number of output channels (filters).", min=1, required=True),
     Param("kernel_size", "ints", (3, 3), "Height and width of the convolution window.", length=2, required=True),
     Param("strides", "ints", (1, 1), "Step of the window along height and width.", length=2),
     _PADDING,
     _activation(),
     Param("use_bias", "bool", True, "Add a learned bias to each output channel."),
     _initializer("kernel_initializer", "glorot_uniform", "kernel"),
     _initializer("bias_initializer", "zeros", "bias")),
    1, 1, _conv_shape, _conv_weights, key_params=("filters", "kernel_size", "strides", "padding", "activation"),
))


# ---------------------------------------------------------------- pooling
def _pool_rule(layer: str):
    def rule(p, shapes):
        (s,) = shapes
        _require_rank(layer, s, 4, "(batch, height, width, channels)")
        (ph, pw) = p["pool_size"]
        (sh, sw) = p["strides"] or p["pool_size"]
        oh, ow = _spatial_out(s[1], ph, sh, p["padding"]), _spatial_out(s[2], pw, sw, p["padding"])
        if (oh is not None and oh < 1) or (ow is not None and ow < 1):
            raise ShapeError(
                f"{layer}'s {ph}x{pw} window does not fit the {s[1]}x{s[2]} input with padding 'valid'. "
                "Use padding 'same' or a smaller pool_size.")
        return (None, oh, ow, s[3])
    return rule


for _name, _what in (("MaxPooling2D", "maximum"), ("AveragePooling2D", "average")):
    register(LayerSpec(
        _name, "pooling", f"Downsamples height and width by taking the {_what} over each window.",
        (Param("pool_size", "ints", (2, 2), "Height and width of the pooling window.", length=2),
         Param("strides", "ints", None, "Step of the window; unset means equal to pool_size.",
               length=2, optional=True),
         _PADDING),
        1, 1, _pool_rule(_name), key_params=("pool_size", "strides", "padding"),
    ))


def _global_pool_rule(layer: str):
    def rule(p, shapes):
        (s,) = shapes
        _require_rank(layer, s, 4, "(batch, height, width, channels)")
        return (None, 1, 1, s[3]) if p["keepdims"] else (None, s[3])
    return rule


for _name, _what in (("GlobalAveragePooling2D", "average"), ("GlobalMaxPooling2D", "maximum")):
    register(LayerSpec(
        _name, "pooling", f"Reduces each channel to its {_what} over height and width.",
        (Param("keepdims", "bool", False, "Keep height and width as dimensions of size 1."),),
        1, 1, _global_pool_rule(_name),
    ))


# ---------------------------------------------------------------- normalization / regularization
def _bn_axis(p, s):
    axis = p["axis"]
    if not -len(s) < axis < len(s) or axis % len(s) == 0:
        raise ShapeError(f"BatchNormalization axis={axis} is not a feature axis of the input {_fmt(s)}; use -1.")
    if axis % len(s) != len(s) - 1:
        raise ShapeError(f"BatchNormalization supports only the last axis (axis=-1); received axis={axis}.")
    return s[-1]


def _bn_weights(p, shapes):
    c = _bn_axis(p, shapes[0])
    w = []
    if p["scale"]:
        w.append(WeightSpec("gamma", (c,), True, "ones"))
    if p["center"]:
        w.append(WeightSpec("beta", (c,), True, "zeros"))
    return w + [WeightSpec("moving_mean", (c,), False, "zeros"), WeightSpec("moving_variance", (c,), False, "ones")]


def _bn_shape(p, shapes):
    _bn_axis(p, shapes[0])
    return shapes[0]


register(LayerSpec(
    "BatchNormalization", "normalization",
    "Normalizes each feature with batch statistics while training, moving averages when predicting.",
    (Param("axis", "int", -1, "The feature axis (channels last: -1)."),
     Param("momentum", "float", 0.99, "Momentum of the moving mean and variance.", min=0.0, max=1.0),
     Param("epsilon", "float", 1e-3, "Small number added to the variance to avoid dividing by zero.",
           min=0.0, min_inclusive=False),
     Param("center", "bool", True, "Learn an offset (beta)."),
     Param("scale", "bool", True, "Learn a scale (gamma).")),
    1, 1, _bn_shape, _bn_weights, key_params=("momentum",),
))

register(LayerSpec(
    "Dropout", "regularization", "While training, zeroes a random fraction of inputs and scales the rest.",
    (Param("rate", "float", 0.5, "Fraction of the inputs to drop, in [0, 1).", min=0.0, max=1.0,
           max_inclusive=False, required=True),
     Param("seed", "int", None, "Seed of the dropout mask (unset: random).", optional=True, min=0)),
    1, 1, lambda p, shapes: shapes[0], key_params=("rate",),
))


# ---------------------------------------------------------------- activation layers
register(LayerSpec(
    "Activation", "activation", "Applies an activation function to its input.",
    (_activation("relu", required=True),),
    1, 1, lambda p, shapes: shapes[0], key_params=("activation",),
))

register(LayerSpec(
    "LeakyReLU", "activation", "Leaky ReLU: x if x > 0 else negative_slope * x.",
    (Param("negative_slope", "float", 0.3, "Slope for negative inputs (the Keras 3 layer's default, 0.3).",
           min=0.0),),
    1, 1, lambda p, shapes: shapes[0], key_params=("negative_slope",),
))

register(LayerSpec(
    "Softmax", "activation", "Softmax along an axis: outputs sum to 1.",
    (Param("axis", "int", -1, "Axis along which the softmax is taken."),),
    1, 1, lambda p, shapes: shapes[0],
))


# ---------------------------------------------------------------- merging
def _concat_shape(p, shapes):
    rank = len(shapes[0])
    axis = p["axis"]
    if not -rank <= axis < rank or axis % rank == 0:
        raise ShapeError(f"Concatenate axis={axis} is not a feature axis of inputs of rank {rank}; use -1.")
    axis %= rank
    for i, s in enumerate(shapes[1:], 1):
        if len(s) != rank or any(a != b for j, (a, b) in enumerate(zip(shapes[0], s)) if j != axis):
            raise ShapeError(
                f"Concatenate along axis {p['axis']} needs inputs equal in every other dimension; "
                f"input 1 is {_fmt(shapes[0])} and input {i + 1} is {_fmt(s)}.", port=i)
    total = None if any(s[axis] is None for s in shapes) else sum(s[axis] for s in shapes)
    return tuple(total if j == axis else d for j, d in enumerate(shapes[0]))


register(LayerSpec(
    "Concatenate", "merging", "Joins its inputs along an axis (all other dimensions must match).",
    (Param("axis", "int", -1, "Axis along which to concatenate."),),
    2, None, _concat_shape,
))


def _elementwise_rule(layer: str):
    def rule(p, shapes):
        for i, s in enumerate(shapes[1:], 1):
            if tuple(s) != tuple(shapes[0]):
                raise ShapeError(
                    f"{layer} needs inputs of the same shape; input 1 is {_fmt(shapes[0])} and input {i + 1} is "
                    f"{_fmt(s)}. Change a preceding layer so that both shapes agree.", port=i)
        return shapes[0]
    return rule


for _name, _doc, _hi in (
    ("Add", "Adds its inputs element-wise (shapes must be equal).", None),
    ("Subtract", "Subtracts its second input from its first, element-wise.", 2),
    ("Multiply", "Multiplies its inputs element-wise.", None),
    ("Average", "Averages its inputs element-wise.", None),
):
    register(LayerSpec(_name, "merging", _doc, (), 2, _hi, _elementwise_rule(_name)))
