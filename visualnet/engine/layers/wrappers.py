"""Bidirectional and TimeDistributed: engine layers running the engine layers they wrap.

The wrapped layers are built from the wrapper's parameters (`graph/layer_types/wrappers.py`)
and read and write the wrapper's weight arrays, bound again before every pass (the model
moves all weights into one buffer after building).
"""

from __future__ import annotations

import numpy as np

from ...graph.layer_types.wrappers import (TIME_DISTRIBUTED, bidirectional_inner, direction_prefixes,
                                           time_distributed_inner, time_distributed_value)
from ...graph.registry import snake_case
from .base import Layer
from .conv import Conv1D, Conv2D
from .core import Dense, Dropout, Flatten
from .normalization import BatchNormalization
from .pooling import (AveragePooling1D, AveragePooling2D, GlobalAveragePooling1D, GlobalAveragePooling2D,
                      GlobalMaxPooling1D, GlobalMaxPooling2D, MaxPooling1D, MaxPooling2D)
from .recurrent import GRU, LSTM, SimpleRNN

_RNNS = {cls.layer_type: cls for cls in (SimpleRNN, LSTM, GRU)}
_STEP_LAYERS = {cls.layer_type: cls for cls in (
    Dense, Conv1D, Conv2D, MaxPooling1D, MaxPooling2D, AveragePooling1D, AveragePooling2D, GlobalAveragePooling1D,
    GlobalMaxPooling1D, GlobalAveragePooling2D, GlobalMaxPooling2D, Flatten, Dropout, BatchNormalization)}
assert set(_STEP_LAYERS) == set(TIME_DISTRIBUTED)


def _flat_kwargs(layer_type: str, args: tuple, kwargs: dict) -> dict:
    """Keras's `Wrapper(layer, ...)`: the wrapped engine layer's parameters become the
    wrapper's (which `from_config` and the canvas give directly, without `layer`)."""
    layer = args[0] if args else kwargs.pop("layer", None)
    if layer_type == "TimeDistributed":
        kwargs = {k: time_distributed_value(k, v) for k, v in kwargs.items()}
    if len(args) > 1:
        raise TypeError(f"{layer_type} takes the wrapped layer as its only positional argument; "
                        f"received {len(args)}.")
    if layer is None:
        return kwargs
    if not isinstance(layer, Layer):
        raise TypeError(f"{layer_type} wraps a layer; received layer={layer!r}.")
    name, params = layer.layer_type, dict(layer.config)
    if layer_type == "Bidirectional":
        if params.pop("go_backwards", False):
            raise ValueError(f"VisualNet's Bidirectional wraps layers with go_backwards=False; {name} has True.")
        params.pop("zero_output_for_mask", None)
        return {"wrapped": name, **params, **kwargs}
    if name not in TIME_DISTRIBUTED:
        raise ValueError(f"VisualNet's TimeDistributed wraps {', '.join(TIME_DISTRIBUTED)}; received a {name}.")
    return {"wrapped": name, **params, **kwargs}


class _Wrapper(Layer):
    """`wrapped` (set by `on_build`): (weight-name prefix, engine layer) of each wrapped layer."""

    wrapped: list

    def __init__(self, *args, **kwargs):
        super().__init__(**_flat_kwargs(self.layer_type, args, kwargs))

    def build(self, input_shapes):
        fresh = not self.built
        super().build(input_shapes)
        if fresh:  # the wrapped layers' own initial values (LSTM's forget-gate bias of 1)
            for prefix, layer in self.wrapped:
                for w in layer.weight_specs:
                    self.values[prefix + w.name][...] = layer.values[w.name]

    def _bind(self) -> None:
        for prefix, layer in self.wrapped:
            for w in layer.weight_specs:
                layer.values[w.name] = self.values[prefix + w.name]
                layer.grads[w.name] = self.grads[prefix + w.name]


class TimeDistributed(_Wrapper):
    """The wrapped layer on every step with the same weights. It runs once on (batch *
    timesteps, ...) when each step's result depends on that step alone; BatchNormalization
    in training runs step by step as Keras's does (each step's own batch moments, the
    moving averages updated once per step, the step's mask given to it). The mask passes on."""

    layer_type = "TimeDistributed"
    supports_masking = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Keras gives each step's mask to a wrapped layer whose call takes one: of these, BatchNormalization
        self.takes_mask = self.config["wrapped"] == "BatchNormalization"

    def on_build(self):
        name, params = time_distributed_inner(self.config)
        if params.get("activity_regularizer") is not None:  # Keras calls the wrapped layer's `call`: never applied
            params["activity_regularizer"] = None
        self.inner = _STEP_LAYERS[name](**params, name=f"{self.name}_{snake_case(name)}")
        self.inner.build([(None, *self.input_shapes[0][2:])])
        self.wrapped = [("", self.inner)]

    @property
    def output_activation(self):
        return getattr(self.inner, "output_activation", None)

    def _stepwise(self, training) -> bool:
        return isinstance(self.inner, BatchNormalization) and bool(training) and self.inner.trainable

    def forward(self, inputs, training, mask=None):
        x = inputs[0]
        self._bind()
        self._steps = None
        if self._stepwise(training):
            return self._forward_steps(x, training, mask)
        y = self.inner.forward([x.reshape(-1, *x.shape[2:])], training)
        return y.reshape(*x.shape[:2], *y.shape[1:])

    def _forward_steps(self, x, training, mask):
        """One call per step; each step's saved state (what backward reads) kept in turn."""
        ys, self._steps = [], []
        for t in range(x.shape[1]):
            step_mask = None if mask is None else mask[:, t]
            ys.append(self.inner.forward([np.ascontiguousarray(x[:, t])], training, mask=step_mask))
            self._steps.append({k: v for k, v in vars(self.inner).items() if k.startswith("_") and k not in _KEEP})
        return np.stack(ys, axis=1)

    def backward(self, dy, need_dx=True, skip_activation=False):
        self._bind()
        if self._steps is not None:
            return self._backward_steps(dy, need_dx)
        (dx,) = self.inner.backward(np.ascontiguousarray(dy).reshape(-1, *dy.shape[2:]), need_dx, skip_activation)
        return [None if dx is None else dx.reshape(*dy.shape[:2], *dx.shape[1:])]

    def _backward_steps(self, dy, need_dx):
        total = {k: np.zeros_like(g) for k, g in self.grads.items()}
        dxs = []
        for t, state in enumerate(self._steps):
            vars(self.inner).update(state)
            (dx,) = self.inner.backward(np.ascontiguousarray(dy[:, t]), need_dx)
            dxs.append(dx)
            for k in total:
                total[k] += self.grads[k]
        for k, g in total.items():
            self.grads[k][...] = g
        return [np.stack(dxs, axis=1) if need_dx else None]


