"""Small float32 matrix products in AVX-512 register tiles: `matmul(a, b, out, accumulate)`.

Winograd turns a convolution into 36 products of a few hundred rows by 16-256 channels.
NumPy's OpenBLAS may be held to its AVX2 kernels (this project's development machines set
OPENBLAS_CORETYPE=Haswell on AVX-512 CPUs), which caps such products at half the core's
speed. Here each block of R rows by 16*V columns of the result is summed in R*V vector
registers (V 16-float vectors per row, R*V + V + 1 <= 32 registers), one broadcast of A
and V loads of B per step along K: the register tile of every fast GEMM, written in LLVM
IR through a Numba intrinsic because Numba's loops do not keep accumulators in registers.
A product's last rows run in a tile whose extra rows repeat its last one, unstored. Where
several tiles of rows share a block of columns, the first copies the block of b it reads
into a contiguous panel for the others: b's rows 2 KB apart (a 512-unit kernel) alias in
the caches. Dense
layers, im2col and the direct first convolution use the tiles too. Where the JIT target
lacks AVX-512F, the JIT is disabled, the dtype is not float32 or N is not a multiple of
16, `matmul` is NumPy's.
"""

from __future__ import annotations

import numba
import numpy as np
from llvmlite import binding, ir
from numba import types
from numba.core import cgutils, config
from numba.extending import intrinsic

from visualnet.engine._jit import njit
from visualnet.engine.runtime import jobs
from visualnet.engine.runtime.spin import data

LANES = 16
ROWS = (0, 12, 12, 8, 6)  # rows of a tile with 1-4 vectors per row
MAX_ROWS = max(ROWS)


def _target_has_avx512() -> bool:
    try:
        features = config.CPU_FEATURES if config.CPU_FEATURES is not None \
            else binding.get_host_cpu_features().flatten()
    except RuntimeError:
        return False
    return "+avx512f" in features.split(",")


AVAILABLE = not numba.config.DISABLE_JIT and _target_has_avx512()


class TileCode:
    """LLVM IR of a register tile: rows x vectors accumulators of 16 floats (in allocas,
    which LLVM promotes to registers), built into a Numba intrinsic's codegen."""

    vec = ir.VectorType(ir.FloatType(), LANES)
    i64 = ir.IntType(64)

    def __init__(self, builder, rows, vectors):
        self.builder, self.rows, self.vectors = builder, rows, vectors
        self.fma = cgutils.get_or_insert_function(builder.module, ir.FunctionType(self.vec, [self.vec] * 3),
                                                  f"llvm.fma.v{LANES}f32")
        self.acc = [[cgutils.alloca_once(builder, self.vec) for _ in range(vectors)] for _ in range(rows)]

    def const(self, n):
        return ir.Constant(self.i64, n)

    def add(self, *terms):
        total = terms[0]
        for t in terms[1:]:
            total = self.builder.add(total, t)
        return total

    def mul(self, a, n):
        return self.builder.mul(a, self.const(n) if isinstance(n, int) else n)

    def vector_at(self, base, offset):
        """Pointer to the 16 floats at base[offset]."""
        return self.builder.bitcast(self.builder.gep(base, [offset]), self.vec.as_pointer())

    def load(self, base, offset):
        return self.builder.load(self.vector_at(base, offset), align=4)

    def set_all(self, value_of):
        """Accumulator (r, v) = value_of(r, v)."""
        for r in range(self.rows):
            for v in range(self.vectors):
                self.builder.store(value_of(r, v), self.acc[r][v])

    def get(self, r, v):
        return self.builder.load(self.acc[r][v])

    def step(self, a, a_row, b, b_at, panel=None, panel_at=None):
        """One step along K: V loads of b (vector v at b[b_at + 16v]), also stored at
        panel[panel_at + 16v] if a panel is given; per row r a broadcast of a[a_row(r)] and
        V fused multiply-adds."""
        bld = self.builder
        undef = ir.Constant(self.vec, ir.Undefined)
        splat = ir.Constant(ir.VectorType(ir.IntType(32), LANES), [0] * LANES)
        bs = [self.load(b, self.add(b_at, self.const(v * LANES))) for v in range(self.vectors)]
        if panel is not None:
            for v, x in enumerate(bs):
                bld.store(x, self.vector_at(panel, self.add(panel_at, self.const(v * LANES))), align=4)
        for r in range(self.rows):
            s = bld.load(bld.gep(a, [a_row(r)]))
            s = bld.shuffle_vector(bld.insert_element(undef, s, ir.Constant(ir.IntType(32), 0)), undef, splat)
            for v in range(self.vectors):
                bld.store(bld.call(self.fma, [s, bs[v], self.get(r, v)]), self.acc[r][v])


