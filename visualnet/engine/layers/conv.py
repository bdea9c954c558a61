"""Conv1D and Conv2D (channels last), on the engine's im2col + BLAS kernels.

Conv1D runs the 2-D kernels over one-row images: (batch, steps, channels) is viewed as
(batch, 1, steps, channels) and its Keras kernel (k, in, out) as (1, k, in, out), both
without copying (but for 'causal' padding), so the weights keep Keras's Conv1D layout.
A dilation_rate or groups other than 1 runs kernels/conv_general.py's kernel instead of
kernels/conv.py's (the same interface)."""

from __future__ import annotations

import numpy as np

from ..kernels.conv import Conv2DKernel, conv2d_backward, conv2d_forward
from ..kernels.conv_general import GeneralConvKernel
from .core import _Activated


class OneRow:
    """The 1-D members of a family run its 2-D kernels over one-row images (`rank` 1)."""

    rank = 2

    @property
    def _lead(self) -> tuple:
        """The spatial axis a 1-D layer's arrays gain: (1,), or () for a 2-D layer."""
        return (1,) * (2 - self.rank)

    def _lift(self, a):
        """A 1-D layer's (batch, steps, channels) as (batch, 1, steps, channels)."""
        return a if self.rank == 2 else a.reshape(a.shape[0], 1, *a.shape[1:])

    def _drop(self, a):
        """The inverse of `_lift`."""
        return a if self.rank == 2 else a.reshape(a.shape[0], *a.shape[2:])


def conv_kernel(config, rank: int):
    """The workspace for a layer's convolution: the plain kernels unless dilated or grouped."""
    rates = (1,) * (2 - rank) + tuple(config["dilation_rate"])
    if rates == (1, 1) and config["groups"] == 1:
        return Conv2DKernel()
    return GeneralConvKernel(rates, config["groups"])


class Conv2D(_Activated):
    layer_type = "Conv2D"
    positional = ("filters", "kernel_size", "strides", "padding")

    splits_batch = True  # its kernels run the batch as parallel parts (runtime/split.py)
    relu_deferred = False  # set by the executor when a MaxPooling2D applies this layer's ReLU
    pools_2x2 = False  # set by the executor when that MaxPooling2D is 2x2: prediction then pools here
    fused = False  # set by the executor for each forward pass: whether the deferral is in force

    def on_build(self):
        super().on_build()
        self._work = conv_kernel(self.config, 2)  # this layer's im2col / Winograd buffers, reused batch after batch

    def forward(self, inputs, training):
        bias = self.values["bias"] if self.config["use_bias"] else None
        x = inputs[0]
        pool = self.fused and self.pools_2x2 and not training  # the MaxPooling2D after passes it on
        shape = (x.shape[0], *self.output_shape[1:])
        if pool:
            shape = (shape[0], shape[1] // 2, shape[2] // 2, shape[3])
        out = self._buffer("zp" if pool else "z", shape, x.dtype) \
            if x.dtype == self.values["kernel"].dtype and None not in shape else None
        self._deferred = self.fused and self.relu_deferred and not pool
        fuse_relu = self.act.in_place and not self.act.is_linear and not self._deferred  # a plain ReLU
        z, self._ctx = conv2d_forward(x, self.values["kernel"], bias, self.config["strides"],
                                      self.config["padding"], workspace=self._work, out=out, keep_cols=training,
                                      relu=fuse_relu, pool=pool)
        if self._deferred or fuse_relu:  # z is the output: the kernels applied the ReLU, or the
            self._z = self._y = z        # MaxPooling2D after this layer will (see Executor)
            return z
        return self._activate(z, owned=z is out)

    def backward(self, dy, need_dx=True, skip_activation=False):
        dz = self._activation_grad(dy, skip_activation or self._deferred)
        x = self._ctx.x
        dx_out = self._buffer("dx", x.shape, x.dtype) if need_dx else None
        dx, dkernel, dbias = conv2d_backward(dz, self._ctx, need_dx=need_dx, dx_out=dx_out)
        self.grads["kernel"][...] = dkernel
        if self.config["use_bias"]:
            self.grads["bias"][...] = dbias
        return [dx]


class Conv1D(_Activated):
    """Not a Conv2D: the executor's ReLU/pooling fusion (Executor._fuse_relu_into_pooling)
    pairs Conv2D with MaxPooling2D only, by exact type. 'causal' padding is Keras's: the
    input is copied after (kernel_size - 1) * dilation_rate zero steps, then convolved with
    'valid'."""

    layer_type = "Conv1D"
    positional = ("filters", "kernel_size", "strides", "padding")

    splits_batch = True  # the same kernels, run over the batch as parallel parts

    def on_build(self):
        super().on_build()
        self._work = conv_kernel(self.config, 1)

    def forward(self, inputs, training):
        bias = self.values["bias"] if self.config["use_bias"] else None
        x = inputs[0]
        kernel = self.values["kernel"]
        n, steps, c = x.shape
        out_steps, f = self.output_shape[1], kernel.shape[2]
        if out_steps is None:  # an input of any length (Input(shape=(None, ...))): this batch's
            out_steps = self.spec.output_shape(self.config, [(None, steps, c)])[1]
        x4, padding = x.reshape(n, 1, steps, c), self.config["padding"]
        self._left = (kernel.shape[0] - 1) * self.config["dilation_rate"][0] if padding == "causal" else 0
        if padding == "causal":
            padding = "valid"
            if self._left:
                xp = self._buffer("xp", (n, 1, self._left + steps, c), x.dtype)
                xp[:, :, :self._left] = 0
                xp[:, :, self._left:] = x4
                x4 = xp
        out = self._buffer("z", (n, 1, out_steps, f), x.dtype) if x.dtype == kernel.dtype else None
        fuse_relu = self.act.in_place and not self.act.is_linear  # a plain ReLU, applied by the kernels
        z, self._ctx = conv2d_forward(x4, kernel.reshape(1, *kernel.shape), bias, (1, self.config["strides"][0]),
                                      padding, workspace=self._work, out=out, keep_cols=training, relu=fuse_relu)
        z = z.reshape(n, out_steps, f)
        if fuse_relu:
            self._z = self._y = z
            return z
        return self._activate(z, owned=out is not None)

    def backward(self, dy, need_dx=True, skip_activation=False):
        dz = self._activation_grad(dy, skip_activation)
        x = self._ctx.x  # (n, 1, [left +] steps, c)
        dx_out = self._buffer("dx", x.shape, x.dtype) if need_dx else None
        dx, dkernel, dbias = conv2d_backward(dz.reshape(dz.shape[0], 1, *dz.shape[1:]), self._ctx,
                                             need_dx=need_dx, dx_out=dx_out)
        self.grads["kernel"][...] = dkernel.reshape(self.grads["kernel"].shape)
        if self.config["use_bias"]:
            self.grads["bias"][...] = dbias
        if dx is None:
            return [None]
        n, _, steps, c = x.shape
        if not self._left:
            return [dx.reshape(n, steps, c)]
        out = self._buffer("dx_steps", (n, steps - self._left, c), x.dtype)  # the padding's gradient dropped
        np.copyto(out, dx[:, 0, self._left:])
        return [out]
