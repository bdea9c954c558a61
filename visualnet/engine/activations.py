"""Keras 3 activation functions with their derivatives, as fused single-pass kernels.

The public functions (`relu(x)`, `softmax(x, axis=-1)`, ...) mirror
`keras.activations`. The engine uses `get(identifier)`, which returns an
`Activation` with `forward(x)` and `backward(x, y, dy)`.
"""

import math

import numba
import numpy as np

from visualnet.engine._jit import njit
from visualnet.engine.tape import TapeTensor
from visualnet.engine.activation_extras import KERNELS
from visualnet.engine.runtime import jobs

__all__ = [
    "NAMES", "Activation", "get", "serialize", "deserialize",
    "linear", "relu", "sigmoid", "tanh", "softmax", "leaky_relu", "elu", "selu",
    "softplus", "softsign", "gelu", "silu", "swish", "exponential", "hard_sigmoid",
    "log_softmax", *KERNELS,
]

NAMES = (
    "linear", "relu", "sigmoid", "tanh", "softmax", "leaky_relu", "elu", "selu",
    "softplus", "softsign", "gelu", "swish", "silu", "exponential", "hard_sigmoid",
    "log_softmax", *KERNELS,
)

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


# ------------------------------------------------------------------------ kernels
# Forward: (x, out, *params). Backward: (x, y, dy, out, *params). Arrays are 1-D.
# Arithmetic-only steps are single-pass Numba loops (LLVM vectorises them);
# exp/tanh/log go through NumPy's SIMD ufuncs, many times faster than scalar libm.
# error_model="numpy": no zero-division checks (inf/nan as in Keras), so loops vectorise.

@njit(error_model="numpy")
def _relu_fwd(x, out, slope, max_value, threshold, has_max):
    zero = np.float32(0.0)
    for i in range(x.size):
        v = x[i]
        y = v if (v > threshold or v != v) else zero  # NaN passes through, as in Keras
        if has_max:
            y = min(max(y, zero), max_value)
        d = threshold - v
        if slope != zero and d > zero:
            y -= slope * d
        out[i] = y


@njit(error_model="numpy")
def _relu_bwd(x, y, dy, out, slope, max_value, threshold, has_max):
    zero = np.float32(0.0)
    for i in range(x.size):
        v = x[i]
        g = zero
        if v > threshold and (not has_max or (v >= zero and v < max_value)):
            g = np.float32(1.0)
        if slope != zero and threshold - v > zero:
            g += slope
        out[i] = g * dy[i]


@njit(error_model="numpy")
def _sigmoid_loop(x, out):
    one = x.dtype.type(1.0)
    for i in range(x.size):
        out[i] = one / (one + np.exp(-x[i]))


def _sigmoid_fwd(x, out):
    """`1 / (1 + exp(-x))`; exp overflowing to inf gives the right 0. Small arrays in one
    compiled loop (no call overheads), large ones through NumPy's SIMD exp."""
    if x.size <= 2048:
        _sigmoid_loop(x, out)
        return
    with np.errstate(over="ignore"):
        np.exp(np.negative(x, out=out), out=out)
    np.add(out, 1, out=out)
    np.reciprocal(out, out=out)


@njit(error_model="numpy")
def _sigmoid_bwd(x, y, dy, out):
    one = np.float32(1.0)
    for i in range(x.size):
        out[i] = dy[i] * y[i] * (one - y[i])


def _tanh_fwd(x, out):
    np.tanh(x, out=out)


@njit(error_model="numpy")
def _tanh_bwd(x, y, dy, out):
    one = np.float32(1.0)
    for i in range(x.size):
        out[i] = dy[i] * (one - y[i] * y[i])


@njit(error_model="numpy")
def _elu_select(x, e, out, alpha, scale):
    for i in range(x.size):
        v = x[i]
        out[i] = scale * (v if v >= np.float32(0.0) else alpha * e[i])


def _elu_fwd(x, out, alpha, scale):
    e = np.expm1(np.minimum(x, 0))  # separate buffer: aliasing stops vectorisation
    _elu_select(x, e, out, alpha, scale)


@njit(error_model="numpy")
def _elu_bwd(x, y, dy, out, alpha, scale):
    for i in range(x.size):
        if x[i] >= np.float32(0.0):
            out[i] = dy[i] * scale
        else:  # d/dx scale*alpha*(e^x - 1) = y + scale*alpha
            out[i] = dy[i] * (y[i] + scale * alpha)