# the wrapped layer's attributes that are not per-step state
_KEEP = ("_initializer_objects", "_buffers", "_views")


class Bidirectional(_Wrapper):
    """Keras's: the forward layer and a go_backwards copy read the same input (and mask);
    with return_sequences the backward outputs are put back in step order and, as Keras
    forces, both output zeros at masked steps; the outputs merge by merge_mode (None: both
    are outputs). With return_state the forward layer's final states, then the backward
    layer's, follow the output(s). Keras's `initial_state` (inputs after the sequence): the
    first half to the forward layer, the second half to the backward layer."""

    layer_type = "Bidirectional"
    supports_masking = True
    takes_mask = True

    def __call__(self, inputs, initial_state=None, training=False, mask=None):
        """Keras's call: `initial_state` (a list: the forward layer's states, then the backward
        layer's) becomes the inputs after the sequence."""
        if initial_state is not None:
            states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
            wanted = 2 * _RNNS[self.config["wrapped"]].states
            if len(states) != wanted:
                raise ValueError(f"Layer '{self.name}' (Bidirectional({self.config['wrapped']})) takes {wanted} "
                                 f"initial state tensors (the forward layer's, then the backward layer's); "
                                 f"received initial_state with {len(states)}.")
            items = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
            inputs = [*items, *states]
        return super().__call__(inputs, training)

    def on_build(self):
        self.wrapped = []
        for prefix, backward in zip(direction_prefixes(self.config), (False, True)):
            name, params = bidirectional_inner(self.config, backward)
            layer = _RNNS[name](**params, name=prefix.rstrip("/"))
            layer.build(self.input_shapes[:1])
            self.wrapped.append((prefix, layer))

    def compute_mask(self, inputs, masks):
        return masks[0] if self.config["return_sequences"] else None

    def forward(self, inputs, training, mask=None):
        self._bind()
        (_, fwd), (_, bwd) = self.wrapped
        x, given = inputs[0], inputs[1:]
        half = len(given) // 2
        self._given_states = half
        y = fwd.forward([x, *given[:half]], training, mask=mask)
        y_rev = bwd.forward([x, *given[half:]], training, mask=mask)
        states = []
        if self.config["return_state"]:
            (y, *states_f), (y_rev, *states_b) = y, y_rev
            states = [*states_f, *states_b]
        if self.config["return_sequences"]:
            y_rev = y_rev[:, ::-1]
        self._y, self._y_rev = y, y_rev
        mode = self.config["merge_mode"]
        if mode is None:
            return [y, np.ascontiguousarray(y_rev), *states]
        if mode == "concat":
            out = np.concatenate([y, y_rev], axis=-1)
        elif mode == "sum":
            out = y + y_rev
        elif mode == "ave":
            out = (y + y_rev) / y.dtype.type(2)
        else:
            out = y * y_rev
        return [out, *states] if states else out

    def backward(self, dy, need_dx=True, skip_activation=False):
        self._bind()
        (_, fwd), (_, bwd) = self.wrapped
        mode = self.config["merge_mode"]
        dys = list(dy) if isinstance(dy, (list, tuple)) else [dy]
        dys += [None] * (self.output_count - len(dys))
        merged = 2 if mode is None else 1
        k = (len(dys) - merged) // 2
        states_f, states_b = dys[merged:merged + k], dys[merged + k:]
        if mode is None:
            dy_f, dy_b = (np.zeros_like(y) if d is None else d for d, y in zip(dys[:2], (self._y, self._y_rev)))
        else:
            d = dys[0] if dys[0] is not None else np.zeros(
                self._y.shape[:-1] + (self._y.shape[-1] * (2 if mode == "concat" else 1),), self._y.dtype)
            if mode == "concat":
                u = d.shape[-1] // 2
                dy_f, dy_b = d[..., :u], d[..., u:]
            elif mode == "sum":
                dy_f = dy_b = d
            elif mode == "ave":
                dy_f = dy_b = d / d.dtype.type(2)
            else:
                dy_f, dy_b = d * self._y_rev, d * self._y
        if self.config["return_sequences"]:
            dy_b = dy_b[:, ::-1]
        dy_f, dy_b = np.ascontiguousarray(dy_f), np.ascontiguousarray(dy_b)
        dx, *d_states_f = fwd.backward([dy_f, *states_f] if k else dy_f, need_dx)
        dx_b, *d_states_b = bwd.backward([dy_b, *states_b] if k else dy_b, need_dx)
        if not need_dx:
            return [None] * (1 + 2 * self._given_states)
        return [dx + dx_b, *d_states_f, *d_states_b]
