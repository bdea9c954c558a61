"""A Dense or Conv2D bias fused with its activation over 2-D (rows, units) arrays, one pass
over memory (ReLU, softmax, and the linear activation's bias and bias gradient), and the
compiled jobs that run them inside a program (runtime/jobs.py)."""

import numba
import numpy as np

from visualnet.engine._jit import njit
from visualnet.engine.activation_kernels import relu1, relu_grad1
from visualnet.engine.runtime import jobs


@njit(error_model="numpy")
def softmax_rows(x, out):
    """Row-wise stable softmax, as `exp(x - max) / sum` (NumPy's float32 exp)."""
    for r in range(x.shape[0]):
        m = x[r, 0]
        for j in range(1, x.shape[1]):
            m = max(m, x[r, j])
        s = x.dtype.type(0.0)
        for j in range(x.shape[1]):
            e = np.exp(x[r, j] - m)
            out[r, j] = e
            s += e
        for j in range(x.shape[1]):
            out[r, j] /= s


@njit(error_model="numpy")
def add_rows(z, b):
    for r in range(z.shape[0]):
        for j in range(z.shape[1]):
            z[r, j] += b[j]


@njit(error_model="numpy")
def _col_sums(a, out):
    out[:] = 0
    for r in range(a.shape[0]):
        for j in range(a.shape[1]):
            out[j] += a[r, j]



@njit(error_model="numpy")
def bias_relu_fwd(z, b, has_bias, out, slope, max_value, threshold, has_max):
    zero = z.dtype.type(0.0)
    for r in range(z.shape[0]):
        for j in range(z.shape[1]):
            v = z[r, j]
            if has_bias:
                v += b[j]
                z[r, j] = v
            out[r, j] = relu1(v, zero, slope, max_value, threshold, has_max)


@njit(error_model="numpy")
def bias_relu_in_place(z, b, has_bias, slope, max_value, threshold, has_max):
    zero = z.dtype.type(0.0)
    for r in range(z.shape[0]):
        for j in range(z.shape[1]):
            v = z[r, j] + b[j] if has_bias else z[r, j]
            z[r, j] = relu1(v, zero, slope, max_value, threshold, has_max)


@njit(error_model="numpy")
def relu_in_place(x, slope, max_value, threshold, has_max):
    zero = x.dtype.type(0.0)
    for i in range(x.size):
        x[i] = relu1(x[i], zero, slope, max_value, threshold, has_max)


@njit(error_model="numpy")
def relu_bwd_bias(x, dy, out, db, has_bias, slope, max_value, threshold, has_max):
    zero = x.dtype.type(0.0)
    one = x.dtype.type(1.0)
    if has_bias:
        db[:] = 0
    for r in range(x.shape[0]):
        for j in range(x.shape[1]):
            o = relu_grad1(x[r, j], zero, one, slope, max_value, threshold, has_max) * dy[r, j]
            out[r, j] = o
            if has_bias:
                db[j] += o


@njit(error_model="numpy")
def relu_bwd_bias_in_place(x, d, db, has_bias, slope, max_value, threshold, has_max):
    """`relu_bwd_bias` with out = dy (d): a loop over one array, which LLVM vectorises (not
    one over two arrays that alias)."""
    zero = x.dtype.type(0.0)
    one = x.dtype.type(1.0)
    if has_bias:
        db[:] = 0
    for r in range(x.shape[0]):
        for j in range(x.shape[1]):
            o = relu_grad1(x[r, j], zero, one, slope, max_value, threshold, has_max) * d[r, j]
            d[r, j] = o
            if has_bias:
                db[j] += o


EMPTY = np.zeros(0, np.float32)


def column_sums(a, out):
    """out[j] = sum of a[:, j] (a 2-D), without allocating."""
    _col_sums(a, out)
    return out


# ---------------------------------------------------------- compiled jobs (runtime/jobs.py)
# the jobs' slots (runtime/jobs.py): a (rows, cols) C-ordered float32, a vector of cols
# (0: none), then two of the job's own (`fill_job`'s extra and extra2)
JOB_SLOTS = jobs.layout("activation", "a", "vector", "rows", "cols", "extra", "extra2")


def fits(a, vector) -> bool:
    """Whether a (2-D) and `vector` (its columns' own, or None) suit a job's slots."""
    return (a.ndim == 2 and a.dtype == np.float32 and a.flags.c_contiguous
            and (vector is None or (vector.dtype == np.float32 and vector.flags.c_contiguous
                                    and vector.shape == (a.shape[1],))))


def fill_job(slots, job: str, a, vector, extra, extra2=0) -> None:
    """Write the compiled job `job` ('add_rows', 'col_sums', 'bias_relu', 'relu_bwd_bias'
    or 'bias_softmax') on `a`, `vector` and its own `extra` and `extra2` into `slots`."""
    L = JOB_SLOTS
    slots[L.a], slots[L.vector] = a.ctypes.data, 0 if vector is None else vector.ctypes.data
    slots[L.rows], slots[L.cols], slots[L.extra], slots[L.extra2] = a.shape[0], a.shape[1], extra, extra2
    slots[0] = _ADDRESSES[job]()


@njit(inline="always")
def _job_arrays(slots_pointer):
    s = numba.carray(slots_pointer, jobs.SLOTS)
    L = JOB_SLOTS
    rows, cols, vector = s[L.rows], s[L.cols], s[L.vector]
    return s, jobs.matrix(s[L.a], rows, cols), jobs.vector(vector, cols if vector != 0 else 0), vector != 0


def _add_rows_job(slots_pointer):
    _, z, b, _ = _job_arrays(slots_pointer)
    add_rows(z, b)


def _col_sums_job(slots_pointer):
    _, a, out, _ = _job_arrays(slots_pointer)
    _col_sums(a, out)


def _bias_relu_job(slots_pointer):
    s, z, b, has_bias = _job_arrays(slots_pointer)
    p = jobs.vector(s[JOB_SLOTS.extra], 4)
    bias_relu_in_place(z, b, has_bias, p[0], p[1], p[2], p[3] != 0)


def _relu_bwd_bias_job(slots_pointer):
    """[1] d (written over), [2] db, [5] the parameters, [6] x."""
    s, d, db, has_bias = _job_arrays(slots_pointer)
    p = jobs.vector(s[JOB_SLOTS.extra], 4)
    x = jobs.matrix(s[JOB_SLOTS.extra2], s[JOB_SLOTS.rows], s[JOB_SLOTS.cols])
    relu_bwd_bias_in_place(x, d, db, has_bias, p[0], p[1], p[2], p[3] != 0)


def _bias_softmax_job(slots_pointer):
    """[5] out."""
    s, z, b, has_bias = _job_arrays(slots_pointer)
    if has_bias:
        add_rows(z, b)
    softmax_rows(z, jobs.matrix(s[JOB_SLOTS.extra], s[JOB_SLOTS.rows], s[JOB_SLOTS.cols]))


_ADDRESSES = {"add_rows": jobs.cfunc(_add_rows_job), "col_sums": jobs.cfunc(_col_sums_job),
              "bias_relu": jobs.cfunc(_bias_relu_job), "relu_bwd_bias": jobs.cfunc(_relu_bwd_bias_job),
              "bias_softmax": jobs.cfunc(_bias_softmax_job)}
