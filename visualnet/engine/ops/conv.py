"""2-D convolution (channels_last, Keras kernel layout, float32 or float64).

Two paths, both ending in BLAS GEMMs:
- im2col: cols (N*OH*OW, KH*KW*C [+1]) @ kernel (KH*KW*C [+1], F) -> y (N, OH, OW, F);
  dkernel = cols.T @ dy; dcols = dy @ kernel.T folded back by col2im. With a bias, cols
  gets a column of ones: the GEMMs then add the bias and sum dbias for free.
- Winograd F(2x2, 3x3) for 3x3 stride-1 kernels over >= 64 channels: 16 batched GEMMs of
  2.25x fewer multiplications, run in chunks of tiles that stay in cache.

A `Conv2DKernel` is the workspace one layer owns: its buffers survive between calls
(no per-batch allocation), and backward reuses the forward's cols/V unless another
forward has overwritten them since (a shared layer), in which case they are rebuilt.
ctx keeps a reference to x. Returned arrays (y, dx, dkernel, dbias) are fresh, or the `out`/`dx_out`
arrays the caller passes (a layer reuses its own buffers batch after batch).
`conv2d_forward` / `conv2d_backward` are thin wrappers; without a workspace they allocate.
The numba kernels are single-threaded on purpose: OpenBLAS brings the threads, and an
OpenMP pool spinning beside it was measured to slow the GEMMs down.
"""

import numpy as np

from visualnet.engine._jit import njit
from visualnet.engine.ops.padding import pair, window_geometry

_WINOGRAD_MIN_C = 64  # measured: below this, im2col (one GEMM, K = 9C) is as fast or faster
_CHUNK_BYTES = 2 << 20  # im2col chunk when predicting: about an L2 cache
_WINOGRAD_TILES = 512  # tiles per chunk: its V, M/E, Z (16 x 512 x C floats each) stay in cache


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


@njit(inline="always")
def _bt(a0, a1, a2, a3):
    return a0 - a2, a1 + a2, a2 - a1, a1 - a3


@njit(inline="always")
def _b(a0, a1, a2, a3):
    return a0, a1 - a2 + a3, a1 + a2 - a0, -a3


@njit(inline="always")
def _at(a0, a1, a2, a3):
    return a0 + a1 + a2, a1 - a2 - a3


@njit(inline="always")
def _a(a0, a1):
    return a0, a0 + a1, a0 - a1, -a1


# Winograd F(2x2, 3x3) for 3x3 stride-1 kernels: tile t covers outputs 2x2 and inputs 4x4;
# per transform point p = 4 * row + col, y = A^T [U ⊙ B^T d B] A with U = G g G^T, and the
# adjoints dW = G^T [E ⊙ V] G, dd = B [E ⊙ U] B^T with E = A dy A^T. Each 1-D pass below
# reads 4 (or 2) channel vectors and writes 4 (or 2): few enough streams for LLVM to vectorize.

@njit
def _wino_input(x, pt, pl, th, tw, v):
    """v[p, t, :] = (B^T d B)[p] for each 4x4 input tile d (zero outside x)."""
    n_img, h, w, c = x.shape
    d = np.empty((4, 4, c), x.dtype)
    for n in range(n_img):
        for ti in range(th):
            for tj in range(tw):
                t = (n * th + ti) * tw + tj
                for r in range(4):
                    hi = 2 * ti - pt + r
                    for s in range(4):
                        wi = 2 * tj - pl + s
                        if 0 <= hi < h and 0 <= wi < w:
                            d[r, s] = x[n, hi, wi]
                        else:
                            d[r, s] = 0
                for s in range(4):
                    a0, a1, a2, a3 = d[0, s], d[1, s], d[2, s], d[3, s]
                    for ch in range(c):
                        a0[ch], a1[ch], a2[ch], a3[ch] = _bt(a0[ch], a1[ch], a2[ch], a3[ch])
                for r in range(4):
                    a0, a1, a2, a3 = d[r, 0], d[r, 1], d[r, 2], d[r, 3]
                    o0, o1, o2, o3 = v[4 * r, t], v[4 * r + 1, t], v[4 * r + 2, t], v[4 * r + 3, t]
                    for ch in range(c):
                        o0[ch], o1[ch], o2[ch], o3[ch] = _bt(a0[ch], a1[ch], a2[ch], a3[ch])


