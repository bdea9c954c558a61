"""Small float32 matrix products in AVX-512 register tiles: `matmul(a, b, out, accumulate)`.

Winograd turns a convolution into 36 products of a few hundred rows by 16-256 channels.
NumPy's OpenBLAS may be held to its AVX2 kernels (this project's development machines set
OPENBLAS_CORETYPE=Haswell on AVX-512 CPUs), which caps such products at half the core's
speed. Here each block of R rows by 16*V columns of the result is summed in R*V vector
registers (V 16-float vectors per row, R*V + V + 1 <= 32 registers), one broadcast of A
and V loads of B per step along K: the register tile of every fast GEMM, written in LLVM
IR through a Numba intrinsic because Numba's loops do not keep accumulators in registers.
Rows left over are copied to a zero-padded scratch tile. Where the JIT target lacks
AVX-512F, the JIT is disabled, the dtype is not float32 or N is not a multiple of 16,
`matmul` is NumPy's.
"""

from __future__ import annotations

import numba
import numpy as np
from llvmlite import binding, ir
from numba import types
from numba.core import cgutils, config
from numba.extending import intrinsic

from visualnet.engine._jit import njit

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


def _tile_intrinsic(rows, vectors):
    """c[i:i+rows, j:j+16*vectors] (+)= a[i:i+rows, :k] @ b[:k, j:j+16*vectors], where
    a's element (r, s) is at a[ia + r*sai + s*sak], b's row s at b[ib + s*ldb] and c's row
    r at c[ic + r*ldc] (flat offsets into each array's data, in elements)."""
    vec = ir.VectorType(ir.FloatType(), LANES)
    i64 = ir.IntType(64)

    @intrinsic
    def tile(typingctx, a, ia, sai, sak, b, ib, ldb, c, ic, ldc, k, accumulate):
        sig = types.void(a, types.intp, types.intp, types.intp, b, types.intp, types.intp,
                         c, types.intp, types.intp, types.intp, types.boolean)

        def codegen(context, builder, signature, args):
            a_, ia_, sai_, sak_, b_, ib_, ldb_, c_, ic_, ldc_, k_, acc_ = args
            ap = context.make_array(signature.args[0])(context, builder, a_).data
            bp = context.make_array(signature.args[4])(context, builder, b_).data
            cp = context.make_array(signature.args[7])(context, builder, c_).data
            fma = cgutils.get_or_insert_function(builder.module, ir.FunctionType(vec, [vec] * 3),
                                                 f"llvm.fma.v{LANES}f32")

            def const(n):
                return ir.Constant(i64, n)

            def vector_at(base, offset):
                return builder.bitcast(builder.gep(base, [offset]), vec.as_pointer())

            def c_at(r, v):
                return vector_at(cp, builder.add(ic_, builder.add(builder.mul(const(r), ldc_), const(v * LANES))))

            acc = [[cgutils.alloca_once(builder, vec) for _ in range(vectors)] for _ in range(rows)]
            with builder.if_else(acc_) as (load, zero):
                with load:
                    for r in range(rows):
                        for v in range(vectors):
                            builder.store(builder.load(c_at(r, v), align=4), acc[r][v])
                with zero:
                    for r in range(rows):
                        for v in range(vectors):
                            builder.store(ir.Constant(vec, None), acc[r][v])
            undef = ir.Constant(vec, ir.Undefined)
            splat = ir.Constant(ir.VectorType(ir.IntType(32), LANES), [0] * LANES)
            with cgutils.for_range(builder, k_) as loop:
                row_b = builder.add(ib_, builder.mul(loop.index, ldb_))
                bs = [builder.load(vector_at(bp, builder.add(row_b, const(v * LANES))), align=4)
                      for v in range(vectors)]
                col_a = builder.add(ia_, builder.mul(loop.index, sak_))
                for r in range(rows):
                    s = builder.load(builder.gep(ap, [builder.add(col_a, builder.mul(const(r), sai_))]))
                    s = builder.shuffle_vector(builder.insert_element(undef, s, ir.Constant(ir.IntType(32), 0)),
                                               undef, splat)
                    for v in range(vectors):
                        builder.store(builder.call(fma, [s, bs[v], builder.load(acc[r][v])]), acc[r][v])
            for r in range(rows):
                for v in range(vectors):
                    builder.store(builder.load(acc[r][v]), c_at(r, v), align=4)
            return context.get_dummy_value()

        return sig, codegen

    return tile


_T1, _T2, _T3, _T4 = (_tile_intrinsic(ROWS[v], v) for v in (1, 2, 3, 4))


@njit(inline="always")
def _tile(vectors, a, ia, sai, sak, b, ib, ldb, c, ic, ldc, k, accumulate):
    if vectors == 4:
        _T4(a, ia, sai, sak, b, ib, ldb, c, ic, ldc, k, accumulate)
    elif vectors == 3:
        _T3(a, ia, sai, sak, b, ib, ldb, c, ic, ldc, k, accumulate)
    elif vectors == 2:
        _T2(a, ia, sai, sak, b, ib, ldb, c, ic, ldc, k, accumulate)
    else:
        _T1(a, ia, sai, sak, b, ib, ldb, c, ic, ldc, k, accumulate)


@njit
def _matmul(a, b, c, accumulate):
    """c (+)= a @ b over the leading axis; b's and c's rows contiguous, N % 16 == 0."""
    batch, m, k = a.shape
    n = b.shape[2]
    item = a.itemsize
    sa, sai, sak = a.strides[0] // item, a.strides[1] // item, a.strides[2] // item
    sb, ldb = b.strides[0] // item, b.strides[1] // item
    sc, ldc = c.strides[0] // item, c.strides[1] // item
    pad_a = np.zeros((MAX_ROWS, k), dtype=a.dtype)
    pad_c = np.empty((MAX_ROWS, 4 * LANES), dtype=a.dtype)
    for p in range(batch):
        j = 0
        while j < n:
            vectors = min(4, (n - j) // LANES)
            rows = ROWS[vectors]
            i = 0
            while i + rows <= m:
                _tile(vectors, a, p * sa + i * sai, sai, sak, b, p * sb + j, ldb,
                      c, p * sc + i * ldc + j, ldc, k, accumulate)
                i += rows
            if i < m:  # the last rows through a zero-padded tile
                for r in range(m - i):
                    for s in range(k):
                        pad_a[r, s] = a[p, i + r, s]
                    if accumulate:
                        for q in range(vectors * LANES):
                            pad_c[r, q] = c[p, i + r, j + q]
                _tile(vectors, pad_a, 0, k, 1, b, p * sb + j, ldb, pad_c, 0, 4 * LANES, k, accumulate)
                for r in range(m - i):
                    for q in range(vectors * LANES):
                        c[p, i + r, j + q] = pad_c[r, q]
            j += vectors * LANES


def matmul(a: np.ndarray, b: np.ndarray, out: np.ndarray, accumulate: bool = False,
           scratch: np.ndarray | None = None) -> np.ndarray:
    """out = a @ b (out += a @ b if `accumulate`) for stacks of matrices a (P, M, K),
    b (P, K, N), out (P, M, N); a may be any strided view (a transpose). `scratch`, shaped
    like out, spares NumPy's path an allocation when accumulating."""
    if not (AVAILABLE and a.dtype == b.dtype == out.dtype == np.float32 and b.shape[2] % LANES == 0
            and b.strides[2] == out.strides[2] == 4 and a.shape[2] > 0):
        if accumulate:
            out += np.matmul(a, b, out=scratch)
        else:
            np.matmul(a, b, out=out)
        return out
    _matmul(a, b, out, accumulate)
    return out
