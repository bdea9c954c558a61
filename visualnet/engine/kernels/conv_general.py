"""Convolution with Keras's `dilation_rate` and `groups` (channels last), by im2col and GEMMs.

`im2col` gathers dilated taps into group-major columns:
cols[(n, i, j), (g, a, b, ch)] = x[n, i*sh - pt + a*dh, j*sw - pl + b*dw, g*cg + ch], 0 outside,
so that each group's columns are one contiguous block of a row and all the groups' products
are one batched GEMM (kernels/gemm.py's register tiles where they apply, else NumPy's).
`col2im` is its adjoint; the transposed convolutions (kernels/conv_transpose.py) run the two
the other way round. A negative pt or pl is allowed (it shifts the taps right or down).
The batch runs as parallel parts (runtime/split.py), each on its own images' rows.
"""

from __future__ import annotations

import numpy as np

from visualnet.engine._jit import njit
from visualnet.engine.kernels import gemm
from visualnet.engine.kernels.padding import pair, window_geometry
from visualnet.engine.kernels.pool import max_pool_2x2_into
from visualnet.engine.runtime.split import split


@njit
def im2col(x, kh, kw, dh, dw, sh, sw, pt, pl, oh, ow, groups, cols):
    """cols (N*OH*OW, groups*KH*KW*CG) from x (N, H, W, C): see the module docstring."""
    n_img, h, w, c = x.shape
    cg = c // groups
    for n in range(n_img):
        for i in range(oh):
            for j in range(ow):
                row = (n * oh + i) * ow + j
                col = 0
                for g in range(groups):
                    c0 = g * cg
                    for a in range(kh):
                        hi = i * sh - pt + a * dh
                        for b in range(kw):
                            wi = j * sw - pl + b * dw
                            if 0 <= hi < h and 0 <= wi < w:
                                for ch in range(cg):
                                    cols[row, col + ch] = x[n, hi, wi, c0 + ch]
                            else:
                                for ch in range(cg):
                                    cols[row, col + ch] = 0
                            col += cg


@njit
def col2im(cols, kh, kw, dh, dw, sh, sw, pt, pl, oh, ow, groups, x):
    """The adjoint of `im2col`: x (N, H, W, C) = the sum of every column at its tap."""
    n_img, h, w, c = x.shape
    cg = c // groups
    x[...] = 0
    for n in range(n_img):
        for i in range(oh):
            for j in range(ow):
                row = (n * oh + i) * ow + j
                col = 0
                for g in range(groups):
                    c0 = g * cg
                    for a in range(kh):
                        hi = i * sh - pt + a * dh
                        for b in range(kw):
                            wi = j * sw - pl + b * dw
                            if 0 <= hi < h and 0 <= wi < w:
                                for ch in range(cg):
                                    x[n, hi, wi, c0 + ch] += cols[row, col + ch]
                            col += cg


class Workspace:
    """Buffers one layer keeps between calls (they only grow, so a smaller batch fits)."""

    def __init__(self):
        self._bufs = {}

    def view(self, key, shape, dtype):
        size = int(np.prod(shape))
        buf = self._bufs.get(key)
        if buf is None or buf.size < size or buf.dtype != dtype:
            buf = self._bufs[key] = np.empty(size, dtype)
        return buf[:size].reshape(shape)


class _Ctx:
    __slots__ = ("x", "kernel", "geom", "bias", "stamp", "work")

    def __init__(self, x, kernel, geom, bias, stamp, work):
        self.x, self.kernel, self.geom, self.bias, self.stamp, self.work = x, kernel, geom, bias, stamp, work


def checked_out(out, shape, dtype):
    """`out` if it can receive a result of `shape` and `dtype`, else a fresh array."""
    if out is None:
        return np.empty(shape, dtype)
    if out.shape != tuple(shape) or out.dtype != dtype or not out.flags.c_contiguous:
        raise ValueError(f"out must be a C-contiguous {np.dtype(dtype)} array of shape {tuple(shape)}; "
                         f"received {out.dtype} {out.shape}")
    return out


