"""The convolution family, generic over rank (Keras's BaseConv(rank)): Conv1D and Conv2D.

Conv1D also takes Keras's 'causal' padding. dilation_rate > 1 and groups > 1 are not
supported yet (a file using them is refused by the argument check)."""

from __future__ import annotations

from ..keras_form import CHANNELS_LAST, NO_LORA, NO_REGULARIZERS, Fixed, KerasForm
from ..params import Param
from ..registry import LayerSpec, ShapeError, WeightSpec, register
from ..torch_form import TorchForm, activate
from ._common import AXES, LAYOUT, activation, fmt, initializer, padding, require_rank, windows_out

HINTS = {1: "; add a Reshape such as (100, 1) before it", 2: "; add a Reshape such as (28, 28, 1) before it", 3: ""}


def conv_shape(name: str, rank: int):
    def rule(p, shapes):
        (s,) = shapes
        require_rank(name, s, rank + 2, LAYOUT[rank] + HINTS[rank])
        if s[-1] is None:
            raise ShapeError(f"{name} needs a known number of channels; it receives {fmt(s)}.")
        out = windows_out(name, "kernel", s, p["kernel_size"], p["strides"], p["padding"], "kernel_size")
        return (None, *out, p["filters"])
    return rule


def conv_weights(p, shapes):
    w = [WeightSpec("kernel", (*p["kernel_size"], shapes[0][-1], p["filters"]), True, "kernel_initializer")]
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
         activation(),
         Param("use_bias", "bool", True, "Add a learned bias to each output channel."),
         initializer("kernel_initializer", "glorot_uniform", "kernel"),
         initializer("bias_initializer", "zeros", "bias")),
        1, 1, conv_shape(name, rank), conv_weights,
        key_params=("filters", "kernel_size", "strides", "padding", "activation"),
        keras=KerasForm(aliases=(f"Convolution{rank}D",), fixed={
            **CHANNELS_LAST, "dilation_rate": Fixed([1] * rank, also=(1,)), "groups": Fixed(1),
            **NO_REGULARIZERS, **NO_LORA}),
        torch=TorchForm(
            lambda p, s, xs, m: activate(p["activation"], f"conv({xs[0]}, {m}, {p['padding']!r})"),
            lambda p, s: (f"nn.Conv{rank}d({s[0][-1]}, {p['filters']}, {p['kernel_size']}, stride={p['strides']}, "
                          f"bias={p['use_bias']})"),
            # Keras (*window, in, out) -> torch (out, in, *window)
            {"kernel": ("weight", f".transpose({rank + 1}, {rank}, {', '.join(map(str, range(rank)))})"),
             "bias": ("bias", "")},
            helpers=("conv",)),
    ))


for _rank in (1, 2):
    declare_conv(_rank)
