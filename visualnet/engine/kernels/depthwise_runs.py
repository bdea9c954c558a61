"""Register runs for the depthwise kernel (kernels/depthwise.py): a run of 16-float vectors
of one output row summed over every tap in registers, stored once (`tap_row`), and a
kernel gradient's run summed over rows in registers, added once (`row_sums`). With at most
`MAX_TAPS` taps (3x3, or a 1-D kernel of up to 9) the taps' weights stay in registers too,
for a column of runs down all the rows of an image (`tap_columns`, `tap_sum_columns`):
one load per multiply-add instead of two (loads, not multiply-adds, bound these loops).

Numba's loops keep no accumulator in a register across the taps: the row loops load and
store the output row once per tap (9 times for a 3x3 kernel) and LLVM splits each such
short loop into vector, interleaved and scalar pieces. These are written in LLVM IR through
Numba intrinsics (as kernels/gemm.py's tiles), on vectors of 16 float32 that LLVM maps to
one AVX-512 register or two AVX2 registers, with `llvm.fmuladd` (fused where the target
has FMA). Offsets and strides are flat, in elements. float32 only; `AVAILABLE` is False
where the JIT is disabled (intrinsics need it), and the depthwise kernel then keeps its
row loops.
"""

from __future__ import annotations

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from visualnet.engine._jit import njit
from visualnet.engine.kernels.gemm import _target_has_avx512
from visualnet.engine.runtime.spin import data

LANES = 16
RUN = 4  # vectors in a long run: 4 accumulators (8 AVX2 registers) and a tap's loads
AVAILABLE = not numba.config.DISABLE_JIT
MAX_TAPS = 9


# the fixed-tap columns: 9 taps x COLUMN vectors of weights, as many sums, in 32 AVX-512
# registers (2 x 16 floats) or 16 AVX2 registers (1 x 8 floats)
COLUMN_LANES, COLUMN = (16, 2) if _target_has_avx512() else (8, 1)
COLUMN_FLOATS = COLUMN_LANES * COLUMN

_VEC = ir.VectorType(ir.FloatType(), LANES)
_I64 = ir.IntType(64)


class _Code:
    """Helpers for one intrinsic's IR: flat vector loads/stores and fused multiply-adds on
    vectors of `lanes` floats."""

    def __init__(self, builder, lanes=LANES):
        self.b, self.lanes = builder, lanes
        self.vec = ir.VectorType(ir.FloatType(), lanes)
        self.fmuladd = cgutils.get_or_insert_function(builder.module, ir.FunctionType(self.vec, [self.vec] * 3),
                                                      f"llvm.fmuladd.v{lanes}f32")

    def at(self, base, offset, v=0):
        """Pointer to the `lanes` floats at base[offset + lanes*v]."""
        index = self.b.add(offset, ir.Constant(_I64, v * self.lanes)) if v else offset
        return self.b.bitcast(self.b.gep(base, [index]), self.vec.as_pointer())

    def load(self, base, offset, v=0):
        return self.b.load(self.at(base, offset, v), align=4)

    def store(self, value, base, offset, v=0):
        self.b.store(value, self.at(base, offset, v), align=4)

    def mad(self, a, b, acc):
        return self.b.call(self.fmuladd, [a, b, acc])


def _tap_run(vectors):
    """y[y0 + u] = start[t0 + u] + the sum over taps (a < kh, b < kw) of
    src[s0 + a*sa + b*sb + u] * w[w0 + a*wa + b*wb + u], for u < 16*vectors; the sums
    run in registers, tap after tap in (a, b) order."""

    def typer(typingctx, src, s0, sa, sb, kh, kw, w, w0, wa, wb, start, t0, y, y0):
        sig = types.void(src, types.intp, types.intp, types.intp, types.intp, types.intp, w, types.intp,
                         types.intp, types.intp, start, types.intp, y, types.intp)

        def codegen(context, builder, signature, args):
            src_, s0_, sa_, sb_, kh_, kw_, w_, w0_, wa_, wb_, start_, t0_, y_, y0_ = args
            sp, wp, tp, yp = (data(context, builder, signature.args[i], args[i]) for i in (0, 6, 10, 12))
            code = _Code(builder)
            acc = [cgutils.alloca_once(builder, _VEC) for _ in range(vectors)]
            for v in range(vectors):
                builder.store(code.load(tp, t0_, v), acc[v])
            with cgutils.for_range(builder, kh_) as row:
                s_row = builder.add(s0_, builder.mul(row.index, sa_))
                w_row = builder.add(w0_, builder.mul(row.index, wa_))
                with cgutils.for_range(builder, kw_) as col:
                    s_at = builder.add(s_row, builder.mul(col.index, sb_))
                    w_at = builder.add(w_row, builder.mul(col.index, wb_))
                    for v in range(vectors):
                        builder.store(code.mad(code.load(sp, s_at, v), code.load(wp, w_at, v), builder.load(acc[v])),
                                      acc[v])
            for v in range(vectors):
                code.store(builder.load(acc[v]), yp, y0_, v)
            return context.get_dummy_value()

        return sig, codegen

    return intrinsic(typer)


