"""SimpleRNN, LSTM and GRU: the whole loop over the steps in one compiled, GIL-free call.

The layers (engine/layers/recurrent.py) project every step's input at once (xw, time-major
(steps, batch, k*units), input bias added); these kernels run the recurrence on it: per step
the (batch, units) x (units, k*units) product, then the gates and the state update fused in
one pass over the batch; backward likewise per step, the product with the recurrent kernel's
transpose. They store exactly what the layers' NumPy path stores (pre-activations, gates,
states), in the same arithmetic order, so either path's backward can follow; in float32,
exp and tanh are this module's own (loops over them vectorise; scalar libm's do not),
within 1.2e-7 of NumPy's. Also here: Embedding's gradient (a scatter-add).

The steps start from the initial states `h0` (and LSTM's `c0`), (batch, units): zeros, or
Keras's `initial_state`; backward writes the gradients of the initial states to `dh0` (`dc0`).
Masks arrive time-major as `keep` (steps, batch) bool, ignored unless `masked`: a masked
step keeps the previous state, and backward passes the state's gradient through it.
A forward's stored arrays may have one step instead of `steps` (inference: every step
overwrites the one before; the outputs whole for return_sequences): a prediction then holds
only the input projection and the outputs, not every step's gates.
Activations are codes (`ACTIVATIONS`); the products run in gemm's AVX-512 register tiles
where `tiles` (float32, the JIT target has AVX-512F, units % 16 == 0: `tiles_apply`), else
in a loop LLVM vectorises for the target (float64 in the gradient tests).
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic, overload

from visualnet.engine._jit import njit
from visualnet.engine.kernels import gemm

# activation name -> code; only these run here (the layer keeps its NumPy path for the others)
ACTIVATIONS = {"linear": 0, "tanh": 1, "sigmoid": 2, "relu": 3, "hard_sigmoid": 4}


def activation_code(act) -> int:
    """The kernels' code for an engine Activation, or -1 (a ReLU with a slope, cap or
    threshold, or an activation they do not compute)."""
    code = ACTIVATIONS.get(act.name, -1)
    if code == 3 and not act.in_place:
        return -1
    return code


def tiles_apply(dtype, units) -> bool:
    """Whether the kernels' products run in gemm's register tiles (else in loops)."""
    return gemm.AVAILABLE and dtype == np.float32 and units % gemm.LANES == 0


@intrinsic
def _float32_from_bits(typingctx, bits):
    """The float32 whose bits are the int32 `bits`."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.FloatType())
    return types.float32(types.int32), codegen


@intrinsic
def _fmuladd(typingctx, a, b, c):
    """a * b + c in float32, fused into one rounding where the target has FMA (llvm.fmuladd):
    half the instructions of the polynomials below, each within the error bounds stated."""
    def codegen(context, builder, signature, args):
        f32 = ir.FloatType()
        fn = builder.module.declare_intrinsic("llvm.fmuladd", [f32], ir.FunctionType(f32, [f32, f32, f32]))
        return builder.call(fn, args)
    return types.float32(types.float32, types.float32, types.float32), codegen


def _exp(x):
    """exp(x): float32 in arithmetic LLVM vectorises (scalar libm's does not vectorise)."""


@overload(_exp)
def _exp_typed(x):
    if x != types.float32:
        return lambda x: np.exp(x)

    def exp32(x):
        # x = n ln2 + r, |r| <= ln2 / 2; exp(r) by its Taylor series to r^7 (error < 1 ulp),
        # times 2^n built from its bits; x is clamped to where 2^n is a normal float; NaN stays NaN
        v = min(max(x, np.float32(-87.0)), np.float32(88.0))
        n = np.floor(_fmuladd(v, np.float32(1.44269504), np.float32(0.5)))
        r = _fmuladd(n, np.float32(2.12194440e-4), _fmuladd(n, np.float32(-0.693359375), v))
        p = np.float32(1 / 5040)
        for c in (1 / 720, 1 / 120, 1 / 24, 1 / 6, 1 / 2, 1.0, 1.0):
            p = _fmuladd(p, r, np.float32(c))
        e = p * _float32_from_bits(np.int32(n + np.float32(127)) << np.int32(23))
        return e if x == x else x
    return exp32


def _tanh(x):
    """tanh(x): float32 as sign(x) (1 - 2 / (exp(2|x|) + 1)), near 0 by its odd Taylor series
    (no cancellation), in arithmetic LLVM vectorises."""


@overload(_tanh)
def _tanh_typed(x):
    if x != types.float32:
        return lambda x: np.tanh(x)

    def tanh32(x):
        one = np.float32(1.0)
        a = abs(x)
        if a < np.float32(0.125):
            x2 = x * x
            inner = _fmuladd(x2, _fmuladd(x2, np.float32(-17 / 315), np.float32(2 / 15)), np.float32(-1 / 3))
            return x * _fmuladd(x2, inner, one)
        t = one - np.float32(2.0) / (_exp(a + a) + one)
        return t if x > 0 else -t
    return tanh32


