"""User-written layers: Keras's `Layer` subclass API (`__init__(**kwargs)`, `build`, `call`,
`add_weight`, `add_loss`, `get_config`) without a registry declaration.

Such a layer runs its `call` on the engine's tape (tape.py): forward records each op, and
backward replays the tape for the gradients of the inputs and of every weight it used (its
own, and those of the layers it calls). In a model it is a graph node of its own kind
(python_nodes.py), which exists in the Python API only: the canvas and project files cannot
hold one.
"""

from __future__ import annotations

import copy
import math

import numpy as np

from ..graph import LayerSpec, WeightSpec
from ..graph.registry import snake_case
from . import initializers
from .custom_weights import Weight, is_engine_rule, weight_rule_of
from .layer_tracking import (auto_config, call_names, call_takes, declared_shape, engine_compute_mask, is_shape_list,
                             layers_in, marks_built, replicate)
from .layers.base import Layer as EngineLayer
from .naming import auto_name
from .tape import Tape, active_tape, as_array, begin_pass, lift
from .tensor import KerasTensor
from .variables import Variable, as_tensor

_KERAS_ARGS = ("name", "trainable", "dtype", "input_shape", "input_dim", "batch_size", "batch_input_shape",
               "autocast", "activity_regularizer")


def is_python_layer(layer) -> bool:
    """Whether `layer` is user-written (a node of its own kind in a graph)."""
    return getattr(type(layer), "_python_layer", False)


def engine_build(layer, input_shapes: list) -> None:
    """Build a graph node's layer for its input shapes (a user layer's own `build` takes
    Keras's single shape)."""
    if is_python_layer(layer):
        layer._build_for(input_shapes)
    else:
        layer.build(input_shapes)


class _LayerMeta(type):
    """`isinstance(Dense(3), keras.layers.Layer)` holds, as in Keras."""

    def __instancecheck__(cls, obj):
        if cls is Layer:
            return isinstance(obj, EngineLayer)
        return super().__instancecheck__(obj)

    def __subclasscheck__(cls, sub):
        if cls is Layer:
            return issubclass(sub, EngineLayer)
        return super().__subclasscheck__(sub)


