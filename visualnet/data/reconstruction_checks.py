"""The data check of an autoencoder (a recipe with `target="input"`): the model's output
must have the prepared sample's shape, since the sample is its own target. When only the
channels (the last axis) differ, the fix sets the output layer's `units` or `filters`."""

from __future__ import annotations

from ..graph import ERROR, Problem

# the parameter that sets the last axis of each layer type's output
_CHANNELS = {"Dense": "units", "Conv1D": "filters", "Conv2D": "filters", "Conv3D": "filters",
             "Conv1DTranspose": "filters", "Conv2DTranspose": "filters", "Conv3DTranspose": "filters",
             "SeparableConv1D": "filters", "SeparableConv2D": "filters"}


def _fmt(shape) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def reconstruction_problems(info: dict, out, x_shape: tuple) -> list[Problem]:
    """The output layer `out` against the prepared samples' shape `x_shape` (no batch axis)."""
    item = info.get(out.id)
    if item is None or item.shape is None:
        return []
    shape = tuple(item.shape[1:])
    if len(shape) == len(x_shape) and all(d is None or d == x for d, x in zip(shape, x_shape)):
        return []
    message = (f"The model learns to reproduce its input (Target: the input itself), so its output must have the "
               f"samples' shape {_fmt(x_shape)}; the output layer '{out.name}' gives {_fmt(shape)}.")
    param = _CHANNELS.get(out.type)
    if param and len(shape) == len(x_shape) and shape[:-1] == tuple(x_shape[:-1]):
        channels = int(x_shape[-1])
        return [Problem("data_reconstruction_shape", ERROR, message, node_id=out.id, fix="set_params",
                        detail={"params": {param: channels}, "output_shape": shape, "input_shape": tuple(x_shape),
                                "fix_label": f"Set {param} to {channels} (the input's channels)"})]
    return [Problem("data_reconstruction_shape", ERROR,
                    message + " Change the decoder so that it ends at the input's size.", node_id=out.id,
                    detail={"output_shape": shape, "input_shape": tuple(x_shape)})]
