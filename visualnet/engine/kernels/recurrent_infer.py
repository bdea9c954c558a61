"""SimpleRNN, LSTM and GRU forward-only (predict, evaluate): each step's input product fused in.

Training (kernels/recurrent.py) first projects every step's input at once into xw
(steps, batch, k*units), time-major, and stores each step's gates for backward. A forward
that no backward follows needs none of that: these kernels take the batch-major input x
(batch, steps, features) as it arrives and, per block of `BLOCK` rows and per step, compute
that step's x_t · kernel (+ the input bias), add h_(t-1) · recurrent_kernel and update the
states, all in cache; nothing of size steps x batch x k*units is ever written, and the
outputs go straight to the batch-major result. Each output is summed in the training
path's order ((x_t · kernel + bias) + h_(t-1) · recurrent_kernel, gates alike), so the
results equal its to float32's rounding (bit for bit where the products run in the same
tiles).

Rows of a batch are independent: a kernel runs rows lo:hi only, and the layer
(layers/recurrent_inference.py) runs the batch's rows as parallel parts (runtime/split.py).
The products run in gemm's AVX-512 register tiles where `tiles` (recurrent.tiles_apply),
else in the loops LLVM vectorises for the target; the input's product in the tiles needs
the input's rows to be 4-byte strided floats only (the batch-major slice x[rows, t]).

Arguments shared by the three: x (n, steps, features) and `kernel` (with `packed`, its
`panels`); where x is an Embedding's output, also `ids` (n, steps) int64 and `table`, the
Embedding's table projected (`project`), else both empty; h0 (and LSTM's c0) the initial
states (n, units); `keep` (n, steps) bool, used where `masked` (a masked step keeps the
state); `backwards` runs the steps from the last (go_backwards: outputs in the order
computed, as Keras's); `zero_masked` writes zeros as a masked step's output
(zero_output_for_mask); `out` (n, steps, units) with `sequences`, else (n, 1, units), the
last output; `hn` (and LSTM's `cn`) the final states (the last kept ones under a mask).
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.extending import overload

from visualnet.engine._jit import njit
from visualnet.engine.kernels import gemm
from visualnet.engine.kernels.recurrent import _activate, _exp, _lstm_gates, _product, _tanh

BLOCK = 48  # rows run through all the steps together, states and gates in cache (a multiple of 12, 8, 6)
PANEL = 4 * gemm.LANES  # columns of a packed panel: the widest register tile


def panels(b: np.ndarray) -> np.ndarray:
    """b (k, n) as consecutive C-ordered panels of up to PANEL columns (flat): the tiles then
    read a contiguous panel per block of columns, where b's own rows, n floats apart, would
    alias in the caches (gemm copies them into a panel on every call otherwise)."""
    k, n = b.shape
    return np.concatenate([np.ascontiguousarray(b[:, j:j + PANEL]).reshape(-1) for j in range(0, n, PANEL)]) \
        if n else np.zeros(0, b.dtype)


def _tiled_panels(a, packed, c):
    """c = a @ b in gemm's register tiles, b given as `panels(b)` (float32 only: typed away
    for other dtypes)."""


@overload(_tiled_panels)
def _tiled_panels_typed(a, packed, c):
    if a.dtype != types.float32:
        return lambda a, packed, c: None

    def tiled(a, packed, c):
        m, k = a.shape
        n = c.shape[1]
        item = a.itemsize
        sai, sak, ldc = a.strides[0] // item, a.strides[1] // item, c.strides[0] // item
        for j in range(0, n, PANEL):
            width = min(PANEL, n - j)
            gemm._matmul_at(a, 0, sai, sak, packed, j * k, width, c, j, ldc, m, width, k, False)
    return tiled


@njit(inline="always")
def _mul(a, b, packed, c, tiles):
    """c = a @ b: in the tiles from b's panels where `tiles`, else `_product`'s loops (the
    same sums in the same order)."""
    if tiles:
        _tiled_panels(a, packed, c)
    else:
        _product(a, b, c, False)


@njit(inline="always")
def _input_product(x, b0, m, ti, kernel, packed, bias, has_bias, a, tiles, ids, table):
    """a[:m] = x[b0:b0+m, ti] · kernel (+ bias), as the training path's xw (bias added after
    the product); with `ids` (n, steps) non-empty, the rows table[ids[., ti]] of the
    projected embeddings instead (`project`: the same sums)."""
    if ids.shape[0]:
        for r in range(m):
            row = ids[b0 + r, ti]
            for j in range(a.shape[1]):
                a[r, j] = table[row, j]
        return
    _mul(x[b0:b0 + m, ti], kernel, packed, a[:m], tiles)
    if has_bias:
        for r in range(m):
            for j in range(a.shape[1]):
                a[r, j] = a[r, j] + bias[j]


@njit(error_model="numpy")
def project(embeddings, kernel, packed, bias, has_bias, tiles, out):
    """out = embeddings · kernel (+ bias), each row summed as `_input_product` sums an input
    row: an Embedding's table projected once, so that a step reads a row per id instead of
    computing a product (Embedding -> recurrent layer, predicting)."""
    for b0 in range(0, embeddings.shape[0], BLOCK):
        m = min(BLOCK, embeddings.shape[0] - b0)
        _mul(embeddings[b0:b0 + m], kernel, packed, out[b0:b0 + m], tiles)
        if has_bias:
            for r in range(b0, b0 + m):
                for j in range(out.shape[1]):
                    out[r, j] = out[r, j] + bias[j]


@njit(inline="always")
def _emit(out, sequences, zero_masked, kept, b0, r, t, h, one):
    """The output of the block's row r at step t (computed order): h, or zeros at a masked
    step with zero_masked."""
    zero = one - one
    if sequences:
        for j in range(h.shape[1]):
            out[b0 + r, t, j] = h[r, j] if kept or not zero_masked else zero


@njit(inline="always")
def _emit_last(out, sequences, zero_masked, kept, b0, m, h, hn, one):
    """After a block's last step: its final states to hn, and without `sequences` its outputs."""
    zero = one - one
    for r in range(m):
        for j in range(h.shape[1]):
            hn[b0 + r, j] = h[r, j]
            if not sequences:
                out[b0 + r, 0, j] = h[r, j] if kept[r] or not zero_masked else zero


