"""2-D convolution (channels_last, Keras kernel layout) as im2col + one BLAS GEMM per pass.

Forward:  cols (N*OH*OW, KH*KW*C) @ kernel (KH*KW*C, F) -> y (N, OH, OW, F), no transposes.
Backward: dkernel = cols.T @ dy;  dcols = dy @ kernel.T, folded back by col2im.
With a bias, cols gets a column of ones: the GEMMs then add the bias and sum dbias for free.
The numba kernels are single-threaded on purpose: OpenBLAS brings the threads, and an
OpenMP pool spinning beside it was measured to slow the GEMMs down.

A `Conv2DKernel` is the workspace one layer owns: it keeps the `cols` buffer between
calls of the same shapes (no per-batch allocation) and lets backward reuse the forward's
`cols` unless another forward has overwritten them since, in which case they are rebuilt.
Returned arrays (y, dx, dkernel, dbias) are always fresh, never workspace views.
`conv2d_forward` / `conv2d_backward` are thin wrappers; without a workspace they allocate.
Kernels are generic over float32/float64 (float64 serves the gradient tests).
"""

import numpy as np

from visualnet.engine._jit import njit
from visualnet.engine.ops.padding import pair, window_geometry

@njit
def _im2col(x, kh, kw, c, sh, sw, pt, pl, oh, ow, cols):
    """cols[(n, i, j), (a, b, ch)] = x[n, i*sh - pt + a, (j*sw - pl + b)*c + ch], 0 outside;
    a last column of ones when cols is one wider (it carries the bias through the GEMM)."""
    n_img, h, wc = x.shape
    w = wc // c
    seg = kw * c
    ones = cols.shape[1] > kh * seg
    for r in range(n_img * oh):
        n = r // oh
        i = r - n * oh
        for j in range(ow):
            row = r * ow + j
            w0 = j * sw - pl
            inside = w0 >= 0 and w0 + kw <= w
            for a in range(kh):
                hi = i * sh - pt + a
                base = a * seg
                dst = cols[row, base:base + seg]
                if hi < 0 or hi >= h:
                    dst[:] = 0
                elif inside:
                    src = x[n, hi, w0 * c:w0 * c + seg]
                    for q in range(seg):
                        dst[q] = src[q]
                else:
                    for b in range(kw):
                        wi = w0 + b
                        for ch in range(c):
                            cols[row, base + b * c + ch] = x[n, hi, wi * c + ch] if 0 <= wi < w else 0
            if ones:
                cols[row, kh * seg] = 1


@njit
def _col2im(dcols, kh, kw, c, sh, sw, pt, pl, oh, ow, dx):
    """The adjoint of `_im2col` (without the ones column), one image per thread."""
    n_img, h, wc = dx.shape
    w = wc // c
    seg = kw * c
    for n in range(n_img):
        dx[n] = 0
        for i in range(oh):
            for j in range(ow):
                row = (n * oh + i) * ow + j
                w0 = j * sw - pl
                inside = w0 >= 0 and w0 + kw <= w
                for a in range(kh):
                    hi = i * sh - pt + a
                    if hi < 0 or hi >= h:
                        continue
                    base = a * seg
                    if inside:
                        dst = dx[n, hi, w0 * c:w0 * c + seg]
                        src = dcols[row, base:base + seg]
                        for q in range(seg):
                            dst[q] += src[q]
                    else:
                        for b in range(kw):
                            wi = w0 + b
                            if 0 <= wi < w:
                                for ch in range(c):
                                    dx[n, hi, wi * c + ch] += dcols[row, base + b * c + ch]


class _Ctx:
    """What backward needs: the input, the kernel, the geometry and the cols' stamp."""

    __slots__ = ("x", "kernel", "geom", "has_bias", "stamp", "work")

    def __init__(self, x, kernel, geom, has_bias, stamp, work):
        self.x, self.kernel, self.geom = x, kernel, geom
        self.has_bias, self.stamp, self.work = has_bias, stamp, work


