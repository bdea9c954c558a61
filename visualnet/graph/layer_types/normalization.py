"""BatchNormalization and Dropout."""

from __future__ import annotations

from ..keras_form import Fixed, KerasForm
from ..params import Param
from ..registry import LayerSpec, ShapeError, WeightSpec, register
from ..torch_form import TorchForm
from ._common import fmt, initializer, penalties, same_shape


def _bn_axis(p, s):
    axis = p["axis"]
    if not -len(s) < axis < len(s) or axis % len(s) == 0:
        raise ShapeError(f"BatchNormalization axis={axis} is not a feature axis of the input {fmt(s)}; use -1.")
    if axis % len(s) != len(s) - 1:
        raise ShapeError(f"BatchNormalization supports only the last axis (axis=-1); received axis={axis}.")
    return s[-1]


def _bn_weights(p, shapes):
    c = _bn_axis(p, shapes[0])
    w = []
    if p["scale"]:
        w.append(WeightSpec("gamma", (c,), True, "gamma_initializer"))
    if p["center"]:
        w.append(WeightSpec("beta", (c,), True, "beta_initializer"))
    return w + [WeightSpec("moving_mean", (c,), False, "moving_mean_initializer"),
                WeightSpec("moving_variance", (c,), False, "moving_variance_initializer")]


def _bn_shape(p, shapes):
    _bn_axis(p, shapes[0])
    return shapes[0]


def _bn_read(cfg: dict) -> dict:
    """tf-keras writes the axis as a list of one."""
    axis = cfg.get("axis", -1)
    return {**cfg, "axis": axis[0]} if isinstance(axis, list) and len(axis) == 1 else cfg


_UNWRITTEN = {k: Fixed(v, also=a, write=False) for k, v, a in (
    ("synchronized", False, ()), ("renorm", False, ()), ("renorm_clipping", None, ()),
    ("fused", None, (True, False)), ("adjustment", None, ()), ("virtual_batch_size", None, ()))}

register(LayerSpec(
    "BatchNormalization", "normalization",
    "Normalizes each feature with batch statistics while training, moving averages when predicting.",
    (Param("axis", "int", -1, "The feature axis (channels last: -1)."),
     Param("momentum", "float", 0.99, "Momentum of the moving mean and variance.", min=0.0, max=1.0),
     Param("epsilon", "float", 1e-3, "Small number added to the variance to avoid dividing by zero.",
           min=0.0, min_inclusive=False),
     Param("center", "bool", True, "Learn an offset (beta)."),
     Param("scale", "bool", True, "Learn a scale (gamma)."),
     initializer("beta_initializer", "zeros", "offset (beta)"),
     initializer("gamma_initializer", "ones", "scale (gamma)"),
     initializer("moving_mean_initializer", "zeros", "moving mean"),
     initializer("moving_variance_initializer", "ones", "moving variance"),
     *penalties(("beta", "beta"), ("gamma", "gamma"), activity=False)),
    1, 1, _bn_shape, _bn_weights, key_params=("momentum",),
    keras=KerasForm(
        fixed=_UNWRITTEN,
        ignored=("renorm_momentum",), read=_bn_read),
    torch=TorchForm(lambda p, s, xs, m: f"{m}({xs[0]})",
                    lambda p, s: (f"BatchNormalization({s[0][-1]}, momentum={p['momentum']!r}, "
                                  f"epsilon={p['epsilon']!r}, center={p['center']}, scale={p['scale']})"),
                    {k: (k, "") for k in ("gamma", "beta", "moving_mean", "moving_variance")},
                    helpers=("BatchNormalization",)),
    keywords=("normalize", "batchnorm", "batch norm"),
))

register(LayerSpec(
    "Dropout", "regularization", "While training, zeroes a random fraction of inputs and scales the rest.",
    (Param("rate", "float", 0.5, "Fraction of the inputs to drop, in [0, 1).", min=0.0, max=1.0,
           max_inclusive=False, required=True),
     Param("seed", "int", None, "Seed of the dropout mask (unset: random).", optional=True, min=0)),
    1, 1, same_shape, key_params=("rate",),
    keras=KerasForm(fixed={"noise_shape": Fixed(None)}),
    torch=TorchForm(lambda p, s, xs, m: f"{m}({xs[0]})", lambda p, s: f"nn.Dropout({p['rate']!r})"),
    keywords=("regularize", "overfitting"),
))
