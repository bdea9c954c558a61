"""Subclassed models: `class MyModel(keras.Model)` with layers as attributes and a `call`.

Keras tracks the layers a model's attributes hold; so does `track` here. At its first use
(`build(input_shape)`, `fit`, a call on data) the model becomes a graph of two nodes, its
Input and a `ModelCall`: a user layer (custom_layer.py) whose `call` is the model's, run
on the tape, holding the tracked layers (their weights are the model's). Everything the
functional `Model` offers then works unchanged: fit, evaluate, predict, weights.

Configs are Keras 3's: `get_config()` is the name, the constructor's plain arguments (kept by
`AutoConfig` when the class does not override `get_config`), `trainable` and `dtype`;
`from_config` is `cls(**config)`; `clone_model` makes a new instance from the config, built
for the same input shape. Files: io/keras_subclassed.py.
"""

from __future__ import annotations

from .custom_layer import Layer
from .layer_tracking import auto_config, call_takes, layers_in
from .naming import auto_name
from .summary import _fmt_shape, _fmt_size, _row, _rule
from .tracing import input_tensor, trace

_ARGS = ("name", "trainable", "dtype")
_DTYPE = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None}


def is_subclassed(model) -> bool:
    return model.__dict__.get("_tracked") is not None


def init_subclassed(model, name, kwargs: dict) -> None:
    """Keras's `Model.__init__(**kwargs)` for a subclass that writes `call`."""
    from ..graph.registry import snake_case

    unknown = sorted(set(kwargs) - set(_ARGS))
    if unknown:
        raise TypeError(f"Unrecognized keyword argument(s) passed to {type(model).__name__}: {unknown}")
    dtype = kwargs.get("dtype")
    policy = dtype.get("config", {}).get("name") if isinstance(dtype, dict) else dtype   # a config's DTypePolicy
    if policy not in (None, "float32"):
        raise ValueError(f"VisualNet computes in float32. Received: dtype={dtype!r}")
    model._reset(name or auto_name(snake_case(type(model).__name__)))
    model.__dict__["_tracked"] = []
    model._trainable = bool(kwargs.get("trainable", True))


def track(model, name: str, value) -> None:
    """Keras's attribute tracking: the layers (and models) an attribute holds join the
    model's layers, in assignment order."""
    tracked = model.__dict__["_tracked"]
    for item in layers_in(value):
        if item is not model and all(item is not t for t in tracked):
            tracked.append(item)


class AddedLosses:
    """Keras's `Model.add_loss` and `Model.losses` (mixed into Model): in a subclassed
    model's `call`, `self.add_loss(x)` adds `x` to the training loss through the tape, as a
    custom layer's does (the model's `ModelCall` holds it)."""

    def add_loss(self, loss) -> None:
        sink = self.__dict__.get("_loss_sink")
        if sink is None:
            raise ValueError(f"Model '{self.name}': add_loss() is for a subclassed model's call(); on a functional "
                             "model, call add_loss() in a custom layer's call() instead.")
        sink.add_loss(loss)

    @property
    def losses(self) -> list:
        """The losses added in the last call and the weights' regularization penalties."""
        sink = self.__dict__.get("_loss_sink")
        if sink is not None:
            return sink.losses
        out = []
        for layer in getattr(self, "layers", []):
            out += list(getattr(layer, "losses", []))
        return out


class AutoConfig(AddedLosses):
    """Keras's automatic config for a subclass's constructor: its arguments are kept when
    all are plain values (mixed into Model)."""

    def __new__(cls, *args, **kwargs):
        obj = object.__new__(cls)
        own_init = next((c for c in cls.__mro__ if "__init__" in c.__dict__), None)
        if own_init is not None and not own_init.__module__.startswith("visualnet."):
            obj.__dict__["_auto_config"] = auto_config(cls, args, kwargs)
        return obj


def subclassed_config(model) -> dict:
    """Keras 3's `get_config()` of a subclassed model: its name, the constructor's plain
    arguments (when `get_config` is not overridden), `trainable` and `dtype`."""
    config = {"name": model.name}
    if getattr(type(model), "get_config", None) is _default_get_config(model):
        auto = model.__dict__.get("_auto_config")
        if auto is None:
            raise NotImplementedError(
                f"Object {type(model).__name__} was created by passing non-serializable argument values in "
                "`__init__()`, and therefore the object must override `get_config()` in order to be serializable. "
                "Please implement `get_config()`.")
        config.update(auto)
    return {**config, "trainable": model.trainable, "dtype": dict(_DTYPE)}


def _default_get_config(model):
    """The `get_config` the model's class inherits from VisualNet (not a user's override)."""
    for c in type(model).__mro__:
        if "get_config" in c.__dict__ and c.__module__.startswith("visualnet."):
            return c.__dict__["get_config"]
    return None


def subclassed_from_config(cls, config: dict):
    """Keras's fallback for a subclass: `cls(**config)`, naming the class when it fails."""
    try:
        return cls(**config)
    except TypeError as exc:
        raise TypeError(f"Unable to revive model from config. When overriding the `get_config()` method, make sure "
                        f"that the returned config contains all items used as arguments in the constructor to "
                        f"{cls}, which is the default behavior. You can override this default behavior by defining "
                        f"a `from_config(cls, config)` class method to specify how to create an instance of "
                        f"{cls.__name__} from its config.\n\nReceived config={config}\n\nError encountered during "
                        f"deserialization: {exc}") from exc


def clone_subclassed(model, input_tensors=None, clone_function=None):
    """Keras's `clone_model` of a subclassed model: a new instance from its config, built
    for the same input shape, with fresh weights."""
    if input_tensors is not None or clone_function is not None:
        raise ValueError("Arguments `clone_function` and `input_tensors` are only supported for Sequential models "
                         f"or Functional models. Received model of type '{type(model).__name__}', with "
                         f"clone_function={clone_function} and input_tensors={input_tensors}")
    clone = type(model).from_config(model.get_config())
    if model.built:
        clone.build(model.input_shape)
    return clone


class ModelCall(Layer):
    """A subclassed model's `call` as a graph node (the model's tracked layers are its own)."""

    def __init__(self, model):
        super().__init__(name=model.name)
        self.__dict__["_model"] = model
        self.__dict__["_sublayers"] = model.__dict__["_tracked"]
        self.__dict__["_kind"] = type(model).__name__
        model.__dict__["_loss_sink"] = self   # the model's add_loss (AddedLosses) adds to this call's losses

    def call(self, inputs, training=None, mask=None):
        model = self._model
        kwargs = {"training": bool(training)} if call_takes(type(model), "training") else {}
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
