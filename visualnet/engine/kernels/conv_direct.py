"""Direct 3x3 convolution of single-channel images (the first layer on grayscale data).

With one input channel im2col's GEMM has K = 9 (10 with the bias), a shape at which BLAS
spends its time packing; here each output pixel loads its 9 taps once and the filters
are one vectorised loop, with the bias and a plain ReLU in the same pass. Pixels whose
taps are all inside the image load them without bounds checks. (Figures:
benchmarks/RESULTS.md.)

At stride 1, with AVX-512 and a multiple of 16 filters, `conv3x3_single_channel_tiled`
runs gemm.py's register tiles over the 9 taps instead: the image is copied into a
zero-padded scratch of row length WP = OW + 2, so that output positions q = i*WP + j are
a tile's consecutive rows (tap (dy, dx) of row q is scratch[q + dy*WP + dx]). A tile
starts from the bias and stores its rows with j < OW, after the ReLU.
"""

import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from visualnet.engine._jit import njit
from visualnet.engine.kernels import gemm
from visualnet.engine.kernels.pool import max_pool_2x2_into


def _conv_tile_intrinsic(rows, vectors):
    """y[position q + r, j:j+16*vectors] for r < rows: 9 taps of xp (a padded image, rows of
    wp) times kb's rows 0-8 (kb: (10, f) flat, row 9 the bias), from position q = i*wp + jj;
    positions in the two padding columns or past row oh - 1 are not stored; y's position
    (i, jj) is at y[yo + (i*ow + jj)*f]."""

    @intrinsic
    def tile(typingctx, xp, q, i, jj, wp, ow, oh, kb, j, f, y, yo, relu):
        sig = types.void(xp, types.intp, types.intp, types.intp, types.intp, types.intp, types.intp, kb,
                         types.intp, types.intp, y, types.intp, types.boolean)

        def codegen(context, builder, signature, args):
            xp_, q, i, jj, wp, ow, oh, kb_, j, f, y_, yo, relu = args
            xpp, kbp, yp = (gemm.data(context, builder, signature.args[i], args[i]) for i in (0, 7, 10))
            t = gemm.TileCode(builder, rows, vectors)
            bias_at = t.add(t.mul(f, 9), j)
            t.set_all(lambda r, v: t.load(kbp, t.add(bias_at, t.const(v * gemm.LANES))))
            for s, (dy, dx) in enumerate((dy, dx) for dy in range(3) for dx in range(3)):
                col = t.add(q, t.mul(wp, dy), t.const(dx))
                t.step(xpp, lambda r: t.add(col, t.const(r)), kbp, t.add(t.mul(f, s), j))
            zero = ir.Constant(t.vec, None)
            for r in range(rows):
                if r:  # the next position, (i, jj) wrapping at the row's end
                    jj = t.add(jj, t.const(1))
                    wrap = builder.icmp_signed(">=", jj, wp)
                    jj = builder.select(wrap, t.const(0), jj)
                    i = t.add(i, builder.zext(wrap, t.i64))
                inside = builder.and_(builder.icmp_signed("<", i, oh), builder.icmp_signed("<", jj, ow))
                with builder.if_then(inside):
                    at = t.add(yo, builder.mul(t.add(builder.mul(i, ow), jj), f), j)
                    for v in range(vectors):
                        value = t.get(r, v)  # ReLU keeps NaN, as Keras does: NaN > 0 unordered is true
                        rectified = builder.select(builder.fcmp_unordered(">", value, zero), value, zero)
                        builder.store(builder.select(relu, rectified, value),
                                      t.vector_at(yp, t.add(at, t.const(v * gemm.LANES))), align=4)
            return context.get_dummy_value()

        return sig, codegen

    return tile


_C1, _C2, _C3, _C4 = (_conv_tile_intrinsic(gemm.ROWS[v], v) for v in (1, 2, 3, 4))


@njit(inline="always")
def _tap(x, n, hi, wi, h, w):
    return x[n, hi, wi, 0] if 0 <= hi < h and 0 <= wi < w else x.dtype.type(0)