def _tile_intrinsic(rows, vectors, packs):
    """c[i:i+valid, j:j+16*vectors] (+)= a[i:i+valid, :k] @ b[:k, j:j+16*vectors], where
    a's element (r, s) is at a[ia + r*sai + s*sak], b's row s at b[ib + s*ldb] and c's row
    r at c[ic + r*ldc] (flat offsets into each array's data, in elements). A tile's rows
    past `valid` (<= rows) repeat its last row and are not stored: the last rows of a
    product need no copy. If `packs`, the tile takes one more argument, a panel, into which
    it copies the rows of b it reads (row s at panel[s*16*vectors]): the product's next
    tiles then read b contiguously."""

    def typer(a, b, c, panel):
        sig = types.void(a, types.intp, types.intp, types.intp, b, types.intp, types.intp,
                         c, types.intp, types.intp, types.intp, types.intp, types.boolean, *panel)

        def codegen(context, builder, signature, args):
            a_, ia, sai, sak, b_, ib, ldb, c_, ic, ldc, k, valid, accumulate = args[:13]
            ap, bp, cp = (data(context, builder, signature.args[i], args[i]) for i in (0, 4, 7))
            pp = data(context, builder, signature.args[13], args[13]) if packs else None
            t = TileCode(builder, rows, vectors)
            last = builder.sub(valid, t.const(1))
            row = [t.const(0)] + [builder.select(builder.icmp_signed("<", t.const(r), valid), t.const(r), last)
                                  for r in range(1, rows)]  # rows past `valid`: the last one again

            def c_at(r, v):
                return t.add(ic, builder.mul(ldc, row[r]), t.const(v * LANES))

            with builder.if_else(accumulate) as (load, zero):
                with load:
                    t.set_all(lambda r, v: t.load(cp, c_at(r, v)))
                with zero:
                    t.set_all(lambda r, v: ir.Constant(t.vec, None))
            with cgutils.for_range(builder, k) as loop:
                col = t.add(ia, builder.mul(loop.index, sak))
                t.step(ap, lambda r: t.add(col, builder.mul(sai, row[r])), bp,
                       t.add(ib, builder.mul(loop.index, ldb)), pp, t.mul(loop.index, vectors * LANES))
            for r in range(rows):
                with builder.if_then(builder.icmp_signed("<", t.const(r), valid)):
                    for v in range(vectors):
                        builder.store(t.get(r, v), t.vector_at(cp, c_at(r, v)), align=4)
            return context.get_dummy_value()

        return sig, codegen

    if packs:
        return intrinsic(lambda ctx, a, ia, sai, sak, b, ib, ldb, c, ic, ldc, k, valid, accumulate, panel:
                         typer(a, b, c, (panel,)))
    return intrinsic(lambda ctx, a, ia, sai, sak, b, ib, ldb, c, ic, ldc, k, valid, accumulate: typer(a, b, c, ()))


_T1, _T2, _T3, _T4 = (_tile_intrinsic(ROWS[v], v, False) for v in (1, 2, 3, 4))
_P1, _P2, _P3, _P4 = (_tile_intrinsic(ROWS[v], v, True) for v in (1, 2, 3, 4))
_PANEL_FLOATS = 1 << 16  # the largest panel (k rows by up to 64 columns) a product packs: 256 KB


@njit(inline="always")
def _tile(vectors, a, ia, sai, sak, b, ib, ldb, c, ic, ldc, k, valid, accumulate):
    if vectors == 4:
        _T4(a, ia, sai, sak, b, ib, ldb, c, ic, ldc, k, valid, accumulate)
    elif vectors == 3:
        _T3(a, ia, sai, sak, b, ib, ldb, c, ic, ldc, k, valid, accumulate)
    elif vectors == 2:
        _T2(a, ia, sai, sak, b, ib, ldb, c, ic, ldc, k, valid, accumulate)
    else:
        _T1(a, ia, sai, sak, b, ib, ldb, c, ic, ldc, k, valid, accumulate)