def _row_sum_run(vectors, weighted):
    """out[o0 + u] += the sum over rows i < rows of src[s0 + i*ss + u] * g[g0 + i*gs + u]
    (with `weighted`; else of g[g0 + i*gs + u]), for u < 16*vectors, summed in registers."""

    def typer(typingctx, src, s0, ss, g, g0, gs, rows, out, o0):
        sig = types.void(src, types.intp, types.intp, g, types.intp, types.intp, types.intp, out, types.intp)

        def codegen(context, builder, signature, args):
            src_, s0_, ss_, g_, g0_, gs_, rows_, out_, o0_ = args
            sp, gp, op = (data(context, builder, signature.args[i], args[i]) for i in (0, 3, 7))
            code = _Code(builder)
            acc = [cgutils.alloca_once(builder, _VEC) for _ in range(vectors)]
            for v in range(vectors):
                builder.store(ir.Constant(_VEC, None), acc[v])
            with cgutils.for_range(builder, rows_) as row:
                s_at = builder.add(s0_, builder.mul(row.index, ss_))
                g_at = builder.add(g0_, builder.mul(row.index, gs_))
                for v in range(vectors):
                    g_v = code.load(gp, g_at, v)
                    total = (code.mad(code.load(sp, s_at, v), g_v, builder.load(acc[v])) if weighted
                             else builder.fadd(g_v, builder.load(acc[v])))
                    builder.store(total, acc[v])
            for v in range(vectors):
                code.store(builder.fadd(code.load(op, o0_, v), builder.load(acc[v])), op, o0_, v)
            return context.get_dummy_value()

        return sig, codegen

    return intrinsic(typer)


