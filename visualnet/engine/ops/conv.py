"""2-D convolution (channels_last, Keras kernel layout) as im2col + one BLAS GEMM per pass.

Forward:  cols (N*OH*OW, KH*KW*C) @ kernel (KH*KW*C, F) -> y (N, OH, OW, F), no transposes.
Backward: dkernel = cols.T @ dy;  dcols = dy @ kernel.T, folded back by a gathering col2im.

A `Conv2DKernel` is the workspace one layer owns: it keeps the `cols` buffer between
calls of the same shapes (no per-batch allocation) and lets backward reuse the forward's
`cols` unless another forward has overwritten them since, in which case they are rebuilt.
Returned arrays (y, dx, dkernel, dbias) are always fresh, never workspace views.
`conv2d_forward` / `conv2d_backward` are thin wrappers; without a workspace they allocate.
Kernels are generic over float32/float64 (float64 serves the gradient tests).
"""

import numpy as np

from visualnet.engine._jit import njit, prange
from visualnet.engine.ops.padding import pair, window_geometry

_DIRECT_MAX_C = 4  # below this many input channels the direct kernel beats im2col


@njit(parallel=True)
def _im2col(x, kh, kw, sh, sw, pt, pl, oh, ow, cols):
    n_img, h, w, c = x.shape
    for r in prange(n_img * oh):
        n = r // oh
        i = r - n * oh
        for j in range(ow):
            row = r * ow + j
            for a in range(kh):
                hi = i * sh - pt + a
                for b in range(kw):
                    wi = j * sw - pl + b
                    base = (a * kw + b) * c
                    if 0 <= hi < h and 0 <= wi < w:
                        for ch in range(c):
                            cols[row, base + ch] = x[n, hi, wi, ch]
                    else:
                        for ch in range(c):
                            cols[row, base + ch] = 0


