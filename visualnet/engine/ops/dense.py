"""Dense (fully connected) layer kernels for small matrices.

For the tiny products of small tabular models (batch 10, 8 -> 10 units), a call into
BLAS through NumPy costs more than the arithmetic (about 3 us for `np.matmul` with
`out=`, against 0.3-1 us for a compiled call), so below `SMALL_MACS` multiply-adds the
layer runs these loops instead: forward with the bias (and ReLU) fused, and the whole
backward (weight, bias and input gradients) in one call. Larger products go to ops.gemm
(AVX-512 register tiles; NumPy's BLAS where they do not apply), split by rows over the
cores inside `layer_parallel` (`matmul`, `matmul_tn`).
Generic over float32/float64 (float64 serves the gradient tests).
"""

import numpy as np

from visualnet.engine._jit import njit
from visualnet.engine.ops import gemm
from visualnet.engine.ops.split import bounds, layer_parts, split

_MIN_SPLIT_MACS = 1 << 23  # below this a part's GEMM is shorter than handing it to another thread

SMALL_MACS = 16384  # rows * inputs * units below which the loops beat a BLAS call


def is_small(rows, inputs, units):
    return rows * inputs * units <= SMALL_MACS


@njit(error_model="numpy")
def dense_forward(x, w, b, has_bias, z):
    """z = x @ w (+ b): x (rows, inputs), w (inputs, units), z (rows, units)."""
    rows, inputs = x.shape
    units = w.shape[1]
    for r in range(rows):
        for j in range(units):
            z[r, j] = b[j] if has_bias else 0
        for i in range(inputs):
            xi = x[r, i]
            for j in range(units):
                z[r, j] += xi * w[i, j]


@njit(error_model="numpy")
def dense_backward(x, w, dz, dw, db, has_bias, dx, need_dx):
    """dw = x.T @ dz, db = column sums of dz, dx = dz @ w.T (when need_dx)."""
    rows, inputs = x.shape
    units = w.shape[1]
    dw[:] = 0
    if has_bias:
        db[:] = 0
    for r in range(rows):
        for i in range(inputs):
            xi = x[r, i]
            for j in range(units):
                dw[i, j] += xi * dz[r, j]
        if has_bias:
            for j in range(units):
                db[j] += dz[r, j]
        if need_dx:
            for i in range(inputs):
                s = dz[r, 0] * w[i, 0]
                for j in range(1, units):
                    s += dz[r, j] * w[i, j]
                dx[r, i] = s


def splits(rows, inner, cols) -> bool:
    """Whether a product of this size is split over the cores inside `layer_parallel`."""
    return rows * inner * cols >= _MIN_SPLIT_MACS


def _parts(rows, inner, cols):
    parts = layer_parts()
    return parts if parts and parts > 1 and splits(rows, inner, cols) else None


_PACK_FLOATS = 1 << 14  # a transposed operand up to this size is copied so that the tiles apply
_NARROW = 64  # a weight gradient with fewer units than this (not a multiple of 16) is computed transposed


def partial_sums(rows, inner, cols) -> int:
    """How many arrays shaped like out `matmul` wants as `partials` for this product (0:
    it does not split the inner dimension)."""
    parts = _parts(rows, inner, cols)
    return parts - 1 if parts and rows < cols else 0


def matmul(a, b, out, partials=None):
    """out = a @ b (2-D); inside `layer_parallel`, large products in parallel. When a is the
    smaller operand and `partials` (parts - 1 arrays shaped like out) is given, the parts
    split the inner dimension: part i sums a[:, K_i] @ b[K_i] into out (i = 0) or
    partials[i - 1], which are then added to out. Each core so reads only its share of b's
    rows, the rows the optimizer's and the weight gradient's splits gave it: a kernel just
    updated by Adam is read from that core's own cache (Intel Xeon, W1's step, the
    addition included: 1-4.5% faster in three interleaved runs, 1,300 -> 1,268 us). Otherwise by blocks of columns when a is the smaller
    operand (each core then reads all of a and its share of b; W1's forward product: a step
    1,040 -> 1,010 us, interleaved), else by blocks of rows. A small b with strided rows
    (the transposed kernel of a 10-class output layer, in its input gradient) is copied
    first: the tiles then run it (W1: 22 -> 15 us, NumPy's BLAS on one thread against the
    copy and the tiles)."""
    if b.strides[-1] != b.itemsize and b.size <= _PACK_FLOATS:
        b = np.ascontiguousarray(b)  # the tiles read rows of b
    rows, cols = a.shape[0], b.shape[1]
    parts = _parts(rows, a.shape[1], cols)
    if parts is None:
        return gemm.matmul_2d(a, b, out)
    if rows < cols and partials is not None and len(partials) >= parts - 1 and a.shape[1] >= parts:
        sums = (out, *partials)
        split(a.shape[1], lambda lo, hi, i: gemm.matmul_2d(a[:, lo:hi], b[lo:hi], sums[i]), parts,
              lambda slots, lo, hi: gemm.fill_2d(slots, a[:, lo:hi], b[lo:hi], sums[bounds(a.shape[1], parts).index(lo)]))
        for p in sums[1:parts]:
            out += p
        return out
    if rows < cols and cols % gemm.LANES == 0:  # blocks of whole 16-float vectors
        v = gemm.LANES
        split(cols // v, lambda lo, hi, _: gemm.matmul_2d(a, b[:, lo * v:hi * v], out[:, lo * v:hi * v]), parts,
              lambda slots, lo, hi: gemm.fill_2d(slots, a, b[:, lo * v:hi * v], out[:, lo * v:hi * v]))
        return out
    split(rows, lambda lo, hi, _: gemm.matmul_2d(a[lo:hi], b, out[lo:hi]), parts,
          lambda slots, lo, hi: gemm.fill_2d(slots, a[lo:hi], b, out[lo:hi]))
    return out


def matmul_tn(a, b, out):
    """out = a.T @ b (2-D, a summed over its rows); in parallel like `matmul`, each part
    computing a block of out's rows (a's columns), so no partial sums to add (W1's weight
    gradient on two cores: 318 -> 289 us against splitting a's rows). A narrow b (a 10-class
    output layer's dz) is computed as out.T = b.T @ a, where the tiles apply (W1: 26 -> 13
    us against NumPy's BLAS on one thread)."""
    parts = _parts(a.shape[0], a.shape[1], b.shape[1])
    if parts is None:
        if b.shape[1] % gemm.LANES and b.shape[1] < _NARROW:
            t = np.empty((b.shape[1], a.shape[1]), out.dtype)
            if gemm.tiles_apply(b.T, a, t):  # out.T = b.T @ a: a's columns fill the tiles
                gemm.matmul_2d(b.T, a, t)
                out[...] = t.T
                return out
        return gemm.matmul_2d(a.T, b, out)
    split(a.shape[1], lambda lo, hi, _: gemm.matmul_2d(a[:, lo:hi].T, b, out[lo:hi]), parts,
          lambda slots, lo, hi: gemm.fill_2d(slots, a[:, lo:hi].T, b, out[lo:hi]))
    return out
