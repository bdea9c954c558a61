"""The training loop's fast path for the accuracy metrics: counts from the loss kernel's
converted targets, in Python or as compiled jobs (runtime/program.py)."""

import numba
import numpy as np

from visualnet.engine._jit import njit
from visualnet.engine.metrics_accuracy import BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy
from visualnet.engine.runtime import jobs

_F = np.float32


@njit(inline="always")
def _argmax_row(a, r):
    """np.argmax of row r: the first maximum, or the first NaN."""
    b = 0
    for j in range(1, a.shape[1]):
        if a[r, b] != a[r, b]:
            break
        if a[r, j] > a[r, b] or a[r, j] != a[r, j]:
            b = j
    return b


@njit
def _argmax_matches(t, p):
    """Rows whose arg-max in t and p agree."""
    hits = 0
    for r in range(p.shape[0]):
        hits += _argmax_row(t, r) == _argmax_row(p, r)
    return hits


@njit
def _label_matches(labels, p):
    hits = 0
    for r in range(p.shape[0]):
        hits += labels[r] == _argmax_row(p, r)
    return hits


@njit
def _binary_matches(t, p, threshold):
    """Sum over rows of the share of a row's entries where t == (p > threshold)."""
    total = 0.0
    for r in range(p.shape[0]):
        hits = 0
        for j in range(p.shape[1]):
            hits += t[r, j] == (np.float32(1.0) if p[r, j] > threshold else np.float32(0.0))
        total += hits / p.shape[1]
    return total


class FastUpdate:
    """Updates a metric from a batch of the loss kernel's converted targets (float32 like
    y_pred, or int64 labels when sparse) exactly as `update_state` would from the original
    targets: `update(t, y_pred)`; or as a compiled job (`fill`) whose count `add` adds."""

    def __init__(self, metric, kernel, job, threshold=None):
        self.metric, self.kernel, self.job, self.threshold = metric, kernel, job, threshold
        self._threshold = np.array([0 if threshold is None else threshold], np.float32)  # a job reads it here

    def __call__(self, t, p) -> None:
        args = () if self.threshold is None else (self.threshold,)
        self.add(float(self.kernel(t, p, *args)), p.shape[0])

    def add(self, matches: float, rows: int) -> None:
        self.metric.total += matches
        self.metric.count += rows

    def fill(self, slots, t, p, out) -> None:
        """Write the count as a compiled job (runtime/program.py) storing it in out[0] (float64)."""
        if p.ndim == 2 and p.dtype == np.float32 and out.dtype == np.float64 and \
                all(a.flags.c_contiguous for a in (t, p, out)) and t.dtype in (np.float32, np.int64):
            L = COUNT_SLOTS
            slots[L.targets], slots[L.y_pred], slots[L.rows], slots[L.cols] = t.ctypes.data, p.ctypes.data, *p.shape
            slots[L.count], slots[L.threshold] = out.ctypes.data, self._threshold.ctypes.data
            slots[0] = self.job()


def fast_update(metric, sparse_targets):
    """A `FastUpdate` for `metric`, or None when there is no such path."""
    kind = type(metric)
    if kind is CategoricalAccuracy and not sparse_targets:
        return FastUpdate(metric, _argmax_matches, _argmax_job)
    if kind is SparseCategoricalAccuracy and sparse_targets:
        return FastUpdate(metric, _label_matches, _label_job)
    if kind is BinaryAccuracy and not sparse_targets:
        return FastUpdate(metric, _binary_matches, _binary_job, _F(metric.threshold))
    return None


# the count jobs' slots (runtime/jobs.py): the targets, y_pred (rows, cols), the float64 the
# count goes to, the float32 threshold (binary accuracy)
COUNT_SLOTS = jobs.layout("metric_count", "targets", "y_pred", "rows", "cols", "count", "threshold")

def _argmax_counts(slots_pointer):
    s = numba.carray(slots_pointer, jobs.SLOTS)
    L = COUNT_SLOTS
    p = jobs.matrix(s[L.y_pred], s[L.rows], s[L.cols])
    jobs.float64_vector(s[L.count], 1)[0] = _argmax_matches(jobs.matrix(s[L.targets], s[L.rows], s[L.cols]), p)


def _label_counts(slots_pointer):
    s = numba.carray(slots_pointer, jobs.SLOTS)
    L = COUNT_SLOTS
    p = jobs.matrix(s[L.y_pred], s[L.rows], s[L.cols])
    jobs.float64_vector(s[L.count], 1)[0] = _label_matches(jobs.int64_vector(s[L.targets], s[L.rows]), p)


def _binary_counts(slots_pointer):
    s = numba.carray(slots_pointer, jobs.SLOTS)
    L = COUNT_SLOTS
    p = jobs.matrix(s[L.y_pred], s[L.rows], s[L.cols])
    threshold = jobs.vector(s[L.threshold], 1)[0]
    jobs.float64_vector(s[L.count], 1)[0] = _binary_matches(jobs.matrix(s[L.targets], s[L.rows], s[L.cols]), p,
                                                            threshold)


_argmax_job, _label_job, _binary_job = (jobs.cfunc(f) for f in (_argmax_counts, _label_counts, _binary_counts))
