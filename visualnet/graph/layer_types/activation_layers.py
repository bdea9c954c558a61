"""Parametrised activation layers: ReLU, ELU and PReLU (learned slopes)."""

from __future__ import annotations

from ..keras_form import KerasForm
from ..params import Param
from ..registry import LayerSpec, ShapeError, WeightSpec, register
from ..torch_form import TorchForm, unary
from ._common import fmt, initializer, penalties, same_shape


def _relu_torch(p, s, xs, m) -> str:
    """Keras's relu: x where x > threshold (else 0), capped at max_value, minus
    negative_slope * (threshold - x) below the threshold."""
    x, t = xs[0], p["threshold"]
    expr = f"torch.relu({x})" if t == 0 else f"{x} * ({x} > {t!r})"
    if p["max_value"] is not None:
        expr = f"({expr}).clamp(0.0, {p['max_value']!r})"
    if p["negative_slope"]:
        expr = f"{expr} - {p['negative_slope']!r} * torch.relu({t!r} - {x})"
    return expr


register(LayerSpec(
    "ReLU", "activation", "Rectified linear unit with an optional cap, slope below the threshold and threshold.",
    (Param("max_value", "float", None, "Largest output (unset: no cap).", optional=True, min=0.0),
     Param("negative_slope", "float", 0.0, "Slope below the threshold.", min=0.0),
     Param("threshold", "float", 0.0, "Inputs at or below it give 0 (or the slope's line).", min=0.0)),
    1, 1, same_shape, key_params=("max_value", "negative_slope"),
    torch=TorchForm(_relu_torch),
    keywords=("activation", "nonlinearity", "relu6"),
))

register(LayerSpec(
    "ELU", "activation", "Exponential linear unit: x if x > 0 else alpha * (exp(x) - 1).",
    (Param("alpha", "float", 1.0, "Scale of the negative part."),),
    1, 1, same_shape, key_params=("alpha",),
    torch=unary("F.elu({x}, {alpha!r})"),
    keywords=("activation", "nonlinearity"),
))


def _prelu_alpha_shape(p, s) -> tuple:
    shape = list(s[1:])
    for axis in p["shared_axes"] or ():
        if not 1 <= axis < len(s):
            raise ShapeError(f"PReLU's shared_axes must name axes 1 to {len(s) - 1} of its input {fmt(s)}. "
                             f"Received: shared_axes={p['shared_axes']}")
        shape[axis - 1] = 1
    if None in shape:
        raise ShapeError(f"PReLU needs known sizes along the axes it does not share; it receives {fmt(s)}.")
    return tuple(shape)


def _prelu_shape(p, shapes):
    _prelu_alpha_shape(p, shapes[0])
    return shapes[0]


register(LayerSpec(
    "PReLU", "activation", "Parametric ReLU: x if x > 0 else alpha * x, alpha learned per input unit.",
    (initializer("alpha_initializer", "zeros", "slope (alpha)"),
     *penalties(("alpha", "alpha"), activity=False),
     Param("shared_axes", "shape", None, "Axes along which one alpha is shared, e.g. 1, 2 for one per channel "
                                         "of an image.", optional=True)),
    1, 1, _prelu_shape,
    lambda p, s: [WeightSpec("alpha", _prelu_alpha_shape(p, s[0]), True, "alpha_initializer")],
    keras=KerasForm(),
    torch=TorchForm(lambda p, s, xs, m: f"torch.relu({xs[0]}) - {m}.alpha * torch.relu(-{xs[0]})",
                    lambda p, s: ("nn.ParameterDict({'alpha': nn.Parameter(torch.zeros("
                                  f"{_prelu_alpha_shape(p, s[0])}))}})"),
                    {"alpha": ("alpha", "")}),
    keywords=("activation", "nonlinearity", "learned slope"),
))
