"""The rest of Keras 3's activation ops (`keras.ops.relu6`, `ops.nn.selu`, ...), each a
composition of differentiable ops (ops_core, ops_math), so its gradient comes from theirs
on the tape; the formulas are Keras's (keras/src/backend/*/nn.py)."""

from __future__ import annotations

import numpy as np

from .ops_core import add, divide, multiply, subtract
from .ops_math import _float, abs, clip, exp, maximum, minimum, sigmoid, softplus, sqrt, square, tanh, where
from .ops_shapes import split
from .tape import as_array, lift

_SELU_ALPHA, _SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def relu6(x):
    return clip(x, 0.0, 6.0)


def selu(x):
    x = lift(x)
    return multiply(_SELU_SCALE, where(as_array(x) > 0, x, multiply(_SELU_ALPHA, subtract(exp(minimum(x, 0.0)), 1.0))))


def celu(x, alpha=1.0):
    x = lift(x)
    return add(maximum(x, 0.0), minimum(0.0, multiply(alpha, subtract(exp(divide(x, alpha)), 1.0))))


def swish(x):
    x = lift(x)
    return multiply(x, sigmoid(x))


def hard_sigmoid(x):
    return divide(relu6(add(x, 3.0)), 6.0)


def hard_silu(x):
    x = lift(x)
    return multiply(x, hard_sigmoid(x))


hard_swish = hard_silu


def hard_tanh(x):
    return clip(x, -1.0, 1.0)


def log_sigmoid(x):
    return multiply(-1.0, softplus(multiply(-1.0, x)))


def softsign(x):
    x = lift(x)
    return divide(x, add(abs(x), 1.0))


def glu(x, axis=-1):
    x = lift(x)
    if as_array(x).shape[axis] % 2:
        raise ValueError(f"axis size must be divisible by 2. Received: x.shape={as_array(x).shape} with axis={axis}")
    a, b = split(x, 2, axis=axis)
    return multiply(a, sigmoid(b))


def sparse_plus(x):
    x = lift(x)
    xv = _float(as_array(x))
    return where(xv <= -1, np.float32(0.0), where(xv >= 1, x, divide(square(add(x, 1.0)), 4.0)))


def sparse_sigmoid(x):
    x = lift(x)
    xv = _float(as_array(x))
    return where(xv <= -1, np.float32(0.0), where(xv >= 1, np.float32(1.0), divide(add(x, 1.0), 2.0)))


def squareplus(x, b=4):
    if b < 0:
        raise ValueError(f"b must be greater than or equal to 0. Received: b={b}")
    x = lift(x)
    return divide(add(x, sqrt(add(square(x), float(b)))), 2.0)


def threshold(x, threshold, default_value):
    x = lift(x)
    return where(as_array(x) > threshold, x, np.float32(default_value))


def soft_shrink(x, threshold=0.5):
    x = lift(x)
    xv = as_array(x)
    return where(xv > threshold, subtract(x, threshold), where(xv < -threshold, add(x, threshold), np.float32(0.0)))


def hard_shrink(x, threshold=0.5):
    x = lift(x)
    return where(np.abs(as_array(x)) > threshold, x, np.float32(0.0))


def tanh_shrink(x):
    x = lift(x)
    return subtract(x, tanh(x))


__all__ = [name for name, value in list(globals().items())
           if not name.startswith("_") and callable(value) and getattr(value, "__module__", None) == __name__]
