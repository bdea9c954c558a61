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

In float32 at stride 1 with images of at least RUN_ROWS rows, the register runs take over
(`_forward_runs`, `_backward_runs`, on kernels/depthwise_runs.py): each image is copied
into a zero-bordered scratch that stays in cache, and every output float is summed over all
its taps in a register and stored once (the row loops load and store it once per tap); up
to 9 taps keep their weights in registers down a column of runs, the kernel gradient's taps
keep their sums there, and the input gradient is the same convolution of the bordered dy
with the kernel turned 180 degrees. A 3x3 layer's step takes about a third of the row
loops' time on one core (benchmarks/conv_family.py).
"""

from __future__ import annotations

import numpy as np

from visualnet.engine._jit import njit
from visualnet.engine.kernels import depthwise_runs
from visualnet.engine.kernels.conv_general import Workspace, checked_out
from visualnet.engine.kernels.depthwise_runs import (COLUMN_FLOATS, MAX_TAPS, row_sums, tap_columns, tap_row,
                                                     tap_sum_columns)

SPLIT_WORK = 1 << 24  # multiply-adds below which, outside layer_parallel, a pass runs as one part (see `_parts`)
RUN_ROWS = 4  # the fewest output rows the register runs take: a 1-D layer's one-row images stay on the row
# loops, which read the input unpadded and loop along a whole row per tap
from visualnet.engine.kernels.padding import window_geometry
from visualnet.engine.runtime.split import layer_parts, split


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
def _aligned_zeros(size):
    """np.zeros(size, float32) starting on a 64-byte boundary (a cache line: the register
    runs' 16-float loads then never straddle two)."""
    raw = np.zeros(size + 16, np.float32)
    skip = (-(raw.ctypes.data % 64) % 64) // 4
    return raw[skip:skip + size]


@njit
def _tiled(taps, times, flip):
    """taps (KH, KW, C) repeated `times` times along the last axis, (KH, KW, times*C), on a
    64-byte boundary (see `_aligned_zeros`); `flip` turns the taps 180 degrees first (the
    input gradient's). The row loops' and the register runs' weights, and a row's start."""
    kh, kw, c = taps.shape
    size = kh * kw * times * c
    raw = np.empty(size + 64 // taps.itemsize, taps.dtype)
    skip = (-(raw.ctypes.data % 64) % 64) // taps.itemsize
    out = raw[skip:skip + size].reshape(kh, kw, times * c)
    for a in range(kh):
        for b in range(kw):
            src = taps[kh - 1 - a, kw - 1 - b] if flip else taps[a, b]
            row = out[a, b]
            for j in range(times):
                for ch in range(c):
                    row[j * c + ch] = src[ch]
    return out


@njit
def _tap_offsets(kh, kw, row_step, column_step):
    """The flat offset of each tap (a, b), a*row_step + b*column_step, in (a, b) order."""
    offsets = np.empty(kh * kw, np.int64)
    for a in range(kh):
        for b in range(kw):
            offsets[a * kw + b] = a * row_step + b * column_step
    return offsets


@njit
def _columns(taps, length):
    """How many of a row's `length` floats the fixed-tap columns take: whole columns, none
    beyond MAX_TAPS taps (their weights would not fit the registers)."""
    return length // COLUMN_FLOATS * COLUMN_FLOATS if taps <= MAX_TAPS else 0


@njit(inline="always")
def _source(image, padded, top, left, rows, cols, pad, width):
    """An image's floats as the runs read them: placed in the zero-bordered `pad` (see
    `_place`) when `padded`, else the image itself, flat."""
    if padded:
        _place(image, top, left, rows, cols, pad, width)
        return pad
    return image.reshape(-1)


@njit
def _place(image, top, left, rows, cols, pad, width):
    """pad[top + r, left + j] = image[r, j] for r < rows, j < cols: pad is a zero-bordered
    image `width` pixels wide, flat, with image's channels."""
    c = image.shape[2]
    flat = image.reshape(-1)
    line, size = image.shape[1] * c, cols * c
    for r in range(rows):
        dst, src = ((top + r) * width + left) * c, r * line
        to, of = pad[dst:dst + size], flat[src:src + size]
        for u in range(size):   # a loop: Numba's slice assignment copies through a temporary where arrays may overlap
            to[u] = of[u]


@njit
def _forward_runs(x, tiled, start, dh, dw, pt, pl, y):
    """`_forward_rows` at stride 1 in float32 with every tap of a run of the output row
    summed in registers (kernels/depthwise_runs.py): each image is first placed in a
    zero-bordered copy (the padding; none for 'valid'), one image at a time, so the taps
    read whole rows without edge cases."""
    n_img, oh, ow, c = y.shape
    h, w = x.shape[1], x.shape[2]
    kh, kw = tiled.shape[0], tiled.shape[1]
    length = ow * c
    hp, wp = oh + (kh - 1) * dh, ow + (kw - 1) * dw
    padded = pt > 0 or pl > 0 or hp > h or wp > w
    pad = _aligned_zeros(hp * wp * c if padded else 0)
    line = wp * c if padded else w * c
    rh, rw = min(h, hp - pt), min(w, wp - pl)
    taps, flat_y = tiled.reshape(-1), y.reshape(-1)
    offsets, columns = _tap_offsets(kh, kw, dh * line, dw * c), _columns(kh * kw, length)
    for n in range(n_img):
        src = _source(x[n], padded, pt, pl, rh, rw, pad, wp)
        for t in range(0, columns, COLUMN_FLOATS):
            tap_columns(kh * kw, src, t, line, offsets, taps, t, length, start, t, flat_y, n * oh * length + t, length,
                        oh)
        if columns < length:
            for i in range(oh):
                tap_row(src, i * line, dh * line, dw * c, kh, kw, taps, kw * length, length, start, flat_y,
                        (n * oh + i) * length, columns, length)


@njit
def _backward_runs(x, tiled, flipped, dy, dh, dw, pt, pl, need_dx, dx, dtiled, dbias):
    """`_forward_runs`'s gradients: dtiled[a, b] (zeroed here; summing it over the OW column
    blocks gives dkernel[a, b]), each run summed over an image's rows in registers; dbias
    (OW*C, zeroed here, unless empty) the same sums of dy alone, taken with dtiled's; with
    `need_dx`, dx: dy in a zero-bordered copy convolved with `flipped` (the kernel turned
    180 degrees, tiled W times), the transposed convolution at stride 1."""
    n_img, oh, ow, c = dy.shape
    h, w = x.shape[1], x.shape[2]
    kh, kw = tiled.shape[0], tiled.shape[1]
    eh, ew = (kh - 1) * dh + 1, (kw - 1) * dw + 1
    length = ow * c
    hp, wp = oh + eh - 1, ow + ew - 1
    padded = pt > 0 or pl > 0 or hp > h or wp > w
    pad = _aligned_zeros(hp * wp * c if padded else 0)
    line = wp * c if padded else w * c
    rh, rw = min(h, hp - pt), min(w, wp - pl)
    dt, grads = dtiled.reshape(-1), dy.reshape(-1)
    dt[:] = 0
    dbias[:] = 0
    bias_sums = dbias if dbias.size else np.zeros(length, x.dtype)   # the columns sum dy anyway
    hq, wq = (h + eh - 1, w + ew - 1) if need_dx else (0, 0)
    qt, ql = eh - 1 - pt, ew - 1 - pl
    spread = _aligned_zeros(hq * wq * c)  # dy, zero-bordered for the input gradient
    zeros = np.zeros(w * c if need_dx else 0, x.dtype)
    back, flat_dx = flipped.reshape(-1), dx.reshape(-1)
    offsets, columns = _tap_offsets(kh, kw, dh * line, dw * c), _columns(kh * kw, length)
    back_offsets, back_columns = _tap_offsets(kh, kw, dh * wq * c, dw * c), _columns(kh * kw, w * c)
    for n in range(n_img):
        src = _source(x[n], padded, pt, pl, rh, rw, pad, wp)
        g0 = n * oh * length
        for t in range(0, columns, COLUMN_FLOATS):
            tap_sum_columns(kh * kw, src, t, line, offsets, grads, g0 + t, length, bias_sums, t, dt, t, length, oh)
        if columns < length:
            for a in range(kh):
                for b in range(kw):
                    tap = (a * kw + b) * length
                    row_sums(src, a * dh * line + b * dw * c, line, grads, g0, length, oh, dt[tap:tap + length],
                             columns, length, True)
        if dbias.size and columns < length:
            row_sums(grads, g0, length, grads, g0, length, oh, dbias, columns, length, False)
        if need_dx:
            _place(dy[n], qt, ql, min(oh, hq - qt), min(ow, wq - ql), spread, wq)
            for t in range(0, back_columns, COLUMN_FLOATS):
                tap_columns(kh * kw, spread, t, wq * c, back_offsets, back, t, w * c, zeros, t, flat_dx,
                            n * h * w * c + t, w * c, h)
            if back_columns < w * c:
                for r in range(h):
                    tap_row(spread, r * wq * c, dh * wq * c, dw * c, kh, kw, back, kw * w * c, w * c, zeros, flat_dx,
                            (n * h + r) * w * c, back_columns, w * c)


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
    __slots__ = ("xp", "kernel", "geom", "x_shape", "tiled", "runs", "pixels")

    def __init__(self, xp, kernel, geom, x_shape, tiled=None, runs=False, pixels=0):
        self.xp, self.kernel, self.geom, self.x_shape, self.tiled, self.runs = xp, kernel, geom, x_shape, tiled, runs
        self.pixels = pixels   # an output image's pixels


class DepthwiseKernel(Workspace):
    """One depthwise layer's buffers (the padded input and its gradient) and passes. Each
    parallel part pads its own images, and a caller's `then`/`first` hook runs in the same
    part, on the same images, while they are in cache (SeparableConv's 1x1 convolution).
    `rows=False` keeps every call on the per-pixel loops (the reference the tests use);
    `runs=False` keeps the row loops' cases on the row loops instead of the register runs
    (`_forward_runs`, `_backward_runs`: float32, stride 1). Outside `layer_parallel` (whose
    workers spin between parts) a part handed to another thread waits for a sleeping
    worker's wake-up, 0.05-0.1 ms, more where the other core is busy: a pass of fewer than
    `split_work` depthwise multiply-adds (SPLIT_WORK: about 0.5 ms on one core) runs as one
    part. Inside, the parts it sets."""

    def __init__(self, rows: bool = True, runs: bool = True, split_work: int = SPLIT_WORK):
        super().__init__()
        self.rows, self.runs, self.split_work = rows, runs, split_work

    def _parts(self, work):
        """`split`'s parts for a pass of `work` multiply-adds (see the class)."""
        return 1 if layer_parts() is None and work < self.split_work else None

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
        tiled = (_tiled(kernel.reshape(kh, kw, c), ow, False)   # the row loops' taps
                 if self.rows and m == 1 and sw == 1 and ow else None)
        runs = (tiled is not None and oh >= RUN_ROWS and sh == 1 and x.dtype == np.float32 and self.runs
                and depthwise_runs.AVAILABLE)
        padded = tiled is None and not (pt == pl == 0 and hp <= h and wp <= w)   # the row loops skip the padding
        xp = self.view("xp", (n, hp, wp, c), x.dtype) if padded else x
        rh, rw = min(h, hp - pt), min(w, wp - pl)
        y = checked_out(out, (n, oh, ow, c * m), x.dtype)
        start = None if tiled is None else _tiled((np.zeros(c, x.dtype) if bias is None else   # a row's start
                                                   np.asarray(bias, x.dtype)).reshape(1, 1, c), ow, False).reshape(-1)

        def part(lo, hi, _):
            if padded:
                xp[lo:hi] = 0
                xp[lo:hi, pt:pt + rh, pl:pl + rw] = x[lo:hi, :rh, :rw]
            if oh and ow:
                if runs:
                    _forward_runs(x[lo:hi], tiled, start, dh, dw, pt, pl, y[lo:hi])
                elif tiled is not None:
                    _forward_rows(x[lo:hi], tiled, start, sh, dh, dw, pt, pl, y[lo:hi])
                else:
                    _forward(xp[lo:hi], kernel, sh, sw, dh, dw, y[lo:hi])
                    if bias is not None:
                        y[lo:hi] += bias
            then(lo, hi)

        split(n, part, self._parts(n * oh * ow * c * m * kh * kw))
        return y, _Ctx(xp, kernel, geom, x.shape, tiled, runs, oh * ow)

    def backward(self, ctx, first, need_dx=True, dx_out=None, bias_grad=False):
        """-> (dx or None, dkernel, [first's other results, per part], dbias or None);
        `first(lo, hi)` -> (dy of images lo:hi, other results), run in the part before its
        depthwise gradients; `dx_out`, if given, receives dx; with `bias_grad`, dbias is the
        sum of dy over all but its channel axis (the register runs sum it with dkernel)."""
        xp, kernel = ctx.xp, ctx.kernel           # xp: the input itself for the row loops
        pt, pl, sh, sw, dh, dw = ctx.geom
        n, h, w, c = ctx.x_shape
        dxp = self.view("dxp", xp.shape, xp.dtype) if need_dx and ctx.tiled is None else xp[:0]
        dx = checked_out(dx_out, (n, h, w, c), xp.dtype) if need_dx else None
        rh, rw = min(h, xp.shape[1] - pt), min(w, xp.shape[2] - pl)
        kh, kw, _, _ = kernel.shape
        flipped = (_tiled(kernel.reshape(kh, kw, c), w, True)
                   if ctx.runs and need_dx else ctx.tiled)   # the input gradient's taps

        def part(lo, hi, _):
            g, extra = first(lo, hi)
            g = np.ascontiguousarray(g, dtype=xp.dtype)
            if ctx.runs:
                dtiled = np.empty_like(ctx.tiled)
                dbias = np.empty(ctx.tiled.shape[2] if bias_grad else 0, xp.dtype)
                _backward_runs(xp[lo:hi], ctx.tiled, flipped, g, dh, dw, pt, pl, need_dx,
                               dx[lo:hi] if need_dx else xp[:0], dtiled, dbias)
                return (dtiled.reshape(kh, kw, -1, c).sum(axis=2).reshape(kernel.shape), extra,
                        dbias.reshape(-1, c).sum(axis=0) if bias_grad else None)
            rows = g.reshape(-1, g.shape[-1])
            dbias = column_sums(rows, np.empty(rows.shape[1], rows.dtype)) if bias_grad else None
            if ctx.tiled is not None:
                dtiled = np.empty_like(ctx.tiled)
                _backward_rows(xp[lo:hi], ctx.tiled, g, sh, dh, dw, pt, pl, need_dx, dx[lo:hi] if need_dx else xp[:0],
                               dtiled)
                return dtiled.reshape(kh, kw, -1, c).sum(axis=2).reshape(kernel.shape), extra, dbias
            dkernel = np.empty_like(kernel)
            _backward(xp[lo:hi], kernel, g, sh, sw, dh, dw, need_dx, dxp[lo:hi] if need_dx else dxp, dkernel)
            if need_dx:
                if rh < h or rw < w:  # rows and columns no window reads
                    dx[lo:hi] = 0
                dx[lo:hi, :rh, :rw] = dxp[lo:hi, pt:pt + rh, pl:pl + rw]
            return dkernel, extra, dbias

        work = n * (1 + need_dx) * ctx.pixels * kernel.size   # dkernel's multiply-adds; dx's as many
        dkernels, extras, dbiases = zip(*split(n, part, self._parts(work)))
        return dx, sum(dkernels[1:], dkernels[0]), list(extras), sum(dbiases[1:], dbiases[0]) if bias_grad else None