@njit(parallel=True)
def _col2im(dcols, kh, kw, sh, sw, pt, pl, oh, ow, dx):
    n_img, h, w, c = dx.shape
    for r in prange(n_img * h):
        n = r // h
        hi = r - n * h
        for wi in range(w):
            for ch in range(c):
                dx[n, hi, wi, ch] = 0
            for a in range(kh):
                t = hi + pt - a
                if t < 0 or t % sh != 0 or t // sh >= oh:
                    continue
                for b in range(kw):
                    u = wi + pl - b
                    if u < 0 or u % sw != 0 or u // sw >= ow:
                        continue
                    row = ((n * oh + t // sh) * ow + u // sw)
                    base = (a * kw + b) * c
                    for ch in range(c):
                        dx[n, hi, wi, ch] += dcols[row, base + ch]


@njit(parallel=True)
def _direct_forward(x, k, bias, sh, sw, pt, pl, y):
    n_img, h, w, c = x.shape
    kh, kw, _, f = k.shape
    _, oh, ow, _ = y.shape
    for r in prange(n_img * oh):
        n = r // oh
        i = r - n * oh
        for j in range(ow):
            for o in range(f):
                y[n, i, j, o] = bias[o]
            for a in range(kh):
                hi = i * sh - pt + a
                if hi < 0 or hi >= h:
                    continue
                for b in range(kw):
                    wi = j * sw - pl + b
                    if wi < 0 or wi >= w:
                        continue
                    for ch in range(c):
                        v = x[n, hi, wi, ch]
                        for o in range(f):
                            y[n, i, j, o] += v * k[a, b, ch, o]


class _Ctx:
    """What backward needs: the input, the kernel, the geometry and the cols' stamp."""

    __slots__ = ("x", "kernel", "geom", "has_bias", "stamp", "work")

    def __init__(self, x, kernel, geom, has_bias, stamp, work):
        self.x, self.kernel, self.geom = x, kernel, geom
        self.has_bias, self.stamp, self.work = has_bias, stamp, work


class Conv2DKernel:
    """Workspace of one Conv2D layer; `forward`/`backward` as in the module functions."""

    def __init__(self):
        self._cols = None
        self._stamp = 0  # id of the forward whose cols the buffer now holds (0: none)
        self._next = 0

    def _cols_buffer(self, rows, width, dtype):
        cols = self._cols
        if cols is None or cols.shape != (rows, width) or cols.dtype != dtype:
            cols = self._cols = np.empty((rows, width), dtype)
        return cols

    def _fill_cols(self, x, geom):
        kh, kw, sh, sw, pt, pl, oh, ow = geom
        n, _, _, c = x.shape
        cols = self._cols_buffer(n * oh * ow, kh * kw * c, x.dtype)
        _im2col(x, kh, kw, sh, sw, pt, pl, oh, ow, cols)
        self._next += 1
        self._stamp = self._next
        return cols

    def forward(self, x, kernel, bias, strides, padding):
        x = np.ascontiguousarray(x)
        kernel = np.ascontiguousarray(kernel, dtype=x.dtype)
        n, h, w, c = x.shape
        kh, kw, kc, f = kernel.shape
        if kc != c:
            raise ValueError(f"kernel expects {kc} input channels, input has {c}")
        sh, sw = pair(strides)
        oh, ow, pt, pl = window_geometry(h, w, (kh, kw), (sh, sw), padding)
        geom = (kh, kw, sh, sw, pt, pl, oh, ow)
        y = np.empty((n, oh, ow, f), x.dtype)
        stamp = 0
        if _is_pointwise(geom) or c > _DIRECT_MAX_C:
            if _is_pointwise(geom):
                cols = x.reshape(-1, c)
            else:
                cols = self._fill_cols(x, geom)
                stamp = self._stamp
            np.dot(cols, kernel.reshape(kh * kw * c, f), out=y.reshape(-1, f))
            if bias is not None:
                y += np.asarray(bias, x.dtype)
        else:
            b = np.zeros(f, x.dtype) if bias is None else np.asarray(bias, x.dtype)
            _direct_forward(x, kernel, b, sh, sw, pt, pl, y)
        return y, _Ctx(x, kernel, geom, bias is not None, stamp, self)

    def backward(self, dy, ctx, need_dx=True):
        x, kernel, geom = ctx.x, ctx.kernel, ctx.geom
        kh, kw, sh, sw, pt, pl, oh, ow = geom
        n, h, w, c = x.shape
        f = kernel.shape[3]
        dy2 = np.ascontiguousarray(dy, dtype=x.dtype).reshape(n * oh * ow, f)
        if _is_pointwise(geom):
            cols = x.reshape(-1, c)
        elif ctx.stamp and ctx.stamp == self._stamp:
            cols = self._cols
        else:
            cols = self._fill_cols(x, geom)
        kmat = kernel.reshape(kh * kw * c, f)
        dkernel = np.dot(cols.T, dy2).reshape(kh, kw, c, f)
        dbias = dy2.sum(axis=0) if ctx.has_bias else None
        if not need_dx:
            return None, dkernel, dbias
        if _is_pointwise(geom):
            return np.dot(dy2, kmat.T).reshape(x.shape), dkernel, dbias
        self._stamp = 0  # the buffer now receives dcols
        np.dot(dy2, kmat.T, out=cols)
        dx = np.empty_like(x)
        _col2im(cols, kh, kw, sh, sw, pt, pl, oh, ow, dx)
        return dx, dkernel, dbias


def _is_pointwise(geom):
    """1x1 kernel, stride 1, no padding: cols is x itself, reshaped."""
    kh, kw, sh, sw, pt, pl, _, _ = geom
    return kh == kw == sh == sw == 1 and pt == pl == 0


def conv2d_forward(x, kernel, bias, strides, padding, workspace=None):
    """Convolve x (N, H, W, C) with kernel (KH, KW, C, F) -> (y (N, OH, OW, F), ctx).

    `workspace`: the layer's `Conv2DKernel`, to reuse buffers; None allocates afresh.
    """
    return (workspace or Conv2DKernel()).forward(x, kernel, bias, strides, padding)


def conv2d_backward(dy, ctx, need_dx=True):
    """-> (dx or None, dkernel, dbias or None); need_dx=False skips the dx GEMM and col2im."""
    return ctx.work.backward(dy, ctx, need_dx)
