"""Normalization: the preprocessing layer that standardizes features with a mean and variance
given as arguments or learned by `adapt(data)` (Keras's non-trainable weights mean, variance
and count, in that order)."""

from __future__ import annotations

from ..params import Param
from ..registry import LayerSpec, ShapeError, WeightSpec, register
from ..torch_form import TorchForm
from .norms import feature_axis

EPSILON = 1e-7  # Keras's backend.epsilon(): the smallest standard deviation divided by


def _axis(p, s) -> int:
    return feature_axis("Normalization", p["axis"][0], s)


def _check(p, shapes):
    if (p["mean"] is None) != (p["variance"] is None):
        raise ShapeError(f"Normalization needs both mean and variance, or neither (then adapt() learns them). "
                         f"Received: mean={p['mean']}, variance={p['variance']}")
    _axis(p, shapes[0])
    return shapes[0]


def _weights(p, shapes):
    if p["mean"] is not None:
        return []
    c = shapes[0][_axis(p, shapes[0])]
    return [WeightSpec("mean", (c,), False, "zeros"), WeightSpec("variance", (c,), False, "ones"),
            WeightSpec("count", (), False, "zeros")]


def _torch_forward(p, s, xs, m) -> str:
    if p["mean"] is not None:
        mean, std = repr(p["mean"]), repr(max(p["variance"] ** 0.5, EPSILON))
    else:
        axis = _axis(p, s[0])
        view = tuple(d if i == axis else 1 for i, d in enumerate(s[0]) if i)
        mean, std = f"{m}.mean.view{view}", f"torch.clamp({m}.variance.view{view}.sqrt(), min={EPSILON!r})"
    return f"({mean} + {xs[0]} * {std})" if p["invert"] else f"(({xs[0]} - {mean}) / {std})"


def _torch_module(p, s) -> str | None:
    if p["mean"] is not None:
        return None
    c = s[0][_axis(p, s[0])]
    return (f"nn.ParameterDict({{'mean': nn.Parameter(torch.zeros({c}), requires_grad=False), "
            f"'variance': nn.Parameter(torch.ones({c}), requires_grad=False), "
            f"'count': nn.Parameter(torch.zeros(()), requires_grad=False)}})")


register(LayerSpec(
    "Normalization", "normalization",
    "Standardizes each feature: (x - mean) / sqrt(variance), with the mean and variance given or learned by "
    "adapt(data).",
    (Param("axis", "ints", (-1,), "The axis with one mean and variance per position (-1: the features).",
           length=1, min=-99),
     Param("mean", "float", None, "The mean to subtract (with variance); unset: per feature, from adapt().",
           optional=True),
     Param("variance", "float", None, "The variance to divide by the square root of (with mean).",
           optional=True, min=0.0),
     Param("invert", "bool", False, "Undo the normalization instead: mean + x * sqrt(variance).")),
    1, 1, _check, _weights, key_params=("axis",),
    torch=TorchForm(_torch_forward, _torch_module,
                    {"mean": ("mean", ""), "variance": ("variance", ""), "count": ("count", "")}),
    keywords=("normalize", "standardize", "preprocessing", "adapt", "mean variance"),
))
