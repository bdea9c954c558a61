"""Transposed convolution (channels last, Keras's kernel (KH, KW, F, C)): the backward-data
pass of a convolution, on kernels/conv_general.py's im2col/col2im and GEMMs.

A transposed convolution from x (N, IH, IW, C) to y (N, OH, OW, F) is the adjoint of the
convolution from y to x with the same kernel, strides and dilation and top/left padding
(pt, pl) = the crop Keras takes from the full output (negative: zeros added before):
  forward   dcols = x (N*IH*IW, C) @ kernel^T (C, KH*KW*F), y = col2im(dcols) + bias
  backward  cols = im2col(dy); dx = cols @ kernel; dkernel = (x^T @ cols)^T; dbias = sum dy
The batch runs as parallel parts (runtime/split.py), each a few images at a time so that
their columns stay in cache (they are never kept: backward rebuilds them from dy).

At stride 1 without dilation it is also a plain convolution of x, padded by (KH - 1 - pt,
KW - 1 - pl) before and what the output size needs after, with the kernel flipped and its
channel axes swapped: that runs kernels/conv.py's faster paths (Winograd for 3x3 kernels
over >= 16 channels) instead of col2im's scattered sums (`via_convolution`).
"""

from __future__ import annotations

import numpy as np

from visualnet.engine.kernels import gemm
from visualnet.engine.kernels.conv import Conv2DKernel
from visualnet.engine.kernels.conv_general import Workspace, checked_out, col2im, im2col
from visualnet.engine.runtime.split import split


_CHUNK_BYTES = 2 << 20  # the columns of a chunk of images: about an L2 cache