@njit
def conv3x3_single_channel(x, k, bias, sh, sw, pt, pl, relu, y):
    """y (N, OH, OW, F) = x (N, H, W, 1) convolved with k (9, F) (the (3, 3, 1, F) kernel
    reshaped), strides (sh, sw), padding (pt, pl) of zeros, + bias; then max(0, .) if
    `relu` (NaN kept, as Keras does)."""
    n_img, h, w, _ = x.shape
    _, oh, ow, f = y.shape
    for n in range(n_img):
        for i in range(oh):
            h0 = i * sh - pt
            rows_inside = h0 >= 0 and h0 + 2 < h
            for j in range(ow):
                w0 = j * sw - pl
                if rows_inside and w0 >= 0 and w0 + 2 < w:  # no bounds checks
                    x0, x1, x2 = x[n, h0, w0, 0], x[n, h0, w0 + 1, 0], x[n, h0, w0 + 2, 0]
                    x3, x4, x5 = x[n, h0 + 1, w0, 0], x[n, h0 + 1, w0 + 1, 0], x[n, h0 + 1, w0 + 2, 0]
                    x6, x7, x8 = x[n, h0 + 2, w0, 0], x[n, h0 + 2, w0 + 1, 0], x[n, h0 + 2, w0 + 2, 0]
                else:
                    x0, x1, x2 = _tap(x, n, h0, w0, h, w), _tap(x, n, h0, w0 + 1, h, w), _tap(x, n, h0, w0 + 2, h, w)
                    x3, x4 = _tap(x, n, h0 + 1, w0, h, w), _tap(x, n, h0 + 1, w0 + 1, h, w)
                    x5, x6 = _tap(x, n, h0 + 1, w0 + 2, h, w), _tap(x, n, h0 + 2, w0, h, w)
                    x7, x8 = _tap(x, n, h0 + 2, w0 + 1, h, w), _tap(x, n, h0 + 2, w0 + 2, h, w)
                out = y[n, i, j]
                for q in range(f):
                    v = (bias[q] + x0 * k[0, q] + x1 * k[1, q] + x2 * k[2, q] + x3 * k[3, q] + x4 * k[4, q]
                         + x5 * k[5, q] + x6 * k[6, q] + x7 * k[7, q] + x8 * k[8, q])
                    out[q] = v if (not relu or v > 0 or v != v) else 0


@njit(inline="always")
def _conv_tile(vectors, xp, q, i, jj, wp, ow, oh, kb, j, f, y, yo, relu):
    if vectors == 4:
        _C4(xp, q, i, jj, wp, ow, oh, kb, j, f, y, yo, relu)
    elif vectors == 3:
        _C3(xp, q, i, jj, wp, ow, oh, kb, j, f, y, yo, relu)
    elif vectors == 2:
        _C2(xp, q, i, jj, wp, ow, oh, kb, j, f, y, yo, relu)
    else:
        _C1(xp, q, i, jj, wp, ow, oh, kb, j, f, y, yo, relu)


def tiled_applies(x, k, strides, y) -> bool:
    """Whether conv3x3_single_channel_tiled can run these operands."""
    return (gemm.AVAILABLE and tuple(strides) == (1, 1) and x.dtype == k.dtype == y.dtype == np.float32
            and k.shape[1] % gemm.LANES == 0 and y.flags.c_contiguous)


@njit
def conv3x3_single_channel_tiled(x, k, bias, pt, pl, relu, y, pooled):
    """conv3x3_single_channel at stride 1 in register tiles (see the module's docstring);
    float32, F % 16 == 0, y C-contiguous. When `pooled` (N, OH // 2, OW // 2, F) holds
    images, y is one image's scratch (1, OH, OW, F) and each image is max-pooled 2x2 into
    `pooled` while it is in cache (prediction through a MaxPooling2D)."""
    n_img, h, w, _ = x.shape
    _, oh, ow, f = y.shape
    pool = pooled.shape[0] > 0
    wp = ow + 2
    m = oh * wp
    xp = np.zeros(m + gemm.MAX_ROWS + 2 * wp + 2, dtype=x.dtype)
    kb = np.empty(10 * f, dtype=x.dtype)
    for s in range(9):
        for q in range(f):
            kb[s * f + q] = k[s, q]
    kb[9 * f:] = bias
    y_flat = y.reshape(-1)
    for n in range(n_img):
        for i in range(h):
            for j in range(w):
                xp[(pt + i) * wp + pl + j] = x[n, i, j, 0]
        yo = 0 if pool else n * oh * ow * f
        j0 = 0
        while j0 < f:
            vectors = min(4, (f - j0) // gemm.LANES)
            rows = gemm.ROWS[vectors]
            i = jj = 0
            for q in range(0, m, rows):
                _conv_tile(vectors, xp, q, i, jj, wp, ow, oh, kb, j0, f, y_flat, yo, relu)
                jj += rows
                while jj >= wp:
                    jj -= wp
                    i += 1
            j0 += vectors * gemm.LANES
        if pool:
            max_pool_2x2_into(y, pooled[n:n + 1])