def _softplus_fwd(x, out):
    """`max(x, 0) + log1p(exp(-|x|))`, stable for large |x|."""
    np.exp(np.negative(np.abs(x, out=out), out=out), out=out)
    np.log1p(out, out=out)
    out += np.maximum(x, 0)


def _softplus_bwd(x, y, dy, out):
    """sigmoid(x) = 1 - exp(-softplus(x)) = -expm1(-y)."""
    np.expm1(np.negative(y, out=out), out=out)
    np.negative(out, out=out)
    out *= dy


@njit(error_model="numpy")
def _softsign_fwd(x, out):
    one = np.float32(1.0)
    for i in range(x.size):
        out[i] = x[i] / (one + abs(x[i]))


@njit(error_model="numpy")
def _softsign_bwd(x, y, dy, out):
    one = np.float32(1.0)
    for i in range(x.size):
        d = one + abs(x[i])
        out[i] = dy[i] / (d * d)


def _gelu_fwd(x, out, approximate):
    if approximate:
        c, k = np.float32(math.sqrt(2.0 / math.pi)), np.float32(0.044715)
        np.tanh(c * (x + k * x * x * x), out=out)
        out += 1
        out *= x
        out *= np.float32(0.5)
    else:
        _gelu_exact_fwd(x, out)


@njit(error_model="numpy")
def _gelu_exact_fwd(x, out):
    half, inv_sqrt2 = np.float32(0.5), np.float32(1.0 / math.sqrt(2.0))
    for i in range(x.size):
        v = x[i]
        out[i] = half * v * math.erfc(-v * inv_sqrt2)  # erfc: accurate for v << 0


@njit(error_model="numpy")
def _gelu_bwd(x, y, dy, out, approximate):
    half, one = np.float32(0.5), np.float32(1.0)
    c = np.float32(math.sqrt(2.0 / math.pi))
    k = np.float32(0.044715)
    inv_sqrt2 = np.float32(1.0 / math.sqrt(2.0))
    inv_sqrt2pi = np.float32(1.0 / math.sqrt(2.0 * math.pi))
    for i in range(x.size):
        v = x[i]
        if approximate:
            t = math.tanh(c * (v + k * v * v * v))
            g = half * (one + t) + half * v * (one - t * t) * c * (
                one + np.float32(3.0) * k * v * v)
        else:
            g = half * math.erfc(-v * inv_sqrt2) + v * inv_sqrt2pi * math.exp(
                -half * v * v)
        out[i] = dy[i] * g


def _silu_fwd(x, out):
    _sigmoid_fwd(x, out)
    out *= x


@njit(error_model="numpy")
def _silu_grad(x, s, dy, out):
    one = np.float32(1.0)
    for i in range(x.size):
        out[i] = dy[i] * s[i] * (one + x[i] * (one - s[i]))


def _silu_bwd(x, y, dy, out):
    s = np.empty_like(out)
    _sigmoid_fwd(x, s)
    _silu_grad(x, s, dy, out)


def _exp_fwd(x, out):
    np.exp(x, out=out)


@njit(error_model="numpy")
def _exp_bwd(x, y, dy, out):
    for i in range(x.size):
        out[i] = dy[i] * y[i]


@njit(error_model="numpy")
def _hard_sigmoid_fwd(x, out):
    zero, one = np.float32(0.0), np.float32(1.0)
    for i in range(x.size):
        out[i] = min(max(x[i] / np.float32(6.0) + np.float32(0.5), zero), one)


@njit(error_model="numpy")
def _hard_sigmoid_bwd(x, y, dy, out):
    three = np.float32(3.0)
    for i in range(x.size):
        v = x[i]
        out[i] = dy[i] / np.float32(6.0) if -three < v < three else np.float32(0.0)


# ---------------------------------------------------------------- engine objects

def _f32(x):
    """Contiguous float32, or float64 kept as is (the gradient tests run in float64)."""
    x = np.asarray(x)
    return np.ascontiguousarray(x, dtype=np.float64 if x.dtype == np.float64 else np.float32)


def _on_tape(x) -> bool:
    return isinstance(x, TapeTensor) or hasattr(x, "_tape_weight")


