"""Dense (fully connected) layer kernels for small matrices.

For the tiny products of small tabular models (batch 10, 8 -> 10 units), a call into
BLAS through NumPy costs more than the arithmetic (about 3 us for `np.matmul` with
`out=`, against 0.3-1 us for a compiled call), so below `SMALL_MACS` multiply-adds the
layer runs these loops instead: forward with the bias (and ReLU) fused, and the whole
backward (weight, bias and input gradients) in one call. Larger products go to BLAS.
Generic over float32/float64 (float64 serves the gradient tests).
"""

import numpy as np

from visualnet.engine._jit import njit

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