@njit(inline="always")
def _forward(code, x, one):
    """The activation's value at x (as engine/activations.py computes it, to float32's
    rounding); `one` is 1 in the arrays' dtype."""
    zero = one - one
    if code == 1:
        return _tanh(x)
    if code == 2:
        return one / (one + _exp(-x))
    if code == 3:
        return x if (x > zero or x != x) else zero
    if code == 4:
        return min(max(x / (6 * one) + one / 2, zero), one)
    return x


@njit(inline="always")
def _activate(code, z, g, r, lo, hi, one):
    """g[r, lo:hi] = activation(z[r, lo:hi]): one loop per activation, so that LLVM vectorises it."""
    if code == 1:
        for j in range(lo, hi):
            g[r, j] = _tanh(z[r, j])
    elif code == 2:
        for j in range(lo, hi):
            g[r, j] = one / (one + _exp(-z[r, j]))
    else:
        for j in range(lo, hi):
            g[r, j] = _forward(code, z[r, j], one)


@njit(inline="always")
def _lstm_gates(rec_act, act, z, g, c, c_new, r, u, one):
    """Keras's LSTM gates of row r (i, f, c~, o) from its pre-activations z[r] into g[r], and
    c_new[r] = f c + i c~: the step every LSTM kernel runs (the forward-only one with
    activations other than Keras's defaults)."""
    _activate(rec_act, z, g, r, 0, 2 * u, one)
    _activate(act, z, g, r, 2 * u, 3 * u, one)
    _activate(rec_act, z, g, r, 3 * u, 4 * u, one)
    for j in range(u):
        c_new[r, j] = g[r, u + j] * c[r, j] + g[r, j] * g[r, 2 * u + j]


@njit(inline="always")
def _backward(code, x, y, dy, one):
    """dy times the activation's derivative at x (y its value), as activations.py's backward."""
    zero = one - one
    if code == 1:
        return dy * (one - y * y)
    if code == 2:
        return dy * y * (one - y)
    if code == 3:
        return dy if x > zero else zero
    if code == 4:
        return dy / (6 * one) if -3 * one < x < 3 * one else zero
    return dy


def _tiled(a, b, c):
    """c = a @ b in gemm's register tiles (float32 only: typed away for other dtypes)."""