def _taped(act, x):
    """`act` on a tape tensor or weight: forward on its value, `act.backward` as the rule."""
    from .tensor_ops import on_tape
    return on_tape(act.forward, act.backward, x)


class Activation:
    """An activation the engine runs forward and backward on float32 arrays.

    `forward(x) -> y`; `backward(x, y, dy) -> dx` where `y = forward(x)`. The engine's
    layers call `forward_into` / `backward_into`, which write into arrays they own (same
    shape and dtype, C-contiguous), and `bias_forward_into` / `bias_backward_into`, which
    fuse a Dense or Conv2D bias with the activation (one pass over memory for ReLU).
    """

    def __init__(self, name, fwd=None, bwd=None, params=()):
        self.name = name
        self._fwd, self._bwd = fwd, bwd
        self._params = tuple(np.float32(p) if not isinstance(p, bool) else p
                             for p in params)

    @property
    def is_linear(self):
        return self._fwd is None

    in_place = False  # whether backward gives the same result from y as from x
    overwrites_dy = False  # whether bias_backward_into may be given out=dy

    def forward(self, x):
        if _on_tape(x):   # a tensor of a custom layer's call: recorded with this backward (tape.py)
            return _taped(self, x)
        x = _f32(x)
        if self._fwd is None:
            return x
        out = np.empty_like(x)
        self._fwd(x.reshape(-1), out.reshape(-1), *self._params)
        return out

    def backward(self, x, y, dy):
        dy = _f32(dy)
        if self._bwd is None:
            return dy
        x, y = _f32(x), _f32(y)
        out = np.empty_like(dy)
        self._bwd(x.reshape(-1), y.reshape(-1), dy.reshape(-1), out.reshape(-1),
                  *self._params)
        return out

    def forward_into(self, x, out):
        """`out[...] = forward(x)`; x and out C-contiguous, same shape and dtype."""
        if self._fwd is None:
            out[...] = x
        else:
            self._fwd(x.reshape(-1), out.reshape(-1), *self._params)
        return out

    def backward_into(self, x, y, dy, out):
        """`out[...] = backward(x, y, dy)`; all C-contiguous, same shape and dtype."""
        if self._bwd is None:
            out[...] = dy
        else:
            self._bwd(x.reshape(-1), y.reshape(-1), dy.reshape(-1), out.reshape(-1),
                      *self._params)
        return out

    def bias_forward_into(self, z, bias, out):
        """z (rows, units) += bias, then out = forward(z); bias None skips the add."""
        if bias is not None:
            _add_rows(z, bias)
        return self.forward_into(z, out)

    def bias_backward_into(self, x, y, dy, out, dbias):
        """out = backward(x, y, dy) (2-D) and dbias = its column sums (None: skipped)."""
        self.backward_into(x, y, dy, out)
        if dbias is not None:
            _col_sums(out, dbias)
        return out

    def fill_bias_forward(self, slots, z, bias, out) -> None:
        """Write `bias_forward_into(z, bias, out)` as a compiled job (runtime/program.py), for
        C-ordered 2-D float32 arrays; slots[0] stays 0 where there is none (here: only
        the linear activation's bias, in place)."""
        if self.is_linear and out is z and bias is not None and _fits(z, bias):
            _fill(slots, _add_rows_address, z, bias, 0)

    def fill_bias_backward(self, slots, x, y, dy, dbias) -> None:
        """Write `bias_backward_into(x, y, dy, dy, dbias)` (in place over dy) as a compiled
        job, like `fill_bias_forward` (here: only the linear activation's bias gradient)."""
        if self.is_linear and dbias is not None and _fits(dy, dbias):
            _fill(slots, _col_sums_address, dy, dbias, 0)

    __call__ = forward

    def __repr__(self):
        return f"<Activation {self.name}>"


