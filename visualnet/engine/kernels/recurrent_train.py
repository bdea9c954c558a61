"""LSTM training in row blocks: forward and backpropagation through time for
rows lo:hi of a batch, each in one compiled, GIL-free call.

kernels/recurrent.py's training kernels take every step's input projected at once (xw,
time-major (steps, batch, 4*units)), then loop over the steps for the whole batch; its
backward gives the pre-activations' gradients, and the layer then forms the weights'
gradients and the input's gradient from them in three products over all steps. Here each
block of `BLOCK` rows runs on its own: per step the input product x_t · kernel (+ bias)
and h_(t-1) · recurrent_kernel, as recurrent_infer.py computes them, then the gates,
stored (steps, n, ...) for backward (a step's block of rows contiguous; with the rows
100 KB apart, batch-major, W5's backward took about 15% longer); backward, per step, the gates' gradients
dz (block rows by 4*units, in cache), then with dz: h_(t-1)'s gradient (dz ·
recurrent_kernel^T), the input's (dz · kernel^T, written batch-major), and the weights'
gradients accumulated (recurrent_kernel += h_(t-1)^T dz, kernel += x_t^T dz, bias += the
rows of dz). The rows of a batch are independent up to those sums, so the layer
(layers/recurrent_training.py) runs the rows as parallel parts, each summing into its own
gradients, and adds the parts'. The input is read and its gradient written batch-major,
as they arrive and leave: no time-major copy of either.

Each value is summed in the order of recurrent.py's kernels ((x_t · kernel + bias) +
h_(t-1) · recurrent_kernel; the gates' gradients alike), so outputs and the states'
gradients equal theirs (bit for bit where the products run in the same tiles); the weights'
gradients are the same sums in another order (float32 rounding).

Arguments: x (n, steps, features) batch-major; `kernel` (features, 4*units), `rk` the
recurrent kernel (units, 4*units), each with its `panels` (recurrent_infer.panels) for the
tiles; h0, c0 the initial states (n, units); `keep` (n, steps) bool, used where `masked`
(a masked step keeps the state); `backwards` runs the steps from the last (go_backwards).
Stored (steps, n, ...), per computed step t and row: `gs` the gates i, f, c, o, `cs` the
cell states and `hs` the outputs (both the kept ones under a mask), `tcs` act(c) of the step's new cell
state, `zs` the pre-activations where an activation's derivative needs them (relu,
hard_sigmoid; else an empty array: tanh's and sigmoid's come from their values).
The products run in gemm's AVX-512 register tiles where `tiles` (recurrent.tiles_apply;
the input's gradient where also features % 16 == 0), else in loops LLVM vectorises for
the target (float64 in the gradient tests).
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.extending import overload

from visualnet.engine._jit import njit
from visualnet.engine.kernels import gemm
from visualnet.engine.kernels.recurrent import _activate, _backward, _lstm_gates

BLOCK = 48  # rows run through all the steps together (a multiple of 12, 8, 6)
PANEL = 4 * gemm.LANES  # columns of a packed panel (recurrent_infer.panels)


def _tiles_at(a, ia, sai, sak, b, ib, ldb, c, ic, ldc, m, n, k, accumulate):
    """gemm's `_matmul_at` (float32 only: typed away for other dtypes)."""


@overload(_tiles_at)
def _tiles_at_typed(a, ia, sai, sak, b, ib, ldb, c, ic, ldc, m, n, k, accumulate):
    if a.dtype != types.float32:
        return lambda a, ia, sai, sak, b, ib, ldb, c, ic, ldc, m, n, k, accumulate: None

    def tiled(a, ia, sai, sak, b, ib, ldb, c, ic, ldc, m, n, k, accumulate):
        gemm._matmul_at(a, ia, sai, sak, b, ib, ldb, c, ic, ldc, m, n, k, accumulate)
    return tiled


@njit(inline="always")
def _gemm(a, ia, sai, sak, b, packed, c, ic, ldc, m, k, accumulate, tiles):
    """c[ic + r*ldc + j] (+)= sum over s of a[ia + r*sai + s*sak] * b[s, j] for r < m and
    j < b's columns: a and c flat (1-D), b (k, n) C-ordered; in the tiles from `packed`
    (b's panels) where given, else from b itself. The loops sum in the tiles' order."""
    n = b.shape[1]
    if tiles:
        if packed.shape[0]:
            for j in range(0, n, PANEL):
                width = min(PANEL, n - j)
                _tiles_at(a, ia, sai, sak, packed, j * k, width, c, ic + j, ldc, m, width, k, accumulate)
        else:
            _tiles_at(a, ia, sai, sak, b, 0, n, c, ic, ldc, m, n, k, accumulate)
        return
    for r in range(m):
        row = ic + r * ldc
        if not accumulate:
            for j in range(n):
                c[row + j] = 0
        for s in range(k):
            v = a[ia + r * sai + s * sak]
            for j in range(n):
                c[row + j] += v * b[s, j]


