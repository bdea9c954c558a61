"""How user-written layers and subclassed models find what they hold and how they are
called, as Keras does: the layers an attribute holds (tracking), replicas for the tape, the
arguments `call` takes, `build` marking the layer built, and the automatic config of a
constructor's plain arguments."""

from __future__ import annotations

import inspect

import numpy as np

from .layers.base import Layer as EngineLayer

_AUTO_TYPES = (str, int, float, bool, type(None))


def layers_in(value) -> list:
    """The layers (and models) an attribute value holds, Keras's tracking: lists, tuples
    and dict values included."""
    if isinstance(value, EngineLayer) or hasattr(value, "_flat_layers"):
        return [value]
    if isinstance(value, (list, tuple)):
        return [x for v in value for x in layers_in(v)]
    if isinstance(value, dict):
        return [x for v in value.values() for x in layers_in(v)]
    return []


def replicate(value, memo: dict):
    """`value` with each layer in it replaced by its replica (one per layer, in `memo`)."""
    if isinstance(value, EngineLayer):
        if id(value) not in memo:
            memo[id(value)] = value.replica()
        return memo[id(value)]
    if isinstance(value, list):
        return [replicate(v, memo) for v in value]
    if isinstance(value, tuple):
        return tuple(replicate(v, memo) for v in value)
    if isinstance(value, dict):
        return {k: replicate(v, memo) for k, v in value.items()}
    return value


def marks_built(build):
    """A user's `build`, which marks the layer built (as Keras's build wrapper)."""
    def wrapper(self, *args, **kwargs):
        out = build(self, *args, **kwargs)
        self.__dict__["_built"] = True
        return out
    wrapper.__wrapped__ = build
    wrapper.__doc__, wrapper.__name__ = build.__doc__, build.__name__
    return wrapper


def call_takes(cls, arg: str) -> bool:
    cache = cls.__dict__.get("_call_args")
    if cache is None:
        params = inspect.signature(cls.call).parameters
        cache = {"*": any(p.kind == p.VAR_KEYWORD for p in params.values()), **dict.fromkeys(params, True)}
        setattr(cls, "_call_args", cache)
    return arg in cache or cache["*"]


def call_names(cls, arg: str) -> bool:
    """Whether `call` names `arg` (Keras passes `mask` only then, not through **kwargs)."""
    return arg in inspect.signature(cls.call).parameters


def engine_compute_mask(compute_mask):
    """A user's `compute_mask(inputs, mask)`, which the engine calls with one list of inputs
    and one of masks: a layer of one input gets its tensor and its mask, as in Keras; the
    result counts only when the layer supports masking (Keras drops the mask otherwise)."""
    def wrapper(self, inputs, mask=None):
        if isinstance(inputs, list) and isinstance(mask, list) and len(inputs) == len(mask) == 1:
            inputs, mask = inputs[0], mask[0]
        if not self.supports_masking:
            return None
        out = compute_mask(self, inputs, mask)
        return None if out is None else np.asarray(getattr(out, "value", out)).astype(bool)
    wrapper.__wrapped__ = compute_mask
    wrapper.__doc__, wrapper.__name__ = compute_mask.__doc__, compute_mask.__name__
    return wrapper


def is_shape_list(shape) -> bool:
    return isinstance(shape, list) and bool(shape) and isinstance(shape[0], (tuple, list))


def auto_config(cls, args, kwargs) -> dict | None:
    """Keras's automatic config: the constructor's arguments, when all are plain values."""
    try:
        bound = inspect.signature(cls.__init__).bind(None, *args, **kwargs)
    except TypeError:
        return None
    bound.apply_defaults()
    params = inspect.signature(cls.__init__).parameters
    out = {}
    for key, value in list(bound.arguments.items())[1:]:
        kind = params[key].kind
        if kind == inspect.Parameter.VAR_KEYWORD:
            out.update(value)
        elif kind == inspect.Parameter.VAR_POSITIONAL:
            if value:
                return None
        else:
            out[key] = value
    out.pop("name", None)
    if not all(isinstance(v, _AUTO_TYPES) for v in _flatten(out.values())):
        return None
    return out


def _flatten(values):
    for v in values:
        if isinstance(v, (list, tuple)):
            yield from _flatten(v)
        elif isinstance(v, dict):
            yield from _flatten(v.values())
        else:
            yield v


def declared_shape(input_shape, input_dim, batch_size, batch_input_shape):
    if batch_input_shape is not None:
        return tuple(batch_input_shape)
    if input_shape is not None:
        return (batch_size, *((input_shape,) if isinstance(input_shape, int) else input_shape))
    if input_dim is not None:
        return (batch_size, int(input_dim))
    return None
