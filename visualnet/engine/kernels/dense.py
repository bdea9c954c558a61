"""Dense (fully connected) layer kernels for small matrices.

For the tiny products of small tabular models (batch 10, 8 -> 10 units), a call into
BLAS through NumPy costs more than the arithmetic (a compiled call costs a fraction of
it), so below `SMALL_MACS` multiply-adds the layer runs these loops instead: forward with
the bias (and ReLU) fused, and the whole backward (weight, bias and input gradients) in
one call. Larger products go to gemm.py
(AVX-512 register tiles; NumPy's BLAS where they do not apply), split by rows over the
cores inside `layer_parallel` (`matmul`, `matmul_tn`).
Generic over float32/float64 (float64 serves the gradient tests).
"""

import numba
import numpy as np

from visualnet.engine._jit import njit
from visualnet.engine.kernels import gemm
from visualnet.engine.runtime import jobs
from visualnet.engine.runtime.split import bounds, layer_parts, split

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
    updated by Adam is read from that core's own cache. Otherwise by blocks of columns when
    a is the smaller operand (each core then reads all of a and its share of b), else by
    blocks of rows. A small b with strided rows (the transposed kernel of a 10-class output
    layer, in its input gradient) is copied first: the tiles then run it, faster than
    NumPy's BLAS on the strided operand. (Figures: benchmarks/RESULTS.md.)"""
    if packs_b(b):
        b = np.ascontiguousarray(b)  # the tiles read rows of b
    parts, sums = products(a, b, out, partials)
    _run(parts)
    for p in sums:
        out += p
    return out


def packs_b(b) -> bool:
    """Whether `matmul` first copies b to contiguous rows."""
    return b.strides[-1] != b.itemsize and b.size <= _PACK_FLOATS


def products(a, b, out, partials=None):
    """How `matmul(a, b, out, partials)` runs (b as the tiles read it): (parts, sums), where
    part i, on core i, computes out_i = a_i @ b_i (`product`), and then each of `sums` is
    added to out."""
    rows, cols = a.shape[0], b.shape[1]
    parts = _parts(rows, a.shape[1], cols)
    if parts is None:
        return [(a, b, out)], ()
    if rows < cols and partials is not None and len(partials) >= parts - 1 and a.shape[1] >= parts:
        sums = (out, *partials)
        edges = bounds(a.shape[1], parts)
        return [(a[:, lo:hi], b[lo:hi], sums[i]) for i, (lo, hi) in enumerate(zip(edges, edges[1:]))], \
            sums[1:parts]
    if rows < cols and cols % gemm.LANES == 0:  # blocks of whole 16-float vectors
        v = gemm.LANES
        edges = bounds(cols // v, parts)
        return [(a, b[:, lo * v:hi * v], out[:, lo * v:hi * v]) for lo, hi in zip(edges, edges[1:])], ()
    edges = bounds(rows, parts)
    return [(a[lo:hi], b, out[lo:hi]) for lo, hi in zip(edges, edges[1:])], ()


def matmul_tn(a, b, out):
    """out = a.T @ b (2-D, a summed over its rows); in parallel like `matmul`, each part
    computing a block of out's rows (a's columns), so no partial sums to add. A narrow b (a
    10-class output layer's dz) is computed as out.T = b.T @ a, where the tiles apply."""
    if transposes_tn(a, b, out):
        t = np.empty((b.shape[1], a.shape[1]), out.dtype)
        gemm.matmul_2d(b.T, a, t)
        out[...] = t.T
        return out
    _run(products_tn(a, b, out))
    return out


def transposes_tn(a, b, out) -> bool:
    """Whether `matmul_tn` computes out.T = b.T @ a, then copies it transposed into out."""
    return (_parts(a.shape[0], a.shape[1], b.shape[1]) is None and b.shape[1] % gemm.LANES != 0
            and b.shape[1] < _NARROW and out.dtype == np.float32 and gemm.tiles_apply(b.T, a, a))


def products_tn(a, b, out):
    """`matmul_tn(a, b, out)`'s parts, as `products` gives them (no sums)."""
    parts = _parts(a.shape[0], a.shape[1], b.shape[1])
    if parts is None:
        return [(a.T, b, out)]
    edges = bounds(a.shape[1], parts)
    return [(a[:, lo:hi].T, b, out[lo:hi]) for lo, hi in zip(edges, edges[1:])]


def pads(a, b, out) -> bool:
    """Whether `product` runs the tiles on a copy of b padded to whole vectors
    (`gemm.matmul_padded`: a narrow output layer's forward product). A compiled program
    (engine/steps/dense_program.py) runs the same kernel, so a step run from Python
    computes the same bits; there it costs a little against NumPy's product."""
    n = b.shape[1]
    return (n % gemm.LANES != 0 and n < _NARROW and gemm.AVAILABLE and a.dtype == b.dtype == out.dtype == np.float32
            and a.shape[1] > 0)


def product(a, b, out):
    """out = a @ b on this thread: the tiles (through a padded copy of a narrow b), else
    NumPy's matmul."""
    if pads(a, b, out):
        gemm.matmul_padded(a, b, out)
        return out
    return gemm.matmul_2d(a, b, out)


def _run(parts) -> None:
    """Each part's product, the parts in parallel (`split`); a worker's part as a compiled
    job where the tiles run it."""
    if len(parts) == 1:
        product(*parts[0])
        return
    split(len(parts), lambda lo, hi, _: product(*parts[lo]), len(parts),
          lambda slots, lo, hi: fill_product(slots, *parts[lo]))


ADD_SLOTS = jobs.layout("dense_add", "out", "p", "size")  # the add job's slots (runtime/jobs.py)


def _add_job(slots_pointer):
    """out += p over `size` floats (the K split's partial sum, as NumPy's `out += p`)."""
    s = numba.carray(slots_pointer, jobs.SLOTS)
    size = s[ADD_SLOTS.size]
    out, p = jobs.vector(s[ADD_SLOTS.out], size), jobs.vector(s[ADD_SLOTS.p], size)
    for i in range(size):
        out[i] += p[i]


_add_address = jobs.cfunc(_add_job)


def fill_add(slots, out, p) -> None:
    """Write `out += p` (C-ordered float32, same shape) as a compiled job."""
    if out.flags.c_contiguous and p.flags.c_contiguous and out.shape == p.shape and out.dtype == p.dtype == np.float32:
        L = ADD_SLOTS
        slots[L.out], slots[L.p], slots[L.size] = out.ctypes.data, p.ctypes.data, out.size
        slots[0] = _add_address()


def fill_product(slots, a, b, out) -> None:
    """Write `product(a, b, out)` as a compiled job (slots[0] stays 0 where it cannot be)."""
    if pads(a, b, out):
        gemm.fill_padded(slots, a, b, out)
    else:
        gemm.fill_2d(slots, a, b, out)
