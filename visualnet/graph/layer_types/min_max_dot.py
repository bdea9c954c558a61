"""Merging layers Maximum, Minimum (element-wise) and Dot (per-sample dot products)."""

from __future__ import annotations

from ..costs import dot_cost
from ..params import Param
from ..registry import LayerSpec, ShapeError, register
from ..torch_form import TorchForm
from .merging import _elementwise_rule
from ._common import fmt


def _fold(fn: str):
    def forward(p, s, xs, m):
        expr = xs[0]
        for x in xs[1:]:
            expr = f"torch.{fn}({expr}, {x})"
        return expr
    return forward


for _name, _doc, _fn in (("Maximum", "Takes the element-wise maximum of its inputs.", "maximum"),
                         ("Minimum", "Takes the element-wise minimum of its inputs.", "minimum")):
    register(LayerSpec(_name, "merging", _doc, (), 2, None, _elementwise_rule(_name), torch=TorchForm(_fold(_fn)),
                       keywords=("merge", "combine", "elementwise")))


def dot_axes(p, shapes) -> tuple[int, int]:
    """The contracted axis of each input, as positive indices (Keras's batch_dot)."""
    out = []
    for i, (axis, s) in enumerate(zip(p["axes"], shapes)):
        if len(s) not in (2, 3):
            raise ShapeError(f"Dot takes inputs of rank 2 or 3 (vectors or sequences per sample); input {i + 1} is "
                             f"{fmt(s)}.", port=i)
        if not -len(s) <= axis < len(s) or axis % len(s) == 0:
            raise ShapeError(f"Dot's axes {p['axes']} name no feature axis of input {i + 1} {fmt(s)}. "
                             f"Received: axes={p['axes']}", port=i)
        out.append(axis % len(s))
    return tuple(out)


def _dot_shape(p, shapes):
    a, b = shapes
    i, j = dot_axes(p, shapes)
    if a[i] is not None and b[j] is not None and a[i] != b[j]:
        raise ShapeError(f"Dot multiplies axis {i} of input 1 {fmt(a)} with axis {j} of input 2 {fmt(b)}, whose "
                         f"sizes differ ({a[i]} and {b[j]}). Choose axes of equal size.", port=1)
    rest = [d for k, d in enumerate(a[1:], 1) if k != i] + [d for k, d in enumerate(b[1:], 1) if k != j]
    return (None, *rest) if rest else (None, 1)


def _dot_torch(p, s, xs, m) -> str:
    i, j = dot_axes(p, s)
    a, b = xs
    if p["normalize"]:
        a, b = f"F.normalize({a}, dim={i}, eps=1e-7)", f"F.normalize({b}, dim={j}, eps=1e-7)"
    left, right = "abc"[:len(s[0])], "ade"[:len(s[1])]
    left, right = left.replace(left[i], "z"), right.replace(right[j], "z")
    out = "".join(c for c in left + right[1:] if c != "z")
    expr = f"torch.einsum('{left},{right}->{out}', {a}, {b})"
    return f"{expr}.unsqueeze(1)" if len(out) == 1 else expr


register(LayerSpec(
    "Dot", "merging", "Dot product of two inputs per sample, along one axis of each (cosine with normalize).",
    (Param("axes", "ints", (1, 1), "The axis of each input along which the products are summed (one integer: "
                                   "the same for both).", length=2, min=-3, required=True),
     Param("normalize", "bool", False, "L2-normalize both inputs along those axes first (cosine similarity).")),
    2, 2, _dot_shape, key_params=("axes", "normalize"),
    torch=TorchForm(_dot_torch), cost_rule=dot_cost,
    keywords=("merge", "similarity", "cosine"),
))
