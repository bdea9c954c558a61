"""Identity and Permute: layers that pass their input on, as it is or with its axes reordered."""

from __future__ import annotations

from ..params import Param
from ..registry import LayerSpec, ShapeError, register
from ..torch_form import TorchForm
from ._common import fmt, same_shape

register(LayerSpec(
    "Identity", "core", "Passes its input on unchanged (a placeholder).", (), 1, 1, same_shape,
    torch=TorchForm(lambda p, s, xs, m: xs[0]),
    keywords=("no-op", "pass through", "placeholder"),
))


def _permute_shape(p, shapes):
    (s,) = shapes
    dims = p["dims"]
    if sorted(dims) != list(range(1, len(s))):
        raise ShapeError(f"Permute's dims must order the axes 1 to {len(s) - 1} of its input {fmt(s)}, each once. "
                         f"Received: dims={dims}")
    return (None, *(s[d] for d in dims))


register(LayerSpec(
    "Permute", "reshaping", "Reorders the axes of each sample, e.g. dims 2, 1 swaps the first two.",
    (Param("dims", "shape", (2, 1), "The new order of the axes, numbered from 1 (the batch axis stays first).",
           required=True),),
    1, 1, _permute_shape, key_params=("dims",),
    torch=TorchForm(lambda p, s, xs, m: f"{xs[0]}.permute(0, {', '.join(map(str, p['dims']))})"),
    keywords=("transpose", "axes", "swap"),
))
