"""2-D convolution (channels_last, Keras kernel layout, float32 or float64).

Four paths:
- 1x1 stride 1 unpadded: x itself is the GEMM's left operand.
- 3x3 over one input channel, forward: a direct kernel (kernels/conv_direct.py); its
  backward is im2col's.
- im2col: cols (N*OH*OW, KH*KW*C [+1]) @ kernel (KH*KW*C [+1], F) -> y (N, OH, OW, F);
  dkernel = cols.T @ dy; dcols = dy @ kernel.T folded back by col2im. With a bias, cols
  gets a column of ones: the GEMMs then add the bias and sum dbias for free.
- Winograd F(4x4, 3x3) (kernels/winograd.py) for 3x3 stride-1 kernels over >= 16 channels:
  36 batched GEMMs of 4x fewer multiplications, in chunks of tiles that stay in cache.

The direct kernel, im2col and Winograd run the batch as parallel parts, one per core
(runtime/split.py): each part transforms its images, multiplies them on one BLAS thread
and transforms back.

A `Conv2DKernel` is the workspace one layer owns: its buffers survive between calls
(no per-batch allocation), and backward reuses the forward's cols/V unless another
forward has overwritten them since (a shared layer), in which case they are rebuilt.
ctx keeps a reference to x. Returned arrays (y, dx, dkernel, dbias) are fresh, or the `out`/`dx_out`
arrays the caller passes (a layer reuses its own buffers batch after batch).
`conv2d_forward` / `conv2d_backward` are thin wrappers; without a workspace they allocate.
"""

import numpy as np

from visualnet.engine._jit import njit
from visualnet.engine.kernels import gemm, winograd
from visualnet.engine.kernels.conv_direct import conv3x3_single_channel, conv3x3_single_channel_tiled, tiled_applies
from visualnet.engine.kernels.padding import pair, window_geometry
from visualnet.engine.kernels.pool import max_pool_2x2_into
from visualnet.engine.runtime.split import bounds, parts_available, split

_WINOGRAD_MIN_C = 16  # below this, im2col (one GEMM, K = 9C) is as fast or faster (benchmarks/conv_kernels.py)
_CHUNK_BYTES = 2 << 20  # im2col chunk when predicting: about an L2 cache
_WINOGRAD_TILES = 192  # tiles per chunk: its V, M/E, Z (36 x 192 x C floats each) stay in cache


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
    """What backward needs: input, kernel, geometry, Winograd kernel U and chunk edges
    (or None), and the stamp of the forward that filled the workspace's cols/V."""

    __slots__ = ("x", "kernel", "geom", "bias", "u", "edges", "stamp", "work")

    def __init__(self, x, kernel, geom, bias, u, edges, stamp, work):
        self.x, self.kernel, self.geom, self.bias = x, kernel, geom, bias
        self.u, self.edges, self.stamp, self.work = u, edges, stamp, work


