"""The upsampling family, generic over rank: UpSampling1D, UpSampling2D, UpSampling3D."""

from __future__ import annotations

from ..keras_form import CHANNELS_LAST, Fixed, KerasForm
from ..params import Param
from ..registry import LayerSpec, register
from ..torch_form import TorchForm
from ._common import AXES, LAYOUT, require_rank


def sizes(p: dict, rank: int) -> tuple:
    """The repeat factor per spatial axis (UpSampling1D's `size` is one integer)."""
    return (p["size"],) if rank == 1 else p["size"]


def upsampling_shape(name: str, rank: int):
    def rule(p, shapes):
        (s,) = shapes
        require_rank(name, s, rank + 2, LAYOUT[rank])
        return (None, *(None if n is None else n * k for n, k in zip(s[1:-1], sizes(p, rank))), s[-1])
    return rule


def upsampling_torch(rank: int):
    def forward(p, s, xs, m):
        expr = xs[0]
        for axis, k in enumerate(sizes(p, rank), 1):
            if k != 1:
                expr = f"{expr}.repeat_interleave({k}, dim={axis})"
        return expr
    return TorchForm(forward)


def declare_upsampling(rank: int) -> None:
    name, axes = f"UpSampling{rank}D", AXES[rank]
    size = (Param("size", "int", 2, "How many times each step is repeated.", min=1) if rank == 1 else
            Param("size", "ints", (2,) * rank, f"How many times each row is repeated along {axes}.", length=rank))
    fixed = {} if rank == 1 else dict(CHANNELS_LAST)
    if rank == 2:
        fixed["interpolation"] = Fixed("nearest")
    register(LayerSpec(
        name, "reshaping", f"Repeats each value along {axes} (nearest-neighbour upsampling).",
        (size,), 1, 1, upsampling_shape(name, rank), key_params=("size",),
        keras=KerasForm(fixed=fixed), torch=upsampling_torch(rank),
    ))


for _rank in (1, 2, 3):
    declare_upsampling(_rank)
