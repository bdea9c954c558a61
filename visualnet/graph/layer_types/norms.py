"""Normalizations within each sample: LayerNormalization, GroupNormalization, UnitNormalization."""

from __future__ import annotations

from ..keras_form import KerasForm
from ..params import Param
from ..registry import LayerSpec, ShapeError, WeightSpec, register
from ..torch_form import TorchForm
from ._common import fmt, initializer, penalties



def feature_axis(layer: str, axis: int, s) -> int:
    """`axis` as a positive index of the input `s`; ShapeError for the batch axis or one outside."""
    if not -len(s) <= axis < len(s) or axis % len(s) == 0:
        raise ShapeError(f"{layer} axis={axis} is not a feature axis of the input {fmt(s)}. Received: axis={axis}")
    axis %= len(s)
    if s[axis] is None:
        raise ShapeError(f"{layer} needs a known size along axis {axis - len(s)}; it receives {fmt(s)}.")
    return axis


def _ln_axis(p, s) -> int:
    return feature_axis("LayerNormalization", p["axis"][0], s)


def _ln_weights(p, shapes):
    c = shapes[0][_ln_axis(p, shapes[0])]
    w = []
    if p["scale"] or p["rms_scaling"]:
        w.append(WeightSpec("gamma", (c,), True, "gamma_initializer"))
    if p["center"] and not p["rms_scaling"]:
        w.append(WeightSpec("beta", (c,), True, "beta_initializer"))
    return w


def _ln_shape(p, shapes):
    _ln_axis(p, shapes[0])
    return shapes[0]


register(LayerSpec(
    "LayerNormalization", "normalization",
    "Normalizes each sample to mean 0 and variance 1 along an axis, then scales (gamma) and offsets (beta).",
    # Keras keeps the axis as a list once built (it takes several; VisualNet one)
    (Param("axis", "ints", (-1,), "The axis normalized (-1: the features).", length=1, min=-99),
     Param("epsilon", "float", 1e-3, "Small number added to the variance to avoid dividing by zero.",
           min=0.0, min_inclusive=False),
     Param("center", "bool", True, "Learn an offset (beta)."),
     Param("scale", "bool", True, "Learn a scale (gamma)."),
     Param("rms_scaling", "bool", False, "Keras's deprecated variant: divide by the standard deviation without "
                                         "subtracting the mean; gamma only."),
     initializer("beta_initializer", "zeros", "offset (beta)"),
     initializer("gamma_initializer", "ones", "scale (gamma)"),
     *penalties(("beta", "beta"), ("gamma", "gamma"), activity=False)),
    1, 1, _ln_shape, _ln_weights, key_params=("axis",),
    keras=KerasForm(),
    torch=TorchForm(
        lambda p, s, xs, m: (f"layer_norm({xs[0]}, {_ln_axis(p, s[0])}, {p['epsilon']!r}, {m}.gamma, {m}.beta, "
                             f"{p['rms_scaling']})"),
        lambda p, s: f"Scales({s[0][_ln_axis(p, s[0])]}, "
                     f"{p['scale'] or p['rms_scaling']}, {p['center'] and not p['rms_scaling']})",
        {"gamma": ("gamma", ""), "beta": ("beta", "")}, helpers=("layer_norm", "Scales")),
    keywords=("normalize", "layernorm", "transformer"),
))


def _gn_channels(p, s) -> int:
    if len(s) < 2 or s[-1] is None:
        raise ShapeError(f"GroupNormalization needs a known number of channels (the last axis); it receives "
                         f"{fmt(s)}.")
    if p["axis"] not in (-1, len(s) - 1):
        raise ShapeError(f"GroupNormalization supports only the last axis (axis=-1). Received: axis={p['axis']}")
    c, groups = s[-1], p["groups"]
    groups = c if groups == -1 else groups
    if groups > c or c % groups:
        raise ShapeError(f"GroupNormalization needs a number of groups that divides the {c} channels of its input "
                         f"{fmt(s)}. Received: groups={p['groups']}")
    return c


def _gn_weights(p, shapes):
    c = _gn_channels(p, shapes[0])
    w = []
    if p["scale"]:
        w.append(WeightSpec("gamma", (c,), True, "gamma_initializer"))
    if p["center"]:
        w.append(WeightSpec("beta", (c,), True, "beta_initializer"))
    return w


def _gn_shape(p, shapes):
    _gn_channels(p, shapes[0])
    return shapes[0]


register(LayerSpec(
    "GroupNormalization", "normalization",
    "Splits the channels into groups and normalizes each group of each sample to mean 0, variance 1.",
    (Param("groups", "int", 32, "Number of channel groups (-1: one per channel, instance normalization); it must "
                                "divide the channels.", min=-1),
     Param("axis", "int", -1, "The channel axis (channels last: -1)."),
     Param("epsilon", "float", 1e-3, "Small number added to the variance to avoid dividing by zero.",
           min=0.0, min_inclusive=False),
     Param("center", "bool", True, "Learn an offset (beta)."),
     Param("scale", "bool", True, "Learn a scale (gamma)."),
     initializer("beta_initializer", "zeros", "offset (beta)"),
     initializer("gamma_initializer", "ones", "scale (gamma)"),
     *penalties(("beta", "beta"), ("gamma", "gamma"), activity=False)),
    1, 1, _gn_shape, _gn_weights, key_params=("groups",),
    keras=KerasForm(),
    torch=TorchForm(
        lambda p, s, xs, m: (f"group_norm({xs[0]}, {p['groups'] if p['groups'] != -1 else s[0][-1]}, "
                             f"{p['epsilon']!r}, {m}.gamma, {m}.beta)"),
        lambda p, s: f"Scales({s[0][-1]}, {p['scale']}, {p['center']})",
        {"gamma": ("gamma", ""), "beta": ("beta", "")}, helpers=("group_norm", "Scales")),
    keywords=("normalize", "groupnorm", "instance norm"),
))


def _unit_shape(p, shapes):
    feature_axis("UnitNormalization", p["axis"], shapes[0])
    return shapes[0]


register(LayerSpec(
    "UnitNormalization", "normalization", "Scales each sample's vector along an axis to length 1 (L2 norm).",
    (Param("axis", "int", -1, "The axis along which the length is measured."),),
    1, 1, _unit_shape,
    torch=TorchForm(lambda p, s, xs, m: f"{xs[0]} * torch.clamp({xs[0]}.square().sum(dim={p['axis']}, "
                                        f"keepdim=True).rsqrt(), max=1e12)"),
    keywords=("normalize", "l2", "unit length"),
))