@njit(error_model="numpy")
def simple_rows(x, ids, table, kernel, packed, bias, has_bias, rk, rk_packed, h0, keep, masked, backwards,
                zero_masked, sequences, act, one_loop, tiles, lo, hi, out, hn):
    """SimpleRNN's steps for rows lo:hi: h_t = act((x_t · kernel + bias) + h_(t-1) · rk); with
    Keras's default tanh and `one_loop`, one loop per row computes the sum and its tanh into
    h (the same operations as the separate loops other activations run)."""
    n, steps, _ = x.shape
    u = rk.shape[0]
    dtype = rk.dtype
    one = dtype.type(1)
    embedded = ids.shape[0] > 0  # the table's rows are the input products: read in place
    a = np.empty((BLOCK, u), dtype)
    z = np.empty((BLOCK, u), dtype)
    g = np.empty((BLOCK, u), dtype)
    h = np.empty((BLOCK, u), dtype)
    last = np.ones(BLOCK, np.bool_)
    for b0 in range(lo, hi, BLOCK):
        m = min(BLOCK, hi - b0)
        h[:m] = h0[b0:b0 + m]
        for t in range(steps):
            ti = steps - 1 - t if backwards else t
            if not embedded:
                _input_product(x, b0, m, ti, kernel, packed, bias, has_bias, a, tiles, ids, table)
            _mul(h[:m], rk, rk_packed, z[:m], tiles)
            for r in range(m):
                src, row = (table, ids[b0 + r, ti]) if embedded else (a, r)
                kept = not masked or keep[b0 + r, ti]
                last[r] = kept
                if one_loop and act == 1:
                    if kept:
                        for j in range(u):
                            h[r, j] = _tanh(src[row, j] + z[r, j])
                else:
                    for j in range(u):
                        z[r, j] = src[row, j] + z[r, j]
                    if kept:
                        _activate(act, z, g, r, 0, u, one)
                        for j in range(u):
                            h[r, j] = g[r, j]
                _emit(out, sequences, zero_masked, kept, b0, r, t, h, one)
        _emit_last(out, sequences, zero_masked, last, b0, m, h, hn, one)