class Conv2DKernel:
    """Workspace of one Conv2D layer; `forward`/`backward` as in the module functions."""

    def __init__(self):
        self._buf = None  # flat buffer holding cols, then dcols over the same memory
        self._stamp = 0  # the forward whose cols the buffer holds now (0: none)
        self._count = 0

    def _view(self, rows, width, dtype):
        size = rows * width
        if self._buf is None or self._buf.size < size or self._buf.dtype != dtype:
            self._buf = np.empty(size, dtype)
        return self._buf[:size].reshape(rows, width)

    def _fill_cols(self, x, geom, ones):
        kh, kw, sh, sw, pt, pl, oh, ow = geom
        n, h, w, c = x.shape
        cols = self._view(n * oh * ow, kh * kw * c + ones, x.dtype)
        _im2col(x.reshape(n, h, w * c), kh, kw, c, sh, sw, pt, pl, oh, ow, cols)
        self._count += 1
        self._stamp = self._count
        return cols

    def forward(self, x, kernel, bias, strides, padding):
        x = np.ascontiguousarray(x)
        if x.dtype not in (np.float32, np.float64):
            x = x.astype(np.float32)
        kernel = np.ascontiguousarray(kernel, dtype=x.dtype)
        n, h, w, c = x.shape
        kh, kw, kc, f = kernel.shape
        if kc != c:
            raise ValueError(f"kernel expects {kc} input channels, input has {c}")
        sh, sw = pair(strides)
        oh, ow, pt, pl = window_geometry(h, w, (kh, kw), (sh, sw), padding)
        geom = (kh, kw, sh, sw, pt, pl, oh, ow)
        kmat = kernel.reshape(kh * kw * c, f)
        y = np.empty((n, oh, ow, f), x.dtype)
        stamp = 0
        if _is_pointwise(geom):
            np.dot(x.reshape(-1, c), kmat, out=y.reshape(-1, f))
            if bias is not None:
                y += np.asarray(bias, x.dtype)
        else:
            cols = self._fill_cols(x, geom, bias is not None)
            stamp = self._stamp
            if bias is not None:
                kmat = np.concatenate([kmat, np.asarray(bias, x.dtype).reshape(1, f)])
            np.dot(cols, kmat, out=y.reshape(-1, f))
        return y, _Ctx(x, kernel, geom, bias is not None, stamp, self)

    def backward(self, dy, ctx, need_dx=True):
        x, kernel, geom, has_bias = ctx.x, ctx.kernel, ctx.geom, ctx.has_bias
        kh, kw, sh, sw, pt, pl, oh, ow = geom
        n, h, w, c = x.shape
        f = kernel.shape[3]
        k = kh * kw * c
        dy2 = np.ascontiguousarray(dy, dtype=x.dtype).reshape(n * oh * ow, f)
        kmat = kernel.reshape(k, f)
        if _is_pointwise(geom):
            dkernel = np.dot(x.reshape(-1, c).T, dy2).reshape(kernel.shape)
            dbias = dy2.sum(axis=0) if has_bias else None
            dx = np.dot(dy2, kmat.T).reshape(x.shape) if need_dx else None
            return dx, dkernel, dbias
        if ctx.stamp and ctx.stamp == self._stamp:
            cols = self._view(n * oh * ow, k + has_bias, x.dtype)
        else:
            cols = self._fill_cols(x, geom, has_bias)
        grads = np.dot(cols.T, dy2)  # the ones column makes its last row dbias
        dkernel = grads[:k].reshape(kernel.shape)
        dbias = grads[k].copy() if has_bias else None
        if not need_dx:
            return None, dkernel, dbias
        self._stamp = 0  # the buffer now receives dcols
        dcols = self._view(n * oh * ow, k, x.dtype)
        np.dot(dy2, kmat.T, out=dcols)
        dx = np.empty_like(x)
        _col2im(dcols, kh, kw, c, sh, sw, pt, pl, oh, ow, dx.reshape(n, h, w * c))
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
