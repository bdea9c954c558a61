"""Depthwise convolution (channels last, Keras's kernel (KH, KW, C, M)): each input channel
c convolved with its own M filters into output channels c*M .. c*M + M - 1.

Direct Numba loops over the zero-padded input, channels innermost (contiguous in both x
and the kernel, so LLVM vectorises them): a depthwise layer does only KH*KW multiply-adds
per output, so im2col's copy would cost more than the arithmetic. The batch runs as
parallel parts (runtime/split.py); each part sums its own kernel gradient.

With stride 1 along the width and depth_multiplier 1 (the usual case) a whole output row
is one vector: each tap adds a shifted input row (OW*C contiguous values) times the tap's
weights tiled OW times (`_forward_rows`, `_backward_rows`), loops of hundreds of floats
instead of C, on the input itself (the taps leave out what falls in the padding, so nothing
is padded or copied back); other strides and multipliers take the per-pixel loops
(`_forward`, `_backward`), which the tests hold the row loops equal to.
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


@njit
def _forward_rows(x, tiled, start, sh, dh, dw, pt, pl, y):
    """Stride 1 along the width, multiplier 1, on the unpadded input: y[n, i] (a row of OW*C
    values) = `start` (zeros, or the bias repeated OW times) plus, over the taps (a, b) whose
    input row i*sh + a*dh - pt exists, that row from column b*dw - pl on times tiled[a, b]
    (kernel[a, b] repeated OW times), the columns outside the input (the padding) left out.
    The rows are sliced, never indexed with an offset: Numba's check for negative indices
    keeps LLVM from vectorising such a loop (3-4 times slower)."""
    n_img, oh, ow, c = y.shape
    h, w = x.shape[1], x.shape[2]
    kh, kw = tiled.shape[0], tiled.shape[1]
    x2 = x.reshape(x.shape[0], h, w * c)
    y2 = y.reshape(n_img, oh, ow * c)
    for n in range(n_img):
        for i in range(oh):
            out = y2[n, i]
            out[:] = start
            for a in range(kh):
                r = i * sh + a * dh - pt
                if r < 0 or r >= h:
                    continue
                row = x2[n, r]
                for b in range(kw):
                    j0, j1 = max(0, pl - b * dw), min(ow, w + pl - b * dw)
                    if j1 <= j0:
                        continue
                    lo, size, src = j0 * c, (j1 - j0) * c, (j0 + b * dw - pl) * c
                    o, wt, seg = out[lo:lo + size], tiled[a, b][lo:lo + size], row[src:src + size]
                    for t in range(size):
                        o[t] += seg[t] * wt[t]


@njit
def _backward_rows(x, tiled, dy, sh, dh, dw, pt, pl, need_dx, dx, dtiled):
    """`_forward_rows`'s gradients: dtiled[a, b] (zeroed here; summing it over the OW
    column blocks gives dkernel[a, b]) and, with `need_dx`, dx (the unpadded input's
    gradient, zeroed here)."""
    n_img, oh, ow, c = dy.shape
    h, w = x.shape[1], x.shape[2]
    kh, kw = tiled.shape[0], tiled.shape[1]
    x2 = x.reshape(x.shape[0], h, w * c)
    dx2 = dx.reshape(dx.shape[0], h, w * c) if need_dx else x2[:0]
    g2 = dy.reshape(n_img, oh, ow * c)
    dtiled[...] = 0
    if need_dx:
        dx[...] = 0
    for n in range(n_img):
        for i in range(oh):
            g = g2[n, i]
            for a in range(kh):
                r = i * sh + a * dh - pt
                if r < 0 or r >= h:
                    continue
                row = x2[n, r]
                for b in range(kw):
                    j0, j1 = max(0, pl - b * dw), min(ow, w + pl - b * dw)
                    if j1 <= j0:
                        continue
                    lo, size, src = j0 * c, (j1 - j0) * c, (j0 + b * dw - pl) * c
                    gs, seg, dk = g[lo:lo + size], row[src:src + size], dtiled[a, b][lo:lo + size]
                    for t in range(size):
                        dk[t] += seg[t] * gs[t]
                    if need_dx:
                        wt, dseg = tiled[a, b][lo:lo + size], dx2[n, r][src:src + size]
                        for t in range(size):
                            dseg[t] += gs[t] * wt[t]


@njit
def column_sums(a, out):
    """out[j] = the sum of a[:, j], row after row as NumPy's `a.sum(axis=0)` adds them (the
    bias gradients; NumPy's reduction along the first axis takes four times as long)."""
    out[:] = 0
    for r in range(a.shape[0]):
        row = a[r]
        for j in range(a.shape[1]):
            out[j] += row[j]
    return out


