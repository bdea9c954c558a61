"""Input, Dense, Flatten and Reshape."""

from __future__ import annotations

import math

from ..keras_form import CHANNELS_LAST, NO_LORA, KerasForm
from ..params import Param
from ..registry import LayerSpec, ShapeError, WeightSpec, register
from ..torch_form import TorchForm, activate, unary
from ._common import KERNEL_BIAS, activation, fmt, initializer, penalties

register(LayerSpec(
    "Input", "input", "Feeds samples of the given shape into the network (batch dimension excluded).",
    (Param("shape", "shape", (784,), "Shape of one sample, without the batch dimension, e.g. 28, 28, 1 "
                                     "(None: any length, e.g. None, 8 for sequences of 8 features; "
                                     "empty: one number per sample, such as a user id to look up).",
           required=True, allow_none=True, allow_empty=True),
     Param("dtype", "choice", "float32", "The samples' type: float32, or int32 / int64 for token ids (an "
                                         "Embedding's input), or string for raw text, which only a "
                                         "TextVectorization layer takes (it turns the text into ids). The "
                                         "engine computes in float32 either way.",
           choices=("float32", "int32", "int64", "string"))),
    0, 0, lambda p, shapes: (None, *p["shape"]), key_params=("shape",),
    keras=KerasForm("InputLayer"),
    keywords=("data", "start", "placeholder"),
))


def _dense_shape(p, shapes):
    (s,) = shapes
    if len(s) < 2 or s[-1] is None:
        raise ShapeError(f"Dense needs an input whose last dimension is known; it receives {fmt(s)}.")
    return (*s[:-1], p["units"])


def _dense_weights(p, shapes):
    w = [WeightSpec("kernel", (shapes[0][-1], p["units"]), True, "kernel_initializer")]
    if p["use_bias"]:
        w.append(WeightSpec("bias", (p["units"],), True, "bias_initializer"))
    return w


register(LayerSpec(
    "Dense", "core", "Fully connected layer: output = activation(input · kernel + bias).",
    (Param("units", "int", 32, "Number of output units.", min=1, required=True),
     activation(),
     Param("use_bias", "bool", True, "Add a learned bias to the output."),
     initializer("kernel_initializer", "glorot_uniform", "kernel"),
     initializer("bias_initializer", "zeros", "bias"),
     *penalties(*KERNEL_BIAS)),
    1, 1, _dense_shape, _dense_weights, key_params=("units", "activation"),
    keras=KerasForm(fixed=NO_LORA, declares=("activity_regularizer",), unset_unwritten=("activity_regularizer",)),
    torch=TorchForm(lambda p, s, xs, m: activate(p["activation"], f"{m}({xs[0]})"),
                    lambda p, s: f"nn.Linear({s[0][-1]}, {p['units']}, bias={p['use_bias']})",
                    {"kernel": ("weight", ".T"), "bias": ("bias", "")}),
    keywords=("fully connected", "linear", "mlp", "perceptron", "classifier"),
))


def _flatten_shape(p, shapes):
    (s,) = shapes
    if len(s) < 2:
        raise ShapeError(f"Flatten needs at least one dimension besides the batch; it receives {fmt(s)}.")
    rest = s[1:]
    return (None, None if None in rest else math.prod(rest))


register(LayerSpec("Flatten", "core", "Flattens each sample to one dimension (keeps the batch).",
                   (), 1, 1, _flatten_shape, keras=KerasForm(fixed=CHANNELS_LAST), torch=unary("{x}.flatten(1)"),
                   keywords=("vector", "reshape")))


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
                f"Reshape cannot fit {n_in} values per sample (input {fmt(s)}) into {fmt(target)}: "
                f"{n_in} is not divisible by {known}.")
        return (None, *(n_in // known if d == -1 else d for d in target))
    if n_in is not None and math.prod(target) != n_in:
        raise ShapeError(
            f"Reshape's target_shape {fmt(target)} holds {math.prod(target)} values but each sample has {n_in} "
            f"(input {fmt(s)}). Choose a target_shape whose product is {n_in}, or use -1 for one dimension.")
    return (None, *target)


register(LayerSpec(
    "Reshape", "core", "Reshapes each sample to target_shape (one dimension may be -1).",
    (Param("target_shape", "shape", (28, 28, 1), "New shape of one sample; -1 infers one dimension.",
           required=True, allow_minus_one=True),),
    1, 1, _reshape_shape, key_params=("target_shape",),
    torch=TorchForm(lambda p, s, xs, m: f"{xs[0]}.reshape({xs[0]}.shape[0], {', '.join(map(str, p['target_shape']))})"),
    keywords=("view", "shape"),
))
