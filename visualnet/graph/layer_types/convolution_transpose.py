"""Transposed convolutions (Keras's BaseConvTranspose(rank)): Conv1DTranspose and
Conv2DTranspose, with output_padding and dilation_rate (stride 1 only, as Keras requires).

Keras's output along an axis: the full output of (input - 1) * stride + span cells (span =
(kernel - 1) * dilation + 1), cropped by (before, after) cells as `transpose_axis` computes
them from the padding and output_padding (a negative crop adds zeros)."""

from __future__ import annotations

from ..costs import transposed_cost
from ..keras_form import CHANNELS_LAST, KerasForm
from ..params import Param
from ..registry import LayerSpec, ShapeError, WeightSpec, register
from ..torch_form import TorchForm, activate
from ._common import KERNEL_BIAS, AXES, LAYOUT, activation, fmt, initializer, padding, penalties, require_rank
from .convolution import HINTS, check_dilation, dilation


def transpose_axis(length, kernel: int, stride: int, rate: int, pad: str, output_padding) -> tuple:
    """(output length or None, crop before, crop after) along one axis, as Keras computes
    them (keras/src/backend/common/backend_utils.py)."""
    span = (kernel - 1) * rate + 1
    if pad == "valid":
        extra = max(span, stride) - span if output_padding is None else output_padding
        out = None if length is None else (length - 1) * stride + span + extra
        return out, 0, -extra
    total = stride + span - 2 if output_padding is None else span + span % 2 - 2 + output_padding
    before = min(total // 2 + total % 2, span - 1)
    if length is None:
        out = None
    else:
        out = length * stride if output_padding is None else (length - 1) * stride + span % 2 + output_padding
    return out, span - 1 - before, span - 1 - (total - before)


def axes_of(p, rank: int, shape) -> list[tuple]:
    """transpose_axis for each spatial axis of the input `shape`."""
    extra = p["output_padding"] or (None,) * rank
    return [transpose_axis(n, k, s, d, p["padding"], e)
            for n, k, s, d, e in zip(shape[1:-1], p["kernel_size"], p["strides"], p["dilation_rate"], extra)]


def transpose_shape(name: str, rank: int):
    def rule(p, shapes):
        (s,) = shapes
        require_rank(name, s, rank + 2, LAYOUT[rank] + HINTS[rank])
        if s[-1] is None:
            raise ShapeError(f"{name} needs a known number of channels; it receives {fmt(s)}.")
        check_dilation(name, p)
        if p["output_padding"] is not None and any(e >= st for e, st in zip(p["output_padding"], p["strides"])):
            raise ShapeError(f"{name}'s output_padding must be smaller than strides along every axis. "
                             f"Received: output_padding={p['output_padding']}, strides={p['strides']}")
        out = [a[0] for a in axes_of(p, rank, s)]
        if any(o is not None and o < 1 for o in out):
            raise ShapeError(f"{name} would give an empty output ({fmt((None, *out, p['filters']))}) with these "
                             f"kernel_size, strides and output_padding. Received: input shape {fmt(s)}")
        return (None, *out, p["filters"])
    return rule


def transpose_weights(p, shapes):
    w = [WeightSpec("kernel", (*p["kernel_size"], p["filters"], shapes[0][-1]), True, "kernel_initializer")]
    if p["use_bias"]:
        w.append(WeightSpec("bias", (p["filters"],), True, "bias_initializer"))
    return w


def torch_crops(p, rank: int) -> tuple:
    """The (before, after) crops of PyTorch's full output (independent of the input's length)."""
    return tuple(a[1:] for a in axes_of(p, rank, (None,) * (rank + 2)))


def declare_transpose(rank: int) -> None:
    name = f"Conv{rank}DTranspose"
    axes = AXES[rank]
    register(LayerSpec(
        name, "convolution", f"{rank}-D transposed convolution over {axes} (channels last): the gradient of a "
                             "convolution, which upsamples by its strides.",
        (Param("filters", "int", 32, "Number of output channels (filters).", min=1, required=True),
         Param("kernel_size", "ints", (3,) * rank, f"Size of the convolution window along {axes}.", length=rank,
               required=True),
         Param("strides", "ints", (1,) * rank, f"Upsampling factor along {axes}.", length=rank),
         padding(),
         Param("output_padding", "ints", None, f"Cells added after the output along {axes} (each smaller than "
               "its stride); unset: Keras's default for the padding.", length=rank, min=0, optional=True),
         dilation(rank),
         activation(),
         Param("use_bias", "bool", True, "Add a learned bias to each output channel."),
         initializer("kernel_initializer", "glorot_uniform", "kernel"),
         initializer("bias_initializer", "zeros", "bias"),
         *penalties(*KERNEL_BIAS)),
        1, 1, transpose_shape(name, rank), transpose_weights,
        key_params=("filters", "kernel_size", "strides", "padding", "activation"),
        keras=KerasForm(aliases=(f"Convolution{rank}DTranspose",), fixed=CHANNELS_LAST,
                        declares=("activity_regularizer",)),
        torch=TorchForm(
            lambda p, s, xs, m: activate(p["activation"], f"conv_transpose({xs[0]}, {m}, {torch_crops(p, rank)!r})"),
            lambda p, s: (f"nn.ConvTranspose{rank}d({s[0][-1]}, {p['filters']}, {p['kernel_size']}, "
                          f"stride={p['strides']}, dilation={p['dilation_rate']}, bias={p['use_bias']})"),
            # Keras (*window, out, in) -> torch (in, out, *window)
            {"kernel": ("weight", f".transpose({rank + 1}, {rank}, {', '.join(map(str, range(rank)))})"),
             "bias": ("bias", "")},
            helpers=("conv_transpose",)),
        cost_rule=transposed_cost,
        keywords=("upsample", "deconvolution", "transposed", "decoder", "learned upsampling"),
    ))


for _rank in (1, 2):
    declare_transpose(_rank)