class _ReLU(Activation):
    """ReLU family with bias and bias gradient fused into one pass.

    The plain ReLU (no slope, threshold or cap) may run in place (`out` is `x`): its
    derivative is then read from the output, which is positive exactly where x was. In
    place, kernels taking one array run: LLVM does not vectorise a loop over two arguments
    that alias (65,536 floats: 24-32 us against 4)."""

    @property
    def in_place(self):
        slope, _, threshold, has_max = self._params
        return slope == 0 and threshold == 0 and not has_max

    def forward_into(self, x, out):
        if out is not x:
            return super().forward_into(x, out)
        _relu_in_place(x.reshape(-1), *self._params)
        return out

    def bias_forward_into(self, z, bias, out):
        b = _EMPTY if bias is None else bias
        if out is z:
            _bias_relu_in_place(z, b, bias is not None, *self._params)
        else:
            _bias_relu_fwd(z, b, bias is not None, out, *self._params)
        return out

    overwrites_dy = True

    def bias_backward_into(self, x, y, dy, out, dbias):
        db = _EMPTY if dbias is None else dbias
        if out is dy:  # one array, so that the loop vectorises
            _relu_bwd_bias_in_place(x, out, db, dbias is not None, *self._params)
        else:
            _relu_bwd_bias(x, dy, out, db, dbias is not None, *self._params)
        return out

    def fill_bias_forward(self, slots, z, bias, out) -> None:
        if out is z and _fits(z, bias):
            _fill(slots, _bias_relu_address, z, bias, self._vector().ctypes.data)

    def fill_bias_backward(self, slots, x, y, dy, dbias) -> None:
        if self.in_place and _fits(dy, dbias) and _fits(x, None) and x.shape == dy.shape:
            _fill(slots, _relu_bwd_bias_address, dy, dbias, self._vector().ctypes.data, x.ctypes.data)

    def _vector(self):
        """The parameters as float32 (slope, max_value, threshold, has_max) for a job."""
        if getattr(self, "_param_vector", None) is None:
            self._param_vector = np.array([float(p) for p in self._params], np.float32)
        return self._param_vector


class Softmax(Activation):
    """Numerically stable softmax over `axis` (last by default)."""

    def __init__(self, axis=-1, name="softmax"):
        super().__init__(name)
        self.axis = axis

    @property
    def is_linear(self):
        return False

    def forward(self, x):
        if _on_tape(x):
            return _taped(self, x)
        x = _f32(x)
        if x.size == 0:
            return x.copy()
        y = x - x.max(axis=self.axis, keepdims=True)
        np.exp(y, out=y)
        y /= y.sum(axis=self.axis, keepdims=True)
        return y

    def backward(self, x, y, dy):
        y, dy = _f32(y), _f32(dy)
        return y * (dy - np.sum(dy * y, axis=self.axis, keepdims=True))

    def forward_into(self, x, out):
        if self.axis in (-1, x.ndim - 1) and x.size:
            _softmax_rows(x.reshape(-1, x.shape[-1]), out.reshape(-1, x.shape[-1]))
        else:
            out[...] = self.forward(x)
        return out

    def backward_into(self, x, y, dy, out):
        out[...] = self.backward(x, y, dy)
        return out

    def fill_bias_forward(self, slots, z, bias, out) -> None:
        if self.axis in (-1, 1) and z.ndim == 2 and _fits(z, bias) and _fits(out, None) and out.shape == z.shape:
            _fill(slots, _bias_softmax_address, z, bias, out.ctypes.data)


class LogSoftmax(Softmax):
    """`x - logsumexp(x)` over `axis` (last by default)."""

    def __init__(self, axis=-1, name="log_softmax"):
        super().__init__(axis, name)

    def forward(self, x):
        if _on_tape(x):
            return _taped(self, x)
        x = _f32(x)
        if x.size == 0:
            return x.copy()
        y = x - x.max(axis=self.axis, keepdims=True)
        y -= np.log(np.exp(y).sum(axis=self.axis, keepdims=True))
        return y

    def backward(self, x, y, dy):
        y, dy = _f32(y), _f32(dy)
        return dy - np.exp(y) * np.sum(dy, axis=self.axis, keepdims=True)

    def forward_into(self, x, out):
        out[...] = self.forward(x)
        return out

    def fill_bias_forward(self, slots, z, bias, out) -> None:
        """No compiled job: `bias_forward_into` runs."""


@njit(error_model="numpy")
def _softmax_rows(x, out):
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
def _add_rows(z, b):
    for r in range(z.shape[0]):
        for j in range(z.shape[1]):
            z[r, j] += b[j]


@njit(error_model="numpy")
def _col_sums(a, out):
    out[:] = 0
    for r in range(a.shape[0]):
        for j in range(a.shape[1]):
            out[j] += a[r, j]


