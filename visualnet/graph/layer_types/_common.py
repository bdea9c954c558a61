"""Helpers shared by the layer declarations: parameter makers and shape arithmetic."""

from __future__ import annotations

from ..names import ACTIVATIONS, INITIALIZERS
from ..params import Param
from ..registry import ShapeError

# the spatial axes of a rank-1, -2 or -3 family member, in words
AXES = {1: "steps", 2: "height and width", 3: "depth, height and width"}
LAYOUT = {1: "(batch, steps, channels)", 2: "(batch, height, width, channels)",
          3: "(batch, depth, height, width, channels)"}


def fmt(shape) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + (",)" if len(shape) == 1 else ")")


def by(values) -> str:
    """(3, 3) -> '3x3'."""
    return "x".join("?" if v is None else str(v) for v in values)


def activation(default=None, required=False) -> Param:
    return Param("activation", "activation", default, "Activation applied to the output ('linear' when unset).",
                 choices=tuple(ACTIVATIONS), optional=not required, required=required)


def initializer(name: str, default: str, what: str) -> Param:
    """A weight's initializer: a name (`choices`) or a keras.initializers class with its
    arguments, kept as Keras's config dict (initializer_rules.py)."""
    return Param(name, "initializer", default, f"How the {what} is initialized: a name, or a class with its "
                 "arguments (Constant's value, a seed, ...).", choices=tuple(INITIALIZERS))


_PADDING_DOCS = {"causal": " 'causal' pads before the steps only (kernel - 1 zeros), so that no output depends on "
                           "a later step; output = ceil(input / stride)."}


def padding(extra: tuple = ()) -> Param:
    return Param("padding", "choice", "valid",
                 "How borders are handled: 'valid' adds no padding (the output shrinks), 'same' pads so that "
                 "output = ceil(input / stride)." + "".join(_PADDING_DOCS[e] for e in extra),
                 choices=("valid", "same", *extra))


def spatial_out(length, k, s, pad):
    if length is None:
        return None
    if pad in ("same", "causal"):
        return -(-length // s)
    return (length - k) // s + 1


def require_rank(layer: str, shape, rank: int, hint: str):
    if len(shape) != rank:
        raise ShapeError(f"{layer} expects a {rank}-D input {hint}; it receives {fmt(shape)}.")


def windows_out(layer: str, what: str, s, window, strides, pad, advice: str) -> list:
    """Output sizes of sliding `window` over the spatial axes of `s` (channels last)."""
    out = [spatial_out(n, k, st, pad) for n, k, st in zip(s[1:-1], window, strides)]
    if any(o is not None and o < 1 for o in out):
        raise ShapeError(f"{layer}'s {by(window)} {what} does not fit the {by(s[1:-1])} input with padding "
                         f"'valid'. Use padding 'same' or a smaller {advice}.")
    return out


def same_shape(p, shapes):
    return shapes[0]


def penalties(*weights: tuple[str, str], activity: bool = True) -> tuple[Param, ...]:
    """Keras's regularizer and constraint arguments for `weights`, (argument prefix, weight
    name) pairs such as ('kernel', 'kernel'), ('depthwise', 'kernel'), in Keras's order:
    each weight's regularizer, the output's (`activity`), then each weight's constraint."""
    regs = [Param(f"{prefix}_regularizer", "regularizer", None,
                  f"Penalty on the {weight.replace('_', ' ')} added to the loss (L1, L2 or L1L2 with "
                  "its factors; none when unset).", optional=True, weight=weight) for prefix, weight in weights]
    if activity:
        regs.append(Param("activity_regularizer", "regularizer", None,
                          "Penalty on the layer's output added to the loss, divided by the batch size "
                          "(none when unset).", optional=True))
    return (*regs, *(Param(f"{prefix}_constraint", "constraint", None,
                           f"Projection applied to the {weight.replace('_', ' ')} after each optimizer step "
                           "(MaxNorm, MinMaxNorm, NonNeg, UnitNorm; none when unset).", optional=True, weight=weight)
                     for prefix, weight in weights))


KERNEL_BIAS = (("kernel", "kernel"), ("bias", "bias"))