def _chunk(per_image: int, itemsize: int) -> int:
    """Images per chunk: as many whose columns fit _CHUNK_BYTES (at least one)."""
    return max(1, _CHUNK_BYTES // max(1, per_image * itemsize))


class _Ctx:
    __slots__ = ("x", "kernel", "geom", "bias", "conv")

    def __init__(self, x, kernel, geom, bias, conv=None):
        self.x, self.kernel, self.geom, self.bias, self.conv = x, kernel, geom, bias, conv


class ConvTransposeKernel(Workspace):
    """One Conv1DTranspose/Conv2DTranspose layer's buffers and passes."""

    via_convolution = True  # stride 1, no dilation: run as a plain convolution (see the module docstring)

    def __init__(self):
        super().__init__()
        self._conv = Conv2DKernel()

    def _forward_as_conv(self, x, kernel, bias, crops, out_size, out, relu):
        """The stride-1 transposed convolution as a convolution of padded x by the flipped kernel."""
        n, ih, iw, c = x.shape
        kh, kw = kernel.shape[:2]
        top, left = kh - 1 - crops[0], kw - 1 - crops[1]
        bottom, right = out_size[0] - ih - top + kh - 1, out_size[1] - iw - left + kw - 1
        flipped = np.ascontiguousarray(kernel[::-1, ::-1].transpose(0, 1, 3, 2))
        if top == bottom == (kh - 1) // 2 and left == right == (kw - 1) // 2:
            xp, padding, top, left = x, "same", 0, 0  # Keras's 'same' at stride 1 for odd kernels: no copy
        else:
            xp, padding = self.view("xp", (n, ih + top + bottom, iw + left + right, c), x.dtype), "valid"
            xp[...] = 0
            xp[:, top:top + ih, left:left + iw] = x
        y, conv = self._conv.forward(xp, flipped, bias, (1, 1), padding, out=out, relu=relu)
        return y, _Ctx(x, kernel, (top, left), bias is not None, conv)

    def _backward_as_conv(self, dy, ctx, need_dx, dx_out):
        dxp, dflipped, dbias = self._conv.backward(dy, ctx.conv, need_dx)
        dx = None
        if need_dx:
            ih, iw = ctx.x.shape[1:3]
            top, left = ctx.geom
            dx = checked_out(dx_out, ctx.x.shape, ctx.x.dtype)
            dx[...] = dxp[:, top:top + ih, left:left + iw]
        return dx, np.ascontiguousarray(dflipped[::-1, ::-1].transpose(0, 1, 3, 2)), dbias

    def forward(self, x, kernel, bias, strides, dilation, crops, out_size, out=None, relu=False):
        """-> (y, ctx): `crops` (top, left) as in the module docstring, `out_size` (OH, OW);
        `relu`: y = max(0, y) in the same pass; `out`, if given, receives y."""
        x = np.ascontiguousarray(x)
        if x.dtype not in (np.float32, np.float64):
            x = x.astype(np.float32)
        kernel = np.ascontiguousarray(kernel, dtype=x.dtype)
        n, ih, iw, c = x.shape
        kh, kw, f, kc = kernel.shape
        if kc != c:
            raise ValueError(f"kernel expects {kc} input channels, input has {c}")
        (sh, sw), (dh, dw), (pt, pl), (oh, ow) = strides, dilation, crops, out_size
        if self.via_convolution and sh == sw == dh == dw == 1 and n and ih and iw:
            return self._forward_as_conv(x, kernel, bias, crops, out_size, out, relu)
        geom = (kh, kw, dh, dw, sh, sw, pt, pl, ih, iw)
        rows, k = ih * iw, kh * kw * f
        kt = np.ascontiguousarray(kernel.reshape(k, c).T)
        y = checked_out(out, (n, oh, ow, f), x.dtype)
        x2 = x.reshape(n * rows, c)
        step = _chunk(rows * k, x.itemsize)

        def part(lo, hi, i):
            for n0 in range(lo, hi, step):  # a few images at a time: their columns stay in cache
                n1 = min(hi, n0 + step)
                d = self.view(("cols", i), ((n1 - n0) * rows, k), x.dtype)
                gemm.matmul_2d(x2[n0 * rows:n1 * rows], kt, d)
                col2im(d, kh, kw, dh, dw, sh, sw, pt, pl, ih, iw, 1, y[n0:n1])
                if bias is not None:
                    y[n0:n1] += bias
                if relu:
                    np.maximum(y[n0:n1], 0, out=y[n0:n1])

        split(n, part)
        return y, _Ctx(x, kernel, geom, bias is not None)

    def backward(self, dy, ctx, need_dx=True, dx_out=None):
        """-> (dx or None, dkernel, dbias or None); `dx_out`, if given, receives dx."""
        if ctx.conv is not None:
            return self._backward_as_conv(dy, ctx, need_dx, dx_out)
        x, kernel = ctx.x, ctx.kernel
        kh, kw, dh, dw, sh, sw, pt, pl, ih, iw = ctx.geom
        n, c = x.shape[0], x.shape[3]
        rows, k = ih * iw, kh * kw * kernel.shape[2]
        dy = np.ascontiguousarray(dy, dtype=x.dtype)
        dx = checked_out(dx_out, x.shape, x.dtype) if need_dx else None
        x2, kmat = x.reshape(n * rows, c), kernel.reshape(k, c)
        dx2 = dx.reshape(n * rows, c) if need_dx else None
        step = _chunk(rows * k, x.itemsize)

        def part(lo, hi, i):
            grads = np.zeros((1, c, k), x.dtype)
            for n0 in range(lo, hi, step):  # a few images at a time: their columns stay in cache
                n1 = min(hi, n0 + step)
                cp = self.view(("cols", i), ((n1 - n0) * rows, k), x.dtype)
                im2col(dy[n0:n1], kh, kw, dh, dw, sh, sw, pt, pl, ih, iw, 1, cp)
                gemm.matmul(x2[None, n0 * rows:n1 * rows].transpose(0, 2, 1), cp[None], grads, accumulate=True,
                            scratch=self.view(("scratch", i), grads.shape, x.dtype))
                if need_dx:
                    gemm.matmul_2d(cp, kmat, dx2[n0 * rows:n1 * rows])
            return grads[0]

        parts = split(n, part)
        grads = sum(parts[1:], parts[0])
        dbias = dy.reshape(-1, dy.shape[-1]).sum(axis=0) if ctx.bias else None
        return dx, np.ascontiguousarray(grads.T).reshape(kernel.shape), dbias
