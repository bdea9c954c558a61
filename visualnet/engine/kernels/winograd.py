"""Winograd F(4x4, 3x3) transforms for 3x3 stride-1 convolutions (channels_last).

A tile t covers 4x4 outputs and the 6x6 inputs they read; for each of its 36 transform
points p = 6 * row + col, y = A^T [U ⊙ B^T d B] A with U = G g G^T (Lavin & Gray 2016),
so the convolution becomes 36 GEMMs (tiles x C) @ (C x F): 4x fewer multiplications than
the direct product. The adjoints: dW = G^T [E ⊙ V] G and dd = B [E ⊙ U] B^T with
E = A dy A^T. Each 1-D pass reads 6 (or 4) channel vectors and writes 6 (or 4), few
enough streams for LLVM to vectorize along the channels. The gradient transforms index
elements (a view per row costs more than its channels' arithmetic); the output transform
keeps its row views, which are faster there; the input
transform runs whole rows through `_bt_rows` (see there).
"""

import numpy as np

from visualnet.engine._jit import njit
from visualnet.engine.kernels.pool import max4

P = 36  # transform points per tile
TILE = 4  # outputs per tile side


@njit(inline="always")
def _consts(a):
    """The constants of the transforms, (2, 4, 5, 8), in a's dtype."""
    return a.dtype.type(2), a.dtype.type(4), a.dtype.type(5), a.dtype.type(8)


@njit(inline="always")
def _bt(d0, d1, d2, d3, d4, d5, k):
    """B^T d; k = (2, 4, 5, 8) in the arrays' dtype (an int literal would promote to float64)."""
    s = d4 - k[1] * d2
    t = d3 - k[1] * d1
    u = d4 - d2
    w = k[0] * (d3 - d1)
    return k[1] * d0 - k[2] * d2 + d4, s + t, s - t, u + w, u - w, k[1] * d1 - k[2] * d3 + d5


@njit(inline="always")
def _b(z0, z1, z2, z3, z4, z5, k):
    """B z (the adjoint of `_bt`)."""
    return (k[1] * z0, k[1] * (z2 - z1 + z5) + k[0] * (z4 - z3), -k[2] * z0 - k[1] * (z1 + z2) - z3 - z4,
            z1 - z2 + k[0] * (z3 - z4) - k[2] * z5, z0 + z1 + z2 + z3 + z4, z5)


@njit(inline="always")
def _at(m0, m1, m2, m3, m4, m5, k):
    """A^T m."""
    p, q = m1 + m2, m3 + m4
    r, s = m1 - m2, m3 - m4
    return m0 + p + q, r + k[0] * s, p + k[1] * q, r + k[3] * s + m5


@njit(inline="always")
def _a(g0, g1, g2, g3, k):
    """A g (the adjoint of `_at`)."""
    p, q = g0 + g2, g1 + g3
    r, s = g0 + k[1] * g2, k[0] * g1 + k[3] * g3
    return g0, p + q, p - q, r + s, r - s, g3


@njit
def _bt_rows(r0, r1, r2, r3, r4, r5, o0, o1, o2, o3, o4, o5, k):
    """(o0..o5)[j] = B^T (r0..r5)[j] over six 1-D arrays. A kernel of its own, called with
    separate 1-D slices: LLVM vectorizes this loop (checking overlap at run time), while
    the same loop over several views of one array inside a larger kernel stays scalar."""
    for j in range(r0.shape[0]):
        o0[j], o1[j], o2[j], o3[j], o4[j], o5[j] = _bt(r0[j], r1[j], r2[j], r3[j], r4[j], r5[j], k)


@njit(inline="always")
def _six(a, start, stride, length):
    """Six 1-D slices of `a`, `length` long, from `start` on, `stride` apart."""
    return (a[start:start + length], a[start + stride:start + stride + length],
            a[start + 2 * stride:start + 2 * stride + length], a[start + 3 * stride:start + 3 * stride + length],
            a[start + 4 * stride:start + 4 * stride + length], a[start + 5 * stride:start + 5 * stride + length])


