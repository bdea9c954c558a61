"""More of `keras.ops`' element-wise maths: trigonometric and hyperbolic functions, logs and
powers, rounding, the error function, two-argument functions (arctan2, hypot, mod, ...),
the tests on values (isnan, signbit, ...) and the bitwise ops. Each differentiable op has
its backward rule for the tape (ops_core); the tests, bits and rounding have none, as in
Keras."""

from __future__ import annotations

import math

import numpy as np

from .ops_core import _float, _make, _v
from .ops_math import _unary
from .tape import as_array, lift
from .variables import as_tensor

_LN2, _LN10 = math.log(2.0), math.log(10.0)

# ---------------------------------------------------------------- trigonometric, hyperbolic
tan = _unary("tan", np.tan, lambda x, y, g: g * (1 + y * y))
sinh = _unary("sinh", np.sinh, lambda x, y, g: g * np.cosh(x))
cosh = _unary("cosh", np.cosh, lambda x, y, g: g * np.sinh(x))
arcsin = _unary("arcsin", np.arcsin, lambda x, y, g: g / np.sqrt(1 - x * x))
arccos = _unary("arccos", np.arccos, lambda x, y, g: -g / np.sqrt(1 - x * x))
arctan = _unary("arctan", np.arctan, lambda x, y, g: g / (1 + x * x))
arcsinh = _unary("arcsinh", np.arcsinh, lambda x, y, g: g / np.sqrt(x * x + 1))
arccosh = _unary("arccosh", np.arccosh, lambda x, y, g: g / np.sqrt(x * x - 1))
arctanh = _unary("arctanh", np.arctanh, lambda x, y, g: g / (1 - x * x))
deg2rad = _unary("deg2rad", np.deg2rad, lambda x, y, g: g * np.float32(np.pi / 180))
rad2deg = _unary("rad2deg", np.rad2deg, lambda x, y, g: g * np.float32(180 / np.pi))


def _sinc(x):
    return np.sinc(x)


def _dsinc(x, y, g):
    px = np.pi * x
    safe = np.where(x == 0, 1, px)
    return g * np.where(x == 0, 0, (np.cos(safe) * np.pi - y * np.pi) / safe)


sinc = _unary("sinc", _sinc, _dsinc)

# ---------------------------------------------------------------- logs, powers
log2 = _unary("log2", np.log2, lambda x, y, g: g / (x * _LN2))
log10 = _unary("log10", np.log10, lambda x, y, g: g / (x * _LN10))
exp2 = _unary("exp2", np.exp2, lambda x, y, g: g * y * _LN2)
cbrt = _unary("cbrt", np.cbrt, lambda x, y, g: g / (3 * y * y))
fabs = _unary("fabs", np.fabs, lambda x, y, g: g * np.sign(x))


def _erf(x):
    return np.frompyfunc(math.erf, 1, 1)(x.astype(np.float64)).astype(np.float64)


def _erfinv(y):
    """The inverse of erf: a first guess refined by Newton's steps in float64."""
    y = np.asarray(y, np.float64)
    w = -np.log(np.clip((1 - y) * (1 + y), 1e-300, None))
    t = 2 / (np.pi * 0.147) - w / 2
    x = np.sign(y) * np.sqrt(np.sqrt(t * t + w / 0.147) - t)
    for _ in range(4):
        x = x - (_erf(x) - y) / (2 / np.sqrt(np.pi) * np.exp(-x * x))
    return np.where(np.abs(y) == 1, np.sign(y) * np.inf, np.where(np.abs(y) > 1, np.nan, x))


erf = _unary("erf", lambda x: _erf(x).astype(np.float32),
             lambda x, y, g: g * np.float32(2 / np.sqrt(np.pi)) * np.exp(-x * x))
erfc = _unary("erfc", lambda x: (1 - _erf(x)).astype(np.float32),
              lambda x, y, g: -g * np.float32(2 / np.sqrt(np.pi)) * np.exp(-x * x))
erfinv = _unary("erfinv", lambda x: _erfinv(x).astype(np.float32),
                lambda x, y, g: g * np.float32(np.sqrt(np.pi) / 2) * np.exp(y * y))


def _no_grad(name, fn):
    """A piecewise-constant op: its gradient is zero (Keras's torch backend has none)."""
    def op(x):
        return as_tensor(np.asarray(fn(as_array(x))))
    op.__name__ = name
    return op


trunc = _no_grad("trunc", np.trunc)
signbit = _no_grad("signbit", np.signbit)
isnan = _no_grad("isnan", np.isnan)
isinf = _no_grad("isinf", np.isinf)
isfinite = _no_grad("isfinite", np.isfinite)
isneginf = _no_grad("isneginf", np.isneginf)
isposinf = _no_grad("isposinf", np.isposinf)


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    x = lift(x)
    xv = _v(x)
    finite = np.isfinite(xv)
    return _make(np.nan_to_num(xv, nan=nan, posinf=posinf, neginf=neginf), (x,), lambda g: (g * finite,))


# ---------------------------------------------------------------- two arguments
def _binary(name, fn, grads):
    """An element-wise op of two tensors: `grads(a, b, y, g) -> (d a, d b)` (None: none)."""
    def op(x1, x2):
        a, b = lift(x1), lift(x2)
        av, bv = _float(_v(a)), _float(_v(b))
        with np.errstate(divide="ignore", invalid="ignore"):
            y = fn(av, bv)
        return _make(y, (a, b), lambda g: grads(av, bv, y, g))
    op.__name__ = name
    return op