@njit(inline="always", error_model="numpy")
def _relu1(v, zero, slope, max_value, threshold, has_max):
    y = v if (v > threshold or v != v) else zero
    if has_max:
        y = min(max(y, zero), max_value)
    d = threshold - v
    if slope != zero and d > zero:
        y -= slope * d
    return y


@njit(error_model="numpy")
def _bias_relu_fwd(z, b, has_bias, out, slope, max_value, threshold, has_max):
    zero = z.dtype.type(0.0)
    for r in range(z.shape[0]):
        for j in range(z.shape[1]):
            v = z[r, j]
            if has_bias:
                v += b[j]
                z[r, j] = v
            out[r, j] = _relu1(v, zero, slope, max_value, threshold, has_max)


@njit(error_model="numpy")
def _bias_relu_in_place(z, b, has_bias, slope, max_value, threshold, has_max):
    zero = z.dtype.type(0.0)
    for r in range(z.shape[0]):
        for j in range(z.shape[1]):
            v = z[r, j] + b[j] if has_bias else z[r, j]
            z[r, j] = _relu1(v, zero, slope, max_value, threshold, has_max)


@njit(error_model="numpy")
def _relu_in_place(x, slope, max_value, threshold, has_max):
    zero = x.dtype.type(0.0)
    for i in range(x.size):
        x[i] = _relu1(x[i], zero, slope, max_value, threshold, has_max)


@njit(inline="always", error_model="numpy")
def _relu_grad1(v, zero, one, slope, max_value, threshold, has_max):
    g = zero
    if v > threshold and (not has_max or (v >= zero and v < max_value)):
        g = one
    if slope != zero and threshold - v > zero:
        g += slope
    return g


@njit(error_model="numpy")
def _relu_bwd_bias(x, dy, out, db, has_bias, slope, max_value, threshold, has_max):
    zero = x.dtype.type(0.0)
    one = x.dtype.type(1.0)
    if has_bias:
        db[:] = 0
    for r in range(x.shape[0]):
        for j in range(x.shape[1]):
            o = _relu_grad1(x[r, j], zero, one, slope, max_value, threshold, has_max) * dy[r, j]
            out[r, j] = o
            if has_bias:
                db[j] += o


@njit(error_model="numpy")
def _relu_bwd_bias_in_place(x, d, db, has_bias, slope, max_value, threshold, has_max):
    """`_relu_bwd_bias` with out = dy (d)."""
    zero = x.dtype.type(0.0)
    one = x.dtype.type(1.0)
    if has_bias:
        db[:] = 0
    for r in range(x.shape[0]):
        for j in range(x.shape[1]):
            o = _relu_grad1(x[r, j], zero, one, slope, max_value, threshold, has_max) * d[r, j]
            d[r, j] = o
            if has_bias:
                db[j] += o


_EMPTY = np.zeros(0, np.float32)


def column_sums(a, out):
    """out[j] = sum of a[:, j] (a 2-D), without allocating."""
    _col_sums(a, out)
    return out


# ---------------------------------------------------------- compiled jobs (runtime/jobs.py)
# the jobs' slots (runtime/jobs.py): a (rows, cols) C-ordered float32, a vector of cols
# (0: none), then two of the job's own (`_fill`'s extra and extra2)
JOB_SLOTS = jobs.layout("activation", "a", "vector", "rows", "cols", "extra", "extra2")

def _fits(a, vector) -> bool:
    """Whether a (2-D) and `vector` (its columns' own, or None) suit a job's slots."""
    return (a.ndim == 2 and a.dtype == np.float32 and a.flags.c_contiguous
            and (vector is None or (vector.dtype == np.float32 and vector.flags.c_contiguous
                                    and vector.shape == (a.shape[1],))))


def _fill(slots, address, a, vector, extra, extra2=0) -> None:
    L = JOB_SLOTS
    slots[L.a], slots[L.vector] = a.ctypes.data, 0 if vector is None else vector.ctypes.data
    slots[L.rows], slots[L.cols], slots[L.extra], slots[L.extra2] = a.shape[0], a.shape[1], extra, extra2
    slots[0] = address()


@njit(inline="always")
def _job_arrays(slots_pointer):
    s = numba.carray(slots_pointer, jobs.SLOTS)
    L = JOB_SLOTS
    rows, cols, vector = s[L.rows], s[L.cols], s[L.vector]
    return s, jobs.matrix(s[L.a], rows, cols), jobs.vector(vector, cols if vector != 0 else 0), vector != 0


