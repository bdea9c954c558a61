"""Depthwise convolution (channels last, Keras's kernel (KH, KW, C, M)): each input channel
c convolved with its own M filters into output channels c*M .. c*M + M - 1.

Direct Numba loops over the zero-padded input, channels innermost (contiguous in both x
and the kernel, so LLVM vectorises them): a depthwise layer does only KH*KW multiply-adds
per output, so im2col's copy would cost more than the arithmetic. The batch runs as
parallel parts (runtime/split.py); each part sums its own kernel gradient.
"""

from __future__ import annotations

import numpy as np

from visualnet.engine._jit import njit
from visualnet.engine.kernels.conv_general import Workspace, checked_out
from visualnet.engine.kernels.padding import window_geometry
from visualnet.engine.runtime.split import split


@njit
def _forward(xp, kernel, sh, sw, dh, dw, y):
    """y[n, i, j, c*M + m] = sum over taps of xp[n, i*sh + a*dh, j*sw + b*dw, c] * kernel[a, b, c, m]."""
    n_img, oh, ow, _ = y.shape
    kh, kw, c, m = kernel.shape
    k2 = kernel.reshape(kh, kw, c * m)
    for n in range(n_img):
        for i in range(oh):
            for j in range(ow):
                out = y[n, i, j]
                out[:] = 0
                for a in range(kh):
                    for b in range(kw):
                        src, w = xp[n, i * sh + a * dh, j * sw + b * dw], k2[a, b]
                        if m == 1:
                            for ch in range(c):
                                out[ch] += src[ch] * w[ch]
                        else:
                            for ch in range(c):
                                for q in range(m):
                                    out[ch * m + q] += src[ch] * w[ch * m + q]


@njit
def _backward(xp, kernel, dy, sh, sw, dh, dw, need_dx, dxp, dkernel):
    """dkernel = the sum over this part's images of window * dy per tap; with `need_dx`,
    dxp (the padded input's gradient, zeroed here) gets dy times the taps."""
    n_img, oh, ow, _ = dy.shape
    kh, kw, c, m = kernel.shape
    k2, dk2 = kernel.reshape(kh, kw, c * m), dkernel.reshape(kh, kw, c * m)
    dk2[...] = 0
    if need_dx:
        dxp[...] = 0
    for n in range(n_img):
        for i in range(oh):
            for j in range(ow):
                g = dy[n, i, j]
                for a in range(kh):
                    for b in range(kw):
                        hi, wi = i * sh + a * dh, j * sw + b * dw
                        src, w, dw_ = xp[n, hi, wi], k2[a, b], dk2[a, b]
                        if m == 1:
                            for ch in range(c):
                                dw_[ch] += src[ch] * g[ch]
                            if need_dx:
                                dst = dxp[n, hi, wi]
                                for ch in range(c):
                                    dst[ch] += g[ch] * w[ch]
                        else:
                            for ch in range(c):
                                s = src[ch]
                                total = 0.0
                                for q in range(m):
                                    dw_[ch * m + q] += s * g[ch * m + q]
                                    total += g[ch * m + q] * w[ch * m + q]
                                if need_dx:
                                    dxp[n, hi, wi, ch] += total


class _Ctx:
    __slots__ = ("xp", "kernel", "geom", "x_shape")

    def __init__(self, xp, kernel, geom, x_shape):
        self.xp, self.kernel, self.geom, self.x_shape = xp, kernel, geom, x_shape


class DepthwiseKernel(Workspace):
    """One depthwise layer's buffers (the padded input and its gradient) and passes. Each
    parallel part pads its own images, and a caller's `then`/`first` hook runs in the same
    part, on the same images, while they are in cache (SeparableConv's 1x1 convolution)."""

    def forward(self, x, kernel, strides, dilation, padding, then, out=None):
        """-> (y (N, OH, OW, C*M), ctx); `out`, if given, receives y; `then(lo, hi)` runs
        in the part of images lo:hi after their depthwise convolution."""
        x = np.ascontiguousarray(x)
        if x.dtype not in (np.float32, np.float64):
            x = x.astype(np.float32)
        kernel = np.ascontiguousarray(kernel, dtype=x.dtype)
        n, h, w, c = x.shape
        kh, kw, kc, m = kernel.shape
        if kc != c:
            raise ValueError(f"kernel expects {kc} input channels, input has {c}")
        (sh, sw), (dh, dw) = strides, dilation
        eh, ew = (kh - 1) * dh + 1, (kw - 1) * dw + 1
        oh, ow, pt, pl = window_geometry(h, w, (eh, ew), (sh, sw), padding)
        geom = (pt, pl, sh, sw, dh, dw)
        hp, wp = max((oh - 1) * sh + eh, 0), max((ow - 1) * sw + ew, 0)  # the padded extent the taps read
        padded = not (pt == pl == 0 and hp <= h and wp <= w)
        xp = self.view("xp", (n, hp, wp, c), x.dtype) if padded else x
        rh, rw = min(h, hp - pt), min(w, wp - pl)
        y = checked_out(out, (n, oh, ow, c * m), x.dtype)

        def part(lo, hi, _):
            if padded:
                xp[lo:hi] = 0
                xp[lo:hi, pt:pt + rh, pl:pl + rw] = x[lo:hi, :rh, :rw]
            if oh and ow:
                _forward(xp[lo:hi], kernel, sh, sw, dh, dw, y[lo:hi])
            then(lo, hi)

        split(n, part)
        return y, _Ctx(xp, kernel, geom, x.shape)

    def backward(self, ctx, first, need_dx=True, dx_out=None):
        """-> (dx or None, dkernel, [first's other results, per part]); `first(lo, hi)` ->
        (dy of images lo:hi, other results), run in the part before its depthwise gradients;
        `dx_out`, if given, receives dx."""
        xp, kernel = ctx.xp, ctx.kernel
        pt, pl, sh, sw, dh, dw = ctx.geom
        n, h, w, c = ctx.x_shape
        dxp = self.view("dxp", xp.shape, xp.dtype) if need_dx else xp[:0]
        dx = checked_out(dx_out, (n, h, w, c), xp.dtype) if need_dx else None
        rh, rw = min(h, xp.shape[1] - pt), min(w, xp.shape[2] - pl)

        def part(lo, hi, _):
            g, extra = first(lo, hi)
            dkernel = np.empty_like(kernel)
            g = np.ascontiguousarray(g, dtype=xp.dtype)
            _backward(xp[lo:hi], kernel, g, sh, sw, dh, dw, need_dx, dxp[lo:hi] if need_dx else dxp, dkernel)
            if need_dx:
                if rh < h or rw < w:  # rows and columns no window reads
                    dx[lo:hi] = 0
                dx[lo:hi, :rh, :rw] = dxp[lo:hi, pt:pt + rh, pl:pl + rw]
            return dkernel, extra

        dkernels, extras = zip(*split(n, part))
        return dx, sum(dkernels[1:], dkernels[0]), list(extras)
