"""Conv3D (channels last) on the 2-D kernels: the depth taps stacked as channels.

Output depth o reads input depths o*sd - pad + a*dd for the kd taps a; stacking those kd
slices along the channels, (batch, depth, h, w, c) becomes (batch * out_depth, h, w, kd*c)
images, which a 2-D convolution with the kernel (kd, kh, kw, c, f) rearranged to
(kh, kw, kd*c, f) turns into the output, (batch * out_depth, oh, ow, f). The stacked
channels are group-major, (group, tap, channel), so that a grouped convolution's groups
stay contiguous blocks. The 2-D kernels then do the work (Winograd, im2col, dilation,
groups); the stack costs one copy of kd times the input."""

from __future__ import annotations

import numpy as np

from ..kernels.padding import conv_output_length, same_padding
from .conv import conv_kernel
from .core import _Activated


def depth_taps(depth: int, out_depth: int, kd: int, sd: int, dd: int, pad: int) -> list:
    """For each tap a: (first output, end output, first input) of the outputs whose input
    depth o*sd - pad + a*dd lies inside [0, depth)."""
    taps = []
    for a in range(kd):
        off = a * dd - pad
        lo = max(0, -(-(-off) // sd))  # the first o with o*sd + off >= 0
        hi = min(out_depth, (depth - 1 - off) // sd + 1) if depth - 1 - off >= 0 else 0
        taps.append((lo, max(lo, hi), max(0, lo * sd + off)))
    return taps


class Conv3D(_Activated):
    layer_type = "Conv3D"
    positional = ("filters", "kernel_size", "strides", "padding")

    splits_batch = True  # the 2-D kernels run the stacked batch as parallel parts

    def on_build(self):
        super().on_build()
        self._work = conv_kernel({**self.config, "dilation_rate": self.config["dilation_rate"][1:]}, 2)

    def _depth(self, depth):
        """(out depth, taps) of the input depth `depth`."""
        kd, sd, dd = self.config["kernel_size"][0], self.config["strides"][0], self.config["dilation_rate"][0]
        span = (kd - 1) * dd + 1
        out = conv_output_length(depth, span, sd, self.config["padding"])
        pad = same_padding(depth, span, sd)[0] if self.config["padding"] == "same" else 0
        return out, depth_taps(depth, out, kd, sd, dd, pad)

    def forward(self, inputs, training):
        x, kernel, cfg = inputs[0], self.values["kernel"], self.config
        n, depth, h, w, c = x.shape
        kd, kh, kw, cg, f = kernel.shape
        g = cfg["groups"]
        od, self._taps = self._depth(depth)
        stack = self._buffer("stack", (n, od, h, w, g, kd, cg), x.dtype)
        xg = x.reshape(n, depth, h, w, g, cg)
        for a, (lo, hi, first) in enumerate(self._taps):
            stack[:, :lo, ..., a, :] = 0
            stack[:, hi:, ..., a, :] = 0
            stack[:, lo:hi, ..., a, :] = xg[:, first:first + (hi - lo) * cfg["strides"][0]:cfg["strides"][0]]
        k2 = np.ascontiguousarray(kernel.transpose(1, 2, 0, 3, 4)).reshape(kh, kw, kd * cg, f)
        oh, ow = self.spec.output_shape(cfg, [(None, *x.shape[1:])])[2:4]
        out = self._buffer("z", (n * od, oh, ow, f), x.dtype)
        fuse_relu = self.act.in_place and not self.act.is_linear  # a plain ReLU, applied by the kernels
        z, self._ctx = self._work.forward(stack.reshape(n * od, h, w, g * kd * cg), k2,
                                          self.values["bias"] if cfg["use_bias"] else None, cfg["strides"][1:],
                                          cfg["padding"], out=out, relu=fuse_relu)
        z = z.reshape(n, od, oh, ow, f)
        self._x_shape = x.shape
        if fuse_relu:
            self._z = self._y = z
            return z
        return self._activate(z, owned=True)

    def backward(self, dy, need_dx=True, skip_activation=False):
        dz = self._activation_grad(dy, skip_activation)
        n, depth, h, w, c = self._x_shape
        kd, kh, kw, cg, f = self.values["kernel"].shape
        g, sd = self.config["groups"], self.config["strides"][0]
        od = dz.shape[1]
        dstack = self._buffer("dstack", (n * od, h, w, g * kd * cg), dz.dtype) if need_dx else None
        dstack, dk2, dbias = self._work.backward(dz.reshape(n * od, *dz.shape[2:]), self._ctx, need_dx, dstack)
        self.grads["kernel"][...] = dk2.reshape(kh, kw, kd, cg, f).transpose(2, 0, 1, 3, 4)
        if self.config["use_bias"]:
            self.grads["bias"][...] = dbias
        if not need_dx:
            return [None]
        dx = self._buffer("dx", self._x_shape, dz.dtype)
        dx[...] = 0
        dxg, ds = dx.reshape(n, depth, h, w, g, cg), dstack.reshape(n, od, h, w, g, kd, cg)
        for a, (lo, hi, first) in enumerate(self._taps):
            dxg[:, first:first + (hi - lo) * sd:sd] += ds[:, lo:hi, ..., a, :]
        return [dx]
