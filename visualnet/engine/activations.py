"""Keras 3 activation functions with their derivatives, as fused single-pass kernels.

The public functions (`relu(x)`, `softmax(x, axis=-1)`, ...) mirror
`keras.activations`. The engine uses `get(identifier)`, which returns an
`Activation` with `forward(x)` and `backward(x, y, dy)`. The kernels are
activation_kernels.py's and activation_extras.py's (element-wise) and
activation_fused.py's (a layer's bias and its activation in one pass).
"""

import numpy as np

from visualnet.engine.tape import TapeTensor
from visualnet.engine.activation_extras import KERNELS
from visualnet.engine.activation_fused import (EMPTY, add_rows, bias_relu_fwd, bias_relu_in_place, column_sums,
                                               fill_job, fits, relu_bwd_bias, relu_bwd_bias_in_place, relu_in_place,
                                               softmax_rows)
from visualnet.engine.activation_kernels import (elu_bwd, elu_fwd, exp_bwd, exp_fwd, gelu_bwd, gelu_fwd,
                                                 hard_sigmoid_bwd, hard_sigmoid_fwd, relu_bwd, relu_fwd, sigmoid_bwd,
                                                 sigmoid_fwd, silu_bwd, silu_fwd, softplus_bwd, softplus_fwd,
                                                 softsign_bwd, softsign_fwd, tanh_bwd, tanh_fwd)

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
            add_rows(z, bias)
        return self.forward_into(z, out)

    def bias_backward_into(self, x, y, dy, out, dbias):
        """out = backward(x, y, dy) (2-D) and dbias = its column sums (None: skipped)."""
        self.backward_into(x, y, dy, out)
        if dbias is not None:
            column_sums(out, dbias)
        return out

    def fill_bias_forward(self, slots, z, bias, out) -> None:
        """Write `bias_forward_into(z, bias, out)` as a compiled job (runtime/program.py), for
        C-ordered 2-D float32 arrays; slots[0] stays 0 where there is none (here: only
        the linear activation's bias, in place)."""
        if self.is_linear and out is z and bias is not None and fits(z, bias):
            fill_job(slots, "add_rows", z, bias, 0)

    def fill_bias_backward(self, slots, x, y, dy, dbias) -> None:
        """Write `bias_backward_into(x, y, dy, dy, dbias)` (in place over dy) as a compiled
        job, like `fill_bias_forward` (here: only the linear activation's bias gradient)."""
        if self.is_linear and dbias is not None and fits(dy, dbias):
            fill_job(slots, "col_sums", dy, dbias, 0)

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
        relu_in_place(x.reshape(-1), *self._params)
        return out

    def bias_forward_into(self, z, bias, out):
        b = EMPTY if bias is None else bias
        if out is z:
            bias_relu_in_place(z, b, bias is not None, *self._params)
        else:
            bias_relu_fwd(z, b, bias is not None, out, *self._params)
        return out

    overwrites_dy = True

    def bias_backward_into(self, x, y, dy, out, dbias):
        db = EMPTY if dbias is None else dbias
        if out is dy:  # one array, so that the loop vectorises
            relu_bwd_bias_in_place(x, out, db, dbias is not None, *self._params)
        else:
            relu_bwd_bias(x, dy, out, db, dbias is not None, *self._params)
        return out

    def fill_bias_forward(self, slots, z, bias, out) -> None:
        if out is z and fits(z, bias):
            fill_job(slots, "bias_relu", z, bias, self._vector().ctypes.data)

    def fill_bias_backward(self, slots, x, y, dy, dbias) -> None:
        if self.in_place and fits(dy, dbias) and fits(x, None) and x.shape == dy.shape:
            fill_job(slots, "relu_bwd_bias", dy, dbias, self._vector().ctypes.data, x.ctypes.data)

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
            softmax_rows(x.reshape(-1, x.shape[-1]), out.reshape(-1, x.shape[-1]))
        else:
            out[...] = self.forward(x)
        return out

    def backward_into(self, x, y, dy, out):
        out[...] = self.backward(x, y, dy)
        return out

    def fill_bias_forward(self, slots, z, bias, out) -> None:
        if self.axis in (-1, 1) and z.ndim == 2 and fits(z, bias) and fits(out, None) and out.shape == z.shape:
            fill_job(slots, "bias_softmax", z, bias, out.ctypes.data)


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


def _relu_act(name="relu", negative_slope=0.0, max_value=None, threshold=0.0):
    has_max = max_value is not None
    return _ReLU(name, relu_fwd, relu_bwd, (negative_slope, max_value if has_max else 0.0, threshold, has_max))


def _elu_act(name="elu", alpha=1.0, scale=1.0):
    return Activation(name, elu_fwd, elu_bwd, (alpha, scale))


def relu_activation(negative_slope=0.0, max_value=None, threshold=0.0):
    """Keras's relu with its options, as an `Activation` (the ReLU layer's)."""
    return _relu_act("relu", negative_slope, max_value, threshold)


def elu_activation(alpha=1.0):
    """`x` if `x >= 0` else `alpha * (exp(x) - 1)`, as an `Activation` (the ELU layer's)."""
    return _elu_act("elu", alpha)


_FACTORIES = {
    "linear": lambda: Activation("linear"),
    "relu": _relu_act,
    "sigmoid": lambda: Activation("sigmoid", sigmoid_fwd, sigmoid_bwd),
    "tanh": lambda: Activation("tanh", tanh_fwd, tanh_bwd),
    "softmax": Softmax,
    "leaky_relu": lambda: _relu_act("leaky_relu", negative_slope=0.2),
    "elu": _elu_act,
    "selu": lambda: _elu_act("selu", _SELU_ALPHA, _SELU_SCALE),
    "softplus": lambda: Activation("softplus", softplus_fwd, softplus_bwd),
    "softsign": lambda: Activation("softsign", softsign_fwd, softsign_bwd),
    "gelu": lambda: Activation("gelu", gelu_fwd, gelu_bwd, (False,)),
    "swish": lambda: Activation("swish", silu_fwd, silu_bwd),
    "silu": lambda: Activation("silu", silu_fwd, silu_bwd),
    "exponential": lambda: Activation("exponential", exp_fwd, exp_bwd),
    "hard_sigmoid": lambda: Activation("hard_sigmoid", hard_sigmoid_fwd,
                                       hard_sigmoid_bwd),
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
    return Activation("gelu", gelu_fwd, gelu_bwd, (bool(approximate),)).forward(x)


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
