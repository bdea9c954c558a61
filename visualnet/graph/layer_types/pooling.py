"""The pooling families, generic over rank: MaxPooling1D/2D/3D, AveragePooling1D/2D/3D and
the global poolings of the three ranks."""

from __future__ import annotations

from ..keras_form import CHANNELS_LAST, KerasForm
from ..params import Param
from ..registry import LayerSpec, register
from ..torch_form import TorchForm
from ._common import AXES, LAYOUT, padding, require_rank, windows_out

SHORT = {"Max": "MaxPool", "Average": "AvgPool"}


def pool_shape(name: str, rank: int):
    def rule(p, shapes):
        (s,) = shapes
        require_rank(name, s, rank + 2, LAYOUT[rank])
        out = windows_out(name, "window", s, p["pool_size"], p["strides"] or p["pool_size"], p["padding"],
                          "pool_size")
        return (None, *out, s[-1])
    return rule


def declare_pooling(kind: str, rank: int) -> None:
    name, axes = f"{kind}Pooling{rank}D", AXES[rank]
    what = "maximum" if kind == "Max" else "average"
    register(LayerSpec(
        name, "pooling", f"Downsamples {axes} by taking the {what} over each window.",
        (Param("pool_size", "ints", (2,) * rank, f"Size of the pooling window along {axes}.", length=rank),
         Param("strides", "ints", None, "Step of the window; unset means equal to pool_size.",
               length=rank, optional=True),
         padding()),
        1, 1, pool_shape(name, rank), key_params=("pool_size", "strides", "padding"),
        # Keras writes the strides it uses: pool_size when unset
        keras=KerasForm(aliases=(f"{SHORT[kind]}{rank}D",), fixed=CHANNELS_LAST,
                        write=lambda p: {"strides": p["strides"] or p["pool_size"]}),
        torch=TorchForm(lambda p, s, xs, m: f"{kind.lower()}_pool({xs[0]}, {p['pool_size']}, "
                                            f"{p['strides'] or p['pool_size']}, {p['padding']!r})",
                        helpers=(f"{kind.lower()}_pool",)),
        keywords=("downsample", "subsample") + (("sequence",) if rank == 1 else ()),
    ))


def global_pool_shape(name: str, rank: int):
    def rule(p, shapes):
        (s,) = shapes
        require_rank(name, s, rank + 2, LAYOUT[rank])
        return (None, *(1,) * rank, s[-1]) if p["keepdims"] else (None, s[-1])
    return rule


def declare_global_pooling(kind: str, rank: int) -> None:
    name, axes = f"Global{kind}Pooling{rank}D", AXES[rank]
    what = "maximum" if kind == "Max" else "average"
    register(LayerSpec(
        name, "pooling", f"Reduces each channel to its {what} over {axes}.",
        (Param("keepdims", "bool", False, f"Keep {axes} as dimensions of size 1."),),
        1, 1, global_pool_shape(name, rank),
        keras=KerasForm(aliases=(f"Global{SHORT[kind]}{rank}D",), fixed=CHANNELS_LAST),
        torch=TorchForm(lambda p, s, xs, m: f"{xs[0]}.{'amax' if kind == 'Max' else 'mean'}"
                                            f"(dim={tuple(range(1, rank + 1))}, keepdim={p['keepdims']})"),
        keywords=("reduce", "classifier head") + (("sequence",) if rank == 1 else ()),
    ))


for _kind in ("Max", "Average"):
    for _rank in (1, 2, 3):
        declare_pooling(_kind, _rank)
for _kind in ("Average", "Max"):
    for _rank in (1, 2, 3):
        declare_global_pooling(_kind, _rank)