@njit
def input_transform(x, pt, pl, th, tw, v):
    """v[p, t, :] = (B^T d B)[p] for each 6x6 input tile d of x (N, H, W, C), zero outside.

    Per tile row, B^T runs down the columns of six whole image rows at once (`e`, its
    padding columns zero); e's columns are regrouped by position mod 4 (`ph`), so that B
    along the rows is again one long pass per row of v: tile tj reads columns 4tj..4tj+5,
    phases 0-3 at tj and 0-1 at tj + 1: faster than per-tile loops from 16 channels up."""
    n_img, h, w, c = x.shape
    k = _consts(x)
    we = TILE * tw + 2  # the columns a tile row reads, padding included
    row = we * c
    e = np.zeros(6 * row, x.dtype)
    plane = (tw + 1) * c
    ph = np.zeros(6 * TILE * plane, x.dtype)
    xf, vf = x.reshape(x.size), v.reshape(v.size)
    zero = np.zeros(w * c, x.dtype)
    lo, m = pl * c, (min(pl + w, we) - pl) * c
    span, plane_v = tw * c, v.shape[1] * c  # a tile row's length in v, one point's plane
    for n in range(n_img):
        for ti in range(th):
            h0 = TILE * ti - pt
            b = (n * h + h0) * w * c
            r0 = xf[b:b + m] if 0 <= h0 < h else zero[:m]
            r1 = xf[b + w * c:b + w * c + m] if 0 <= h0 + 1 < h else zero[:m]
            r2 = xf[b + 2 * w * c:b + 2 * w * c + m] if 0 <= h0 + 2 < h else zero[:m]
            r3 = xf[b + 3 * w * c:b + 3 * w * c + m] if 0 <= h0 + 3 < h else zero[:m]
            r4 = xf[b + 4 * w * c:b + 4 * w * c + m] if 0 <= h0 + 4 < h else zero[:m]
            r5 = xf[b + 5 * w * c:b + 5 * w * c + m] if 0 <= h0 + 5 < h else zero[:m]
            e0, e1, e2, e3, e4, e5 = _six(e, lo, row, m)
            _bt_rows(r0, r1, r2, r3, r4, r5, e0, e1, e2, e3, e4, e5, k)
            for i in range(6):
                for col in range(we):
                    src, dst = i * row + col * c, (i * TILE + col % TILE) * plane + (col // TILE) * c
                    for ch in range(c):
                        ph[dst + ch] = e[src + ch]
            for i in range(6):
                q = i * TILE * plane  # phases 0-3 at tile tj, then phases 0-1 at tj + 1
                c0, c1 = ph[q:q + span], ph[q + plane:q + plane + span]
                c2, c3 = ph[q + 2 * plane:q + 2 * plane + span], ph[q + 3 * plane:q + 3 * plane + span]
                c4, c5 = ph[q + c:q + c + span], ph[q + plane + c:q + plane + c + span]
                v0, v1, v2, v3, v4, v5 = _six(vf, (6 * i * v.shape[1] + (n * th + ti) * tw) * c, plane_v, span)
                _bt_rows(c0, c1, c2, c3, c4, c5, v0, v1, v2, v3, v4, v5, k)


@njit
def output_transform(m, bias, relu, pool, th, tw, y):
    """y's 4x4 tile t = (A^T m A) + bias, then max(0, .) if `relu` (NaN kept, as Keras
    does); cells past y's edge dropped. With `pool`, y is the 2x2 stride-2 max pooling
    of that (a tile holds whole 2x2 windows), written as a 2x2 tile."""
    n_img, oh, ow, f = y.shape
    k = _consts(y)
    q = np.empty((6, 4, f), y.dtype)
    o = np.empty((4, 4, f), y.dtype)
    for n in range(n_img):
        for ti in range(th):
            for tj in range(tw):
                t = (n * th + ti) * tw + tj
                for r in range(6):
                    a0, a1, a2 = m[6 * r, t], m[6 * r + 1, t], m[6 * r + 2, t]
                    a3, a4, a5 = m[6 * r + 3, t], m[6 * r + 4, t], m[6 * r + 5, t]
                    q0, q1, q2, q3 = q[r, 0], q[r, 1], q[r, 2], q[r, 3]
                    for ch in range(f):
                        q0[ch], q1[ch], q2[ch], q3[ch] = _at(a0[ch], a1[ch], a2[ch], a3[ch], a4[ch], a5[ch], k)
                for s in range(4):
                    a0, a1, a2, a3, a4, a5 = q[0, s], q[1, s], q[2, s], q[3, s], q[4, s], q[5, s]
                    o0, o1, o2, o3 = o[0, s], o[1, s], o[2, s], o[3, s]
                    for ch in range(f):
                        o0[ch], o1[ch], o2[ch], o3[ch] = _at(a0[ch], a1[ch], a2[ch], a3[ch], a4[ch], a5[ch], k)
                if pool:
                    for a in range(min(2, oh - 2 * ti)):
                        for b in range(min(2, ow - 2 * tj)):
                            p0, p1 = o[2 * a, 2 * b], o[2 * a, 2 * b + 1]
                            p2, p3 = o[2 * a + 1, 2 * b], o[2 * a + 1, 2 * b + 1]
                            dst = y[n, 2 * ti + a, 2 * tj + b]
                            for ch in range(f):
                                v = max4(p0[ch], p1[ch], p2[ch], p3[ch]) + bias[ch]
                                dst[ch] = v if (not relu or v > 0 or v != v) else 0
                    continue
                for a in range(min(TILE, oh - TILE * ti)):
                    for b in range(min(TILE, ow - TILE * tj)):
                        dst, src = y[n, TILE * ti + a, TILE * tj + b], o[a, b]
                        if relu:
                            for ch in range(f):
                                v = src[ch] + bias[ch]
                                dst[ch] = v if (v > 0 or v != v) else 0
                        else:
                            for ch in range(f):
                                dst[ch] = src[ch] + bias[ch]


@njit
def grad_output_transform(dy, th, tw, e, dbias):
    """e[p, t, :] = (A g A^T)[p] for each 4x4 tile g of dy; dbias += the sum of dy.
    Tiles inside dy are read in place; a tile over the edge is copied, zero-padded, first."""
    n_img, oh, ow, f = dy.shape
    k = _consts(dy)
    g = np.empty((1, 4, 4, f), dy.dtype)
    q = np.empty((6, 4, f), dy.dtype)
    for n in range(n_img):
        for ti in range(th):
            i0 = TILE * ti
            for tj in range(tw):
                t = (n * th + ti) * tw + tj
                j0 = TILE * tj
                if i0 + TILE <= oh and j0 + TILE <= ow:
                    src, sn, si, sj = dy, n, i0, j0
                else:
                    for a in range(TILE):
                        for b in range(TILE):
                            if i0 + a < oh and j0 + b < ow:
                                for ch in range(f):
                                    g[0, a, b, ch] = dy[n, i0 + a, j0 + b, ch]
                            else:
                                for ch in range(f):
                                    g[0, a, b, ch] = 0
                    src, sn, si, sj = g, 0, 0, 0
                for s in range(TILE):
                    for ch in range(f):
                        g0, g1, g2, g3 = src[sn, si, sj + s, ch], src[sn, si + 1, sj + s, ch], \
                            src[sn, si + 2, sj + s, ch], src[sn, si + 3, sj + s, ch]
                        dbias[ch] += g0 + g1 + g2 + g3
                        q[0, s, ch], q[1, s, ch], q[2, s, ch], q[3, s, ch], q[4, s, ch], q[5, s, ch] = _a(
                            g0, g1, g2, g3, k)
                for r in range(6):
                    p = 6 * r
                    for ch in range(f):
                        e[p, t, ch], e[p + 1, t, ch], e[p + 2, t, ch], e[p + 3, t, ch], e[p + 4, t, ch], \
                            e[p + 5, t, ch] = _a(q[r, 0, ch], q[r, 1, ch], q[r, 2, ch], q[r, 3, ch], k)


@njit
def grad_input_transform(z, pt, pl, th, tw, dx):
    """dx (zeroed first) = the overlap-add of the tiles' B z B^T (cells in the padding dropped)."""
    n_img, h, w, c = dx.shape
    k = _consts(dx)
    q = np.empty((6, 6, c), dx.dtype)
    for n in range(n_img):
        dx[n] = 0
        for ti in range(th):
            h0 = TILE * ti - pt
            for tj in range(tw):
                t = (n * th + ti) * tw + tj
                w0 = TILE * tj - pl
                for r in range(6):
                    p = 6 * r
                    for ch in range(c):
                        q[r, 0, ch], q[r, 1, ch], q[r, 2, ch], q[r, 3, ch], q[r, 4, ch], q[r, 5, ch] = _b(
                            z[p, t, ch], z[p + 1, t, ch], z[p + 2, t, ch], z[p + 3, t, ch], z[p + 4, t, ch],
                            z[p + 5, t, ch], k)
                for s in range(6):
                    for ch in range(c):
                        q[0, s, ch], q[1, s, ch], q[2, s, ch], q[3, s, ch], q[4, s, ch], q[5, s, ch] = _b(
                            q[0, s, ch], q[1, s, ch], q[2, s, ch], q[3, s, ch], q[4, s, ch], q[5, s, ch], k)
                for r in range(6):
                    hi = h0 + r
                    if hi < 0 or hi >= h:
                        continue
                    for s in range(6):
                        wi = w0 + s
                        if 0 <= wi < w:
                            for ch in range(c):
                                dx[n, hi, wi, ch] += q[r, s, ch]


_G = np.array([[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6],
               [1 / 24, 1 / 12, 1 / 6], [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]])


def kernel_transform(kernel, out=None):
    """U[p, c, f] = (G g G^T)[p] of a (3, 3, C, F) kernel, computed in float64, into `out`
    (36, C, F) if given."""
    c, f = kernel.shape[2:]
    t = np.dot(_G, kernel.reshape(3, -1)).reshape(6, 3, c * f)  # G along the kernel's rows
    u = np.matmul(_G, t).reshape(P, c, f)  # and along its columns
    if out is None:
        return u.astype(kernel.dtype)
    out[...] = u
    return out


def kernel_grad(wt):
    """dW (3, 3, C, F) = G^T W G of W[p, c, f], computed in float64."""
    c, f = wt.shape[1:]
    t = np.dot(_G.T, wt.reshape(6, -1)).reshape(3, 6, c * f)
    return np.matmul(_G.T, t).reshape(3, 3, c, f).astype(wt.dtype)


def tiles(oh, ow):
    """(tile rows, tile columns) covering an oh x ow output."""
    return -(-oh // TILE), -(-ow // TILE)
