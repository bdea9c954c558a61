"""The convolutional recurrent family (Keras's ConvLSTM(rank)): ConvLSTM1D and ConvLSTM2D.

An LSTM whose products are convolutions: each step's input (batch, *spatial, channels) goes
through the input convolution (`strides`, `padding`, `dilation_rate`), the state h through
the recurrent convolution (the same window, always stride 1 and 'same'), gates i, f, c, o in
Keras's order. Input (batch, time, *spatial, channels), channels last; the spatial sizes must
be known (Keras's rule too). Weights in Keras's layout: kernel (*kernel_size, channels,
4*filters), recurrent_kernel (*kernel_size, filters, 4*filters), bias (4*filters,).

With return_state the outputs are [output, h, c], each state (batch, *out_spatial, filters).
Masks flow as for LSTM (a masked step keeps both states and the output). Not supported, so
refused in files and by the constructor at any other value: dropout, recurrent_dropout,
stateful, unroll, zero_output_for_mask, data_format 'channels_first'; initial states
(Keras's `initial_state`) are not taken. ConvLSTM3D is not declared.
"""

from __future__ import annotations

from math import prod

from ..keras_form import CHANNELS_LAST, Fixed, KerasForm
from ..params import Param
from ..registry import LayerSpec, ShapeError, WeightSpec, register
from ..torch_form import TorchForm, activate
from ._common import AXES, activation, fmt, initializer, padding, penalties, windows_out
from .convolution import check_dilation, dilation, effective_kernel
from .recurrent import STATES

FIXED = {
    **CHANNELS_LAST,
    "dropout": Fixed(0.0),
    "recurrent_dropout": Fixed(0.0),
    "stateful": Fixed(False),
    "unroll": Fixed(False),
    "zero_output_for_mask": Fixed(False),
}
LAYOUT = {1: "(batch, time, steps, channels)", 2: "(batch, time, rows, cols, channels)"}


def conv_lstm_shape(name: str, rank: int):
    """The output, then with return_state the states h and c (each the output of one step)."""

    def rule(p, shapes):
        (s,) = shapes
        if len(s) != rank + 3:
            raise ShapeError(f"{name} expects a {rank + 3}-D input {LAYOUT[rank]}; it receives {fmt(s)}.", port=0)
        if s[-1] is None or any(d is None for d in s[2:-1]):
            raise ShapeError(f"{name} needs known spatial sizes and channels (Keras's rule too); it receives "
                             f"{fmt(s)}.", port=0)
        check_dilation(name, p)
        out = windows_out(name, "kernel", s[1:], effective_kernel(p), p["strides"], p["padding"],
                          "kernel_size or dilation_rate")
        step = (None, *out, p["filters"])
        first = (None, s[1], *step[1:]) if p["return_sequences"] else step
        return [first, step, step] if p["return_state"] else first
    return rule


def conv_lstm_weights(p, shapes):
    f, k = p["filters"], tuple(p["kernel_size"])
    w = [WeightSpec("kernel", (*k, shapes[0][-1], 4 * f), True, "kernel_initializer"),
         WeightSpec("recurrent_kernel", (*k, f, 4 * f), True, "recurrent_initializer")]
    if p["use_bias"]:
        w.append(WeightSpec("bias", (4 * f,), True, "bias_initializer"))
    return w


def conv_lstm_cost(params, input_shapes, output_shape, weights):
    """Both kernels at every output position of every step."""
    s = input_shapes[0]
    rank = len(s) - 3
    steps = s[1]
    step_out = output_shape[-rank - 1:-1]
    if steps is None or any(d is None for d in step_out):
        return None
    kernels = sum(w.size for w in weights if w.name.endswith("kernel"))
    return kernels * steps * prod(step_out)


def _torch_module(rank: int):
    def module(p, s):
        acts = ", ".join(f"lambda v: {activate(p[a], 'v')}" for a in ("activation", "recurrent_activation"))
        return (f"ConvLSTM({rank}, {s[0][-1]}, {p['filters']}, {tuple(p['kernel_size'])}, {tuple(p['strides'])}, "
                f"{p['padding']!r}, {tuple(p['dilation_rate'])}, {p['use_bias']}, {acts})")
    return module


def _torch_forward(p, s, xs, m):
    return f"{m}({xs[0]}, {p['return_sequences']}, {p['return_state']}, {p['go_backwards']})"


def _torch_weights(rank: int) -> dict:
    # Keras (*window, in, 4*filters) -> torch (4*filters, in, *window), the gate blocks kept in order
    to_torch = f".transpose({rank + 1}, {rank}, {', '.join(map(str, range(rank)))})"
    return {"kernel": ("weight_ih", to_torch), "recurrent_kernel": ("weight_hh", to_torch), "bias": ("bias", "")}


def declare_conv_lstm(rank: int) -> None:
    name = f"ConvLSTM{rank}D"
    axes = AXES[rank]
    STATES[name] = ("state_h", "state_c")   # output port names, as LSTM's (recurrent.output_names)
    register(LayerSpec(
        name, "recurrent",
        f"Convolutional LSTM over {axes} (Shi et al. 2015): an LSTM whose input and recurrent products are "
        f"{rank}-D convolutions. Input {LAYOUT[rank]}.",
        (Param("filters", "int", 32, "Number of output channels (filters) of the state and output.", min=1,
               required=True),
         Param("kernel_size", "ints", (3,) * rank, f"Size of the convolution window along {axes} (both "
               "convolutions).", length=rank, required=True),
         Param("strides", "ints", (1,) * rank, f"Step of the input convolution's window along {axes} (the "
               "recurrent one always steps by 1).", length=rank),
         padding(),
         dilation(rank),
         Param("activation", "activation", "tanh", "Activation of the cell candidate and of the output "
               "('linear' when unset).", choices=activation().choices, optional=True),
         Param("recurrent_activation", "activation", "sigmoid", "Activation of the gates.",
               choices=activation().choices, optional=True),
         Param("use_bias", "bool", True, "Add learned biases (one per gate and filter)."),
         initializer("kernel_initializer", "glorot_uniform", "input kernel"),
         initializer("recurrent_initializer", "orthogonal", "recurrent kernel"),
         initializer("bias_initializer", "zeros", "bias"),
         Param("unit_forget_bias", "bool", True,
               "Start the forget gate's bias at 1 (and the others at bias_initializer)."),
         *penalties(("kernel", "kernel"), ("recurrent", "recurrent_kernel"), ("bias", "bias")),
         Param("return_sequences", "bool", False, "Output the state h at every step (batch, time, ..., filters) "
               "instead of the last one."),
         Param("return_state", "bool", False, "Also output the final states h and c after the output."),
         Param("go_backwards", "bool", False, "Read the sequence from its end (the outputs come in the order "
               "they are computed, last step first).")),
        1, 1, conv_lstm_shape(name, rank), conv_lstm_weights,
        key_params=("filters", "kernel_size", "padding", "return_sequences"),
        keras=KerasForm(fixed=FIXED, ignored=("seed",), weights_group="cell", declares=("activity_regularizer",)),
        torch=TorchForm(_torch_forward, _torch_module(rank), _torch_weights(rank), helpers=("ConvLSTM",)),
        cost_rule=conv_lstm_cost,
        output_count=lambda p: 3 if p.get("return_state") else 1,
        keywords=("recurrent", "convolution", "video", "frames", "spatio-temporal", "next frame", "lstm"),
    ))


for _rank in (1, 2):
    declare_conv_lstm(_rank)