@njit(inline="always")
def _keras_gates(src, row, z, g, c, c_new, r, u, one):
    """Keras's default LSTM gates (sigmoid, tanh) of the block's row r in one loop: i, f, c~ and
    o from src[row] + z[r] (o kept in g[r, 3u:]), c_new = f c + i c~. The four activations
    of a unit are independent, so each iteration has work to overlap; the separate loops per
    gate (`lstm_rows` with other activations) are each a short chain over 64 floats. The
    same operations in the same order as those loops: the same results."""
    for j in range(u):
        i = one / (one + _exp(-(src[row, j] + z[r, j])))
        f = one / (one + _exp(-(src[row, u + j] + z[r, u + j])))
        cand = _tanh(src[row, 2 * u + j] + z[r, 2 * u + j])
        g[r, 3 * u + j] = one / (one + _exp(-(src[row, 3 * u + j] + z[r, 3 * u + j])))
        c_new[r, j] = f * c[r, j] + i * cand


@njit(error_model="numpy")
def lstm_rows(x, ids, table, kernel, packed, bias, has_bias, rk, rk_packed, h0, c0, keep, masked, backwards,
              zero_masked, sequences, act, rec_act, one_loop, tiles, lo, hi, out, hn, cn):
    """Keras's LSTM steps (gates i, f, c, o) for rows lo:hi, from the states h0, c0; the final
    ones to hn, cn. Per step: the gates and c_new of every row of the block (with Keras's
    default activations and `one_loop`, in one loop per row: `_keras_gates`), then the states."""
    n, steps, _ = x.shape
    u = rk.shape[0]
    k = 4 * u
    dtype = rk.dtype
    one = dtype.type(1)
    embedded = ids.shape[0] > 0  # the table's rows are the input products: read in place
    keras_gates = one_loop and act == 1 and rec_act == 2  # tanh and sigmoid: `_keras_gates`
    a = np.empty((BLOCK, k), dtype)
    z = np.empty((BLOCK, k), dtype)
    g = np.empty((BLOCK, k), dtype)
    c_new = np.empty((BLOCK, u), dtype)
    tc = np.empty((BLOCK, u), dtype)
    h = np.empty((BLOCK, u), dtype)
    c = np.empty((BLOCK, u), dtype)
    last = np.ones(BLOCK, np.bool_)
    for b0 in range(lo, hi, BLOCK):
        m = min(BLOCK, hi - b0)
        h[:m] = h0[b0:b0 + m]
        c[:m] = c0[b0:b0 + m]
        for t in range(steps):
            ti = steps - 1 - t if backwards else t
            if not embedded:
                _input_product(x, b0, m, ti, kernel, packed, bias, has_bias, a, tiles, ids, table)
            _mul(h[:m], rk, rk_packed, z[:m], tiles)
            for r in range(m):
                src, row = (table, ids[b0 + r, ti]) if embedded else (a, r)
                if keras_gates:
                    _keras_gates(src, row, z, g, c, c_new, r, u, one)
                    continue
                for j in range(k):
                    z[r, j] = src[row, j] + z[r, j]
                _lstm_gates(rec_act, act, z, g, c, c_new, r, u, one)
            for r in range(m):
                kept = not masked or keep[b0 + r, ti]
                last[r] = kept
                if kept:
                    _activate(act, c_new, tc, r, 0, u, one)
                    for j in range(u):
                        c[r, j] = c_new[r, j]
                        h[r, j] = g[r, 3 * u + j] * tc[r, j]
                _emit(out, sequences, zero_masked, kept, b0, r, t, h, one)
        _emit_last(out, sequences, zero_masked, last, b0, m, h, hn, one)
        cn[b0:b0 + m] = c[:m]


