"""Keras 3 activation functions with their derivatives, as fused single-pass kernels.

The public functions (`relu(x)`, `softmax(x, axis=-1)`, ...) mirror
`keras.activations`. The engine uses `get(identifier)`, which returns an
`Activation` with `forward(x)` and `backward(x, y, dy)`.
"""

import math

import numpy as np

from visualnet.engine._jit import njit

__all__ = [
    "NAMES", "Activation", "get", "serialize", "deserialize",
    "linear", "relu", "sigmoid", "tanh", "softmax", "leaky_relu", "elu", "selu",
    "softplus", "softsign", "gelu", "silu", "swish", "exponential", "hard_sigmoid",
]

NAMES = (
    "linear", "relu", "sigmoid", "tanh", "softmax", "leaky_relu", "elu", "selu",
    "softplus", "softsign", "gelu", "swish", "silu", "exponential", "hard_sigmoid",
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


def _sigmoid_fwd(x, out):
    """`1 / (1 + exp(-x))`; exp overflowing to inf gives the right 0."""
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


class Activation:
    """An activation the engine runs forward and backward on float32 arrays.

    `forward(x) -> y`; `backward(x, y, dy) -> dx` where `y = forward(x)`.
    """

    def __init__(self, name, fwd=None, bwd=None, params=()):
        self.name = name
        self._fwd, self._bwd = fwd, bwd
        self._params = tuple(np.float32(p) if not isinstance(p, bool) else p
                             for p in params)

    def forward(self, x):
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

    __call__ = forward

    def __repr__(self):
        return f"<Activation {self.name}>"


class Softmax(Activation):
    """Numerically stable softmax over `axis` (last by default)."""

    def __init__(self, axis=-1, name="softmax"):
        super().__init__(name)
        self.axis = axis

    def forward(self, x):
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


def _relu_act(name="relu", negative_slope=0.0, max_value=None, threshold=0.0):
    has_max = max_value is not None
    return Activation(name, _relu_fwd, _relu_bwd,
                      (negative_slope, max_value if has_max else 0.0, threshold, has_max))


def _elu_act(name="elu", alpha=1.0, scale=1.0):
    return Activation(name, _elu_fwd, _elu_bwd, (alpha, scale))


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


_FUNCTIONS = {
    linear: "linear", relu: "relu", leaky_relu: "leaky_relu", sigmoid: "sigmoid",
    tanh: "tanh", softmax: "softmax", elu: "elu", selu: "selu",
    softplus: "softplus", softsign: "softsign", gelu: "gelu", silu: "silu",
    exponential: "exponential", hard_sigmoid: "hard_sigmoid",
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