def _add_rows_job(slots_pointer):
    _, z, b, _ = _job_arrays(slots_pointer)
    _add_rows(z, b)


def _col_sums_job(slots_pointer):
    _, a, out, _ = _job_arrays(slots_pointer)
    _col_sums(a, out)


def _bias_relu_job(slots_pointer):
    s, z, b, has_bias = _job_arrays(slots_pointer)
    p = jobs.vector(s[JOB_SLOTS.extra], 4)
    _bias_relu_in_place(z, b, has_bias, p[0], p[1], p[2], p[3] != 0)


def _relu_bwd_bias_job(slots_pointer):
    """[1] d (written over), [2] db, [5] the parameters, [6] x."""
    s, d, db, has_bias = _job_arrays(slots_pointer)
    p = jobs.vector(s[JOB_SLOTS.extra], 4)
    x = jobs.matrix(s[JOB_SLOTS.extra2], s[JOB_SLOTS.rows], s[JOB_SLOTS.cols])
    _relu_bwd_bias_in_place(x, d, db, has_bias, p[0], p[1], p[2], p[3] != 0)


def _bias_softmax_job(slots_pointer):
    """[5] out."""
    s, z, b, has_bias = _job_arrays(slots_pointer)
    if has_bias:
        _add_rows(z, b)
    _softmax_rows(z, jobs.matrix(s[JOB_SLOTS.extra], s[JOB_SLOTS.rows], s[JOB_SLOTS.cols]))


_add_rows_address, _col_sums_address, _bias_relu_address, _relu_bwd_bias_address, _bias_softmax_address = (
    jobs.cfunc(f) for f in (_add_rows_job, _col_sums_job, _bias_relu_job, _relu_bwd_bias_job, _bias_softmax_job))


def _relu_act(name="relu", negative_slope=0.0, max_value=None, threshold=0.0):
    has_max = max_value is not None
    return _ReLU(name, _relu_fwd, _relu_bwd,
                      (negative_slope, max_value if has_max else 0.0, threshold, has_max))


def _elu_act(name="elu", alpha=1.0, scale=1.0):
    return Activation(name, _elu_fwd, _elu_bwd, (alpha, scale))


def relu_activation(negative_slope=0.0, max_value=None, threshold=0.0):
    """Keras's relu with its options, as an `Activation` (the ReLU layer's)."""
    return _relu_act("relu", negative_slope, max_value, threshold)


def elu_activation(alpha=1.0):
    """`x` if `x >= 0` else `alpha * (exp(x) - 1)`, as an `Activation` (the ELU layer's)."""
    return _elu_act("elu", alpha)


_FACTORIES = {
    "linear": lambda: Activation("linear"),
    "relu": _relu_act,
    "sigmoid": lambda: Activation("sigmoid", _sigmoid_fwd, _sigmoid_bwd),
    "tanh": lambda: Activation("tanh", _tanh_fwd, _tanh_bwd),
    "softmax": Softmax,
    "leaky_relu": lambda: _relu_act("leaky_relu", negative_slope=0.2),
    "elu": _elu_act,
    "selu": lambda: _elu_act("selu", _SELU_ALPHA, _SELU_SCALE),
    "softplus": lambda: Activation("softplus", _softplus_fwd, _softplus_bwd),
    "softsign": lambda: Activation("softsign", _softsign_fwd, _softsign_bwd),
    "gelu": lambda: Activation("gelu", _gelu_fwd, _gelu_bwd, (False,)),
    "swish": lambda: Activation("swish", _silu_fwd, _silu_bwd),
    "silu": lambda: Activation("silu", _silu_fwd, _silu_bwd),
    "exponential": lambda: Activation("exponential", _exp_fwd, _exp_bwd),
    "hard_sigmoid": lambda: Activation("hard_sigmoid", _hard_sigmoid_fwd,
                                       _hard_sigmoid_bwd),
    "log_softmax": LogSoftmax,
    **{name: (lambda name=name: Activation(name, *KERNELS[name])) for name in KERNELS},
}


# ------------------------------------------------------------ Keras functions