@njit(inline="always")
def _sigmoid(v, one):
    """Keras's sigmoid as `_activate` computes it (code 2)."""
    return one / (one + _exp(-v))


@njit(inline="always")
def _keras_gru_after(src, row, inner, rbias, has_rbias, h, r, u, one):
    """Keras's default GRU step (sigmoid, tanh, reset_after) of the block's row r in one loop:
    z, r and the candidate of a unit from src[row] + inner[r] (h_(t-1) · rk) and rbias, then
    h[r] = z h + (1 - z) hh in place. As `_keras_gates` for LSTM: a unit's gates are
    independent work to overlap, where the loops per gate are each a short chain; the same
    operations in the same order, so the same results."""
    for j in range(u):
        iz, ir, v = inner[r, j], inner[r, u + j], inner[r, 2 * u + j]
        if has_rbias:  # only these sums under the branch: the loop stays one straight line
            iz, ir, v = iz + rbias[j], ir + rbias[u + j], v + rbias[2 * u + j]
        zg = _sigmoid(src[row, j] + iz, one)
        rg = _sigmoid(src[row, u + j] + ir, one)
        hh = _tanh(src[row, 2 * u + j] + rg * v)
        h[r, j] = zg * h[r, j] + (one - zg) * hh


@njit(inline="always")
def _keras_gru_reset(src, row, inner, g, h, rh, r, u, one):
    """Keras's default GRU without reset_after, the block's row r before the second product:
    z (kept in g[r, :u]) and r from src[row] + inner[r] (h_(t-1) · R_zr) and rh[r] = r h_(t-1),
    in one loop (the same operations as the loops per gate)."""
    for j in range(u):
        g[r, j] = _sigmoid(src[row, j] + inner[r, j], one)
        rh[r, j] = _sigmoid(src[row, u + j] + inner[r, u + j], one) * h[r, j]


@njit(inline="always")
def _keras_gru_state(src, row, inner_h, g, h, r, u, one):
    """Then, in one loop: the candidate tanh(x_h + (r h_(t-1)) · R_h) and h[r] = z h + (1 - z) hh."""
    for j in range(u):
        zg = g[r, j]
        h[r, j] = zg * h[r, j] + (one - zg) * _tanh(src[row, 2 * u + j] + inner_h[r, j])