@njit(error_model="numpy")
def lstm_forward(x, kernel, packed, bias, has_bias, rk, rk_packed, h0, c0, keep, masked, backwards, act, rec_act,
                 tiles, lo, hi, zs, gs, cs, tcs, hs):
    """Keras's LSTM steps (gates i, f, c, o) for rows lo:hi, storing what `lstm_backward` reads."""
    n, steps, features = x.shape
    u = rk.shape[0]
    k = 4 * u
    dtype = rk.dtype
    one = dtype.type(1)
    store_z = zs.shape[0] > 0
    xf = x.reshape(-1)
    a = np.empty((BLOCK, k), dtype)
    z = np.empty((BLOCK, k), dtype)
    af, zf = a.reshape(-1), z.reshape(-1)
    g = np.empty((BLOCK, k), dtype)  # the gates and act(c) in contiguous rows (the loops vectorise), then stored
    tc = np.empty((BLOCK, u), dtype)
    c_new = np.empty((BLOCK, u), dtype)
    h = np.empty((BLOCK, u), dtype)
    c = np.empty((BLOCK, u), dtype)
    hf = h.reshape(-1)
    for b0 in range(lo, hi, BLOCK):
        m = min(BLOCK, hi - b0)
        h[:m] = h0[b0:b0 + m]
        c[:m] = c0[b0:b0 + m]
        for t in range(steps):
            ti = steps - 1 - t if backwards else t
            _gemm(xf, (b0 * steps + ti) * features, steps * features, 1, kernel, packed, af, 0, k, m, features,
                  False, tiles)
            if has_bias:
                for r in range(m):
                    for j in range(k):
                        a[r, j] = a[r, j] + bias[j]
            _gemm(hf, 0, u, 1, rk, rk_packed, zf, 0, k, m, u, False, tiles)
            for r in range(m):
                for j in range(k):
                    z[r, j] = a[r, j] + z[r, j]
                if store_z:
                    for j in range(k):
                        zs[t, b0 + r, j] = z[r, j]
                _lstm_gates(rec_act, act, z, g, c, c_new, r, u, one)
                _activate(act, c_new, tc, r, 0, u, one)
                if not masked or keep[b0 + r, ti]:
                    for j in range(u):
                        c[r, j] = c_new[r, j]
                        h[r, j] = g[r, 3 * u + j] * tc[r, j]
                gs[t, b0 + r] = g[r]
                tcs[t, b0 + r] = tc[r]
                cs[t, b0 + r] = c[r]
                hs[t, b0 + r] = h[r]


@njit(inline="always")
def _add(a, b):
    """a += b (1-D)."""
    for j in range(a.shape[0]):
        a[j] += b[j]


@njit(inline="always")
def _gate_grads(act, rec_act, g, z, c, tc, c_prev, dh, carry_c, dc_next, dz, one):
    """One row of a step's backward: the gates' gradients dz from h's gradient dh and the
    next step's cell-state gradient dc_next, which becomes this step's (plus carry_c)."""
    u = dh.shape[0]
    for j in range(u):
        i, f, gg, o = g[j], g[u + j], g[2 * u + j], g[3 * u + j]
        dc = dc_next[j] + _backward(act, c[j], tc[j], dh[j] * o, one)
        dz[j] = _backward(rec_act, z[j], i, dc * gg, one)
        dz[u + j] = _backward(rec_act, z[u + j], f, dc * c_prev[j], one)
        dz[2 * u + j] = _backward(act, z[2 * u + j], gg, dc * i, one)
        dz[3 * u + j] = _backward(rec_act, z[3 * u + j], o, dh[j] * tc[j], one)
        dc_next[j] = dc * f + carry_c[j]