arctan2 = _binary("arctan2", np.arctan2,
                  lambda a, b, y, g: (g * b / (a * a + b * b), -g * a / (a * a + b * b)))
hypot = _binary("hypot", np.hypot, lambda a, b, y, g: (g * a / y, g * b / y))
logaddexp = _binary("logaddexp", np.logaddexp,
                    lambda a, b, y, g: (g * np.exp(a - y), g * np.exp(b - y)))
logaddexp2 = _binary("logaddexp2", np.logaddexp2,
                     lambda a, b, y, g: (g * np.exp2(a - y), g * np.exp2(b - y)))
fmax = _binary("fmax", np.fmax, lambda a, b, y, g: (g * (a >= b), g * (a < b)))
fmin = _binary("fmin", np.fmin, lambda a, b, y, g: (g * (a <= b), g * (a > b)))


_mod = _binary("mod", np.mod, lambda a, b, y, g: (g, -g * np.floor(a / b)))
_fmod = _binary("fmod", np.fmod, lambda a, b, y, g: (g, -g * np.trunc(a / b)))
_floor_divide = _binary("floor_divide", np.floor_divide, lambda a, b, y, g: (None, None))


def _integers(x1, x2) -> bool:
    return as_array(x1).dtype.kind in "iu" and as_array(x2).dtype.kind in "iu"


def mod(x1, x2):
    """Python's `%` (integers stay integers, as Keras's result dtype)."""
    return as_tensor(np.mod(as_array(x1), as_array(x2))) if _integers(x1, x2) else _mod(x1, x2)


def fmod(x1, x2):
    """C's remainder: the sign of `x1`."""
    return as_tensor(np.fmod(as_array(x1), as_array(x2))) if _integers(x1, x2) else _fmod(x1, x2)


def floor_divide(x1, x2):
    """Python's `//` (no gradient, as Keras's)."""
    return as_tensor(np.floor_divide(as_array(x1), as_array(x2))) if _integers(x1, x2) else _floor_divide(x1, x2)


def divide_no_nan(x1, x2):
    a, b = lift(x1), lift(x2)
    av, bv = _float(_v(a)), _float(_v(b))
    zero = bv == 0
    safe = np.where(zero, 1, bv)
    y = np.where(zero, 0, av / safe)
    return _make(y, (a, b), lambda g: (np.where(zero, 0, g / safe), np.where(zero, 0, -g * av / (safe * safe))))


def heaviside(x1, x2):
    a, b = as_array(x1), as_array(x2)
    return as_tensor(np.heaviside(a, b).astype(np.result_type(a, b) if a.dtype.kind == "f" else np.float32))


def logical_xor(x1, x2):
    return as_tensor(np.logical_xor(as_array(x1), as_array(x2)))


def isclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    return as_tensor(np.isclose(as_array(x1), as_array(x2), rtol=rtol, atol=atol, equal_nan=equal_nan))


def allclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    return as_tensor(np.asarray(np.allclose(as_array(x1), as_array(x2), rtol=rtol, atol=atol, equal_nan=equal_nan)))


def gcd(x1, x2):
    return as_tensor(np.gcd(as_array(x1), as_array(x2)))


def lcm(x1, x2):
    return as_tensor(np.lcm(as_array(x1), as_array(x2)))


# ---------------------------------------------------------------- integers and bits
def _bits(name, fn):
    def op(x, y=None):
        return as_tensor(fn(as_array(x)) if y is None else fn(as_array(x), as_array(y)))
    op.__name__ = name
    return op


bitwise_and = _bits("bitwise_and", np.bitwise_and)
bitwise_or = _bits("bitwise_or", np.bitwise_or)
bitwise_xor = _bits("bitwise_xor", np.bitwise_xor)
bitwise_left_shift = _bits("bitwise_left_shift", np.left_shift)
bitwise_right_shift = _bits("bitwise_right_shift", np.right_shift)
left_shift, right_shift = bitwise_left_shift, bitwise_right_shift


def bitwise_invert(x):
    return as_tensor(np.invert(as_array(x)))


bitwise_not = bitwise_invert


def isin(x1, x2, assume_unique=False, invert=False):
    return as_tensor(np.isin(as_array(x1), as_array(x2), assume_unique=assume_unique, invert=invert))


def ldexp(x1, x2):
    """x1 * 2 ** x2 (`x2` integers; the gradient is `x1`'s)."""
    a = lift(x1)
    scale = np.exp2(as_array(x2).astype(np.float32))
    return _make(_float(_v(a)) * scale, (a,), lambda g: (g * scale,))


def nextafter(x1, x2):
    return as_tensor(np.nextafter(_float(as_array(x1)), _float(as_array(x2)).astype(_float(as_array(x1)).dtype)))


for _name, _value in list(globals().items()):   # the ops made by _unary and _binary are this module's
    if callable(_value) and not _name.startswith("_") and getattr(_value, "__name__", "") == _name and \
            getattr(_value, "__module__", None) in (__name__, "visualnet.engine.ops_math"):
        _value.__module__ = __name__
__all__ = [name for name, value in list(globals().items())
           if not name.startswith("_") and callable(value) and getattr(value, "__module__", None) == __name__]
