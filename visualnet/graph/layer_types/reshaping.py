"""The reshaping families, each generic over rank: UpSampling1D/2D/3D, ZeroPadding1D/2D/3D
and Cropping1D/2D/3D."""

from __future__ import annotations

from ..keras_form import CHANNELS_LAST, Fixed, KerasForm
from ..params import Param
from ..registry import LayerSpec, ShapeError, register
from ..torch_form import TorchForm
from ._common import AXES, LAYOUT, fmt, require_rank


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
        keywords=("upsample", "enlarge", "decoder", "resize"),
    ))


for _rank in (1, 2, 3):
    declare_upsampling(_rank)


# ---------------------------------------------------------------------- zero padding and cropping
# The families ZeroPadding1D/2D/3D and Cropping1D/2D/3D: `padding` and `cropping` are 'pairs'
# parameters, one (before, after) pair per spatial axis (1-D: the pair itself, as Keras writes it).
AXIS_NAMES = {1: ("steps",), 2: ("height", "width"), 3: ("depth", "height", "width")}
PAIRS_FORMS = {1: "one integer for both ends, or (before, after)",
               2: "one integer for every side, one per axis (height, width), or ((top, bottom), (left, right))",
               3: "one integer for every side, one per axis (depth, height, width), or "
                  "((front, back), (top, bottom), (left, right))"}


def pairs(p: dict, key: str, rank: int) -> tuple:
    """The (before, after) pair of each spatial axis (the 1-D value is one pair)."""
    value = p[key]
    return (tuple(value),) if rank == 1 else tuple(tuple(v) for v in value)


def zero_padding_shape(name: str, rank: int):
    def rule(p, shapes):
        (s,) = shapes
        require_rank(name, s, rank + 2, LAYOUT[rank])
        return (None, *(None if n is None else n + a + b for n, (a, b) in zip(s[1:-1], pairs(p, "padding", rank))),
                s[-1])
    return rule


def cropping_shape(name: str, rank: int):
    def rule(p, shapes):
        (s,) = shapes
        require_rank(name, s, rank + 2, LAYOUT[rank])
        out = []
        for n, (a, b), axis in zip(s[1:-1], pairs(p, "cropping", rank), AXIS_NAMES[rank]):
            if n is not None and n - a - b < 1:
                raise ShapeError(f"{name} crops {a} + {b} along the {axis} axis, but its input {fmt(s)} has only {n} "
                                 f"there. Crop less than {n} in total along the {axis} axis, or give it a larger input.")
            out.append(None if n is None else n - a - b)
        return (None, *out, s[-1])
    return rule


def zero_padding_torch(rank: int) -> TorchForm:
    """F.pad on the channels-last tensor: its pairs run from the last axis (channels, unpadded) back."""
    def forward(p, s, xs, m):
        pads = pairs(p, "padding", rank)
        if not any(a or b for a, b in pads):
            return xs[0]
        flat = ", ".join(str(v) for a, b in ((0, 0), *reversed(pads)) for v in (a, b))
        return f"F.pad({xs[0]}, ({flat}))"
    return TorchForm(forward)


def cropping_torch(rank: int) -> TorchForm:
    """A slice of the channels-last tensor: x[:, 1:-1, 2:] (trailing whole axes left out)."""
    def forward(p, s, xs, m):
        parts = [f"{a or ''}:{-b if b else ''}" for a, b in pairs(p, "cropping", rank)]
        while parts and parts[-1] == ":":
            parts.pop()
        return f"{xs[0]}[:, {', '.join(parts)}]" if parts else xs[0]
    return TorchForm(forward)


def _pairs_param(name: str, rank: int, default: tuple, what: str) -> Param:
    where = "at the start and end of the steps" if rank == 1 else f"around the {AXES[rank]}"
    return Param(name, "pairs", default, f"{what} {where}: {PAIRS_FORMS[rank]}.", length=rank, min=0)


def declare_zero_padding(rank: int) -> None:
    name = f"ZeroPadding{rank}D"
    default = (1, 1) if rank == 1 else ((1, 1),) * rank
    # Recent Keras 3 takes and writes data_format for 1-D padding too, but tf-keras and earlier
    # Keras 3 reject it: read it, never write it (a reader then takes its default, channels_last).
    fixed = ({"data_format": Fixed("channels_last", also=(None,), write=False)} if rank == 1
             else dict(CHANNELS_LAST))
    register(LayerSpec(
        name, "reshaping", f"Adds rows of zeros before and after the input along {AXES[rank]}.",
        (_pairs_param("padding", rank, default, "How much to pad with zeros"),), 1, 1,
        zero_padding_shape(name, rank), key_params=("padding",),
        keras=KerasForm(fixed=fixed), torch=zero_padding_torch(rank),
        keywords=("pad", "border"),
    ))


def declare_cropping(rank: int) -> None:
    name = f"Cropping{rank}D"
    default = {1: (1, 1), 2: ((0, 0), (0, 0)), 3: ((1, 1),) * 3}[rank]   # Keras's defaults, uneven as they are
    register(LayerSpec(
        name, "reshaping", f"Removes rows at the start and end of the input along {AXES[rank]}.",
        (_pairs_param("cropping", rank, default, "How much to crop"),), 1, 1,
        cropping_shape(name, rank), key_params=("cropping",),
        keras=KerasForm(fixed={} if rank == 1 else dict(CHANNELS_LAST)), torch=cropping_torch(rank),
        keywords=("crop", "trim", "border"),
    ))


for _rank in (1, 2, 3):
    declare_zero_padding(_rank)
for _rank in (1, 2, 3):
    declare_cropping(_rank)
