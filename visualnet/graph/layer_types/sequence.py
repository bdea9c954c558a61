"""Masking and RepeatVector: layers for sequences without weights."""

from __future__ import annotations

from ..keras_form import KerasForm
from ..params import Param
from ..registry import LayerSpec, ShapeError, register
from ..torch_form import TorchForm
from ._common import fmt, same_shape


def _masking_shape(p, shapes):
    (s,) = shapes
    if len(s) < 3:
        raise ShapeError(f"Masking needs (timesteps, features) per sample; it receives {fmt(s)}.")
    return same_shape(p, shapes)


register(LayerSpec(
    "Masking", "core",
    "Marks the steps whose features all equal mask_value as padding (and zeroes them): recurrent layers, "
    "GlobalAveragePooling1D and the loss then skip them.",
    (Param("mask_value", "float", 0.0, "A step whose every feature equals this value is masked."),),
    1, 1, _masking_shape, key_params=("mask_value",),
    torch=TorchForm(lambda p, s, xs, m: f"({xs[0]} * ({xs[0]} != {p['mask_value']!r}).any(-1, keepdim=True))"),
    keywords=("padding", "sequence", "mask", "variable length"),
))


def _repeat_shape(p, shapes):
    (s,) = shapes
    if len(s) != 2:
        raise ShapeError(f"RepeatVector needs one vector per sample (batch, features); it receives {fmt(s)}. "
                         "Add a Flatten or a global pooling before it.")
    return (None, p["n"], s[1])


register(LayerSpec(
    "RepeatVector", "reshaping", "Repeats each sample's vector n times: (batch, features) -> (batch, n, features).",
    (Param("n", "int", 2, "How many times the vector is repeated (the output's timesteps).", min=1,
           required=True),),
    1, 1, _repeat_shape, key_params=("n",), keras=KerasForm(),
    torch=TorchForm(lambda p, s, xs, m: f"{xs[0]}.unsqueeze(1).expand(-1, {p['n']}, -1)"),
    keywords=("sequence", "repeat", "decoder", "seq2seq"),
))