class Conv2DKernel:
    """Workspace of one Conv2D layer; `forward`/`backward` as in the module functions.

    "whole" holds the batch's cols (or Winograd's V), later dcols (or Z) over the same
    memory; each parallel part has its own scratch (Winograd's M/E, prediction's chunks).
    Buffers only grow, so a smaller last batch fits.
    """

    def __init__(self):
        self._bufs = {}
        self._stamp = 0  # the forward whose cols/V "whole" holds now (0: none)
        self._count = 0

    def _flat(self, key, size, dtype):
        buf = self._bufs.get(key)
        if buf is None or buf.size < size or buf.dtype != dtype:
            buf = self._bufs[key] = np.empty(size, dtype)
        return buf

    def _view(self, key, shape, dtype):
        return self._flat(key, int(np.prod(shape)), dtype)[:int(np.prod(shape))].reshape(shape)

    def _new_stamp(self):
        self._count += 1
        self._stamp = self._count
        return self._stamp

    # ------------------------------------------------------------------ direct

    def _direct_forward(self, x, kmat, bias, geom, y, relu, pool):
        """3x3 single-channel forward. With `pool`, the register tiles pool each image from
        a one-image scratch that stays in cache (rather than a large chunk); the loop per pixel
        pools a few images at a time from a scratch chunk. Keeps no cols: backward
        rebuilds them."""
        _, _, sh, sw, pt, pl, oh, ow = geom
        f = kmat.shape[1]
        bias = np.zeros(f, x.dtype) if bias is None else bias
        step = max(1, _CHUNK_BYTES // (oh * ow * f * x.itemsize))
        tiled = tiled_applies(x, kmat, (sh, sw), y)
        unpooled = np.empty((0, 1, 1, f), x.dtype)

        def part(lo, hi, i):
            if tiled:
                ys, into = (self._view(("pool", i), (1, oh, ow, f), x.dtype), y[lo:hi]) if pool else (y[lo:hi], unpooled)
                conv3x3_single_channel_tiled(x[lo:hi], kmat, bias, pt, pl, relu, ys, into)
            elif not pool:
                conv3x3_single_channel(x[lo:hi], kmat, bias, sh, sw, pt, pl, relu, y[lo:hi])
            else:
                for n0 in range(lo, hi, step):
                    n1 = min(hi, n0 + step)
                    full = self._view(("pool", i), (n1 - n0, oh, ow, f), x.dtype)
                    conv3x3_single_channel(x[n0:n1], kmat, bias, sh, sw, pt, pl, relu, full)
                    max_pool_2x2_into(full, y[n0:n1])

        split(x.shape[0], part)

    # ------------------------------------------------------------------ im2col

    def _im2col_forward(self, x, kmat, geom, y, keep, relu, pool):
        kh, kw, sh, sw, pt, pl, oh, ow = geom
        n, h, w, c = x.shape
        rows, k, f = oh * ow, kmat.shape[0], kmat.shape[1]
        x3, y2 = x.reshape(n, h, w * c), (None if pool else y.reshape(n * rows, f))
        per_image = rows * (k + (f if pool else 0)) * x.itemsize  # its cols (and, pooling, its output)
        keep = not pool and (keep or n * per_image <= _CHUNK_BYTES)
        step = n if keep else max(1, _CHUNK_BYTES // per_image)
        whole = self._flat("whole", n * rows * k, x.dtype) if keep else None

        def part(lo, hi, i):
            for n0 in range(lo, hi, step):  # prediction: a few images at a time, their cols in cache
                n1 = min(hi, n0 + step)
                cols = (whole[n0 * rows * k:n1 * rows * k].reshape(-1, k) if keep
                        else self._view(("chunk", i), ((n1 - n0) * rows, k), x.dtype))
                _im2col(x3[n0:n1], kh, kw, c, sh, sw, pt, pl, oh, ow, cols)
                if pool:  # the chunk's convolution, pooled while in cache
                    full = self._view(("pool", i), (n1 - n0, oh, ow, f), x.dtype)
                    gemm.matmul_2d(cols, kmat, full.reshape(-1, f))
                    yc = y[n0:n1]
                    max_pool_2x2_into(full, yc)
                else:
                    yc = y2[n0 * rows:n1 * rows]
                    gemm.matmul_2d(cols, kmat, yc)
                if relu:  # while yc is in cache
                    np.maximum(yc, 0, out=yc)

        split(n, part)
        self._stamp = self._new_stamp() if keep else 0
        return self._stamp

    def _im2col_backward(self, dy, ctx, need_dx, dx):
        x, kernel, geom, has_bias = ctx.x, ctx.kernel, ctx.geom, ctx.bias
        kh, kw, sh, sw, pt, pl, oh, ow = geom
        n, h, w, c = x.shape
        rows, f = oh * ow, kernel.shape[3]
        k = kh * kw * c
        width = k + has_bias
        fresh = ctx.stamp and ctx.stamp == self._stamp
        whole = self._flat("whole", n * rows * width, x.dtype)
        x3, dy2, kmat = x.reshape(n, h, w * c), dy.reshape(n * rows, f), kernel.reshape(k, f)
        dx3 = dx.reshape(n, h, w * c) if need_dx else None

        def part(lo, hi, _):
            cols = whole[lo * rows * width:hi * rows * width].reshape(-1, width)
            if not fresh:
                _im2col(x3[lo:hi], kh, kw, c, sh, sw, pt, pl, oh, ow, cols)
            # the ones column makes the last row of grads dbias
            grads = gemm.matmul_2d(cols.T, dy2[lo * rows:hi * rows], np.empty((width, f), x.dtype))
            if need_dx:  # dcols over this part's own cols
                dcols = whole[lo * rows * width:lo * rows * width + (hi - lo) * rows * k].reshape(-1, k)
                np.dot(dy2[lo * rows:hi * rows], kmat.T, out=dcols)
                _col2im(dcols, kh, kw, c, sh, sw, pt, pl, oh, ow, dx3[lo:hi])
            return grads

        grads = _sum(split(n, part))
        self._stamp = ctx.stamp if fresh and not need_dx else 0  # dcols / Z overwrote it
        dbias = grads[k].copy() if has_bias else None
        return dx, np.ascontiguousarray(grads[:k]).reshape(kernel.shape), dbias

    # ---------------------------------------------------------------- Winograd

    def _wino_chunks(self, n, geom):
        """Chunk edges over the images (each chunk about _WINOGRAD_TILES tiles), in a
        number of chunks divisible by the parts, so that the parts get equal work."""
        th, tw = winograd.tiles(*geom[6:])
        parts = min(parts_available(), n)
        count = max(1, -(-n * th * tw // _WINOGRAD_TILES))
        count = min(n, -(-count // parts) * parts)
        return bounds(n, count)

    def _wino_forward(self, x, kernel, bias, geom, y, keep, relu, pool):
        pt, pl, oh, ow = geom[4:]
        th, tw = winograd.tiles(oh, ow)
        n, c, f = x.shape[0], x.shape[3], kernel.shape[3]
        per = winograd.P * th * tw
        u = self._kernel_transform(kernel)
        bias = np.zeros(f, x.dtype) if bias is None else bias
        edges = self._wino_chunks(n, geom)
        whole = self._flat("whole", n * per * c, x.dtype) if keep else None

        def part(lo, hi, i):
            for j in range(lo, hi):
                n0, n1 = edges[j], edges[j + 1]
                t = (n1 - n0) * th * tw
                v = (whole[n0 * per * c:n1 * per * c].reshape(winograd.P, t, c) if keep
                     else self._view(("v", i), (winograd.P, t, c), x.dtype))
                winograd.input_transform(x[n0:n1], pt, pl, th, tw, v)
                m = self._view(("m", i), (winograd.P, t, f), x.dtype)
                gemm.matmul(v, u, m)
                winograd.output_transform(m, bias, relu, pool, th, tw, y[n0:n1])

        split(len(edges) - 1, part)
        self._stamp = self._new_stamp() if keep else 0
        return u, edges, self._stamp

    def _kernel_transform(self, kernel):
        """Winograd's U of `kernel`, reused while the kernel is unchanged (prediction)."""
        u = self._view("u", (winograd.P, *kernel.shape[2:]), kernel.dtype)
        seen = self._bufs.get("u_of")
        if seen is not None and seen.shape == kernel.shape and seen.dtype == kernel.dtype \
                and np.array_equal(seen, kernel):
            return u
        self._bufs["u_of"] = None  # while u is being rewritten
        winograd.kernel_transform(kernel, u)
        self._bufs["u_of"] = kernel.copy()
        return u

    def _wino_backward(self, dy, ctx, need_dx, dx):
        x, edges = ctx.x, ctx.edges
        pt, pl, oh, ow = ctx.geom[4:]
        th, tw = winograd.tiles(oh, ow)
        fresh = ctx.stamp and ctx.stamp == self._stamp  # else another forward overwrote V and U
        u = ctx.u if fresh else winograd.kernel_transform(ctx.kernel)
        n, c, f = x.shape[0], x.shape[3], u.shape[2]
        per = winograd.P * th * tw
        whole = self._flat("whole", n * per * c, x.dtype)
        if need_dx:  # U transposed, rows contiguous for gemm
            ut = self._view("ut", (winograd.P, f, c), x.dtype)
            np.copyto(ut, u.transpose(0, 2, 1))

        def part(lo, hi, i):
            sums = np.zeros(f)
            wt, tmp = self._view(("wt", i), u.shape, x.dtype), self._view(("tmp", i), u.shape, x.dtype)
            for j in range(lo, hi):
                n0, n1 = edges[j], edges[j + 1]
                t = (n1 - n0) * th * tw
                v = whole[n0 * per * c:n1 * per * c].reshape(winograd.P, t, c)
                if not fresh:
                    winograd.input_transform(x[n0:n1], pt, pl, th, tw, v)
                e = self._view(("m", i), (winograd.P, t, f), x.dtype)
                winograd.grad_output_transform(dy[n0:n1], th, tw, e, sums)
                gemm.matmul(v.transpose(0, 2, 1), e, wt, accumulate=j > lo, scratch=tmp)
                if need_dx:  # Z over V
                    gemm.matmul(e, ut, v)
                    winograd.grad_input_transform(v, pt, pl, th, tw, dx[n0:n1])
            return wt, sums

        results = split(len(edges) - 1, part)
        self._stamp = ctx.stamp if fresh and not need_dx else 0  # dcols / Z overwrote it
        dbias = _sum([s for _, s in results]).astype(x.dtype) if ctx.bias else None
        return dx, winograd.kernel_grad(_sum([w for w, _ in results])), dbias

    # ------------------------------------------------------------------ public

    def forward(self, x, kernel, bias, strides, padding, out=None, keep_cols=True, relu=False, pool=False):
        """-> (y, ctx); `out`, if given, receives y (C-contiguous, y's shape and dtype).
        `keep_cols=False` (prediction: no backward follows) lets im2col run a few images
        at a time so that each chunk's cols stay in cache. `relu`: y = max(0, conv + bias),
        applied while each piece of y is still in cache. `pool` (prediction only): y is
        the 2x2 stride-2 'valid' max pooling of that, pooled in cache (no backward)."""
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
        if pool and keep_cols:
            raise ValueError("pool=True is for prediction (keep_cols=False): no backward can follow it")
        shape = (n, oh // 2, ow // 2, f) if pool else (n, oh, ow, f)
        y = np.empty(shape, x.dtype) if out is None else _checked_out(out, shape, x.dtype)
        u = edges = None
        stamp = 0
        if n == 0 or oh == 0 or ow == 0:
            pass
        elif pool and _is_pointwise(geom):
            full = self._view(("pool", 0), (n, oh, ow, f), x.dtype)
            self.forward(x, kernel, bias, strides, padding, full, False, relu)
            max_pool_2x2_into(full, y)
        elif _is_pointwise(geom):
            np.dot(x.reshape(-1, c), kmat, out=y.reshape(-1, f))
            if bias is not None:
                y += bias
            if relu:
                np.maximum(y, 0, out=y)
        elif _is_direct(geom, c):
            self._direct_forward(x, kmat, bias, geom, y, relu, pool)
        elif _is_winograd(geom, c):
            u, edges, stamp = self._wino_forward(x, kernel, bias, geom, y, keep_cols, relu, pool)
        else:
            if bias is not None:
                kmat = np.concatenate([kmat, bias.reshape(1, f)])
            stamp = self._im2col_forward(x, kmat, geom, y, keep_cols, relu, pool)
        return y, _Ctx(x, kernel, geom, bias is not None, u, edges, stamp, self)

    def backward(self, dy, ctx, need_dx=True, dx_out=None):
        """-> (dx, dkernel, dbias); `dx_out`, if given, receives dx (x's shape and dtype)."""
        x, kernel, geom, has_bias = ctx.x, ctx.kernel, ctx.geom, ctx.bias
        n, h, w, c = x.shape
        f = kernel.shape[3]
        dy = np.ascontiguousarray(dy, dtype=x.dtype)
        dx = None
        if need_dx:
            dx = np.empty_like(x) if dx_out is None else _checked_out(dx_out, x.shape, x.dtype)
        if n == 0 or geom[6] == 0 or geom[7] == 0:
            if need_dx:
                dx[...] = 0
            return dx, np.zeros_like(kernel), np.zeros(f, x.dtype) if has_bias else None
        if _is_pointwise(geom):
            dy2 = dy.reshape(-1, f)
            dkernel = np.dot(x.reshape(-1, c).T, dy2).reshape(kernel.shape)
            dbias = dy2.sum(axis=0) if has_bias else None
            if need_dx:
                np.dot(dy2, kernel.reshape(c, f).T, out=dx.reshape(-1, c))
            return dx, dkernel, dbias
        if ctx.u is not None:
            return self._wino_backward(dy, ctx, need_dx, dx)
        return self._im2col_backward(dy, ctx, need_dx, dx)


def _sum(arrays):
    """The sum of the parts' partial results (the first one summed into)."""
    total = arrays[0]
    for a in arrays[1:]:
        total += a
    return total


def _checked_out(out, shape, dtype):
    if out.shape != tuple(shape) or out.dtype != dtype or not out.flags.c_contiguous:
        raise ValueError(f"out must be a C-contiguous {np.dtype(dtype)} array of shape {tuple(shape)}; "
                         f"received {out.dtype} {out.shape}")
    return out


def _is_pointwise(geom):
    """1x1 kernel, stride 1, no padding: cols is x itself, reshaped."""
    kh, kw, sh, sw, pt, pl, _, _ = geom
    return kh == kw == sh == sw == 1 and pt == pl == 0


def _is_direct(geom, c):
    """3x3 kernels over one input channel run the direct forward kernel."""
    return geom[0] == geom[1] == 3 and c == 1


def _is_winograd(geom, c):
    """3x3 stride-1 kernels over enough channels go through Winograd F(4x4, 3x3)."""
    kh, kw, sh, sw = geom[:4]
    return kh == kw == 3 and sh == sw == 1 and c >= _WINOGRAD_MIN_C


def conv2d_forward(x, kernel, bias, strides, padding, workspace=None, out=None, keep_cols=True, relu=False,
                   pool=False):
    """Convolve x (N, H, W, C) with kernel (KH, KW, C, F) -> (y (N, OH, OW, F), ctx).

    `workspace`: the layer's `Conv2DKernel`, to reuse buffers; None allocates afresh.
    `out`: an array to receive y (the caller's, reused batch after batch), or None.
    `keep_cols=False`: no backward will follow (prediction), see `Conv2DKernel.forward`.
    `relu`: a plain ReLU applied in the same pass (y is then the activation).
    `pool`: prediction only, y is the 2x2 stride-2 'valid' max pooling (see `Conv2DKernel.forward`).
    """
    return (workspace or Conv2DKernel()).forward(x, kernel, bias, strides, padding, out, keep_cols, relu, pool)


def conv2d_backward(dy, ctx, need_dx=True, dx_out=None):
    """-> (dx or None, dkernel, dbias or None); need_dx=False skips the dx GEMM and col2im.
    `dx_out`: an array to receive dx, or None."""
    return ctx.work.backward(dy, ctx, need_dx, dx_out)
