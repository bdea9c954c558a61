"""The convolution family, generic over rank (Keras's BaseConv(rank)): Conv1D, Conv2D and Conv3D,
with Keras's dilation_rate (stride 1 only, as Keras requires) and groups.

Conv1D also takes Keras's 'causal' padding. The transposed, depthwise and separable members
are in convolution_transpose.py and convolution_depthwise.py."""

from __future__ import annotations

from ..keras_form import CHANNELS_LAST, NO_LORA, KerasForm
from ..params import Param
from ..registry import LayerSpec, ShapeError, WeightSpec, register
from ..torch_form import TorchForm, activate
from ._common import (KERNEL_BIAS, AXES, LAYOUT, activation, fmt, initializer, padding, penalties, require_rank,
                      windows_out)

HINTS = {1: "; add a Reshape such as (100, 1) before it", 2: "; add a Reshape such as (28, 28, 1) before it", 3: ""}


def effective_kernel(p) -> tuple:
    """The span of a dilated kernel: (k - 1) * dilation + 1 per axis."""
    return tuple((k - 1) * d + 1 for k, d in zip(p["kernel_size"], p["dilation_rate"]))


def check_dilation(name: str, p) -> None:
    """Keras refuses strides > 1 together with dilation_rate > 1."""
    if max(p["strides"]) > 1 and max(p["dilation_rate"]) > 1:
        raise ShapeError(f"{name} takes strides > 1 or dilation_rate > 1, not both. "
                         f"Received: strides={p['strides']} and dilation_rate={p['dilation_rate']}")


def windowed_input(name: str, rank: int, s, p) -> list:
    """The spatial output sizes of a strided, dilated window over the input `s`, after the
    input's rank and channels are checked."""
    require_rank(name, s, rank + 2, LAYOUT[rank] + HINTS[rank])
    if s[-1] is None:
        raise ShapeError(f"{name} needs a known number of channels; it receives {fmt(s)}.")
    return windows_out(name, "kernel", s, effective_kernel(p), p["strides"], p["padding"],
                       "kernel_size or dilation_rate")


def conv_shape(name: str, rank: int):
    def rule(p, shapes):
        (s,) = shapes
        check_dilation(name, p)
        out = windowed_input(name, rank, s, p)
        g = p["groups"]
        if p["filters"] % g or s[-1] % g:
            raise ShapeError(f"{name}'s filters and input channels must both be divisible by groups. "
                             f"Received: groups={g}, filters={p['filters']}, input channels={s[-1]}")
        return (None, *out, p["filters"])
    return rule


def dilation(rank: int) -> Param:
    return Param("dilation_rate", "ints", (1,) * rank, f"Spacing between the kernel's taps along {AXES[rank]} "
                 "(1: contiguous). Above 1, strides must be 1.", length=rank)


def conv_weights(p, shapes):
    w = [WeightSpec("kernel", (*p["kernel_size"], shapes[0][-1] // p["groups"], p["filters"]), True,
                    "kernel_initializer")]
    if p["use_bias"]:
        w.append(WeightSpec("bias", (p["filters"],), True, "bias_initializer"))
    return w


def declare_conv(rank: int) -> None:
    name = f"Conv{rank}D"
    axes = AXES[rank]
    register(LayerSpec(
        name, "convolution", f"{rank}-D convolution over {axes} (channels last).",
        (Param("filters", "int", 32, "Number of output channels (filters).", min=1, required=True),
         Param("kernel_size", "ints", (3,) * rank, f"Size of the convolution window along {axes}.", length=rank,
               required=True),
         Param("strides", "ints", (1,) * rank, f"Step of the window along {axes}.", length=rank),
         padding(("causal",) if rank == 1 else ()),
         dilation(rank),
         Param("groups", "int", 1, "Number of channel groups convolved separately: each group of input "
               "channels gives filters / groups output channels.", min=1),
         activation(),
         Param("use_bias", "bool", True, "Add a learned bias to each output channel."),
         initializer("kernel_initializer", "glorot_uniform", "kernel"),
         initializer("bias_initializer", "zeros", "bias"),
         *penalties(*KERNEL_BIAS)),
        1, 1, conv_shape(name, rank), conv_weights,
        key_params=("filters", "kernel_size", "strides", "padding", "activation"),
        keras=KerasForm(aliases=(f"Convolution{rank}D",), fixed={
            **CHANNELS_LAST, **NO_LORA}, declares=("activity_regularizer",)),
        torch=TorchForm(
            lambda p, s, xs, m: activate(p["activation"], f"conv({xs[0]}, {m}, {p['padding']!r})"),
            lambda p, s: (f"nn.Conv{rank}d({s[0][-1]}, {p['filters']}, {p['kernel_size']}, stride={p['strides']}, "
                          f"dilation={p['dilation_rate']}, groups={p['groups']}, bias={p['use_bias']})"),
            # Keras (*window, in, out) -> torch (out, in, *window)
            {"kernel": ("weight", f".transpose({rank + 1}, {rank}, {', '.join(map(str, range(rank)))})"),
             "bias": ("bias", "")},
            helpers=("conv",)),
        keywords=("filter", "kernel", "feature map") + (("sequence", "time series", "text"), ("image", "cnn"),
                                                          ("volume", "video"))[rank - 1],
    ))


for _rank in (1, 2, 3):
    declare_conv(_rank)
