"""Central finite differences for checking analytic gradients of float32 code."""

import numpy as np


def numeric_grad(f, x, eps=1e-2):
    """d f / d x by central differences, accumulated in float64.

    `f` takes a float32 array shaped like `x` and returns a scalar. The step
    actually taken (after float32 rounding of `x +- eps`) is used as divisor.
    """
    x = np.array(x, dtype=np.float32)
    grad = np.zeros(x.shape, dtype=np.float64)
    flat = x.reshape(-1)
    for i in range(flat.size):
        orig = flat[i]
        flat[i] = orig + np.float32(eps)
        hi, f_hi = float(flat[i]), float(f(x))
        flat[i] = orig - np.float32(eps)
        lo, f_lo = float(flat[i]), float(f(x))
        flat[i] = orig
        grad.flat[i] = (f_hi - f_lo) / (hi - lo)
    return grad