@njit
def _wino_output(m, bias, th, tw, y):
    """y's 2x2 tile t = (A^T m A) + bias (cells past y's edge dropped)."""
    n_img, oh, ow, f = y.shape
    q = np.empty((4, 2, f), y.dtype)
    o = np.empty((2, 2, f), y.dtype)
    for n in range(n_img):
        for ti in range(th):
            for tj in range(tw):
                t = (n * th + ti) * tw + tj
                for r in range(4):
                    a0, a1, a2, a3 = m[4 * r, t], m[4 * r + 1, t], m[4 * r + 2, t], m[4 * r + 3, t]
                    q0, q1 = q[r, 0], q[r, 1]
                    for ch in range(f):
                        q0[ch], q1[ch] = _at(a0[ch], a1[ch], a2[ch], a3[ch])
                for s in range(2):
                    a0, a1, a2, a3 = q[0, s], q[1, s], q[2, s], q[3, s]
                    o0, o1 = o[0, s], o[1, s]
                    for ch in range(f):
                        o0[ch], o1[ch] = _at(a0[ch], a1[ch], a2[ch], a3[ch])
                for a in range(min(2, oh - 2 * ti)):
                    for b in range(min(2, ow - 2 * tj)):
                        dst, src = y[n, 2 * ti + a, 2 * tj + b], o[a, b]
                        for ch in range(f):
                            dst[ch] = src[ch] + bias[ch]


@njit
def _wino_grad_output(dy, th, tw, e, dbias):
    """e[p, t, :] = (A g A^T)[p] for each 2x2 tile g of dy; dbias += the sum of dy."""
    n_img, oh, ow, f = dy.shape
    g = np.empty((2, 2, f), dy.dtype)
    q = np.empty((4, 2, f), dy.dtype)
    for n in range(n_img):
        for ti in range(th):
            for tj in range(tw):
                t = (n * th + ti) * tw + tj
                for a in range(2):
                    for b in range(2):
                        if 2 * ti + a < oh and 2 * tj + b < ow:
                            g[a, b] = dy[n, 2 * ti + a, 2 * tj + b]
                        else:
                            g[a, b] = 0
                        src = g[a, b]
                        for ch in range(f):
                            dbias[ch] += src[ch]
                for s in range(2):
                    a0, a1 = g[0, s], g[1, s]
                    q0, q1, q2, q3 = q[0, s], q[1, s], q[2, s], q[3, s]
                    for ch in range(f):
                        q0[ch], q1[ch], q2[ch], q3[ch] = _a(a0[ch], a1[ch])
                for r in range(4):
                    a0, a1 = q[r, 0], q[r, 1]
                    o0, o1, o2, o3 = e[4 * r, t], e[4 * r + 1, t], e[4 * r + 2, t], e[4 * r + 3, t]
                    for ch in range(f):
                        o0[ch], o1[ch], o2[ch], o3[ch] = _a(a0[ch], a1[ch])


@njit
def _wino_grad_input(z, pt, pl, th, tw, dx):
    """dx = the overlap-add of the tiles' B z B^T (cells in the padding dropped)."""
    n_img, h, w, c = dx.shape
    q = np.empty((4, 4, c), dx.dtype)
    for n in range(n_img):
        dx[n] = 0
        for ti in range(th):
            for tj in range(tw):
                t = (n * th + ti) * tw + tj
                for r in range(4):
                    a0, a1, a2, a3 = z[4 * r, t], z[4 * r + 1, t], z[4 * r + 2, t], z[4 * r + 3, t]
                    q0, q1, q2, q3 = q[r, 0], q[r, 1], q[r, 2], q[r, 3]
                    for ch in range(c):
                        q0[ch], q1[ch], q2[ch], q3[ch] = _b(a0[ch], a1[ch], a2[ch], a3[ch])
                for s in range(4):
                    a0, a1, a2, a3 = q[0, s], q[1, s], q[2, s], q[3, s]
                    for ch in range(c):
                        a0[ch], a1[ch], a2[ch], a3[ch] = _b(a0[ch], a1[ch], a2[ch], a3[ch])
                for r in range(4):
                    hi = 2 * ti - pt + r
                    for s in range(4):
                        wi = 2 * tj - pl + s
                        if 0 <= hi < h and 0 <= wi < w:
                            dst, src = dx[n, hi, wi], q[r, s]
                            for ch in range(c):
                                dst[ch] += src[ch]


