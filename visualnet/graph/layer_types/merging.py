"""Merging layers: Concatenate, Add, Subtract, Multiply, Average."""

from __future__ import annotations

from ..params import Param
from ..registry import LayerSpec, ShapeError, register
from ..torch_form import TorchForm
from ._common import fmt


def _concat_shape(p, shapes):
    rank = len(shapes[0])
    axis = p["axis"]
    if not -rank <= axis < rank or axis % rank == 0:
        raise ShapeError(f"Concatenate axis={axis} is not a feature axis of inputs of rank {rank}; use -1.")
    axis %= rank
    for i, s in enumerate(shapes[1:], 1):
        if len(s) != rank or any(a != b for j, (a, b) in enumerate(zip(shapes[0], s)) if j != axis):
            raise ShapeError(
                f"Concatenate along axis {p['axis']} needs inputs equal in every other dimension; "
                f"input 1 is {fmt(shapes[0])} and input {i + 1} is {fmt(s)}.", port=i)
    total = None if any(s[axis] is None for s in shapes) else sum(s[axis] for s in shapes)
    return tuple(total if j == axis else d for j, d in enumerate(shapes[0]))


register(LayerSpec(
    "Concatenate", "merging", "Joins its inputs along an axis (all other dimensions must match).",
    (Param("axis", "int", -1, "Axis along which to concatenate."),),
    2, None, _concat_shape,
    torch=TorchForm(lambda p, s, xs, m: f"torch.cat([{', '.join(xs)}], dim={p['axis']})"),
    keywords=("merge", "join", "skip connection", "u-net"),
))


def _elementwise_rule(layer: str):
    def rule(p, shapes):
        for i, s in enumerate(shapes[1:], 1):
            if tuple(s) != tuple(shapes[0]):
                raise ShapeError(
                    f"{layer} needs inputs of the same shape; input 1 is {fmt(shapes[0])} and input {i + 1} is "
                    f"{fmt(s)}. Change a preceding layer so that both shapes agree.", port=i)
        return shapes[0]
    return rule


def _average(p, s, xs, m):
    return f"({' + '.join(xs)}) / {len(xs)}"


_KEYWORDS = {"Add": ("sum", "residual", "skip connection"), "Subtract": ("difference",),
             "Multiply": ("product", "gating"), "Average": ("mean", "ensemble")}

for _name, _doc, _hi, _torch in (
    ("Add", "Adds its inputs element-wise (shapes must be equal).", None, lambda p, s, xs, m: " + ".join(xs)),
    ("Subtract", "Subtracts its second input from its first, element-wise.", 2, lambda p, s, xs, m: " - ".join(xs)),
    ("Multiply", "Multiplies its inputs element-wise.", None, lambda p, s, xs, m: " * ".join(xs)),
    ("Average", "Averages its inputs element-wise.", None, _average),
):
    register(LayerSpec(_name, "merging", _doc, (), 2, _hi, _elementwise_rule(_name), torch=TorchForm(_torch),
                       keywords=("merge", "combine") + _KEYWORDS[_name]))