class GeneralConvKernel(Workspace):
    """A Conv1D/Conv2D layer's kernel when its dilation_rate or groups is not 1: the same
    `forward`/`backward` interface as kernels/conv.Conv2DKernel (so `conv2d_forward` and
    `conv2d_backward` take it as the workspace). Keras's grouped kernel is (KH, KW, C/groups,
    F); output channels [g*F/groups, (g+1)*F/groups) read input channels of group g."""

    def __init__(self, dilation=(1, 1), groups=1):
        super().__init__()
        self.dilation, self.groups = pair(dilation), int(groups)
        self._count = 0
        self.stamp = 0  # the forward whose columns the "cols" buffer holds now (0: none)

    def forward(self, x, kernel, bias, strides, padding, out=None, keep_cols=True, relu=False, pool=False):
        """-> (y, ctx), as Conv2DKernel.forward (`keep_cols` aside: the columns are always kept)."""
        x = np.ascontiguousarray(x)
        if x.dtype not in (np.float32, np.float64):
            x = x.astype(np.float32)
        kernel = np.ascontiguousarray(kernel, dtype=x.dtype)
        n, h, w, c = x.shape
        kh, kw, cg, f = kernel.shape
        g, (dh, dw), (sh, sw) = self.groups, self.dilation, pair(strides)
        if cg * g != c or f % g:
            raise ValueError(f"a kernel of shape {kernel.shape} in {g} groups does not fit {c} input channels")
        oh, ow, pt, pl = window_geometry(h, w, ((kh - 1) * dh + 1, (kw - 1) * dw + 1), (sh, sw), padding)
        geom = (kh, kw, dh, dw, sh, sw, pt, pl, oh, ow)
        rows, k, fg = oh * ow, kh * kw * cg, f // g
        kg = np.ascontiguousarray(kernel.reshape(k, g, fg).transpose(1, 0, 2))
        y = checked_out(out, (n, oh // 2, ow // 2, f) if pool else (n, oh, ow, f), x.dtype)
        full = self.view("full", (n, oh, ow, f), x.dtype) if pool else y
        cols = self.view("cols", (n * rows, g * k), x.dtype)
        y2 = full.reshape(n * rows, f)

        def part(lo, hi, _):
            if hi > lo and rows:
                c_part, y_part = cols[lo * rows:hi * rows], y2[lo * rows:hi * rows]
                im2col(x[lo:hi], kh, kw, dh, dw, sh, sw, pt, pl, oh, ow, g, c_part)
                gemm.matmul(c_part.reshape(-1, g, k).transpose(1, 0, 2), kg,
                            y_part.reshape(-1, g, fg).transpose(1, 0, 2))
                if bias is not None:
                    y_part += bias
                if relu:
                    np.maximum(y_part, 0, out=y_part)

        split(n, part)
        if pool:
            max_pool_2x2_into(full, y)
        self._count += 1
        self.stamp = self._count
        return y, _Ctx(x, kernel, geom, bias is not None, self.stamp, self)

    def backward(self, dy, ctx, need_dx=True, dx_out=None):
        """-> (dx or None, dkernel, dbias or None); `dx_out`, if given, receives dx."""
        x, kernel, g = ctx.x, ctx.kernel, self.groups
        kh, kw, dh, dw, sh, sw, pt, pl, oh, ow = ctx.geom
        n, f = x.shape[0], kernel.shape[3]
        rows, k, fg = oh * ow, kh * kw * kernel.shape[2], f // g
        dy2 = np.ascontiguousarray(dy, dtype=x.dtype).reshape(n * rows, f)
        dx = checked_out(dx_out, x.shape, x.dtype) if need_dx else None
        fresh = ctx.stamp == self.stamp
        cols = self.view("cols", (n * rows, g * k), x.dtype)
        kgt = np.ascontiguousarray(kernel.reshape(k, g, fg).transpose(1, 2, 0))  # (g, fg, k)

        def part(lo, hi, _):
            grads = np.zeros((g, k, fg), x.dtype)
            if hi == lo or not rows:
                if need_dx:
                    dx[lo:hi] = 0
                return grads
            c_part = cols[lo * rows:hi * rows]
            if not fresh:
                im2col(x[lo:hi], kh, kw, dh, dw, sh, sw, pt, pl, oh, ow, g, c_part)
            c3 = c_part.reshape(-1, g, k).transpose(1, 0, 2)
            d3 = dy2[lo * rows:hi * rows].reshape(-1, g, fg).transpose(1, 0, 2)
            gemm.matmul(c3.transpose(0, 2, 1), d3, grads)
            if need_dx:  # dcols over this part's own columns
                gemm.matmul(d3, kgt, c3)
                col2im(c_part, kh, kw, dh, dw, sh, sw, pt, pl, oh, ow, g, dx[lo:hi])
            return grads

        parts = split(n, part)
        if need_dx:
            self.stamp = 0  # the columns hold dcols now
        grads = sum(parts[1:], parts[0])
        dkernel = np.ascontiguousarray(grads.transpose(1, 0, 2)).reshape(kernel.shape)
        return dx, dkernel, dy2.sum(axis=0) if ctx.bias else None
