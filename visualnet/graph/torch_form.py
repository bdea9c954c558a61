"""How the exported PyTorch code computes a layer type: part of its declaration.

The PyTorch exporter (`io/code_export.py`) writes one `nn.Module` with a named submodule
per layer that has one and a plain `forward`; these rules give each layer type's piece.
Tensors stay channels-last as in Keras, so Flatten, Concatenate and the weights mean the
same in both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

from .names import ACTIVATIONS


@dataclass(frozen=True, eq=False)
class TorchForm:
    """module(params, input_shapes) -> the submodule's constructor source, or None;
    forward(params, input_shapes, xs, m) -> the output's expression, `xs` being the
    inputs' variable names and `m` the submodule ('self.dense');
    weights: Keras weight name -> (state_dict name, a NumPy suffix turning the Keras array
    into PyTorch's, e.g. '.T'), or a tuple of such pairs when one Keras array gives several
    PyTorch ones (a recurrent layer's bias); or a function (params, input_shapes) -> that
    mapping when it depends on the parameters (the gate blocks of a recurrent layer);
    helpers: functions or classes of the exporter's helper library the code uses."""

    forward: Callable[[dict, list, list, str], str]
    module: Callable[[dict, list], str] | None = None
    weights: Mapping[str, tuple] | Callable[[dict, list], Mapping[str, tuple]] = field(default_factory=dict)
    helpers: tuple[str, ...] = ()


def activate(name: str | None, expr: str) -> str:
    """`expr` through the activation `name` (None: linear), as PyTorch code."""
    return ACTIVATIONS[name or "linear"].format(expr)


def unary(template: str) -> TorchForm:
    """A layer without weights whose output is `template` formatted with the input (`x`)
    and its parameters."""
    return TorchForm(lambda p, s, xs, m: template.format(x=xs[0], **p))
