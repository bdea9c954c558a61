"""DepthwiseConv1D/2D and SeparableConv1D/2D (channels last) on kernels/depthwise.py; the
separable layers' 1x1 convolution is one GEMM (kernels/gemm.py).

The 1-D layers run the 2-D kernel over one-row images: (batch, steps, channels) viewed as
(batch, 1, steps, channels) and the depthwise kernel (k, in, multiplier) as (1, k, in, multiplier)."""

from __future__ import annotations

import numpy as np

from ..kernels import gemm
from ..kernels.depthwise import SPLIT_WORK, DepthwiseKernel, column_sums
from .conv import OneRow
from .core import _Activated


class _Depthwise(OneRow, _Activated):
    """The depthwise step shared by both families; `kernel_name` is its weight."""

    kernel_name = "kernel"
    splits_batch = True  # its kernel runs the batch as parallel parts (runtime/split.py)

    split_work = SPLIT_WORK   # the kernel splits passes of at least this many multiply-adds (outside layer_parallel)

    def on_build(self):
        super().on_build()
        self._work = DepthwiseKernel(split_work=self.split_work)

    def _depthwise(self, x, out, then, bias=None):
        """The depthwise convolution of x into `out` (lifted) plus `bias`, `then(lo, hi)` run
        on each part's images after theirs (kernels/depthwise.py)."""
        cfg, lift = self.config, self._lead
        kernel = self.values[self.kernel_name]
        _, self._ctx = self._work.forward(self._lift(x), kernel.reshape(*lift, *kernel.shape), lift + cfg["strides"],
                                          lift + cfg["dilation_rate"], cfg["padding"], then, out=out, bias=bias)

    def _depthwise_backward(self, first, need_dx, bias_grad=False):
        """The input's gradient; `first(lo, hi)` -> (the lifted gradient of the depthwise
        output's images lo:hi, the part's other results), summed over the parts into
        `self.grads`; with `bias_grad`, the kernel sums the bias gradient too."""
        x_shape = self._ctx.x_shape
        dx_out = self._buffer("dx", x_shape, self._ctx.xp.dtype) if need_dx else None
        dx, dkernel, extras, dbias = self._work.backward(self._ctx, first, need_dx, dx_out, bias_grad)
        self.grads[self.kernel_name][...] = dkernel.reshape(self.grads[self.kernel_name].shape)
        if bias_grad:
            self.grads["bias"][...] = dbias
        for name, *values in zip(self._extra_grads, *extras):
            self.grads[name][...] = sum(values[1:], values[0])
        return [None if dx is None else self._drop(dx)]

    def _out(self, name, x, channels):
        """A buffer for a (lifted) output of `channels` channels from the input x."""
        spatial = self.spec.output_shape(self.config, [(None, *x.shape[1:])])[1:-1]
        return self._buffer(name, (x.shape[0], *self._lead, *spatial, channels), x.dtype)


class DepthwiseConv2D(_Depthwise):
    layer_type = "DepthwiseConv2D"
    positional = ("kernel_size", "strides", "padding", "depth_multiplier")

    _extra_grads = ()   # the kernel sums the bias gradient with the kernel's

    def forward(self, inputs, training):
        x = inputs[0]
        z = self._out("z", x, x.shape[-1] * self.config["depth_multiplier"])
        bias = self.values["bias"] if self.config["use_bias"] else None
        self._depthwise(x, z, lambda lo, hi: None, bias)   # the kernel adds the bias as it starts each row
        return self._activate(self._drop(z), owned=True)

    def backward(self, dy, need_dx=True, skip_activation=False):
        dz = self._lift(np.ascontiguousarray(self._activation_grad(dy, skip_activation)))
        return self._depthwise_backward(lambda lo, hi: (dz[lo:hi], ()), need_dx, self.config["use_bias"])


class DepthwiseConv1D(DepthwiseConv2D):
    layer_type = "DepthwiseConv1D"
    rank = 1


class SeparableConv2D(_Depthwise):
    """The depthwise output (batch, ..., in * multiplier) times the pointwise kernel, plus
    the bias: one GEMM per parallel part, on the part's depthwise output while in cache."""

    layer_type = "SeparableConv2D"
    positional = ("filters", "kernel_size", "strides", "padding")
    kernel_name = "depthwise_kernel"
    split_work = 0   # always split: unsplit, the 1x1 convolution's product may be NumPy's, on OpenBLAS's own threads

    @property
    def _extra_grads(self):
        return ("pointwise_kernel", "bias") if self.config["use_bias"] else ("pointwise_kernel",)

    def forward(self, inputs, training):
        x = inputs[0]
        mid, f = self.values["pointwise_kernel"].shape[-2:]
        self._mid, z = self._out("mid", x, mid), self._out("z", x, f)
        pointwise = self.values["pointwise_kernel"].reshape(mid, f).astype(z.dtype, copy=False)
        bias = self.values["bias"] if self.config["use_bias"] else None

        def pointwise_part(lo, hi):
            zp = z[lo:hi].reshape(-1, f)
            gemm.matmul_2d(self._mid[lo:hi].reshape(-1, mid), pointwise, zp)
            if bias is not None:
                zp += bias

        self._depthwise(x, self._mid, pointwise_part)
        return self._activate(self._drop(z), owned=True)

    def backward(self, dy, need_dx=True, skip_activation=False):
        dz = np.ascontiguousarray(self._lift(self._activation_grad(dy, skip_activation)))
        mid, f = self.values["pointwise_kernel"].shape[-2:]
        transposed = np.ascontiguousarray(self.values["pointwise_kernel"].reshape(mid, f).T, dtype=dz.dtype)
        dmid = self._buffer("dmid", self._mid.shape, dz.dtype)

        def first(lo, hi):
            dzp, mp = dz[lo:hi].reshape(-1, f), self._mid[lo:hi].reshape(-1, mid)
            grads = (gemm.matmul_2d(mp.T, dzp, np.empty((mid, f), dz.dtype)).reshape(
                self.values["pointwise_kernel"].shape),)
            if self.config["use_bias"]:
                grads += (column_sums(dzp, np.empty(f, dz.dtype)),)
            gemm.matmul_2d(dzp, transposed, dmid[lo:hi].reshape(-1, mid))
            return dmid[lo:hi], grads

        return self._depthwise_backward(first, need_dx)


class SeparableConv1D(SeparableConv2D):
    layer_type = "SeparableConv1D"
    rank = 1
