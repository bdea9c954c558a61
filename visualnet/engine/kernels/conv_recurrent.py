"""ConvLSTM's gates, one step at a time, in compiled GIL-free passes (the convolutions run in
kernels/conv.py; engine/layers/conv_recurrent.py calls these between them).

Arrays are a step's positions as rows: (batch * rows * cols, 4*filters) for the pre-activations
z and gates g (i, f, c, o), (positions, filters) for the states. Activations are
kernels/recurrent.py's codes; the arithmetic is the layer's NumPy path's, in the same order.
`keep` (positions,) says which positions the mask keeps (ignored unless `masked`): elsewhere
the states stay the previous ones and backward passes their gradients through.
The outputs may be the inputs' own arrays (prediction keeps one step): each element is read
before it is written.
"""

from __future__ import annotations

from visualnet.engine._jit import njit
from visualnet.engine.kernels.recurrent import _activate, _backward, _forward


@njit(error_model="numpy")
def cell_forward(xw, hr, h_prev, c_prev, keep, masked, act, rec_act, z, g, h, c, tc):
    """z = xw + hr; the gates; c = f c_prev + i g_c, tc = act(c), h = o tc (kept states where masked)."""
    rows, k = z.shape
    u = k // 4
    one = z.dtype.type(1)
    for r in range(rows):
        for j in range(k):
            z[r, j] = xw[r, j] + hr[r, j]
        _activate(rec_act, z, g, r, 0, 2 * u, one)
        _activate(act, z, g, r, 2 * u, 3 * u, one)
        _activate(rec_act, z, g, r, 3 * u, k, one)
        kept = not masked or keep[r]
        for j in range(u):
            c_new = g[r, u + j] * c_prev[r, j] + g[r, j] * g[r, 2 * u + j]
            t = _forward(act, c_new, one)
            tc[r, j] = t
            if kept:
                c[r, j] = c_new
                h[r, j] = g[r, 3 * u + j] * t
            else:
                c[r, j] = c_prev[r, j]
                h[r, j] = h_prev[r, j]


@njit(error_model="numpy")
def cell_backward(dh_out, dh_next, z, g, c, tc, c_prev, keep, masked, act, rec_act, dc, dz, carry):
    """One step back: dz from the output's gradient dh_out and the next step's dh_next, dc (on
    entry the cell state's gradient, on return the previous cell state's); `carry` receives the
    state h's gradient that masked positions pass to the step before (zeros elsewhere)."""
    rows, u = c.shape
    one, zero = c.dtype.type(1), c.dtype.type(0)
    for r in range(rows):
        kept = not masked or keep[r]
        for j in range(u):
            dh = dh_out[r, j] + dh_next[r, j]
            if not kept:   # the states' gradients pass through unchanged; no gate sees them
                carry[r, j] = dh
                dz[r, j] = dz[r, u + j] = dz[r, 2 * u + j] = dz[r, 3 * u + j] = zero
                continue
            carry[r, j] = zero
            i, f, gg, o = g[r, j], g[r, u + j], g[r, 2 * u + j], g[r, 3 * u + j]
            d = dc[r, j] + _backward(act, c[r, j], tc[r, j], dh * o, one)
            dz[r, j] = _backward(rec_act, z[r, j], i, d * gg, one)
            dz[r, u + j] = _backward(rec_act, z[r, u + j], f, d * c_prev[r, j], one)
            dz[r, 2 * u + j] = _backward(act, z[r, 2 * u + j], gg, d * i, one)
            dz[r, 3 * u + j] = _backward(rec_act, z[r, 3 * u + j], o, dh * tc[r, j], one)
            dc[r, j] = d * f
