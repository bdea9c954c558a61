"""Conv1DTranspose and Conv2DTranspose (channels last) on kernels/conv_transpose.py.

Conv1DTranspose runs the 2-D kernel over one-row images, as Conv1D does: (batch, steps,
channels) viewed as (batch, 1, steps, channels) and the kernel (k, out, in) as (1, k, out, in)."""

from __future__ import annotations

from ...graph.layer_types.convolution_transpose import axes_of
from ..kernels.conv_transpose import ConvTransposeKernel
from .conv import OneRow
from .core import _Activated


class _ConvTranspose(OneRow, _Activated):
    positional = ("filters", "kernel_size", "strides", "padding", "output_padding")

    splits_batch = True  # its kernel runs the batch as parallel parts (runtime/split.py)

    def on_build(self):
        super().on_build()
        self._work = ConvTransposeKernel()

    def forward(self, inputs, training):
        x, kernel, cfg = inputs[0], self.values["kernel"], self.config
        lift = self._lead
        axes = axes_of(cfg, self.rank, x.shape)
        out_size = (*lift, *(a[0] for a in axes))
        x4 = self._lift(x)
        shape = (x.shape[0], *out_size, kernel.shape[-2])
        out = self._buffer("z", shape, x.dtype) if x.dtype == kernel.dtype else None
        fuse_relu = self.act.in_place and not self.act.is_linear  # a plain ReLU, applied by the kernel
        z, self._ctx = self._work.forward(
            x4, kernel.reshape(*lift, *kernel.shape), self.values["bias"] if cfg["use_bias"] else None,
            lift + cfg["strides"], lift + cfg["dilation_rate"], (0,) * len(lift) + tuple(a[1] for a in axes),
            out_size, out=out, relu=fuse_relu)
        z = self._drop(z)
        if fuse_relu:
            self._z = self._y = z
            return z
        return self._activate(z, owned=out is not None)

    def backward(self, dy, need_dx=True, skip_activation=False):
        dz = self._activation_grad(dy, skip_activation)
        x = self._ctx.x
        dx_out = self._buffer("dx", x.shape, x.dtype) if need_dx else None
        dx, dkernel, dbias = self._work.backward(self._lift(dz), self._ctx, need_dx, dx_out)
        self.grads["kernel"][...] = dkernel.reshape(self.grads["kernel"].shape)
        if self.config["use_bias"]:
            self.grads["bias"][...] = dbias
        return [None if dx is None else self._drop(dx)]


class Conv2DTranspose(_ConvTranspose):
    layer_type = "Conv2DTranspose"


class Conv1DTranspose(_ConvTranspose):
    layer_type = "Conv1DTranspose"
    rank = 1