class Layer(EngineLayer, metaclass=_LayerMeta):
    """Keras's base `Layer` for user subclasses: override `build(input_shape)` (make weights
    with `add_weight`) and `call(inputs, training=None, mask=None)` (ops and other layers)."""

    _python_layer = True
    adds_loss = True          # the general training step (add_loss, weight regularizers)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "build" in cls.__dict__:
            cls.build = marks_built(cls.__dict__["build"])
        if "compute_mask" in cls.__dict__:
            cls.compute_mask = engine_compute_mask(cls.__dict__["compute_mask"])

    def __new__(cls, *args, **kwargs):
        obj = object.__new__(cls)
        obj.__dict__["_auto_config"] = auto_config(cls, args, kwargs)
        return obj

    def __init__(self, *, name=None, trainable=True, dtype=None, input_shape=None, input_dim=None, batch_size=None,
                 batch_input_shape=None, autocast=True, activity_regularizer=None, **kwargs):
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments passed to {type(self).__name__}: {kwargs}")
        if activity_regularizer is not None:
            raise ValueError(f"{type(self).__name__}: activity_regularizer is not supported by VisualNet's "
                             "custom layers; call self.add_loss(...) in call() instead.")
        policy = dtype.get("config", {}).get("name") if isinstance(dtype, dict) else dtype
        if policy not in (None, "float32", np.float32):
            raise ValueError(f"VisualNet computes in float32. Received: dtype={dtype!r}")
        d = self.__dict__
        d["_sublayers"] = []
        d["_trainable"] = bool(trainable)
        self.name = name or auto_name(snake_case(type(self).__name__))
        self.declared_input_shape = declared_shape(input_shape, input_dim, batch_size, batch_input_shape)
        self.input_shapes = None
        self.output_shape = None
        self._own: list[Weight] = []
        self.values: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.node_id = None
        self._buffers, self._views = {}, {}
        self._losses: list = []
        self.added_loss = 0.0
        self._built = False
        self._run = None  # the last forward's (tape, inputs, output, losses)

    # ------------------------------------------------------------------ tracking
    def __setattr__(self, name, value):
        d = self.__dict__
        if "_sublayers" in d and not name.startswith("_"):
            for item in layers_in(value):
                if item is not self and all(item is not s for s in d["_sublayers"]):
                    d["_sublayers"].append(item)
        object.__setattr__(self, name, value)

    def __getattr__(self, item):
        if item in ("input", "output"):
            self._first_call(item)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{item}'")

    @property
    def trainable(self) -> bool:
        return self.__dict__.get("_trainable", True)

    @trainable.setter
    def trainable(self, value) -> None:
        """Keras's: the flag of this layer and of every layer it holds."""
        self.__dict__["_trainable"] = bool(value)
        for sub in self.__dict__.get("_sublayers", []):
            sub.trainable = value

    # ------------------------------------------------------------------ masks (Keras 3's)
    @property
    def supports_masking(self) -> bool:
        """Whether the output carries a mask (`compute_mask`'s): set it, or override
        `compute_mask`, as in Keras; otherwise an input's mask stops here."""
        return self.__dict__.get("_supports_masking", _overrides_compute_mask(type(self)))

    @supports_masking.setter
    def supports_masking(self, value) -> None:
        self.__dict__["_supports_masking"] = bool(value)

    @property
    def takes_mask(self) -> bool:
        """Whether `call` names a `mask` argument (Keras then passes the input's mask)."""
        return call_names(type(self), "mask")

    @property
    def makes_mask(self) -> bool:
        """Whether `compute_mask` is the user's (it may make a mask from the inputs alone)."""
        return _overrides_compute_mask(type(self))

    def compute_mask(self, inputs, previous_mask=None):
        """The output's mask: by default the input's (Keras's)."""
        return _first(previous_mask) if self.supports_masking else None

    @property
    def built(self) -> bool:
        return self.__dict__.get("_built", False)

    @built.setter
    def built(self, value) -> None:
        self.__dict__["_built"] = bool(value)

    @property
    def spec(self) -> LayerSpec:
        """A declaration of this one layer, for graph code that reads a node's spec."""
        return LayerSpec(type(self).__name__, "core", type(self).__doc__ or "", (), 1, None,
                         lambda p, s: self.output_shape, lambda p, s: self.weight_specs)

    # ------------------------------------------------------------------ weights
    def add_weight(self, shape=None, initializer=None, dtype=None, trainable=True, autocast=True, regularizer=None,
                   constraint=None, aggregation="none", overwrite_with_gradient=False, name=None):
        """A new weight (a `Weight` the optimizer trains when `trainable`)."""
        if dtype not in (None, "float32", np.float32):
            raise ValueError(f"VisualNet computes in float32. Received: dtype={dtype!r}")
        shape = tuple(int(d) for d in (() if shape is None else shape))
        init = initializers.get("glorot_uniform" if initializer is None else initializer)
        shown = name or "variable"
        key, i = shown, 1
        while key in self.values:
            key, i = f"{shown}_{i}", i + 1
        value = np.asarray(init(shape), dtype=np.float32)
        if value.shape != shape:
            value = np.broadcast_to(value, shape).copy()
        spec = WeightSpec(key, shape, bool(trainable), "custom")
        self.values[key], self.grads[key] = value, np.zeros_like(value)
        weight = Weight(self, key, spec, shown, weight_rule_of("regularizer", regularizer), weight_rule_of("constraint", constraint))
        self._own.append(weight)
        return weight

    @property
    def weight_specs(self) -> list[WeightSpec]:
        """This layer's own weights (not its sublayers'), trainable first, as Keras lists them."""
        return [w._spec for w in self._own_ordered()]

    @property
    def own_weights(self) -> list[Weight]:
        """The weights this layer made itself (not its sublayers'), in Keras's order."""
        return self._own_ordered()

    def _own_ordered(self) -> list[Weight]:
        own = self.__dict__.get("_own", [])
        return [w for w in own if w.trainable] + [w for w in own if not w.trainable]

    def _weight_holders(self) -> list:
        """This layer and every layer it holds, in Keras's weight order (for the model's
        parameter store)."""
        out = [self]
        for sub in self._sublayers:
            if is_python_layer(sub):
                out += sub._weight_holders()
            elif hasattr(sub, "_flat_layers"):
                out += sub._flat_layers()
            else:
                out.append(sub)
        return out

    @property
    def weights(self) -> list:
        out = list(self._own_ordered())
        for sub in self._sublayers:
            out += list(sub.weights) if not hasattr(sub, "_flat_layers") else [
                Variable(l, w.name, w) for l in sub._flat_layers() for w in l.weight_specs]
        return out

    @property
    def trainable_weights(self) -> list:
        return [w for w in self.weights if w.trainable] if self.trainable else []

    @property
    def non_trainable_weights(self) -> list:
        return [w for w in self.weights if not (w.trainable and self.trainable)]

    def get_weights(self) -> list[np.ndarray]:
        return [np.array(w.value, copy=True) for w in self.weights]

    def set_weights(self, weights: list) -> None:
        mine = self.weights
        if len(weights) != len(mine):
            raise ValueError(f"Layer '{self.name}' expects {len(mine)} weights; received {len(weights)}.")
        for w, value in zip(mine, weights):
            if np.shape(value) != w.shape:
                raise ValueError(f"Layer '{self.name}' weight '{w.name}' has shape {w.shape}; "
                                 f"received an array of shape {np.shape(value)}.")
        for w, value in zip(mine, weights):
            w.value[...] = value

    def count_params(self) -> int:
        if not self.built:
            raise ValueError(f"Layer '{self.name}' is not built yet, so its weights do not exist. "
                             "Call it on an input or build the model first.")
        return sum(math.prod(w.shape) for w in self.weights)

    # ------------------------------------------------------------------ losses
    def add_loss(self, loss) -> None:
        """A scalar added to the training loss (Keras's `add_loss`, from `call`)."""
        self._losses.append(loss)

    @property
    def losses(self) -> list:
        """The losses of the last call and the weight regularization penalties."""
        out = list(self._losses)
        for w in self._own:
            if w.regularizer is not None:
                out.append(w.regularizer(w.value) if is_engine_rule(w.regularizer) else w.regularizer(w))
        for sub in self._sublayers:
            out += list(getattr(sub, "losses", []))
        return out

    def weight_rule(self, kind: str, weight: str):
        """The engine regularizer or constraint of weight `weight` (the training step applies
        them, as for the registry layers'); a regularizer written with ops is on the tape."""
        for w in self.__dict__.get("_own", []):
            if w._key == weight:
                rule = w.regularizer if kind == "regularizer" else w.constraint
                return rule if kind == "constraint" or is_engine_rule(rule) else None
        return None

    def _tape_losses(self) -> list:
        """What `forward` adds to the loss through the tape: `add_loss` values and the
        penalties of regularizers written with ops, of this layer and the custom ones in it."""
        out = list(self._losses)
        out += [w.regularizer(w) for w in self._own if w.regularizer is not None and not is_engine_rule(w.regularizer)]
        for sub in self._sublayers:
            if is_python_layer(sub):
                out += sub._tape_losses()
        return out

    def _clear_losses(self) -> None:
        self._losses = []
        for sub in self._sublayers:
            if is_python_layer(sub):
                sub._clear_losses()

    # ------------------------------------------------------------------ Keras's overridables
    def build(self, input_shape) -> None:
        """Make the weights for `input_shape` (override; the default has none)."""

    def call(self, inputs, *args, **kwargs):
        raise NotImplementedError(f"Layer {type(self).__name__} does not have a `call()` method implemented.")

    def compute_output_shape(self, input_shape):
        """The output shape (batch dimension None): by default, `call` on zeros."""
        shapes = input_shape if is_shape_list(input_shape) else [input_shape]
        zeros = [np.zeros((2, *(1 if d is None else d for d in s[1:])), np.float32) for s in shapes]
        saved = list(self._losses)
        # a layer that takes a mask is shown one (all true) as it may receive one in the model
        mask = {"mask": np.ones(zeros[0].shape[:-1], bool)} if self.takes_mask and zeros[0].ndim >= 3 else {}
        out = self._call_user(zeros if is_shape_list(input_shape) else zeros[0], False, mask)
        self._losses = saved
        if isinstance(out, (list, tuple)):   # called eagerly it may return several (symbolically refused)
            return [(None, *np.shape(as_array(o))[1:]) for o in out]
        return (None, *np.shape(as_array(out))[1:])

    def get_config(self) -> dict:
        config = {"name": self.name, "trainable": self.trainable,
                  "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
                            "registered_name": None}}
        if type(self).get_config is Layer.get_config:
            auto = self.__dict__.get("_auto_config")
            if auto is None:
                raise NotImplementedError(
                    f"Layer {type(self).__name__} was created with arguments that are not plain values, so its "
                    "config cannot be made automatically. Override get_config() (and from_config()) to save it.")
            config.update(auto)
        return config

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    # ------------------------------------------------------------------ calling
    def __call__(self, inputs, training=None, mask=None, **kwargs):
        """Symbolic (functional API), on the tape (inside another layer's call), or eager."""
        many = isinstance(inputs, (list, tuple))
        items = list(inputs) if many else [inputs]
        if mask is not None:
            kwargs["mask"] = mask
        if all(isinstance(t, KerasTensor) for t in items):
            shapes = [t.shape for t in items]
            self._build_for(shapes)
            shape = self._output_shape_for(shapes)
            if isinstance(shape, list):
                raise ValueError(f"Layer '{self.name}' ({type(self).__name__}) returns {len(shape)} tensors; "
                                 "VisualNet's models take custom layers with one output.")
            return self._record_call(KerasTensor(shape, self, items))
        self._build_for([(None, *np.shape(as_array(t))[1:]) for t in items])
        if active_tape() is not None:
            return self._call_user(inputs, training, kwargs)
        begin_pass()
        self._clear_losses()
        out = self._call_user(inputs, training, kwargs)
        if isinstance(out, (list, tuple)):
            out = type(out)(as_tensor(np.array(as_array(o))) for o in out)
        else:
            out = as_tensor(np.array(as_array(out)))
        return eager_mask(self, inputs, out, mask)   # Keras's `_keras_mask` on the result

    def _call_user(self, inputs, training, kwargs):
        """`call` with Keras's arguments: `training` only when its signature takes it."""
        if call_takes(type(self), "training"):
            kwargs = {**kwargs, "training": bool(training)}
        if "mask" in kwargs and not call_names(type(self), "mask"):
            kwargs.pop("mask")
        return self.call(inputs, **kwargs)

    def _build_for(self, input_shapes: list) -> None:
        """Keras's first-call build: `build(input_shape)` once, with one shape or a list."""
        input_shapes = [tuple(s) for s in input_shapes]
        if self.input_shapes is None:
            self.input_shapes = input_shapes
            if not self.built:
                self.build(input_shapes[0] if len(input_shapes) == 1 else input_shapes)
            self.built = True
        if self.output_shape is None and self.__dict__.get("_shape_pending") is None:
            self._shape_pending = True
            try:
                self.output_shape = self._output_shape_for(input_shapes)
            finally:
                self._shape_pending = None

    def _output_shape_for(self, input_shapes: list) -> tuple:
        if self.output_shape is not None and [s[1:] for s in input_shapes] == [s[1:] for s in self.input_shapes]:
            return self.output_shape
        shape = self.compute_output_shape(input_shapes[0] if len(input_shapes) == 1 else input_shapes)
        if isinstance(shape, list) and shape and isinstance(shape[0], tuple):   # several outputs
            return shape
        return (None, *tuple(shape)[1:])

    # ------------------------------------------------------------------ the engine's protocol
    def forward(self, inputs: list[np.ndarray], training: bool, mask=None) -> np.ndarray:
        """`call` on the tape (kept for `backward`), with the input's `mask` when it takes one;
        the penalties of `add_loss` and of the weights' regularizers go to `added_loss`."""
        self._clear_losses()
        with Tape() as tape:
            xs = [tape.watch(x) for x in inputs]
            out = self._call_user(xs[0] if len(xs) == 1 else xs, training, {} if mask is None else {"mask": mask})
            if isinstance(out, (list, tuple)):
                raise ValueError(f"Layer '{self.name}' ({type(self).__name__}) returned {len(out)} tensors; "
                                 "VisualNet's models take custom layers with one output.")
            losses = [lift(v) for v in self._tape_losses()]
        self._run = (tape, xs, out, losses)
        self.added_loss = float(sum(float(np.sum(as_array(v))) for v in losses))
        return np.ascontiguousarray(as_array(out), dtype=np.float32)

    def backward(self, dy, need_dx: bool = True, skip_activation: bool = False, **kwargs) -> list:
        """Replay the tape: the weights' gradients are added to their layers' `grads`
        (the executor zeroes them first), the inputs' are returned."""
        tape, xs, out, losses = self._run
        tape.gradients([out, *losses], [dy, *[np.ones(np.shape(as_array(v)), np.float32) for v in losses]])
        for weight, leaf in tape.weights:
            if leaf.grad is not None and weight.trainable:
                weight._layer.grads[weight._key] += leaf.grad
        self._run = None
        if not need_dx:
            return [None] * len(xs)
        return [np.zeros(x.shape, np.float32) if x.grad is None else np.asarray(x.grad, np.float32) for x in xs]

    def grad_arrays(self) -> list[np.ndarray]:
        """The gradient arrays of every weight this layer's backward adds to."""
        out = []
        for holder in self._weight_holders():
            out += list(holder.grads.values())
        return out

    def replica(self) -> "Layer":
        """A twin with its own tape and sublayer buffers, the same weights."""
        twin = copy.copy(self)
        memo: dict[int, object] = {}
        for key, value in list(self.__dict__.items()):
            if not key.startswith("_") and layers_in(value):
                twin.__dict__[key] = replicate(value, memo)
        twin.__dict__["_sublayers"] = [memo.get(id(s), s) for s in self._sublayers]
        twin.__dict__["_run"] = None
        twin.__dict__["_losses"] = []
        return twin

    def call_twin(self) -> "Layer":
        twin = self.replica()
        twin.__dict__["grads"] = {}     # its backward adds to this layer's gradients itself
        twin.__dict__["shares_with"] = self
        return twin

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def _overrides_compute_mask(cls) -> bool:
    return getattr(cls, "compute_mask", None) is not Layer.compute_mask


def _first(masks):
    """The mask of a layer's first input (the engine hands one per input)."""
    return masks[0] if isinstance(masks, list) else masks


def eager_mask(layer, inputs, out, mask=None):
    """Keras's eager masks: a layer that supports masking sets `out._keras_mask` (each
    output's, for several) to its `compute_mask(inputs, previous_mask)`, the previous mask
    being the one passed or the one the input carries."""
    if not layer.supports_masking:
        return out
    first = inputs[0] if isinstance(inputs, (list, tuple)) and inputs else inputs
    previous = mask if mask is not None else getattr(first, "_keras_mask", None)
    made = layer.compute_mask(inputs, previous)
    if made is None:
        return out
    outs, masks = (out, made) if isinstance(out, (list, tuple)) else ([out], [made])
    if not isinstance(masks, (list, tuple)):   # one mask for all, or theirs stacked into one array
        masks = list(masks) if np.ndim(masks) == np.ndim(outs[0]) and len(masks) == len(outs) else [masks] * len(outs)
    for o, m in zip(outs, masks):
        if m is not None:
            o._keras_mask = as_tensor(np.asarray(as_array(m), bool))
    return out