@njit(inline="always")
def _packing_tile(vectors, a, ia, sai, sak, b, ib, ldb, c, ic, ldc, k, valid, accumulate, panel):
    if vectors == 4:
        _P4(a, ia, sai, sak, b, ib, ldb, c, ic, ldc, k, valid, accumulate, panel)
    elif vectors == 3:
        _P3(a, ia, sai, sak, b, ib, ldb, c, ic, ldc, k, valid, accumulate, panel)
    elif vectors == 2:
        _P2(a, ia, sai, sak, b, ib, ldb, c, ic, ldc, k, valid, accumulate, panel)
    else:
        _P1(a, ia, sai, sak, b, ib, ldb, c, ic, ldc, k, valid, accumulate, panel)


@njit(inline="always")
def _matmul_at(a, ia, sai, sak, b, ib, ldb, c, ic, ldc, m, n, k, accumulate):
    """c (+)= a @ b for one (m, k) @ (k, n) product at flat offsets and strides (in elements).
    Where a block of columns spans several tiles of rows and b's rows are not already
    panel-wide, the first tile copies the block's rows of b into a contiguous panel that
    the others read."""
    packs = m > MAX_ROWS and ldb > 4 * LANES and k * 4 * LANES <= _PANEL_FLOATS
    panel = np.empty(k * 4 * LANES if packs else 0, np.float32)
    j = 0
    while j < n:
        vectors = min(4, (n - j) // LANES)
        rows = ROWS[vectors]
        if packs and m > rows:
            _packing_tile(vectors, a, ia, sai, sak, b, ib + j, ldb, c, ic + j, ldc, k, rows, accumulate, panel)
            for i in range(rows, m, rows):
                _tile(vectors, a, ia + i * sai, sai, sak, panel, 0, vectors * LANES, c, ic + i * ldc + j, ldc, k,
                      min(rows, m - i), accumulate)
        else:
            for i in range(0, m, rows):
                _tile(vectors, a, ia + i * sai, sai, sak, b, ib + j, ldb, c, ic + i * ldc + j, ldc, k,
                      min(rows, m - i), accumulate)
        j += vectors * LANES


@njit
def _matmul(a, b, c, accumulate):
    """c (+)= a @ b over the leading axis; b's and c's rows contiguous, N % 16 == 0."""
    batch, m, k = a.shape
    n = b.shape[2]
    item = a.itemsize
    sa, sai, sak = a.strides[0] // item, a.strides[1] // item, a.strides[2] // item
    sb, ldb = b.strides[0] // item, b.strides[1] // item
    sc, ldc = c.strides[0] // item, c.strides[1] // item
    for p in range(batch):
        _matmul_at(a, p * sa, sai, sak, b, p * sb, ldb, c, p * sc, ldc, m, n, k, accumulate)


@njit
def matmul_padded(a, b, c):
    """c = a @ b (2-D, float32) for a narrow b (n % 16 != 0, a 10-class output layer's
    kernel): through a copy of b padded with zero columns to whole vectors, and a result
    that wide, whose first n columns are copied to c."""
    m, k = a.shape
    n = b.shape[1]
    width = -(-n // LANES) * LANES
    wide = np.zeros((k, width), np.float32)
    wide[:, :n] = b
    result = np.empty((m, width), np.float32)
    item = a.itemsize
    _matmul_at(a, 0, a.strides[0] // item, a.strides[1] // item, wide, 0, width, result, 0, width, m, width, k,
               False)
    c[:, :] = result[:, :n]


# compiled jobs' slots (runtime/jobs.py): addresses, strides in items, sizes
TILE_SLOTS = jobs.layout("gemm_tiles", "a", "a_row", "a_col", "b", "b_row", "c", "c_row", "m", "n", "k",
                         "accumulate")
PADDED_SLOTS = jobs.layout("gemm_padded", "a", "b", "c", "m", "k", "n")
COPY_SLOTS = jobs.layout("gemm_copy", "src", "src_row", "src_col", "dst", "rows", "cols")


def _job(slots_pointer):
    """A compiled job (runtime/jobs.py): `_matmul_at` on the arguments `fill_2d` wrote."""
    s = numba.carray(slots_pointer, jobs.SLOTS)
    L = TILE_SLOTS
    _matmul_at(jobs.floats(s[L.a]), 0, s[L.a_row], s[L.a_col], jobs.floats(s[L.b]), 0, s[L.b_row],
               jobs.floats(s[L.c]), 0, s[L.c_row], s[L.m], s[L.n], s[L.k], s[L.accumulate] != 0)


_job_address = jobs.cfunc(_job)


@njit
def _fill(slots, job, a, b, c):
    item, L = a.itemsize, TILE_SLOTS
    slots[L.a], slots[L.a_row], slots[L.a_col] = jobs.address(a), a.strides[0] // item, a.strides[1] // item
    slots[L.b], slots[L.b_row] = jobs.address(b), b.strides[0] // item
    slots[L.c], slots[L.c_row] = jobs.address(c), c.strides[0] // item
    slots[L.m], slots[L.n], slots[L.k], slots[L.accumulate] = a.shape[0], b.shape[1], a.shape[1], 0
    slots[0] = job


def _padded_job(slots_pointer):
    """`matmul_padded` on C-ordered operands: a (m, k), b (k, n), c (m, n)."""
    s = numba.carray(slots_pointer, jobs.SLOTS)
    L = PADDED_SLOTS
    m, k, n = s[L.m], s[L.k], s[L.n]
    matmul_padded(jobs.matrix(s[L.a], m, k), jobs.matrix(s[L.b], k, n), jobs.matrix(s[L.c], m, n))


_padded_address = jobs.cfunc(_padded_job)


def fill_padded(slots, a: np.ndarray, b: np.ndarray, c: np.ndarray) -> None:
    """Write `matmul_padded(a, b, c)` as a compiled job (C-ordered float32 operands only)."""
    if all(x.flags.c_contiguous and x.dtype == np.float32 for x in (a, b, c)):
        L = PADDED_SLOTS
        slots[L.a], slots[L.b], slots[L.c] = a.ctypes.data, b.ctypes.data, c.ctypes.data
        slots[L.m], slots[L.k], slots[L.n] = a.shape[0], a.shape[1], b.shape[1]
        slots[0] = _padded_address()


def _copy_job(slots_pointer):
    """dst[i, j] = src[i * s0 + j * s1] for dst (rows, cols) C-ordered (strides in floats)."""
    s = numba.carray(slots_pointer, jobs.SLOTS)
    L = COPY_SLOTS
    src, s0, s1, rows, cols = jobs.floats(s[L.src]), s[L.src_row], s[L.src_col], s[L.rows], s[L.cols]
    dst = jobs.matrix(s[L.dst], rows, cols)
    for i in range(rows):
        for j in range(cols):
            dst[i, j] = src[i * s0 + j * s1]


_copy_address = jobs.cfunc(_copy_job)


def fill_copy(slots, src: np.ndarray, dst: np.ndarray) -> None:
    """Write dst[...] = src (2-D float32, dst C-ordered) as a compiled job."""
    if src.dtype == dst.dtype == np.float32 and dst.flags.c_contiguous and src.shape == dst.shape:
        L = COPY_SLOTS
        slots[L.src], slots[L.src_row], slots[L.src_col] = src.ctypes.data, src.strides[0] // 4, src.strides[1] // 4
        slots[L.dst], slots[L.rows], slots[L.cols] = dst.ctypes.data, dst.shape[0], dst.shape[1]
        slots[0] = _copy_address()


def tiles_apply(a, b, out) -> bool:
    """Whether `matmul(a, b, out)` runs the register tiles (else NumPy's matmul)."""
    return (AVAILABLE and a.dtype == b.dtype == out.dtype == np.float32 and b.shape[-1] % LANES == 0
            and b.strides[-1] == out.strides[-1] == 4 and a.shape[-1] > 0)


def fill_2d(slots, a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    """Write `matmul_2d(a, b, out)` into a worker's slots as a compiled job (slots[0] stays 0
    where the tiles do not apply: the worker then runs the part's Python function)."""
    if tiles_apply(a, b, out) and a.shape[0] > 0:
        _fill(slots, _job_address(), a, b, out)


def matmul(a: np.ndarray, b: np.ndarray, out: np.ndarray, accumulate: bool = False,
           scratch: np.ndarray | None = None) -> np.ndarray:
    """out = a @ b (out += a @ b if `accumulate`) for stacks of matrices a (P, M, K),
    b (P, K, N), out (P, M, N); a may be any strided view (a transpose). `scratch`, shaped
    like out, spares NumPy's path an allocation when accumulating."""
    if not tiles_apply(a, b, out):
        if accumulate:
            out += np.matmul(a, b, out=scratch)
        else:
            np.matmul(a, b, out=out)
        return out
    _matmul(a, b, out, accumulate)
    return out


def matmul_2d(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> np.ndarray:
    """out = a @ b for 2-D operands (a may be a transpose)."""
    matmul(a[None], b[None], out[None])
    return out