class _Ctx:
    __slots__ = ("xp", "kernel", "geom", "x_shape", "tiled")

    def __init__(self, xp, kernel, geom, x_shape, tiled=None):
        self.xp, self.kernel, self.geom, self.x_shape, self.tiled = xp, kernel, geom, x_shape, tiled


class DepthwiseKernel(Workspace):
    """One depthwise layer's buffers (the padded input and its gradient) and passes. Each
    parallel part pads its own images, and a caller's `then`/`first` hook runs in the same
    part, on the same images, while they are in cache (SeparableConv's 1x1 convolution).
    `rows=False` keeps every call on the per-pixel loops (the reference the tests use)."""

    def __init__(self, rows: bool = True):
        super().__init__()
        self.rows = rows

    def forward(self, x, kernel, strides, dilation, padding, then, out=None, bias=None):
        """-> (y (N, OH, OW, C*M), ctx); `out`, if given, receives y; `bias` (C*M), if given,
        is added; `then(lo, hi)` runs in the part of images lo:hi after their depthwise
        convolution."""
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
        tiled = (np.ascontiguousarray(np.tile(kernel.reshape(kh, kw, c), (1, 1, ow)))   # the row loops' taps
                 if self.rows and m == 1 and sw == 1 and ow else None)
        padded = tiled is None and not (pt == pl == 0 and hp <= h and wp <= w)   # the row loops skip the padding
        xp = self.view("xp", (n, hp, wp, c), x.dtype) if padded else x
        rh, rw = min(h, hp - pt), min(w, wp - pl)
        y = checked_out(out, (n, oh, ow, c * m), x.dtype)
        start = None if tiled is None else (np.zeros(ow * c, x.dtype) if bias is None else   # where a row starts
                                            np.tile(np.asarray(bias, x.dtype), ow))

        def part(lo, hi, _):
            if padded:
                xp[lo:hi] = 0
                xp[lo:hi, pt:pt + rh, pl:pl + rw] = x[lo:hi, :rh, :rw]
            if oh and ow:
                if tiled is not None:
                    _forward_rows(x[lo:hi], tiled, start, sh, dh, dw, pt, pl, y[lo:hi])
                else:
                    _forward(xp[lo:hi], kernel, sh, sw, dh, dw, y[lo:hi])
                    if bias is not None:
                        y[lo:hi] += bias
            then(lo, hi)

        split(n, part)
        return y, _Ctx(xp, kernel, geom, x.shape, tiled)

    def backward(self, ctx, first, need_dx=True, dx_out=None):
        """-> (dx or None, dkernel, [first's other results, per part]); `first(lo, hi)` ->
        (dy of images lo:hi, other results), run in the part before its depthwise gradients;
        `dx_out`, if given, receives dx."""
        xp, kernel = ctx.xp, ctx.kernel           # xp: the input itself for the row loops
        pt, pl, sh, sw, dh, dw = ctx.geom
        n, h, w, c = ctx.x_shape
        dxp = self.view("dxp", xp.shape, xp.dtype) if need_dx and ctx.tiled is None else xp[:0]
        dx = checked_out(dx_out, (n, h, w, c), xp.dtype) if need_dx else None
        rh, rw = min(h, xp.shape[1] - pt), min(w, xp.shape[2] - pl)

        def part(lo, hi, _):
            g, extra = first(lo, hi)
            g = np.ascontiguousarray(g, dtype=xp.dtype)
            if ctx.tiled is not None:
                dtiled = np.empty_like(ctx.tiled)
                _backward_rows(xp[lo:hi], ctx.tiled, g, sh, dh, dw, pt, pl, need_dx, dx[lo:hi] if need_dx else xp[:0],
                               dtiled)
                kh, kw, _, _ = kernel.shape
                return dtiled.reshape(kh, kw, -1, c).sum(axis=2).reshape(kernel.shape), extra
            dkernel = np.empty_like(kernel)
            _backward(xp[lo:hi], kernel, g, sh, sw, dh, dw, need_dx, dxp[lo:hi] if need_dx else dxp, dkernel)
            if need_dx:
                if rh < h or rw < w:  # rows and columns no window reads
                    dx[lo:hi] = 0
                dx[lo:hi, :rh, :rw] = dxp[lo:hi, pt:pt + rh, pl:pl + rw]
            return dkernel, extra

        dkernels, extras = zip(*split(n, part))
        return dx, sum(dkernels[1:], dkernels[0]), list(extras)