def _g(k):
    """G k along axis 0, G = [[1, 0, 0], [.5, .5, .5], [.5, -.5, .5], [0, 0, 1]]."""
    return np.stack([k[0], (k[0] + k[1] + k[2]) * 0.5, (k[0] - k[1] + k[2]) * 0.5, k[2]])


def _gt(u):
    """G^T u along axis 0."""
    return np.stack([u[0] + (u[1] + u[2]) * 0.5, (u[1] - u[2]) * 0.5, (u[1] + u[2]) * 0.5 + u[3]])


def _wino_kernel(kernel):
    """U[p, c, f] = (G g G^T)[p] of a (3, 3, C, F) kernel."""
    c, f = kernel.shape[2:]
    return np.ascontiguousarray(_g(_g(kernel).swapaxes(0, 1)).swapaxes(0, 1)).reshape(16, c, f)


def _wino_kernel_grad(wt):
    """dW (3, 3, C, F) = G^T W G of W[p, c, f]."""
    w4 = wt.reshape(4, 4, *wt.shape[1:])
    return np.ascontiguousarray(_gt(_gt(w4).swapaxes(0, 1)).swapaxes(0, 1))


class _Ctx:
    """What backward needs: input, kernel, geometry, Winograd kernel U (or None), stamp."""

    __slots__ = ("x", "kernel", "geom", "bias", "u", "stamp", "work")

    def __init__(self, x, kernel, geom, bias, u, stamp, work):
        self.x, self.kernel, self.geom, self.bias = x, kernel, geom, bias
        self.u, self.stamp, self.work = u, stamp, work