@overload(_tiled)
def _tiled_typed(a, b, c):
    if a.dtype != types.float32:
        return lambda a, b, c: None

    def tiled(a, b, c):
        m, k = a.shape
        n = b.shape[1]
        item = a.itemsize
        gemm._matmul_at(a, 0, a.strides[0] // item, a.strides[1] // item, b, 0, n, c, 0, n, m, n, k, False)
    return tiled


@njit(inline="always")
def _product(a, b, c, tiles):
    """c = a @ b: a (m, k) any strides, b (k, n) and c (m, n) C-ordered."""
    if tiles:
        _tiled(a, b, c)
        return
    m, k = a.shape
    n = b.shape[1]
    for r in range(m):
        for j in range(n):
            c[r, j] = 0
        for s in range(k):
            x = a[r, s]
            for j in range(n):
                c[r, j] += x * b[s, j]


@njit(error_model="numpy")
def simple_forward(xw, rk, h0, keep, masked, act, tiles, zs, hs):
    """zs[t] = xw[t] + h_(t-1) · rk, hs[t] = act(zs[t]) (h_(t-1) where masked); h_(-1) = h0."""
    steps, n, u = xw.shape
    one = xw.dtype.type(1)
    h = h0
    for t in range(steps):
        z, y = zs[t % zs.shape[0]], hs[t % hs.shape[0]]
        _product(h, rk, z, tiles)
        for r in range(n):
            for j in range(u):
                z[r, j] = xw[t, r, j] + z[r, j]
            if not masked or keep[t, r]:
                _activate(act, z, y, r, 0, u, one)
            else:
                for j in range(u):
                    y[r, j] = h[r, j]
        h = y


@njit(error_model="numpy")
def simple_backward(zs, hs, dhs, keep, masked, act, rk_t, tiles, dxw, dh0):
    """dxw[t]: the pre-activations' gradients, backpropagated through time from dhs; dh0 the
    initial state's."""
    steps, n, u = hs.shape
    one, zero = hs.dtype.type(1), hs.dtype.type(0)
    dh_next = np.zeros((n, u), hs.dtype)
    carry = np.zeros((n, u), hs.dtype)
    for t in range(steps - 1, -1, -1):
        for r in range(n):
            kept = not masked or keep[t, r]
            for j in range(u):
                dh = dhs[t, r, j] + dh_next[r, j]
                carry[r, j] = zero if kept else dh
                dxw[t, r, j] = _backward(act, zs[t, r, j], hs[t, r, j], dh if kept else zero, one)
        _product(dxw[t], rk_t, dh_next, tiles)
        if masked:
            dh_next += carry
    dh0[...] = dh_next


@njit(error_model="numpy")
def lstm_forward(xw, rk, h0, c0, keep, masked, act, rec_act, tiles, zs, gs, cs, tcs, hs):
    """Keras's LSTM steps (gates i, f, c, o) from the states h0, c0: zs the pre-activations,
    gs the gates, cs the cell states, tcs act(c) of each step's new cell state, hs the outputs."""
    steps, n, k = xw.shape
    u = k // 4
    dtype = xw.dtype
    one = dtype.type(1)
    h, c = h0, c0
    c_new = np.empty((n, u), dtype)
    for t in range(steps):
        s = t % zs.shape[0]
        z, g, cn, tc, y = zs[s], gs[s], cs[s], tcs[s], hs[t % hs.shape[0]]
        _product(h, rk, z, tiles)
        for r in range(n):
            for j in range(k):
                z[r, j] = xw[t, r, j] + z[r, j]
            _lstm_gates(rec_act, act, z, g, c, c_new, r, u, one)
            _activate(act, c_new, tc, r, 0, u, one)
            if not masked or keep[t, r]:
                for j in range(u):
                    cn[r, j] = c_new[r, j]
                    y[r, j] = g[r, 3 * u + j] * tc[r, j]
            else:
                for j in range(u):
                    cn[r, j] = c[r, j]
                    y[r, j] = h[r, j]
        h, c = y, cn


@njit(error_model="numpy")
def lstm_backward(zs, gs, cs, tcs, c0, dhs, keep, masked, act, rec_act, rk_t, tiles, dxw, dh0, dc0):
    """The pre-activations' gradients dxw of `lstm_forward`'s steps from the outputs' dhs and
    from dc0 (on entry: the last cell state's gradient, return_state's); on return dh0, dc0
    hold the initial states' gradients."""
    steps, n, u = cs.shape
    dtype = cs.dtype
    one, zero = dtype.type(1), dtype.type(0)
    dh_next = np.zeros((n, u), dtype)
    dc_next = dc0.copy()
    carry = np.zeros((n, u), dtype)
    for t in range(steps - 1, -1, -1):
        z, g, dz = zs[t], gs[t], dxw[t]
        for r in range(n):
            kept = not masked or keep[t, r]
            for j in range(u):
                dh = dhs[t, r, j] + dh_next[r, j]
                dcn = dc_next[r, j]
                carry_c = zero
                carry[r, j] = zero
                if not kept:
                    carry[r, j], dh = dh, zero
                    carry_c, dcn = dcn, zero
                i, f, gg, o = g[r, j], g[r, u + j], g[r, 2 * u + j], g[r, 3 * u + j]
                c, tc = cs[t, r, j], tcs[t, r, j]
                c_prev = cs[t - 1, r, j] if t else c0[r, j]
                dc = dcn + _backward(act, c, tc, dh * o, one)
                dz[r, j] = _backward(rec_act, z[r, j], i, dc * gg, one)
                dz[r, u + j] = _backward(rec_act, z[r, u + j], f, dc * c_prev, one)
                dz[r, 2 * u + j] = _backward(act, z[r, 2 * u + j], gg, dc * i, one)
                dz[r, 3 * u + j] = _backward(rec_act, z[r, 3 * u + j], o, dh * tc, one)
                dc_next[r, j] = dc * f + carry_c
        _product(dz, rk_t, dh_next, tiles)
        if masked:
            dh_next += carry
    dh0[...] = dh_next
    dc0[...] = dc_next


@njit(error_model="numpy")
def gru_forward(xw, rk, rk_h, rbias, has_rbias, after, h0, keep, masked, act, rec_act, tiles, pre, gs, rh, hs):
    """Keras's GRU steps (gates z, r, h): pre the pre-activations, gs the gates, rh
    h_(t-1) · R_h (+ its bias) with reset_after, else r h_(t-1); hs the outputs. `rk` is
    the whole recurrent kernel with reset_after, else its z and r columns; `rk_h` its h
    columns (used without reset_after)."""
    steps, n, k = xw.shape
    u = k // 3
    dtype = xw.dtype
    one, zero = dtype.type(1), dtype.type(0)
    h = h0
    inner = np.empty((n, k if after else 2 * u), dtype)
    inner_h = np.empty((n, u), dtype)
    for t in range(steps):
        s = t % pre.shape[0]
        p, g, rht, y = pre[s], gs[s], rh[s], hs[t % hs.shape[0]]
        _product(h, rk, inner, tiles)
        for r in range(n):
            for j in range(2 * u):
                b = rbias[j] if has_rbias else zero
                p[r, j] = xw[t, r, j] + (inner[r, j] + b if after and has_rbias else inner[r, j])
            _activate(rec_act, p, g, r, 0, 2 * u, one)
            if after:
                for j in range(u):
                    x = inner[r, 2 * u + j] + rbias[2 * u + j] if has_rbias else inner[r, 2 * u + j]
                    rht[r, j] = x
                    p[r, 2 * u + j] = xw[t, r, 2 * u + j] + g[r, u + j] * x
            else:
                for j in range(u):
                    rht[r, j] = g[r, u + j] * h[r, j]
        if not after:
            _product(rht, rk_h, inner_h, tiles)
            for r in range(n):
                for j in range(u):
                    p[r, 2 * u + j] = xw[t, r, 2 * u + j] + inner_h[r, j]
        for r in range(n):
            _activate(act, p, g, r, 2 * u, k, one)
            kept = not masked or keep[t, r]
            for j in range(u):
                zg = g[r, j]
                y[r, j] = zg * h[r, j] + (one - zg) * g[r, 2 * u + j] if kept else h[r, j]
        h = y


@njit(error_model="numpy")
def gru_backward(pre, gs, rh, hs, h0, dhs, after, keep, masked, act, rec_act, rk_t, rk_h_t, tiles, dxw, dinner, dh0):
    """`gru_forward`'s backward: dxw the pre-activations' gradients, dinner the gradients of
    each step's recurrent products (reset_after: of h_(t-1) · R + b; else of h_(t-1) · R_zr
    and of (r h_(t-1)) · R_h). `rk_t` is the transpose of `gru_forward`'s rk, `rk_h_t` of its
    rk_h; h0 the initial state, dh0 receives its gradient."""
    steps, n, u = hs.shape
    dtype = hs.dtype
    one, zero = dtype.type(1), dtype.type(0)
    dh_next = np.zeros((n, u), dtype)
    dh = np.empty((n, u), dtype)
    carry = np.zeros((n, u), dtype)
    prod = np.empty((n, u), dtype)
    drh = np.empty((n, u), dtype)
    for t in range(steps - 1, -1, -1):
        p, g, d, di = pre[t], gs[t], dxw[t], dinner[t]
        for r in range(n):
            kept = not masked or keep[t, r]
            for j in range(u):
                v = dhs[t, r, j] + dh_next[r, j]
                carry[r, j] = zero if kept else v
                dh[r, j] = v if kept else zero
                zg, hh = g[r, j], g[r, 2 * u + j]
                h_prev = hs[t - 1, r, j] if t else h0[r, j]
                d[r, 2 * u + j] = _backward(act, p[r, 2 * u + j], hh, dh[r, j] * (one - zg), one)
                d[r, j] = _backward(rec_act, p[r, j], zg, dh[r, j] * (h_prev - hh), one)
        if after:
            for r in range(n):
                for j in range(u):
                    dah = d[r, 2 * u + j]
                    rg = g[r, u + j]
                    d[r, u + j] = _backward(rec_act, p[r, u + j], rg, dah * rh[t, r, j], one)
                    di[r, j], di[r, u + j] = d[r, j], d[r, u + j]
                    di[r, 2 * u + j] = dah * rg
            _product(di, rk_t, prod, tiles)
            for r in range(n):
                for j in range(u):
                    dh_next[r, j] = dh[r, j] * g[r, j] + prod[r, j] + carry[r, j]
        else:
            _product(d[:, 2 * u:], rk_h_t, drh, tiles)
            for r in range(n):
                for j in range(u):
                    h_prev = hs[t - 1, r, j] if t else h0[r, j]
                    rg = g[r, u + j]
                    d[r, u + j] = _backward(rec_act, p[r, u + j], rg, drh[r, j] * h_prev, one)
                    dh_next[r, j] = dh[r, j] * g[r, j] + drh[r, j] * rg
            for r in range(n):
                for j in range(3 * u):
                    di[r, j] = d[r, j]
            _product(d[:, :2 * u], rk_t, prod, tiles)
            for r in range(n):
                for j in range(u):
                    dh_next[r, j] = dh_next[r, j] + prod[r, j] + carry[r, j]
    dh0[...] = dh_next


@njit
def embedding_grad(ids, dy, grad):
    """grad = 0, then grad[ids[i]] += dy[i] for every i in order (NumPy's `np.add.at`)."""
    grad[...] = 0
    for i in range(ids.size):
        row = ids[i]
        for j in range(grad.shape[1]):
            grad[row, j] += dy[i, j]
