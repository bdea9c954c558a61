"""Subclassed models: `class MyModel(keras.Model)` with layers as attributes and a `call`.

Keras tracks the layers a model's attributes hold; so does `track` here. At its first use
(`build(input_shape)`, `fit`, a call on data) the model becomes a graph of two nodes, its
Input and a `ModelCall`: a user layer (custom_layer.py) whose `call` is the model's, run
on the tape, holding the tracked layers (their weights are the model's). Everything the
functional `Model` offers then works unchanged: fit, evaluate, predict, weights.
"""

from __future__ import annotations

from .custom_layer import Layer, _takes
from .naming import auto_name
from .summary import _fmt_shape, _fmt_size, _row, _rule
from .tracing import input_tensor, trace

_ARGS = ("name", "trainable", "dtype")


def is_subclassed(model) -> bool:
    return model.__dict__.get("_tracked") is not None


def init_subclassed(model, name, kwargs: dict) -> None:
    """Keras's `Model.__init__(**kwargs)` for a subclass that writes `call`."""
    from ..graph.registry import snake_case

    unknown = sorted(set(kwargs) - set(_ARGS))
    if unknown:
        raise TypeError(f"Unrecognized keyword argument(s) passed to {type(model).__name__}: {unknown}")
    dtype = kwargs.get("dtype")
    if dtype not in (None, "float32"):
        raise ValueError(f"VisualNet computes in float32. Received: dtype={dtype!r}")
    model._reset(name or auto_name(snake_case(type(model).__name__)))
    model.__dict__["_tracked"] = []
    model._trainable = bool(kwargs.get("trainable", True))


def track(model, name: str, value) -> None:
    """Keras's attribute tracking: the layers (and models) an attribute holds join the
    model's layers, in assignment order."""
    from .custom_layer import _layers_in

    tracked = model.__dict__["_tracked"]
    for item in _layers_in(value):
        if item is not model and all(item is not t for t in tracked):
            tracked.append(item)


class ModelCall(Layer):
    """A subclassed model's `call` as a graph node (the model's tracked layers are its own)."""

    def __init__(self, model):
        super().__init__(name=model.name)
        self.__dict__["_model"] = model
        self.__dict__["_sublayers"] = model.__dict__["_tracked"]
        self.__dict__["_kind"] = type(model).__name__

    def call(self, inputs, training=None, mask=None):
        model = self._model
        kwargs = {"training": bool(training)} if _takes(type(model), "training") else {}
        return type(model).call(model, inputs, **kwargs)


def build_subclassed(model, input_shape) -> None:
    """Trace the model's call on an Input of `input_shape` (batch dimension included)."""
    if model.built:
        return
    shape = tuple(input_shape)
    if not shape or isinstance(shape[0], (tuple, list)):
        raise ValueError(f"Model '{model.name}': VisualNet builds subclassed models with one input; received "
                         f"input_shape={input_shape!r}.")
    inp = input_tensor(shape[1:])
    out = ModelCall(model)(inp)
    model._install_trace(trace(inp, out))


def summary_text(model, line_length: int | None = None) -> str:
    """Keras's table for a subclassed model: its tracked layers (type), output shape, params."""
    line_length = line_length or 77
    headers, fractions = ["Layer (type)", "Output Shape", "Param #"], [0.45, 0.32, 0.23]
    inner = line_length - 1 - 3 * len(headers)
    widths = [max(6, int(inner * f)) for f in fractions]
    widths[-1] += inner - sum(widths)
    lines = [f'Model: "{model.name}"', _rule(widths, "┏", "┳", "┓", "━"),
             *_row(headers, widths, "llr", "┃", "┃", "┃"), _rule(widths, "┡", "╇", "┩", "━")]
    layers = model.layers
    for i, layer in enumerate(layers):
        shape = getattr(layer, "output_shape", None)
        built = getattr(layer, "built", False)
        cells = [f"{layer.name} ({type(layer).__name__})", _fmt_shape(shape) if shape else "?",
                 f"{layer.count_params():,}" if built else "0 (unbuilt)"]
        lines += _row(cells, widths, "llr")
        last = i == len(layers) - 1
        lines.append(_rule(widths, "└", "┴", "┘", "─") if last else _rule(widths, "├", "┼", "┤", "─"))
    trainable = sum(a.size for a in model.trainable_weights)
    non_trainable = sum(a.size for a in model.non_trainable_weights)
    lines += [f" Total params: {_fmt_size(trainable + non_trainable)}",
              f" Trainable params: {_fmt_size(trainable)}",
              f" Non-trainable params: {_fmt_size(non_trainable)}"]
    return "\n".join(lines)