def _tap_column(taps, sums):
    """With `sums` False: for each row i < rows, y[y0 + i*ys + u] = start[t0 + u] + the sum
    over taps k < `taps` of src[s0 + i*ss + offsets[k] + u] * w[w0 + k*wk + u], for
    u < COLUMN_FLOATS, the weights and start loaded once. With `sums`: out[o0 + k*ok + u] +=
    the sum over rows of src[s0 + i*ss + offsets[k] + u] * g[g0 + i*gs + u] per tap k, and
    bias[b0 + u] += the sum over rows of g[g0 + i*gs + u], the sums in registers, g loaded
    once a row."""
    lanes, vectors = COLUMN_LANES, COLUMN

    def typer(typingctx, src, s0, ss, offsets, w, w0, wk, start, t0, y, y0, ys, rows):
        # sums: w, w0, wk are g, g0, gs; start, t0 are bias, b0; y, y0, ys are out, o0, ok
        sig = types.void(src, types.intp, types.intp, offsets, w, types.intp, types.intp, start, types.intp, y,
                         types.intp, types.intp, types.intp)

        def codegen(context, builder, signature, args):
            src_, s0_, ss_, off_, w_, w0_, wk_, start_, t0_, y_, y0_, ys_, rows_ = args
            sp, op, wp, tp, yp = (data(context, builder, signature.args[i], args[i]) for i in (0, 3, 4, 7, 9))
            code = _Code(builder, lanes)
            offsets = [builder.load(builder.gep(op, [ir.Constant(_I64, k)])) for k in range(taps)]
            if sums:
                acc = [[cgutils.alloca_once(builder, code.vec) for _ in range(vectors)] for _ in range(taps)]
                acc.append([cgutils.alloca_once(builder, code.vec) for _ in range(vectors)])  # the bias's
                for k in range(taps + 1):
                    for v in range(vectors):
                        builder.store(ir.Constant(code.vec, None), acc[k][v])
            else:
                weights = [[code.load(wp, builder.add(w0_, builder.mul(wk_, ir.Constant(_I64, k))), v)
                            for v in range(vectors)] for k in range(taps)]
                first = [code.load(tp, t0_, v) for v in range(vectors)]
            with cgutils.for_range(builder, rows_) as row:
                s_row = builder.add(s0_, builder.mul(row.index, ss_))
                if sums:
                    g_at = builder.add(w0_, builder.mul(row.index, wk_))
                    g = [code.load(wp, g_at, v) for v in range(vectors)]
                    for k in range(taps):
                        s_at = builder.add(s_row, offsets[k])
                        for v in range(vectors):
                            builder.store(code.mad(code.load(sp, s_at, v), g[v], builder.load(acc[k][v])), acc[k][v])
                    for v in range(vectors):
                        builder.store(builder.fadd(g[v], builder.load(acc[taps][v])), acc[taps][v])
                else:
                    total = list(first)
                    for k in range(taps):
                        s_at = builder.add(s_row, offsets[k])
                        total = [code.mad(code.load(sp, s_at, v), weights[k][v], total[v]) for v in range(vectors)]
                    y_at = builder.add(y0_, builder.mul(row.index, ys_))
                    for v in range(vectors):
                        code.store(total[v], yp, y_at, v)
            if sums:
                for k in range(taps):
                    o_at = builder.add(y0_, builder.mul(ys_, ir.Constant(_I64, k)))
                    for v in range(vectors):
                        code.store(builder.fadd(code.load(yp, o_at, v), builder.load(acc[k][v])), yp, o_at, v)
                for v in range(vectors):
                    code.store(builder.fadd(code.load(tp, t0_, v), builder.load(acc[taps][v])), tp, t0_, v)
            return context.get_dummy_value()

        return sig, codegen

    return intrinsic(typer)


_COLUMN1, _COLUMN2, _COLUMN3, _COLUMN4, _COLUMN5, _COLUMN6, _COLUMN7, _COLUMN8, _COLUMN9 = (
    _tap_column(k, False) for k in range(1, MAX_TAPS + 1))
_SUM_COLUMN1, _SUM_COLUMN2, _SUM_COLUMN3, _SUM_COLUMN4, _SUM_COLUMN5, _SUM_COLUMN6, _SUM_COLUMN7, _SUM_COLUMN8, \
    _SUM_COLUMN9 = (_tap_column(k, True) for k in range(1, MAX_TAPS + 1))
_TAPS_LONG, _TAPS_ONE = _tap_run(RUN), _tap_run(1)
_SUMS_LONG, _SUMS_ONE = _row_sum_run(RUN, True), _row_sum_run(1, True)
_PLAIN_LONG, _PLAIN_ONE = _row_sum_run(RUN, False), _row_sum_run(1, False)


@njit(inline="always")
def tap_columns(taps, src, s0, ss, offsets, w, w0, wk, start, t0, y, y0, ys, rows):
    """`_tap_column`'s columns for `taps` <= MAX_TAPS taps (see there)."""
    if taps == 1:
        _COLUMN1(src, s0, ss, offsets, w, w0, wk, start, t0, y, y0, ys, rows)
    elif taps == 2:
        _COLUMN2(src, s0, ss, offsets, w, w0, wk, start, t0, y, y0, ys, rows)
    elif taps == 3:
        _COLUMN3(src, s0, ss, offsets, w, w0, wk, start, t0, y, y0, ys, rows)
    elif taps == 4:
        _COLUMN4(src, s0, ss, offsets, w, w0, wk, start, t0, y, y0, ys, rows)
    elif taps == 5:
        _COLUMN5(src, s0, ss, offsets, w, w0, wk, start, t0, y, y0, ys, rows)
    elif taps == 6:
        _COLUMN6(src, s0, ss, offsets, w, w0, wk, start, t0, y, y0, ys, rows)
    elif taps == 7:
        _COLUMN7(src, s0, ss, offsets, w, w0, wk, start, t0, y, y0, ys, rows)
    elif taps == 8:
        _COLUMN8(src, s0, ss, offsets, w, w0, wk, start, t0, y, y0, ys, rows)
    elif taps == 9:
        _COLUMN9(src, s0, ss, offsets, w, w0, wk, start, t0, y, y0, ys, rows)