def linear(x):
    """Identity: returns `x` (as float32)."""
    return _f32(x)


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit with Keras's optional slope, cap and threshold."""
    return _relu_act("relu", negative_slope, max_value, threshold).forward(x)


def leaky_relu(x, negative_slope=0.2):
    """`x` if `x > 0` else `negative_slope * x`."""
    return _relu_act("leaky_relu", negative_slope).forward(x)


def sigmoid(x):
    """`1 / (1 + exp(-x))`, stable for large |x|."""
    return _FACTORIES["sigmoid"]().forward(x)


def tanh(x):
    """Hyperbolic tangent."""
    return _FACTORIES["tanh"]().forward(x)


def softmax(x, axis=-1):
    """`exp(x) / sum(exp(x))` along `axis`, numerically stable."""
    return Softmax(axis).forward(x)


def elu(x, alpha=1.0):
    """`x` if `x >= 0` else `alpha * (exp(x) - 1)`."""
    return _elu_act("elu", alpha).forward(x)


def selu(x):
    """`scale * elu(x, alpha)` with Klambauer et al.'s constants."""
    return _FACTORIES["selu"]().forward(x)


def softplus(x):
    """`log(exp(x) + 1)`, stable for large |x|."""
    return _FACTORIES["softplus"]().forward(x)


def softsign(x):
    """`x / (abs(x) + 1)`."""
    return _FACTORIES["softsign"]().forward(x)


def gelu(x, approximate=False):
    """Gaussian error linear unit; exact (erf) unless `approximate=True` (tanh)."""
    return Activation("gelu", _gelu_fwd, _gelu_bwd, (bool(approximate),)).forward(x)


def silu(x):
    """Swish / SiLU: `x * sigmoid(x)`."""
    return _FACTORIES["silu"]().forward(x)


swish = silu


def exponential(x):
    """`exp(x)`."""
    return _FACTORIES["exponential"]().forward(x)


def hard_sigmoid(x):
    """Keras 3 hard sigmoid: `clip(x / 6 + 0.5, 0, 1)`."""
    return _FACTORIES["hard_sigmoid"]().forward(x)


def log_softmax(x, axis=-1):
    """`x - log(sum(exp(x)))` along `axis`, numerically stable."""
    return LogSoftmax(axis).forward(x)


def _element_wise(name):
    def function(x):
        return _FACTORIES[name]().forward(x)
    function.__name__ = name
    function.__doc__ = f"Keras's `{name}` activation."
    return function


relu6, hard_silu, hard_swish, mish, celu, hard_tanh, log_sigmoid, tanh_shrink, soft_shrink, hard_shrink, \
    squareplus, sparse_plus, sparse_sigmoid = (_element_wise(name) for name in KERNELS)

_FUNCTIONS = {
    linear: "linear", relu: "relu", leaky_relu: "leaky_relu", sigmoid: "sigmoid",
    tanh: "tanh", softmax: "softmax", elu: "elu", selu: "selu",
    softplus: "softplus", softsign: "softsign", gelu: "gelu", silu: "silu",
    exponential: "exponential", hard_sigmoid: "hard_sigmoid", log_softmax: "log_softmax",
    **{globals()[name]: name for name in KERNELS},
}


# ------------------------------------------------------------------ resolution

def get(identifier):
    """An `Activation` from None (linear), a name, one of this module's
    functions, or an `Activation` (returned as is)."""
    if identifier is None:
        identifier = "linear"
    if isinstance(identifier, Activation):
        return identifier
    if callable(identifier) and identifier in _FUNCTIONS:
        identifier = _FUNCTIONS[identifier]
    if isinstance(identifier, str):
        if identifier in _FACTORIES:
            return _FACTORIES[identifier]()
        raise ValueError(f"Unknown activation: {identifier!r}. "
                         f"Known: {', '.join(NAMES)}")
    if callable(identifier):
        raise ValueError(
            f"Could not interpret activation identifier: {identifier!r}. Custom "
            "Python functions have no derivative the engine can use; pick one of: "
            f"{', '.join(NAMES)}")
    raise ValueError(f"Could not interpret activation identifier: {identifier!r}. "
                     f"Known: {', '.join(NAMES)}")


def serialize(activation):
    """The name a config stores for `activation`."""
    return get(activation).name


def deserialize(name):
    """Inverse of `serialize`."""
    return get(name)
