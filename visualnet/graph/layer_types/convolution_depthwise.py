"""Depthwise and separable convolutions (Keras's BaseDepthwiseConv(rank) and
BaseSeparableConv(rank)): DepthwiseConv1D/2D and SeparableConv1D/2D.

A depthwise convolution convolves each input channel with its own `depth_multiplier`
filters (output channel c * depth_multiplier + m); a separable one follows that with a 1x1
convolution to `filters` channels. As in Keras, both take strides and dilation_rate together."""

from __future__ import annotations

from ..keras_form import CHANNELS_LAST, KerasForm
from ..params import Param
from ..registry import LayerSpec, WeightSpec, register
from ..torch_form import TorchForm, activate
from ._common import AXES, activation, initializer, padding, penalties
from .convolution import dilation, windowed_input


def shared_params(rank: int) -> tuple:
    """kernel_size, strides, padding (Keras's order)."""
    axes = AXES[rank]
    return (Param("kernel_size", "ints", (3,) * rank, f"Size of the depthwise window along {axes}.", length=rank,
                  required=True),
            Param("strides", "ints", (1,) * rank, f"Step of the window along {axes}.", length=rank),
            padding())


def multiplier() -> Param:
    return Param("depth_multiplier", "int", 1, "Depthwise filters per input channel (output channels: "
                 "input channels x depth_multiplier).", min=1)


def depthwise_shape(name: str, rank: int):
    def rule(p, shapes):
        (s,) = shapes
        return (None, *windowed_input(name, rank, s, p), s[-1] * p["depth_multiplier"])
    return rule


def separable_shape(name: str, rank: int):
    def rule(p, shapes):
        (s,) = shapes
        return (None, *windowed_input(name, rank, s, p), p["filters"])
    return rule


def depthwise_weights(p, shapes):
    c = shapes[0][-1]
    w = [WeightSpec("kernel", (*p["kernel_size"], c, p["depth_multiplier"]), True, "depthwise_initializer")]
    if p["use_bias"]:
        w.append(WeightSpec("bias", (c * p["depth_multiplier"],), True, "bias_initializer"))
    return w


def separable_weights(p, shapes):
    c, m, rank = shapes[0][-1], p["depth_multiplier"], len(p["kernel_size"])
    w = [WeightSpec("depthwise_kernel", (*p["kernel_size"], c, m), True, "depthwise_initializer"),
         WeightSpec("pointwise_kernel", ((1,) * rank + (c * m, p["filters"])), True, "pointwise_initializer")]
    if p["use_bias"]:
        w.append(WeightSpec("bias", (p["filters"],), True, "bias_initializer"))
    return w


def torch_depthwise(p, c: int, rank: int, bias: bool) -> str:
    """The grouped nn.Conv that is a Keras depthwise convolution."""
    return (f"nn.Conv{rank}d({c}, {c * p['depth_multiplier']}, {p['kernel_size']}, stride={p['strides']}, "
            f"dilation={p['dilation_rate']}, groups={c}, bias={bias})")


def depthwise_suffix(p, rank: int) -> str:
    """Keras (*window, in, multiplier) -> torch (in * multiplier, 1, *window)."""
    return (f".reshape({(*p['kernel_size'], 1, -1)}).transpose({rank + 1}, {rank}, "
            f"{', '.join(map(str, range(rank)))})")


def declare_depthwise(rank: int) -> None:
    name = f"DepthwiseConv{rank}D"
    register(LayerSpec(
        name, "convolution", f"{rank}-D depthwise convolution over {AXES[rank]} (channels last): each input channel "
                             "convolved with its own filters.",
        (*shared_params(rank),
         multiplier(),
         dilation(rank),
         activation(),
         Param("use_bias", "bool", True, "Add a learned bias to each output channel."),
         initializer("depthwise_initializer", "glorot_uniform", "depthwise kernel"),
         initializer("bias_initializer", "zeros", "bias"),
         *penalties(("depthwise", "kernel"), ("bias", "bias"))),
        1, 1, depthwise_shape(name, rank), depthwise_weights,
        key_params=("kernel_size", "strides", "padding", "depth_multiplier", "activation"),
        keras=KerasForm(fixed=CHANNELS_LAST, declares=("activity_regularizer",)),
        torch=TorchForm(
            lambda p, s, xs, m: activate(p["activation"], f"conv({xs[0]}, {m}, {p['padding']!r})"),
            lambda p, s: torch_depthwise(p, s[0][-1], rank, p["use_bias"]),
            lambda p, s: {"kernel": ("weight", depthwise_suffix(p, rank)), "bias": ("bias", "")},
            helpers=("conv",)),
        keywords=("per channel", "mobilenet", "efficient") + (("sequence",), ("image",))[rank - 1],
    ))


def declare_separable(rank: int) -> None:
    name = f"SeparableConv{rank}D"
    register(LayerSpec(
        name, "convolution", f"{rank}-D separable convolution over {AXES[rank]} (channels last): a depthwise "
                             "convolution, then a 1x1 convolution mixing the channels.",
        (Param("filters", "int", 32, "Number of output channels (filters).", min=1, required=True),
         *shared_params(rank),
         dilation(rank),
         multiplier(),
         activation(),
         Param("use_bias", "bool", True, "Add a learned bias to each output channel."),
         initializer("depthwise_initializer", "glorot_uniform", "depthwise kernel"),
         initializer("pointwise_initializer", "glorot_uniform", "pointwise kernel"),
         initializer("bias_initializer", "zeros", "bias"),
         *penalties(("depthwise", "depthwise_kernel"), ("pointwise", "pointwise_kernel"), ("bias", "bias"))),
        1, 1, separable_shape(name, rank), separable_weights,
        key_params=("filters", "kernel_size", "strides", "padding", "activation"),
        keras=KerasForm(aliases=(f"SeparableConvolution{rank}D",),
                        fixed=CHANNELS_LAST, declares=("activity_regularizer",)),
        torch=TorchForm(
            lambda p, s, xs, m: activate(p["activation"],
                                         f"conv(conv({xs[0]}, {m}[0], {p['padding']!r}), {m}[1], 'valid')"),
            lambda p, s: (f"nn.Sequential({torch_depthwise(p, s[0][-1], rank, False)}, "
                          f"nn.Conv{rank}d({s[0][-1] * p['depth_multiplier']}, {p['filters']}, 1, "
                          f"bias={p['use_bias']}))"),
            lambda p, s: {"depthwise_kernel": ("0.weight", depthwise_suffix(p, rank)),
                          "pointwise_kernel": ("1.weight", f".transpose({rank + 1}, {rank}, "
                                                           f"{', '.join(map(str, range(rank)))})"),
                          "bias": ("1.bias", "")},
            helpers=("conv",)),
        keywords=("depthwise", "mobilenet", "xception", "efficient") + (("sequence",), ("image",))[rank - 1],
    ))


for _rank in (1, 2):
    declare_depthwise(_rank)
for _rank in (1, 2):
    declare_separable(_rank)
