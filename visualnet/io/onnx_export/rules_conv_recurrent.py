"""ONNX rule of ConvLSTM1D and ConvLSTM2D (ONNX has no convolutional LSTM operator): the
steps unrolled. Every step's input convolution runs at once (the steps folded into the batch,
channels-first), then each step adds the recurrent convolution of h ('same', stride 1, no
bias; none at the first step, where h is zero) and applies the gates i, f, c, o. The number
of steps must be known; masks and return_state are refused before the rules run."""

from __future__ import annotations

import numpy as np

from .builder import Builder, activation
from .context import Layer, f32, rule
from .rules_conv import same_pads


def _channels_first_kernel(kernel: np.ndarray, dims: int) -> np.ndarray:
    """Keras's (k..., in, out) as ONNX's (out, in, k...)."""
    return f32(np.transpose(kernel, [dims + 1, dims, *range(dims)]))


@rule("ConvLSTM1D", "ConvLSTM2D")
def _conv_lstm(b: Builder, L: Layer) -> str:
    p = L.params
    steps, spatial, channels = L.in_shapes[0][1], list(L.in_shapes[0][2:-1]), L.in_shapes[0][-1]
    dims, f = len(spatial), int(p["filters"])
    if steps is None:
        L.refuse("its steps are unrolled, so their number must be known (give the Input a fixed length)")
    for which in ("activation", "recurrent_activation"):
        if p[which] in ("softmax", "log_softmax"):
            L.refuse(f"{which}={p[which]!r} (along the channels) has no ONNX form here")
    kernel, recurrent = np.asarray(L.weights[0]), np.asarray(L.weights[1])
    k, strides, dilation = list(kernel.shape[:dims]), list(p["strides"]), list(p["dilation_rate"])
    out_spatial = list(L.shape[-dims - 1:-1])
    # every step's input convolution at once: (batch * steps, channels, *spatial)
    frames = b.op("Reshape", [L.x, b.ints([-1, *spatial, channels])], L.name)
    frames = b.transpose(frames, [0, dims + 1, *range(1, dims + 1)], L.name)
    ins = [frames, b.const(_channels_first_kernel(kernel, dims), f"{L.name}/kernel")]
    if p["use_bias"]:
        ins.append(b.const(f32(L.weights[2]), f"{L.name}/bias"))
    pads = [0] * (2 * dims) if p["padding"] == "valid" else same_pads(spatial, k, strides, dilation)
    xw = b.op("Conv", ins, L.name, kernel_shape=k, strides=strides, dilations=dilation, pads=pads)
    xw = b.op("Reshape", [xw, b.ints([-1, steps, 4 * f, *out_spatial])], L.name)
    rk = b.const(_channels_first_kernel(recurrent, dims), f"{L.name}/recurrent_kernel")
    recurrent_pads = same_pads(out_spatial, k, [1] * dims, [1] * dims)
    split = b.ints([f] * 4, "split")

    def gate(x):
        return activation(b, p["recurrent_activation"], x, L.name)

    h = c = None
    hs = []
    for t in (range(steps - 1, -1, -1) if p["go_backwards"] else range(steps)):
        z = b.squeeze(b.slice(xw, [t], [t + 1], [1], L.name), [1], L.name)
        if h is not None:
            z = b.op("Add", [z, b.op("Conv", [h, rk], L.name, kernel_shape=k, pads=recurrent_pads)], L.name)
        i, forget, g, o = b.ops("Split", [z, split], L.name, 4, axis=1)
        new = b.op("Mul", [gate(i), activation(b, p["activation"], g, L.name)], L.name)
        c = new if c is None else b.op("Add", [b.op("Mul", [gate(forget), c], L.name), new], L.name)
        h = b.op("Mul", [gate(o), activation(b, p["activation"], c, L.name)], L.name)
        hs.append(h)
    if p["return_sequences"]:   # (batch, steps, filters, *spatial) -> channels last
        y = b.op("Concat", [b.unsqueeze(s, [1], L.name) for s in hs], L.name, axis=1)
        return b.transpose(y, [0, 1, *range(3, dims + 3), 2], L.name)
    return b.transpose(h, [0, *range(2, dims + 2), 1], L.name)