class Conv2DKernel:
    """Workspace of one Conv2D layer; `forward`/`backward` as in the module functions.

    Buffer 0 holds cols (or Winograd's V), later dcols (or Z) over the same memory;
    buffer 1 holds Winograd's M, later E. Both only grow, so a smaller last batch fits.
    """

    def __init__(self):
        self._bufs = [None, None]
        self._stamp = 0  # the forward whose cols/V buffer 0 holds now (0: none)
        self._count = 0

    def _view(self, which, shape, dtype):
        size = int(np.prod(shape))
        buf = self._bufs[which]
        if buf is None or buf.size < size or buf.dtype != dtype:
            buf = self._bufs[which] = np.empty(size, dtype)
        return buf[:size].reshape(shape)

    def _fill_cols(self, x, geom, ones):
        """im2col, with a ones column for the bias; stamps buffer 0."""
        kh, kw, sh, sw, pt, pl, oh, ow = geom
        n, h, w, c = x.shape
        cols = self._view(0, (n * oh * ow, kh * kw * c + ones), x.dtype)
        _im2col(x.reshape(n, h, w * c), kh, kw, c, sh, sw, pt, pl, oh, ow, cols)
        self._count += 1
        self._stamp = self._count
        return cols

    def _chunks(self, x, geom):
        """(images n0:n1, their V in buffer 0) per chunk of about _WINOGRAD_TILES tiles.

        Each chunk's V, M, E and Z stay in cache from one step to the next."""
        n, _, _, c = x.shape
        oh, ow = geom[6:]
        tiles = ((oh + 1) // 2) * ((ow + 1) // 2)
        step = max(1, _WINOGRAD_TILES // tiles)
        buf = self._view(0, (16 * n * tiles * c,), x.dtype)
        for n0 in range(0, n, step):
            n1 = min(n, n0 + step)
            yield n0, n1, buf[16 * n0 * tiles * c:16 * n1 * tiles * c].reshape(16, -1, c)

    def _wino_forward(self, x, kernel, bias, geom, y):
        pt, pl, oh, ow = geom[4:]
        th, tw = (oh + 1) // 2, (ow + 1) // 2
        u = _wino_kernel(kernel)
        bias = np.zeros(u.shape[2], x.dtype) if bias is None else bias
        for n0, n1, v in self._chunks(x, geom):
            _wino_input(x[n0:n1], pt, pl, th, tw, v)
            m = self._view(1, (16, v.shape[1], u.shape[2]), x.dtype)
            np.matmul(v, u, out=m)
            _wino_output(m, bias, th, tw, y[n0:n1])
        self._count += 1
        self._stamp = self._count
        return u

    def _wino_backward(self, dy, ctx, need_dx, dx_out=None):
        x, u = ctx.x, ctx.u
        pt, pl, oh, ow = ctx.geom[4:]
        th, tw = (oh + 1) // 2, (ow + 1) // 2
        fresh = ctx.stamp == self._stamp
        self._stamp = 0 if need_dx else ctx.stamp  # with dx, Z overwrites V
        sums = np.zeros(u.shape[2])
        wt = np.zeros(u.shape, x.dtype)
        dx = (np.empty_like(x) if dx_out is None else dx_out) if need_dx else None
        for n0, n1, v in self._chunks(x, ctx.geom):
            if not fresh:
                _wino_input(x[n0:n1], pt, pl, th, tw, v)
            e = self._view(1, (16, v.shape[1], u.shape[2]), x.dtype)
            _wino_grad_output(dy[n0:n1], th, tw, e, sums)
            wt += np.matmul(v.transpose(0, 2, 1), e)
            if need_dx:
                np.matmul(e, u.transpose(0, 2, 1), out=v)
                _wino_grad_input(v, pt, pl, th, tw, dx[n0:n1])
        return dx, _wino_kernel_grad(wt), sums.astype(x.dtype) if ctx.bias else None

    def forward(self, x, kernel, bias, strides, padding, out=None, keep_cols=True):
        """-> (y, ctx); `out`, if given, receives y (C-contiguous, y's shape and dtype).
        `keep_cols=False` (prediction: no backward follows) lets im2col run a few images
        at a time so that each chunk's cols stay in cache."""
        x = np.ascontiguousarray(x)
        if x.dtype not in (np.float32, np.float64):
            x = x.astype(np.float32)
        kernel = np.ascontiguousarray(kernel, dtype=x.dtype)
        bias = None if bias is None else np.ascontiguousarray(bias, dtype=x.dtype)
        n, h, w, c = x.shape
        kh, kw, kc, f = kernel.shape
        if kc != c:
            raise ValueError(f"kernel expects {kc} input channels, input has {c}")
        sh, sw = pair(strides)
        oh, ow, pt, pl = window_geometry(h, w, (kh, kw), (sh, sw), padding)
        geom = (kh, kw, sh, sw, pt, pl, oh, ow)
        kmat = kernel.reshape(kh * kw * c, f)
        y = np.empty((n, oh, ow, f), x.dtype) if out is None else _checked_out(out, (n, oh, ow, f), x.dtype)
        u, stamp = None, 0
        if _is_pointwise(geom):
            np.dot(x.reshape(-1, c), kmat, out=y.reshape(-1, f))
            if bias is not None:
                y += bias
        elif _is_winograd(geom, c):
            u = self._wino_forward(x, kernel, bias, geom, y)
            stamp = self._stamp
        else:
            if bias is not None:
                kmat = np.concatenate([kmat, bias.reshape(1, f)])
            per_image = oh * ow * kmat.shape[0] * x.itemsize
            if keep_cols or n * per_image <= _CHUNK_BYTES:
                cols = self._fill_cols(x, geom, bias is not None)
                stamp = self._stamp
                np.dot(cols, kmat, out=y.reshape(-1, f))
            else:  # prediction: a few images at a time, their cols staying in cache
                step = max(1, _CHUNK_BYTES // per_image)
                for n0 in range(0, n, step):
                    n1 = min(n, n0 + step)
                    cols = self._fill_cols(x[n0:n1], geom, bias is not None)
                    np.dot(cols, kmat, out=y[n0:n1].reshape(-1, f))
                self._stamp = 0  # buffer 0 holds only the last chunk's cols
        return y, _Ctx(x, kernel, geom, bias is not None, u, stamp, self)

    def backward(self, dy, ctx, need_dx=True, dx_out=None):
        """-> (dx, dkernel, dbias); `dx_out`, if given, receives dx (x's shape and dtype)."""
        x, kernel, geom, has_bias = ctx.x, ctx.kernel, ctx.geom, ctx.bias
        kh, kw, sh, sw, pt, pl, oh, ow = geom
        n, h, w, c = x.shape
        f = kernel.shape[3]
        k = kh * kw * c
        dy = np.ascontiguousarray(dy, dtype=x.dtype)
        dy2 = dy.reshape(n * oh * ow, f)
        kmat = kernel.reshape(k, f)
        if _is_pointwise(geom):
            dkernel = np.dot(x.reshape(-1, c).T, dy2).reshape(kernel.shape)
            dbias = dy2.sum(axis=0) if has_bias else None
            dx = np.dot(dy2, kmat.T).reshape(x.shape) if need_dx else None
            return dx, dkernel, dbias
        if ctx.u is not None:
            return self._wino_backward(dy, ctx, need_dx,
                                       None if dx_out is None else _checked_out(dx_out, x.shape, x.dtype))
        if ctx.stamp and ctx.stamp == self._stamp:
            cols = self._view(0, (n * oh * ow, k + has_bias), x.dtype)
        else:
            cols = self._fill_cols(x, geom, has_bias)
        grads = np.dot(cols.T, dy2)  # the ones column makes its last row dbias
        dkernel = grads[:k].reshape(kernel.shape)
        dbias = grads[k].copy() if has_bias else None
        if not need_dx:
            return None, dkernel, dbias
        self._stamp = 0  # buffer 0 now receives dcols
        dcols = self._view(0, (n * oh * ow, k), x.dtype)
        np.dot(dy2, kmat.T, out=dcols)
        dx = np.empty_like(x) if dx_out is None else _checked_out(dx_out, x.shape, x.dtype)
        _col2im(dcols, kh, kw, c, sh, sw, pt, pl, oh, ow, dx.reshape(n, h, w * c))
        return dx, dkernel, dbias


def _checked_out(out, shape, dtype):
    if out.shape != tuple(shape) or out.dtype != dtype or not out.flags.c_contiguous:
        raise ValueError(f"out must be a C-contiguous {np.dtype(dtype)} array of shape {tuple(shape)}; "
                         f"received {out.dtype} {out.shape}")
    return out


def _is_pointwise(geom):
    """1x1 kernel, stride 1, no padding: cols is x itself, reshaped."""
    kh, kw, sh, sw, pt, pl, _, _ = geom
    return kh == kw == sh == sw == 1 and pt == pl == 0


def _is_winograd(geom, c):
    """3x3 stride-1 kernels over enough channels go through Winograd F(2x2, 3x3)."""
    kh, kw, sh, sw, _, _, oh, ow = geom
    return kh == kw == 3 and sh == sw == 1 and c >= _WINOGRAD_MIN_C and oh > 0 and ow > 0


def conv2d_forward(x, kernel, bias, strides, padding, workspace=None, out=None, keep_cols=True):
    """Convolve x (N, H, W, C) with kernel (KH, KW, C, F) -> (y (N, OH, OW, F), ctx).

    `workspace`: the layer's `Conv2DKernel`, to reuse buffers; None allocates afresh.
    `out`: an array to receive y (the caller's, reused batch after batch), or None.
    `keep_cols=False`: no backward will follow (prediction), see `Conv2DKernel.forward`.
    """
    return (workspace or Conv2DKernel()).forward(x, kernel, bias, strides, padding, out, keep_cols)


def conv2d_backward(dy, ctx, need_dx=True, dx_out=None):
    """-> (dx or None, dkernel, dbias or None); need_dx=False skips the dx GEMM and col2im.
    `dx_out`: an array to receive dx, or None."""
    return ctx.work.backward(dy, ctx, need_dx, dx_out)
