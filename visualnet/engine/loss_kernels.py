"""The fused (loss, output activation) kernels of the fast training step: one compiled pass
giving the loss and dL/dz, also as compiled jobs (runtime/program.py)."""

import numba
import numpy as np

from visualnet.engine._jit import njit
from visualnet.engine.loss_base import EPSILON, _F32
from visualnet.engine.runtime import jobs


class FusedKernel:
    """The training loop's fast path for a (loss, output activation) pair.

    `targets(y)` checks and converts all of a fit's targets once (same errors as the
    per-batch path); `(t, y_pred, dz) -> loss` then works on batches of those targets,
    writing dL/dz into `dz` and returning the reduced loss, with the same formulas as
    `fused_value_and_grad` (sum_over_batch_size, or sum)."""

    def __init__(self, loss, kernel, sparse):
        self.loss, self.kernel, self.sparse = loss, kernel, sparse
        self.per_row = loss._kernel_scale_rows()

    def targets(self, y_true, y_pred_shape):
        zeros = np.broadcast_to(_F32(0), y_pred_shape)  # the shapes, without memory
        t, _ = self.loss._prepare(y_true, zeros)
        if self.sparse:
            labels, _ = self.loss._labels(t, y_pred_shape[-1])
            return np.ascontiguousarray(labels.reshape(len(labels)), dtype=np.int64)
        return np.ascontiguousarray(t.reshape(y_pred_shape), dtype=_F32)

    def __call__(self, t, y_pred, dz, rows=None):
        """`rows`: the whole batch's sample count when y_pred is a piece of it (the mean
        is over the batch); by default y_pred's."""
        scale = self.scale(y_pred.shape[0] if rows is None else rows)
        return self.reduce(self.kernel(t, y_pred, dz, scale), scale)

    def scale(self, rows):
        """dz's factor for a batch of `rows` samples."""
        return _F32(1) / _F32(max(rows, 1)) if self.per_row else _F32(1)

    def reduce(self, total, scale) -> float:
        """The loss from the kernel's sum."""
        return float(total * scale) if self.per_row else float(total)

    def fill(self, slots, t, y_pred, dz, scalars) -> None:
        """Write the kernel as a compiled job (runtime/program.py): its sum goes to scalars[1],
        its scale is read from scalars[0] (float32). Slots[0] stays 0 where it cannot be
        (the softmax crossentropies have jobs; a sigmoid output has no compiled forward)."""
        arrays = (y_pred, dz, t, scalars)
        targets = (t.dtype == np.int64 and t.shape == y_pred.shape[:1]) if self.sparse else \
            (t.dtype == _F32 and t.shape == y_pred.shape)
        if all(a.flags.c_contiguous for a in arrays) and y_pred.dtype == dz.dtype == scalars.dtype == _F32 \
                and y_pred.ndim == 2 and dz.shape == y_pred.shape and targets and self.kernel in _JOBS:
            L = JOB_SLOTS
            slots[L.targets], slots[L.y_pred], slots[L.dz] = t.ctypes.data, y_pred.ctypes.data, dz.ctypes.data
            slots[L.rows], slots[L.cols], slots[L.scalars] = y_pred.shape[0], y_pred.shape[1], scalars.ctypes.data
            slots[0] = _JOBS[self.kernel]()


# ------------------------------------------------------------ fused kernels
# (t, p, dz, scale) -> sum of the per-sample losses; dz = dL/dz * scale. Float32 throughout.

@njit(error_model="numpy")
def _cce_softmax_kernel(t, p, dz, scale):
    lo = np.float32(EPSILON)
    hi = np.float32(1.0) - lo
    total = np.float32(0.0)
    for r in range(p.shape[0]):
        s = np.float32(0.0)
        ts = np.float32(0.0)
        for j in range(p.shape[1]):
            s += p[r, j]
            ts += t[r, j]
        v = np.float32(0.0)
        for j in range(p.shape[1]):
            q = min(max(p[r, j] / s, lo), hi)
            v += t[r, j] * np.log(q)
            dz[r, j] = (p[r, j] * ts - t[r, j]) * scale
        total -= v
    return total


@njit(error_model="numpy")
def _scce_softmax_kernel(labels, p, dz, scale):
    lo = np.float32(EPSILON)
    hi = np.float32(1.0) - lo
    total = np.float32(0.0)
    for r in range(p.shape[0]):
        s = np.float32(0.0)
        for j in range(p.shape[1]):
            s += p[r, j]
            dz[r, j] = p[r, j] * scale
        k = labels[r]
        dz[r, k] = (p[r, k] - np.float32(1.0)) * scale
        total -= np.log(min(max(p[r, k] / s, lo), hi))
    return total


@njit(error_model="numpy")
def _bce_sigmoid_kernel(t, p, dz, scale):
    lo = np.float32(EPSILON)
    hi = np.float32(1.0) - lo
    one = np.float32(1.0)
    k = np.float32(p.shape[1])
    total = np.float32(0.0)
    for r in range(p.shape[0]):
        v = np.float32(0.0)
        for j in range(p.shape[1]):
            q = min(max(p[r, j], lo), hi)
            v -= t[r, j] * np.log(q) + (one - t[r, j]) * np.log(one - q)
            dz[r, j] = (p[r, j] - t[r, j]) / k * scale
        total += v / k
    return total


# ------------------------------------------------------------ the fused kernels as compiled jobs
# the jobs' slots (runtime/jobs.py): targets, y_pred and dz (rows, cols), float32 (scale, sum)
JOB_SLOTS = jobs.layout("loss", "targets", "y_pred", "dz", "rows", "cols", "scalars")

@njit(inline="always")
def _job_arrays(slots_pointer):
    s = numba.carray(slots_pointer, jobs.SLOTS)
    L = JOB_SLOTS
    rows, cols = s[L.rows], s[L.cols]
    return jobs.matrix(s[L.y_pred], rows, cols), jobs.matrix(s[L.dz], rows, cols), jobs.vector(s[L.scalars], 2), s


def _cce_softmax_job(slots_pointer):
    p, dz, scalars, s = _job_arrays(slots_pointer)
    L = JOB_SLOTS
    scalars[1] = _cce_softmax_kernel(jobs.matrix(s[L.targets], s[L.rows], s[L.cols]), p, dz, scalars[0])


def _scce_softmax_job(slots_pointer):
    p, dz, scalars, s = _job_arrays(slots_pointer)
    L = JOB_SLOTS
    scalars[1] = _scce_softmax_kernel(jobs.int64_vector(s[L.targets], s[L.rows]), p, dz, scalars[0])


_JOBS = {_cce_softmax_kernel: jobs.cfunc(_cce_softmax_job), _scce_softmax_kernel: jobs.cfunc(_scce_softmax_job)}