@njit(error_model="numpy")
def gru_rows(x, ids, table, kernel, packed, bias, has_bias, rk, rk_packed, rkh_packed, rbias, has_rbias, after, h0,
             keep, masked, backwards, zero_masked, sequences, act, rec_act, one_loop, tiles, lo, hi, out, hn):
    """Keras's GRU steps (gates z, r, h) for rows lo:hi, from h0: with reset_after (`after`)
    hh = act(x_h + r (h_(t-1) · R_h + b_rh)), else act(x_h + (r h_(t-1)) · R_h); `rk` the whole
    recurrent kernel (units, 3*units), `rbias` its bias (reset_after); `rk_packed` the panels
    of rk (reset_after) or of its z and r columns, `rkh_packed` of its h columns. With Keras's
    default activations (tanh, sigmoid) and `one_loop`, one loop per row computes a unit's
    gates and its new state (`_keras_gru_after`; without reset_after, one loop before the
    second product and one after); other activations run a loop per gate."""
    n, steps, _ = x.shape
    u = rk.shape[0]
    k = 3 * u
    dtype = rk.dtype
    one, zero = dtype.type(1), dtype.type(0)
    embedded = ids.shape[0] > 0  # the table's rows are the input products: read in place
    keras_gates = one_loop and act == 1 and rec_act == 2  # tanh and sigmoid: `_keras_gru_after` or `_reset`
    rk_zr = np.ascontiguousarray(rk[:, :2 * u])
    rk_h = np.ascontiguousarray(rk[:, 2 * u:])
    a = np.empty((BLOCK, k), dtype)
    p = np.empty((BLOCK, k), dtype)
    g = np.empty((BLOCK, k), dtype)
    inner = np.empty((BLOCK, k if after else 2 * u), dtype)
    inner_h = np.empty((BLOCK, u), dtype)
    rh = np.empty((BLOCK, u), dtype)
    h = np.empty((BLOCK, u), dtype)
    last = np.ones(BLOCK, np.bool_)
    for b0 in range(lo, hi, BLOCK):
        m = min(BLOCK, hi - b0)
        h[:m] = h0[b0:b0 + m]
        for t in range(steps):
            ti = steps - 1 - t if backwards else t
            if not embedded:
                _input_product(x, b0, m, ti, kernel, packed, bias, has_bias, a, tiles, ids, table)
            _mul(h[:m], rk if after else rk_zr, rk_packed, inner[:m], tiles)
            if keras_gates and after:
                for r in range(m):
                    src, row = (table, ids[b0 + r, ti]) if embedded else (a, r)
                    kept = not masked or keep[b0 + r, ti]
                    last[r] = kept
                    if kept:
                        _keras_gru_after(src, row, inner, rbias, has_rbias, h, r, u, one)
                    _emit(out, sequences, zero_masked, kept, b0, r, t, h, one)
                continue
            if keras_gates:
                for r in range(m):
                    src, row = (table, ids[b0 + r, ti]) if embedded else (a, r)
                    _keras_gru_reset(src, row, inner, g, h, rh, r, u, one)
                _mul(rh[:m], rk_h, rkh_packed, inner_h[:m], tiles)
                for r in range(m):
                    src, row = (table, ids[b0 + r, ti]) if embedded else (a, r)
                    kept = not masked or keep[b0 + r, ti]
                    last[r] = kept
                    if kept:
                        _keras_gru_state(src, row, inner_h, g, h, r, u, one)
                    _emit(out, sequences, zero_masked, kept, b0, r, t, h, one)
                continue
            for r in range(m):
                src, row = (table, ids[b0 + r, ti]) if embedded else (a, r)
                for j in range(2 * u):
                    b = rbias[j] if has_rbias else zero
                    p[r, j] = src[row, j] + (inner[r, j] + b if after and has_rbias else inner[r, j])
                _activate(rec_act, p, g, r, 0, 2 * u, one)
                if after:
                    for j in range(u):
                        v = inner[r, 2 * u + j] + rbias[2 * u + j] if has_rbias else inner[r, 2 * u + j]
                        p[r, 2 * u + j] = src[row, 2 * u + j] + g[r, u + j] * v
                else:
                    for j in range(u):
                        rh[r, j] = g[r, u + j] * h[r, j]
            if not after:
                _mul(rh[:m], rk_h, rkh_packed, inner_h[:m], tiles)
                for r in range(m):
                    src, row = (table, ids[b0 + r, ti]) if embedded else (a, r)
                    for j in range(u):
                        p[r, 2 * u + j] = src[row, 2 * u + j] + inner_h[r, j]
            for r in range(m):
                _activate(act, p, g, r, 2 * u, k, one)
                kept = not masked or keep[b0 + r, ti]
                last[r] = kept
                if kept:
                    for j in range(u):
                        zg = g[r, j]
                        h[r, j] = zg * h[r, j] + (one - zg) * g[r, 2 * u + j]
                _emit(out, sequences, zero_masked, kept, b0, r, t, h, one)
        _emit_last(out, sequences, zero_masked, last, b0, m, h, hn, one)
