"""The element-wise activation kernels with their derivatives, on 1-D arrays (float32, or
float64 in the gradient tests): forward(x, out, *params), backward(x, y, dy, out, *params).

Arithmetic-only steps are single-pass Numba loops (LLVM vectorises them); exp/tanh/log go
through NumPy's SIMD ufuncs, many times faster than scalar libm. error_model="numpy": no
zero-division checks (inf/nan as in Keras), so loops vectorise. activation_extras.py has
Keras 3's newer element-wise activations; activations.py makes `Activation`s of both.
"""

import math

import numpy as np

from visualnet.engine._jit import njit


@njit(inline="always", error_model="numpy")
def relu1(v, zero, slope, max_value, threshold, has_max):
    """Keras's relu of one value (`zero`: 0 in the array's dtype); NaN passes through."""
    y = v if (v > threshold or v != v) else zero
    if has_max:
        y = min(max(y, zero), max_value)
    d = threshold - v
    if slope != zero and d > zero:
        y -= slope * d
    return y


@njit(inline="always", error_model="numpy")
def relu_grad1(v, zero, one, slope, max_value, threshold, has_max):
    """The derivative of `relu1` at one value."""
    g = zero
    if v > threshold and (not has_max or (v >= zero and v < max_value)):
        g = one
    if slope != zero and threshold - v > zero:
        g += slope
    return g


@njit(error_model="numpy")
def relu_fwd(x, out, slope, max_value, threshold, has_max):
    zero = x.dtype.type(0.0)
    for i in range(x.size):
        out[i] = relu1(x[i], zero, slope, max_value, threshold, has_max)


@njit(error_model="numpy")
def relu_bwd(x, y, dy, out, slope, max_value, threshold, has_max):
    zero, one = x.dtype.type(0.0), x.dtype.type(1.0)
    for i in range(x.size):
        out[i] = relu_grad1(x[i], zero, one, slope, max_value, threshold, has_max) * dy[i]


@njit(error_model="numpy")
def _sigmoid_loop(x, out):
    one = x.dtype.type(1.0)
    for i in range(x.size):
        out[i] = one / (one + np.exp(-x[i]))


def sigmoid_fwd(x, out):
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
def sigmoid_bwd(x, y, dy, out):
    one = np.float32(1.0)
    for i in range(x.size):
        out[i] = dy[i] * y[i] * (one - y[i])


def tanh_fwd(x, out):
    np.tanh(x, out=out)


@njit(error_model="numpy")
def tanh_bwd(x, y, dy, out):
    one = np.float32(1.0)
    for i in range(x.size):
        out[i] = dy[i] * (one - y[i] * y[i])


@njit(error_model="numpy")
def _elu_select(x, e, out, alpha, scale):
    for i in range(x.size):
        v = x[i]
        out[i] = scale * (v if v >= np.float32(0.0) else alpha * e[i])


def elu_fwd(x, out, alpha, scale):
    e = np.expm1(np.minimum(x, 0))  # separate buffer: aliasing stops vectorisation
    _elu_select(x, e, out, alpha, scale)


@njit(error_model="numpy")
def elu_bwd(x, y, dy, out, alpha, scale):
    for i in range(x.size):
        if x[i] >= np.float32(0.0):
            out[i] = dy[i] * scale
        else:  # d/dx scale*alpha*(e^x - 1) = y + scale*alpha
            out[i] = dy[i] * (y[i] + scale * alpha)


def softplus_fwd(x, out):
    """`max(x, 0) + log1p(exp(-|x|))`, stable for large |x|."""
    np.exp(np.negative(np.abs(x, out=out), out=out), out=out)
    np.log1p(out, out=out)
    out += np.maximum(x, 0)


def softplus_bwd(x, y, dy, out):
    """sigmoid(x) = 1 - exp(-softplus(x)) = -expm1(-y)."""
    np.expm1(np.negative(y, out=out), out=out)
    np.negative(out, out=out)
    out *= dy


@njit(error_model="numpy")
def softsign_fwd(x, out):
    one = np.float32(1.0)
    for i in range(x.size):
        out[i] = x[i] / (one + abs(x[i]))


@njit(error_model="numpy")
def softsign_bwd(x, y, dy, out):
    one = np.float32(1.0)
    for i in range(x.size):
        d = one + abs(x[i])
        out[i] = dy[i] / (d * d)


def gelu_fwd(x, out, approximate):
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
def gelu_bwd(x, y, dy, out, approximate):
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


def silu_fwd(x, out):
    sigmoid_fwd(x, out)
    out *= x


@njit(error_model="numpy")
def _silu_grad(x, s, dy, out):
    one = np.float32(1.0)
    for i in range(x.size):
        out[i] = dy[i] * s[i] * (one + x[i] * (one - s[i]))


def silu_bwd(x, y, dy, out):
    s = np.empty_like(out)
    sigmoid_fwd(x, s)
    _silu_grad(x, s, dy, out)


def exp_fwd(x, out):
    np.exp(x, out=out)


@njit(error_model="numpy")
def exp_bwd(x, y, dy, out):
    for i in range(x.size):
        out[i] = dy[i] * y[i]


@njit(error_model="numpy")
def hard_sigmoid_fwd(x, out):
    zero, one = np.float32(0.0), np.float32(1.0)
    for i in range(x.size):
        out[i] = min(max(x[i] / np.float32(6.0) + np.float32(0.5), zero), one)


@njit(error_model="numpy")
def hard_sigmoid_bwd(x, y, dy, out):
    three = np.float32(3.0)
    for i in range(x.size):
        v = x[i]
        out[i] = dy[i] / np.float32(6.0) if -three < v < three else np.float32(0.0)