@njit(inline="always")
def tap_sum_columns(taps, src, s0, ss, offsets, g, g0, gs, bias, b0, out, o0, ok, rows):
    """`_tap_column`'s sums for `taps` <= MAX_TAPS taps: out[o0 + k*ok + u] += the sum over
    rows i of src[s0 + i*ss + offsets[k] + u] * g[g0 + i*gs + u], bias[b0 + u] += the sum of
    g[g0 + i*gs + u]."""
    if taps == 1:
        _SUM_COLUMN1(src, s0, ss, offsets, g, g0, gs, bias, b0, out, o0, ok, rows)
    elif taps == 2:
        _SUM_COLUMN2(src, s0, ss, offsets, g, g0, gs, bias, b0, out, o0, ok, rows)
    elif taps == 3:
        _SUM_COLUMN3(src, s0, ss, offsets, g, g0, gs, bias, b0, out, o0, ok, rows)
    elif taps == 4:
        _SUM_COLUMN4(src, s0, ss, offsets, g, g0, gs, bias, b0, out, o0, ok, rows)
    elif taps == 5:
        _SUM_COLUMN5(src, s0, ss, offsets, g, g0, gs, bias, b0, out, o0, ok, rows)
    elif taps == 6:
        _SUM_COLUMN6(src, s0, ss, offsets, g, g0, gs, bias, b0, out, o0, ok, rows)
    elif taps == 7:
        _SUM_COLUMN7(src, s0, ss, offsets, g, g0, gs, bias, b0, out, o0, ok, rows)
    elif taps == 8:
        _SUM_COLUMN8(src, s0, ss, offsets, g, g0, gs, bias, b0, out, o0, ok, rows)
    elif taps == 9:
        _SUM_COLUMN9(src, s0, ss, offsets, g, g0, gs, bias, b0, out, o0, ok, rows)


@njit(inline="always")
def tap_row(src, s0, sa, sb, kh, kw, w, wa, wb, start, y, y0, first, length):
    """One output row's floats first <= t < length, y[y0 + t]: start[t] plus the sum over
    the taps of src[s0 + a*sa + b*sb + t] * w[a*wa + b*wb + t]; runs of 64 and 16 floats in
    registers, the last few floats (length % 16) in a scalar loop, taps in the same order."""
    t = first
    while t + RUN * LANES <= length:
        _TAPS_LONG(src, s0 + t, sa, sb, kh, kw, w, t, wa, wb, start, t, y, y0 + t)
        t += RUN * LANES
    while t + LANES <= length:
        _TAPS_ONE(src, s0 + t, sa, sb, kh, kw, w, t, wa, wb, start, t, y, y0 + t)
        t += LANES
    for u in range(t, length):
        total = start[u]
        for a in range(kh):
            for b in range(kw):
                total += src[s0 + a * sa + b * sb + u] * w[a * wa + b * wb + u]
        y[y0 + u] = total


@njit(inline="always")
def row_sums(src, s0, ss, g, g0, gs, rows, out, first, length, weighted):
    """out[t] += the sum over rows i < rows of src[s0 + i*ss + t] * g[g0 + i*gs + t] (or of
    g[g0 + i*gs + t] alone unless `weighted`), for first <= t < length: runs of 64 and 16
    floats in registers, the last few floats in a scalar loop."""
    t = first
    while t + RUN * LANES <= length:
        if weighted:
            _SUMS_LONG(src, s0 + t, ss, g, g0 + t, gs, rows, out, t)
        else:
            _PLAIN_LONG(src, s0 + t, ss, g, g0 + t, gs, rows, out, t)
        t += RUN * LANES
    while t + LANES <= length:
        if weighted:
            _SUMS_ONE(src, s0 + t, ss, g, g0 + t, gs, rows, out, t)
        else:
            _PLAIN_ONE(src, s0 + t, ss, g, g0 + t, gs, rows, out, t)
        t += LANES
    for u in range(t, length):
        total = np.float32(0.0)
        for i in range(rows):
            gv = g[g0 + i * gs + u]
            total += src[s0 + i * ss + u] * gv if weighted else gv
        out[u] += total
