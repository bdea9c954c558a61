"""Dropout's mask as a compiled job, for training steps run as programs.

The layer (layers/core.py) draws uniform float32 numbers `r` and multiplies by
`(r < keep) * scale` (scale = float32(1 / keep)). The job computes the same product from
the same `r`, element by element, so a program's step equals the layer's bit for bit:
forward `out = x * mask` and backward `g = g * mask` (in place). The numbers are drawn from
the layer's generator in Python before the program runs, in the order the layer would draw.
"""

import numba
import numpy as np

from visualnet.engine.runtime import jobs

JOB_SLOTS = jobs.layout("dropout", "x", "r", "out", "size", "params")


def _dropout_job(slots_pointer):
    """out = x * (scale if r < keep else 0) over `size` floats; params: (keep, scale)."""
    s = numba.carray(slots_pointer, jobs.SLOTS)
    size = s[JOB_SLOTS.size]
    x, r, out = jobs.vector(s[JOB_SLOTS.x], size), jobs.vector(s[JOB_SLOTS.r], size), jobs.vector(s[JOB_SLOTS.out], size)
    params = jobs.vector(s[JOB_SLOTS.params], 2)
    keep, scale, zero = params[0], params[1], np.float32(0)
    for i in range(size):
        out[i] = x[i] * (scale if r[i] < keep else zero)


_dropout_address = jobs.cfunc(_dropout_job)


def mask_params(rate: float) -> np.ndarray:
    """(keep, scale) as float32, compared and multiplied as the layer does."""
    keep = 1.0 - rate
    return np.array([keep, 1 / keep], np.float32)


def fill_dropout(slots, x, r, out, params) -> None:
    """Write `out = x * mask(r)` as a compiled job (C-ordered float32 arrays of one shape;
    `out` may be `x`)."""
    arrays = (x, r, out)
    if all(a.flags.c_contiguous and a.dtype == np.float32 and a.shape == x.shape for a in arrays):
        L = JOB_SLOTS
        slots[L.x], slots[L.r], slots[L.out] = x.ctypes.data, r.ctypes.data, out.ctypes.data
        slots[L.size], slots[L.params] = x.size, params.ctypes.data
        slots[0] = _dropout_address()
