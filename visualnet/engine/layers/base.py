"""The base of every engine layer: Keras's constructor and config conventions on top of
the registry declaration, and the forward/backward maths the executor calls.

A layer's parameters, defaults, ranges and weights are read from its `LayerSpec`
(visualnet.graph); subclasses add only the maths: `forward(inputs, training)` returns the
output and keeps what `backward(dy)` needs; `backward` returns the gradients of the inputs
(None where not needed) and writes the weight gradients into `self.grads`.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np

from ...graph import ParamError, ShapeError, get_spec
from ...graph.initializer_rules import INITIALIZER_CLASSES
from ...graph.registry import snake_case
from .. import constraints, initializers, regularizers
from ..naming import auto_name
from ..tape import TapeTensor, active_tape
from ..tensor import KerasTensor
from ..variables import Variable, WeightLists, as_tensor
from .public_masks import keras_form, with_eager_mask

_COMMON = ("name", "trainable", "dtype", "input_shape", "input_dim", "batch_size", "batch_input_shape")


class Layer(WeightLists):
    """Base class; `layer_type` names the registry declaration."""

    layer_type = ""
    positional: tuple[str, ...] | None = None  # Keras's positional order when it differs from the registry's

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "compute_mask" in cls.__dict__ and cls.__module__.startswith(__package__):   # built-in layers:
            cls.compute_mask = keras_form(cls.__dict__["compute_mask"])   # Keras's public form too (public_masks.py)

    def __init__(self, *args, **kwargs):
        spec = self.spec
        order = self.positional or spec.param_names
        if len(args) > len(order):
            raise TypeError(f"{type(self).__name__} takes at most {len(order)} positional arguments "
                            f"({', '.join(order)}); received {len(args)}.")
        for key, value in zip(order, args):
            if key in kwargs:
                raise TypeError(f"{type(self).__name__} got multiple values for argument '{key}'.")
            kwargs[key] = value
        # Embedding's own input_dim is a parameter, not Keras 2's input shape shorthand
        common = {k: kwargs.pop(k) for k in _COMMON if k in kwargs and k not in spec.param_names}
        form = spec.keras
        for key, rule in form.all_fixed().items():
            if key in kwargs:
                value = kwargs.pop(key)
                if not rule.accepts(value):
                    raise ValueError(f"VisualNet's {type(self).__name__} supports only {key}="
                                     f"{rule.value!r}. Received: {key}={value!r}")
        for name in spec.param_names:
            for other in form.spellings(name)[1:]:   # Keras 2's names (LeakyReLU's alpha)
                if other in kwargs:
                    if name in kwargs:
                        raise TypeError(f"{type(self).__name__} got both '{name}' and its other name '{other}'.")
                    kwargs[name] = kwargs.pop(other)
        unknown = sorted(set(kwargs) - set(spec.param_names))
        if unknown:
            raise TypeError(f"Unrecognized keyword argument(s) passed to {type(self).__name__}: {unknown}. "
                            f"Known: {', '.join(spec.param_names + _COMMON)}")
        self._initializer_objects: dict[str, Any] = {}
        params = {k: self._plain(k, v) for k, v in kwargs.items()}
        missing = [p.name for p in spec.params if p.required and p.name not in params]
        if missing:
            raise TypeError(f"{type(self).__name__} is missing the required argument '{missing[0]}'.")
        try:
            self.config = spec.normalize(params)
        except ParamError as exc:
            raise ValueError(f"Invalid argument for {type(self).__name__}: {exc}") from None
        self._set_weight_rules()
        self.name = common.get("name") or auto_name(spec.default_name)
        self.trainable = bool(common.get("trainable", True))
        dtype = common.get("dtype")
        if isinstance(dtype, dict):              # Keras's config form: a serialized DTypePolicy
            dtype = (dtype.get("config") or {}).get("name")
        dtype = getattr(dtype, "name", dtype) if not isinstance(dtype, (str, type)) else dtype
        if dtype not in (None, "float32", np.float32):
            raise ValueError(f"VisualNet computes in float32. Received: dtype={dtype!r}")
        self.declared_input_shape = _declared_shape(common)
        self.input_shapes: list[tuple] | None = None
        self.output_shape: tuple | None = None
        self.weight_specs = []
        self.values: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.node_id: str | None = None
        self._buffers: dict[str, np.ndarray] = {}
        self._views: dict[str, np.ndarray] = {}

    # ------------------------------------------------------------------ declaration
    @property
    def spec(self):
        return get_spec(self.layer_type)

    def _plain(self, key: str, value):
        """Functions and initializer objects become the names the registry stores."""
        kind = self.spec.param(key).kind if key in self.spec.param_names else None
        if kind == "activation" and callable(value):
            return value.__name__
        if kind == "initializer" and value is not None and not isinstance(value, (str, dict)):
            if type(value).__name__ in INITIALIZER_CLASSES and hasattr(value, "get_config"):
                return {"class_name": type(value).__name__, "config": value.get_config()}   # Keras's object
            self._initializer_objects[key] = value
            return snake_case(type(value).__name__)
        if kind in ("regularizer", "constraint") and value is not None and not isinstance(value, (str, dict)):
            module = regularizers if kind == "regularizer" else constraints
            try:
                return module.serialize(module.get(value))
            except ValueError as exc:
                raise ValueError(f"Invalid argument for {type(self).__name__}: '{key}': {exc}") from None
        return value

    # ------------------------------------------------------------------ regularizers, constraints
    def _set_weight_rules(self) -> None:
        """The engine objects of the declared regularizers and constraints (Keras's
        `kernel_regularizer`, ...): `_rules[(kind, weight)]`, and the output's
        `activity_regularizer`, which `forward` applies (`_bind_activity`)."""
        self._rules = {}
        self._activity = None
        for p in self.spec.params:
            value = self.config.get(p.name)
            if value is None or p.kind not in ("regularizer", "constraint"):
                continue
            obj = (regularizers if p.kind == "regularizer" else constraints).deserialize(value)
            if p.weight is None:
                self._activity = obj
            else:
                self._rules[(p.kind, p.weight)] = obj
        if self._activity is not None and self.spec.keras.wrapper is not None:
            if self.layer_type == "Bidirectional":   # Keras applies it to each direction's output apart
                raise ValueError("VisualNet's Bidirectional does not support an activity_regularizer on the layer "
                                 "it wraps. Received: activity_regularizer="
                                 f"{self.config['activity_regularizer']}")
            self._activity = None   # TimeDistributed: its wrapped layer applies it, as in Keras
        if self._activity is not None:
            self._bind_activity()

    def weight_rule(self, kind: str, weight: str):
        """The regularizer or constraint (`kind`) declared for weight `weight` (a wrapper's
        'forward_lstm/kernel' is its layer's 'kernel'), or None."""
        rules = getattr(self, "_rules", None)
        if not rules:
            return None
        return rules.get((kind, weight.rsplit("/", 1)[-1]))

    @property
    def losses(self) -> list[float]:
        """Keras's `layer.losses`: the activity penalty of its last call (if it has one and
        was called), then the penalty of each regularized trainable weight."""
        out = [self.added_loss] if self.adds_loss and "_activity_grad" in self.__dict__ else []
        if self.trainable:
            for w in self.weight_specs:
                reg = self.weight_rule("regularizer", w.name) if w.trainable else None
                if reg is not None:
                    out.append(reg(self.values[w.name]))
        return out

    def _bind_activity(self) -> None:
        """Keras's activity_regularizer: `forward` sets `added_loss` to the penalty on the
        output divided by the batch size (Keras 3 divides it), `backward` adds its gradient
        to dy. Bound on the instance (and again on each replica), so layers without one run
        their own methods untouched."""
        reg, cls = self._activity, type(self)

        def forward(inputs, training, **kwargs):
            y = cls.forward(self, inputs, training, **kwargs)
            rows = y.shape[0] if y.ndim and y.shape[0] else 1
            self.added_loss = reg(y) / rows
            self._activity_grad = reg.gradient(y) / np.float32(rows)
            return y

        def backward(dy, need_dx=True, skip_activation=False, **kwargs):
            if skip_activation:  # the steps never fuse this layer's activation with the loss
                raise RuntimeError(f"Layer '{self.name}': its activity penalty needs the gradient of its output.")
            return cls.backward(self, dy + self._activity_grad.astype(dy.dtype), need_dx, skip_activation,
                                **{k: v for k, v in kwargs.items() if k != "dy_scratch"})

        self.forward, self.backward = forward, backward
        self.adds_loss = True

    def get_config(self) -> dict[str, Any]:
        """JSON-safe config whose keys are the constructor's arguments (plus name, trainable)."""
        cfg = {k: self.spec.param(k).to_json(v) for k, v in self.config.items()}
        return {"name": self.name, "trainable": self.trainable, **cfg}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Layer":
        config = {k: tuple(v) if isinstance(v, list) else v for k, v in config.items()}
        return cls(**config)

    # ------------------------------------------------------------------ weights
    def build(self, input_shapes: list[tuple]) -> None:
        """Check the input shapes (a list of them, or one shape as Keras's `build((None, 784))`)
        and create the weights (idempotent for equal shapes)."""
        if len(input_shapes) and not isinstance(input_shapes[0], (list, tuple)):
            input_shapes = [input_shapes]
        input_shapes = [tuple(s) for s in input_shapes]
        if self.input_shapes is not None:   # equal shapes, or more specific where built with None (Keras's too)
            if len(input_shapes) != len(self.input_shapes) or any(
                    len(s) != len(b) or any(d is not None and d != k for d, k in zip(b[1:], s[1:]))
                    for s, b in zip(input_shapes, self.input_shapes)):
                raise ValueError(f"Layer '{self.name}' was built for input shape(s) {self.input_shapes} "
                                 f"and now receives {input_shapes}.")
            return
        try:
            self.output_shape = self.spec.output_shape(self.config, input_shapes)
            self.weight_specs = self.spec.weights(self.config, input_shapes)
        except ShapeError as exc:
            raise ValueError(f"Layer '{self.name}' ({type(self).__name__}): {exc}") from None
        self.input_shapes = input_shapes
        for w in self.weight_specs:
            init = self._initializer_objects.get(w.initializer) or initializers.get(
                self.config.get(w.initializer, w.initializer))  # a parameter name, or a fixed initializer
            value = np.asarray(init(w.shape), dtype=np.float32)
            self.values[w.name] = value
            self.grads[w.name] = np.zeros_like(value)
        self.on_build()

    def on_build(self) -> None:
        """Hook for subclasses that prepare kernels or buffers once shapes are known."""

    def replica(self) -> "Layer":
        """A twin for a parallel prediction thread: the same config and weight arrays (one
        `values` dict, so weights set later reach both), its own buffers and kernels."""
        twin = copy.copy(self)
        twin._buffers, twin._views = {}, {}
        twin.__dict__.pop("_tape_twins", None)  # its calls inside custom layers (tape.pass_twin)
        if getattr(self, "_activity", None) is not None:
            twin._bind_activity()
        if self.built:
            twin.on_build()
        return twin

    shares_with: "Layer | None" = None  # a call twin's layer (see `call_twin`)

    def call_twin(self) -> "Layer":
        """This layer at a further call in one model (a shared layer): the same weights
        (one `values` dict), its own buffers and weight gradients, which the executor adds
        to this layer's after each backward pass."""
        twin = self.replica()
        twin.grads = {k: np.zeros_like(v) for k, v in self.grads.items()}
        twin.shares_with = self
        return twin

    @property
    def built(self) -> bool:
        return self.input_shapes is not None

    def get_weights(self) -> list[np.ndarray]:
        return [self.values[w.name].copy() for w in self.weight_specs]

    def set_weights(self, weights: list) -> None:
        if len(weights) != len(self.weight_specs):
            raise ValueError(f"Layer '{self.name}' expects {len(self.weight_specs)} weights "
                             f"({', '.join(w.name for w in self.weight_specs) or 'none'}); received {len(weights)}.")
        for w, value in zip(self.weight_specs, weights):
            value = np.asarray(value)
            if value.shape != w.shape:
                raise ValueError(f"Layer '{self.name}' weight '{w.name}' has shape {w.shape}; "
                                 f"received an array of shape {value.shape}.")
        for w, value in zip(self.weight_specs, weights):
            self.values[w.name][...] = value

    @property
    def weights(self) -> list[Variable]:
        return [Variable(self, w.name, w) for w in self.weight_specs]

    def count_params(self) -> int:
        if not self.built:
            raise ValueError(f"Layer '{self.name}' is not built yet, so its weights do not exist. "
                             "Call it on an input or build the model first.")
        return sum(math.prod(w.shape) for w in self.weight_specs)

    def __getattr__(self, item):
        """Keras's attributes, live: each weight (`kernel`, `bias`, ... as a Variable) and each
        declared parameter (`units`, `kernel_size`, `rate`; `activation` as the function)."""
        d = self.__dict__
        if "weight_specs" in d:
            for w in d["weight_specs"]:
                if w.name == item:
                    return Variable(self, item, w)
        config = d.get("config")
        if config is not None and item in config:
            value = config[item]
            kind = self.spec.param(item).kind
            if kind == "activation":
                from .. import activations
                return getattr(activations, value or "linear")
            if kind in ("regularizer", "constraint"):   # the object, as Keras's attribute is
                return (regularizers if kind == "regularizer" else constraints).get(value)
            return value
        if item in ("input", "output"):  # the property raised: say why
            self._first_call(item)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{item}'")

    @property
    def dtype(self) -> str:
        return "float32"

    @property
    def input(self) -> KerasTensor:
        """The tensor this layer was first called on (Keras's `layer.input`)."""
        inputs = self._first_call("input").inputs
        return inputs[0] if len(inputs) == 1 else list(inputs)

    @property
    def output(self) -> KerasTensor:
        """The tensor this layer's first call made (Keras's `layer.output`; a list for several)."""
        return self._first_call("output")

    @property
    def output_count(self) -> int:
        """How many outputs `forward` returns (more than one: a list; LSTM with return_state)."""
        return self.spec.outputs(self.config)

    @property
    def output_shapes(self) -> list:
        """The shape of each output (the first is `output_shape`)."""
        return self.spec.output_shapes(self.config, self.input_shapes)

    def _first_call(self, what: str) -> KerasTensor:
        t = self.__dict__.get("_keras_output")
        if t is None:
            raise AttributeError(f"Layer '{self.name}' has never been called and thus has no defined {what}.")
        return t

    def _record_call(self, output: KerasTensor) -> KerasTensor:
        if self.__dict__.get("_keras_output") is None:
            self._keras_output = output
        return output

    # ------------------------------------------------------------------ calling
    def __call__(self, inputs, training: bool = False):
        """Symbolic call (functional API) on KerasTensors, or eager call on arrays."""
        many = isinstance(inputs, (list, tuple))
        items = list(inputs) if many else [inputs]
        if all(isinstance(t, KerasTensor) for t in items):
            try:
                self.spec.check_input_count(len(items))
                shapes = self.spec.output_shapes(self.config, [t.shape for t in items])
            except ShapeError as exc:
                raise ValueError(f"Layer '{self.name}' ({type(self).__name__}): {exc}") from None
            if len(shapes) > 1:   # several outputs (return_state): a list of tensors, as Keras's
                call: list = []
                call += [KerasTensor(s, self, items, port=i, call=call) for i, s in enumerate(shapes)]
                return self._record_call(call)
            return self._record_call(KerasTensor(shapes[0], self, items))
        if any(isinstance(t, TapeTensor) for t in items) or active_tape() is not None:
            from ..tape_calls import call_on_tape  # inside a custom layer's call: recorded on the tape
            return call_on_tape(self, items, training)
        arrays = [np.asarray(a, dtype=np.float32) for a in items]
        if self._without_batch(arrays):   # Keras's layers take one sample without its batch axis
            return as_tensor(np.asarray(self([a[None] for a in arrays] if many else arrays[0][None], training))[0])
        self.build([(None, *a.shape[1:]) for a in arrays])
        masks = [getattr(a, "_keras_mask", None) for a in items]   # Keras's eager masks (public_masks.py)
        if self.takes_mask and masks[0] is not None:
            y = self.forward(arrays, bool(training), mask=masks if getattr(self, "takes_all_masks", False)
                             else np.asarray(masks[0], bool))
        else:
            y = self.forward(arrays, bool(training))
        if isinstance(y, list):   # several outputs
            return [as_tensor(a.copy()) for a in y]
        out = as_tensor(y.copy() if any(y is a for a in arrays) or self._owns(y) else y)
        return with_eager_mask(self, out, arrays, masks)

    def _without_batch(self, arrays: list) -> bool:
        """Whether eager inputs of rank 1 are one sample (`Embedding(...)(positions)`): the
        declaration refuses them as a batch but takes them with a batch axis added."""
        if not arrays or any(np.ndim(a) != 1 for a in arrays):
            return False
        if self.built:
            return [tuple(s[1:]) for s in self.input_shapes] == [np.shape(a) for a in arrays]
        try:
            self.spec.output_shape(self.config, [(None, *np.shape(a)[1:]) for a in arrays])
            return False
        except ShapeError:
            try:
                self.spec.output_shape(self.config, [(None, *np.shape(a)) for a in arrays])
                return True
            except ShapeError:
                return False

    # ------------------------------------------------------------------ buffers
    def _buffer(self, name: str, shape: tuple, dtype) -> np.ndarray:
        """A C-contiguous array of `shape` kept by this layer and reused by the next call
        with the same name: its storage only grows, so a smaller last batch reuses it and
        training allocates nothing per batch. Its contents live until the next call."""
        view = self._views.get(name)
        if view is not None and view.shape == shape and view.dtype == dtype:
            return view
        size = 1
        for d in shape:
            size *= d
        buf = self._buffers.get(name)
        if buf is None or buf.size < size or buf.dtype != dtype:
            buf = self._buffers[name] = np.empty(size, dtype)
        view = self._views[name] = buf[:size].reshape(shape)
        return view

    def _owns(self, a: np.ndarray) -> bool:
        base = a.base if a.base is not None else a
        return any(base is b for b in self._buffers.values())

    # ------------------------------------------------------------------ maths
    output_activation: str | None = None  # final activation the loss may fuse with

    def forward(self, inputs: list[np.ndarray], training: bool) -> np.ndarray:
        raise NotImplementedError(type(self).__name__ + ".forward")

    def backward(self, dy: np.ndarray, need_dx: bool = True, skip_activation: bool = False) -> list:
        """Gradients of the inputs (None when `need_dx` is False); weight gradients go to
        `self.grads`. With `skip_activation`, `dy` is already the gradient before the
        layer's final activation (fused with the loss)."""
        raise NotImplementedError(type(self).__name__ + ".backward")

    # Masks (Keras's): a (batch, steps) boolean array per tensor, or None. A layer that
    # `supports_masking` passes its first input's mask on (`compute_mask`); one that does not
    # drops it, as Keras does. A layer that `takes_mask` is called `forward(inputs, training,
    # mask=...)` with its first input's mask whenever the model makes masks.
    supports_masking = False
    takes_mask = False

    def compute_mask(self, inputs: list[np.ndarray], masks: list) -> np.ndarray | None:
        """The output's mask, from the inputs and their masks (called after `forward`)."""
        return masks[0] if self.supports_masking else None

    compute_mask = keras_form(compute_mask, base=True)   # `compute_mask(x, mask)` returns mask, as Keras's

    @property
    def makes_mask(self) -> bool:
        """Whether this layer creates a mask from its input (Embedding's mask_zero, Masking)."""
        return False

    # Whether `backward` also takes `dy_scratch=True`, which the executor passes when
    # nothing else reads dy: the layer may then write over it.
    overwrites_dy = False

    # Whether `forward` sets `added_loss`, a penalty the training step adds to the loss (Keras's
    # `layer.losses`: an activity_regularizer's, ActivityRegularization's); `backward` then
    # adds its gradient.
    adds_loss = False
    added_loss = 0.0

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


def _declared_shape(common: dict) -> tuple | None:
    if common.get("batch_input_shape") is not None:
        return tuple(common["batch_input_shape"])
    if common.get("input_shape") is not None:
        shape = common["input_shape"]
        return (common.get("batch_size"), *((shape,) if isinstance(shape, int) else shape))
    if common.get("input_dim") is not None:
        return (common.get("batch_size"), int(common["input_dim"]))
    return None