@njit(error_model="numpy")
def lstm_backward(x, kernel_t, kernel_t_packed, rk_t, rk_t_packed, h0, c0, keep, masked, backwards, act, rec_act,
                  tiles, tiles_x, zs, gs, cs, tcs, hs, dout, sequences, zero_masked, dh_last, dc_last, need_dx,
                  lo, hi, dx, dkernel, drk, dbias, dh0, dc0):
    """`lstm_forward`'s backward for rows lo:hi. `dout` the outputs' gradients in computed
    order, (n, steps, units) with `sequences`, else (n, 1, units) the last step's (zeroed
    at a masked step with `zero_masked`); `dh_last`, `dc_last` the final states' (n, units).
    Writes the input's gradient to dx[lo:hi] (if `need_dx`; `kernel_t` is kernel^T, `rk_t`
    rk^T, with their panels), the initial states' to dh0[lo:hi], dc0[lo:hi], and adds the
    rows' gradients of kernel, recurrent_kernel and bias to dkernel, drk, dbias; `tiles_x`:
    whether the input's gradient runs in the tiles."""
    n, steps, features = x.shape
    u = cs.shape[2]
    k = 4 * u
    dtype = cs.dtype
    one, zero = dtype.type(1), dtype.type(0)
    store_z = zs.shape[0] > 0
    xf, hsf, h0f, dxf = x.reshape(-1), hs.reshape(-1), h0.reshape(-1), dx.reshape(-1)
    dkf, drkf = dkernel.reshape(-1), drk.reshape(-1)
    dz = np.empty((BLOCK, k), dtype)
    dzf = dz.reshape(-1)
    dh_next = np.empty((BLOCK, u), dtype)
    dc_next = np.empty((BLOCK, u), dtype)
    carry = np.zeros((BLOCK, u), dtype)
    dh = np.empty(u, dtype)
    db = np.zeros(k, dtype)
    carry_c = np.empty(u, dtype)
    for b0 in range(lo, hi, BLOCK):
        m = min(BLOCK, hi - b0)
        dh_next[:m] = 0
        dc_next[:m] = dc_last[b0:b0 + m]
        for t in range(steps - 1, -1, -1):
            ti = steps - 1 - t if backwards else t
            last = t == steps - 1
            for r in range(m):
                kept = not masked or keep[b0 + r, ti]
                g = gs[t, b0 + r]
                zr = zs[t, b0 + r] if store_z else g  # read only by relu's and hard_sigmoid's derivatives
                # h's gradient: the output's (0 at a masked step with zero_masked), the final state's, the next's
                from_out = (sequences or last) and (kept or not zero_masked)
                if from_out:
                    dh[:] = dout[b0 + r, t if sequences else 0]
                else:
                    dh[:] = zero
                if last:
                    _add(dh, dh_last[b0 + r])
                _add(dh, dh_next[r])
                if kept:  # a masked step passes both states' gradients to the step before
                    carry[r] = zero
                    carry_c[:] = zero
                else:
                    carry[r] = dh
                    carry_c[:] = dc_next[r]
                    dh[:] = zero
                    dc_next[r] = zero
                c_prev = cs[t - 1, b0 + r] if t else c0[b0 + r]
                if act == 1 and rec_act == 2:  # tanh and sigmoid as constants: the loop vectorises
                    _gate_grads(1, 2, g, zr, cs[t, b0 + r], tcs[t, b0 + r], c_prev, dh, carry_c, dc_next[r], dz[r], one)
                else:
                    _gate_grads(act, rec_act, g, zr, cs[t, b0 + r], tcs[t, b0 + r], c_prev, dh, carry_c, dc_next[r],
                                dz[r], one)
                _add(db, dz[r])
            # the weights' gradients: h_(t-1)^T dz and x_t^T dz, rows of dz along the sum
            if t:
                _gemm(hsf, ((t - 1) * n + b0) * u, 1, u, dz, dzf[:0], drkf, 0, k, u, m, True, tiles)
            else:
                _gemm(h0f, b0 * u, 1, u, dz, dzf[:0], drkf, 0, k, u, m, True, tiles)
            _gemm(xf, (b0 * steps + ti) * features, 1, steps * features, dz, dzf[:0], dkf, 0, k, features, m,
                  True, tiles)
            if need_dx:
                _gemm(dzf, 0, k, 1, kernel_t, kernel_t_packed, dxf, (b0 * steps + ti) * features, steps * features,
                      m, k, False, tiles_x)
            _gemm(dzf, 0, k, 1, rk_t, rk_t_packed, dh_next.reshape(-1), 0, u, m, k, False, tiles)
            if masked:
                for r in range(m):
                    for j in range(u):
                        dh_next[r, j] += carry[r, j]
        dh0[b0:b0 + m] = dh_next[:m]
        dc0[b0:b0 + m] = dc_next[:m]
    _add(dbias, db)
