"""Keras's recurrent cells: SimpleRNNCell, LSTMCell, GRUCell and StackedRNNCells (issue 23).

A built-in cell is the one-step maths of SimpleRNN, LSTM or GRU: it holds that layer's
parameters (validated by the layer's declaration, with Keras 3's arguments and defaults)
and, once built, a recurrent engine layer that owns its weights. `layers.RNN(cell)` runs
the whole sequence on that layer (rnn_layer.py), so the numbers and the compiled kernels
are the recurrent layers' own. Called alone on `(x_t, states)` a cell runs one step
eagerly and returns `(output, new_states)`, as in Keras.
"""

from __future__ import annotations

import numpy as np

from ..graph.registry import snake_case
from .custom_layer import Layer as PythonLayer
from .layer_tracking import call_takes
from .layers.base import Layer as EngineLayer
from .layers.recurrent import GRU, LSTM, SimpleRNN
from .naming import auto_name
from .tape import active_tape, is_tracked
from .variables import Variable, WeightLists, as_tensor

# the RNN layer's own arguments, which a cell does not take
RNN_ARGS = ("return_sequences", "return_state", "go_backwards", "zero_output_for_mask")


class CellVariable(Variable):
    """A cell's weight under Keras's path: 'rnn/lstm_cell/kernel'."""

    def __init__(self, layer, key, spec, prefix: str):
        super().__init__(layer, key, spec)
        self._prefix = prefix

    @property
    def path(self) -> str:
        return f"{self._prefix}/{self._key}"


class _BuiltinCell(WeightLists):
    """What SimpleRNNCell, LSTMCell and GRUCell share; `recurrent` is the layer whose step it is."""

    recurrent: type = EngineLayer

    def __init__(self, units, *args, name=None, trainable=True, dtype=None, seed=None, **kwargs):
        cls = type(self).__name__
        for key in RNN_ARGS:
            if key in kwargs:
                raise TypeError(f"{cls} does not take '{key}' (an argument of the RNN layer that runs it).")
        try:
            probe = self.recurrent(units, *args, dtype=dtype, name="cell", **kwargs)
        except (TypeError, ValueError) as exc:
            raise type(exc)(str(exc).replace(self.recurrent.__name__, cls)) from None
        if probe.config.get("activity_regularizer") is not None:
            raise ValueError(f"{cls} takes no activity_regularizer (Keras's cells have none); set it on a layer "
                             "after the RNN.")
        self.config = {k: v for k, v in probe.config.items() if k not in (*RNN_ARGS, "activity_regularizer")}
        self.name = name or auto_name(snake_case(cls))
        self.trainable = bool(trainable)
        self.seed = seed
        self._layer = None           # the recurrent engine layer holding the weights, once built
        self._path = self.name       # the weights' path prefix (an RNN sets 'rnn/lstm_cell')

    # ------------------------------------------------------------------ Keras's attributes
    @property
    def units(self) -> int:
        return self.config["units"]

    @property
    def state_size(self):
        return [self.units, self.units] if self.recurrent is LSTM else self.units

    @property
    def output_size(self) -> int:
        return self.units

    @property
    def built(self) -> bool:
        return self._layer is not None and self._layer.built

    def get_config(self) -> dict:
        layer = self.recurrent(**self.config, name=self.name)
        cfg = {k: v for k, v in layer.get_config().items()
               if k not in (*RNN_ARGS, "name", "trainable", "activity_regularizer")}
        return {"name": self.name, "trainable": self.trainable, "dtype": "float32", **cfg, "recurrent_dropout": 0.0,
                "seed": self.seed}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**{k: v for k, v in config.items() if k != "dtype"})

    def _bind(self, layer, prefix: str) -> None:
        """Make `layer` (an RNN running this cell) the holder of this cell's weights."""
        self._layer, self._path = layer, prefix

    @property
    def weights(self) -> list:
        if self._layer is None or not self._layer.built:
            return []
        return [CellVariable(self._layer, w.name, w, self._path) for w in self._layer.weight_specs]

    def get_weights(self) -> list:
        return [w.numpy() for w in self.weights]

    def set_weights(self, weights) -> None:
        if self._layer is None or not self._layer.built:
            raise ValueError(f"Cell '{self.name}' is not built yet; call it (or its RNN) on an input first.")
        self._layer.set_weights(weights)

    def __getattr__(self, item):
        """`cell.kernel`, `cell.recurrent_kernel`, `cell.bias` (Variables) and the parameters."""
        d = self.__dict__
        layer = d.get("_layer")
        if layer is not None:
            for w in layer.weight_specs:
                if w.name == item:
                    return CellVariable(layer, item, w, d["_path"])
        config = d.get("config")
        if config is not None and item in config:
            return getattr(self.recurrent(**config, name="cell"), item)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{item}'")

    # ------------------------------------------------------------------ one step, eagerly
    def build(self, input_shape) -> None:
        features = tuple(input_shape)[-1]
        if self._layer is None:
            self._layer = self.recurrent(**self.config, return_state=True, name=self.name)
            self._path = self.name
        if not self._layer.built:
            self._layer.build([(None, None, features)])

    def _step_layer(self, features: int):
        """A one-step twin of the weights' layer (return_state on, the same weight arrays)."""
        self.build((None, features))
        step = self.recurrent(**self.config, return_state=True, name=self.name)
        step.build([(None, 1, features)])
        step.values = self._layer.values
        step.grads = {k: np.zeros_like(v) for k, v in self._layer.values.items()}
        return step

    def __call__(self, inputs, states, training=False):
        """Keras's `cell(x_t, states)`: one step, `(output, new_states)`."""
        if active_tape() is not None or is_tracked(inputs, *(states if isinstance(states, (list, tuple)) else [states])):
            raise ValueError(f"{type(self).__name__} '{self.name}' is called inside a layer's call, where its "
                             "gradient would be lost; run it over the sequence with layers.RNN(cell) instead.")
        x = np.asarray(inputs, np.float32)
        given = list(states) if isinstance(states, (list, tuple)) else [states]
        count = 2 if self.recurrent is LSTM else 1
        if x.ndim != 2 or len(given) != count:
            raise ValueError(f"{type(self).__name__} '{self.name}' takes one step (batch, features) and "
                             f"{count} state(s); received inputs of shape {x.shape} and {len(given)} state(s).")
        step = self._step_layer(x.shape[1])
        out = step.forward([x[:, None, :], *[np.ascontiguousarray(s, np.float32) for s in given]], bool(training))
        h, *new = out
        return as_tensor(np.array(h)), [as_tensor(np.array(s)) for s in new]

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, units={self.units}>"


class SimpleRNNCell(_BuiltinCell):
    """One step of SimpleRNN: h_t = activation(x_t · kernel + h_(t-1) · recurrent_kernel + bias)."""

    recurrent = SimpleRNN


class LSTMCell(_BuiltinCell):
    """One step of LSTM (Keras's gates i, f, c, o); its states are [h, c]."""

    recurrent = LSTM


class GRUCell(_BuiltinCell):
    """One step of GRU (Keras's gates z, r, h; reset_after=True by default)."""

    recurrent = GRU


CELL_CLASSES = {cls.__name__: cls for cls in (SimpleRNNCell, LSTMCell, GRUCell)}


def is_builtin_cell(cell) -> bool:
    return isinstance(cell, _BuiltinCell)


def state_count(cell) -> int:
    """How many state tensors a cell carries (Keras's `state_size`, flattened)."""
    size = cell.state_size
    return len(size) if isinstance(size, (list, tuple)) else 1


class StackedRNNCells(PythonLayer):
    """Keras's StackedRNNCells: cells run one after the other at every step, each reading the
    output of the one before; its states are every cell's, in order. A Layer, as in Keras:
    cells written in Python are its sublayers (their weights at 'cell/cells/<cell>' in files)."""

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        cells = list(cells) if isinstance(cells, (list, tuple)) else None
        if not cells:
            raise ValueError(f"StackedRNNCells takes a non-empty list of cells. Received: cells={cells!r}")
        for cell in cells:
            if not hasattr(cell, "state_size"):
                raise ValueError(f"StackedRNNCells: {cell!r} is not an RNN cell (it has no `state_size`).")
        self.cells = cells

    @property
    def state_size(self) -> list:
        out = []
        for cell in self.cells:
            size = cell.state_size
            out += list(size) if isinstance(size, (list, tuple)) else [size]
        return out

    @property
    def output_size(self):
        return output_size(self.cells[-1])

    def build(self, input_shape):
        """Build each cell written in Python for the output size of the one before."""
        features = tuple(input_shape)[-1]
        for cell in self.cells:
            if not is_builtin_cell(cell) and not cell.built:
                cell.build((None, features))
                cell.__dict__["_built"] = True
            features = output_size(cell)

    def call(self, inputs, states, **kwargs):
        """One step of every cell (on the tape inside an RNN): (the last output, all new states)."""
        x, out, start = inputs, [], 0
        for cell in self.cells:
            k = state_count(cell)
            x, new = cell.call(x, list(states[start:start + k]), **(kwargs if call_takes(type(cell), "training")
                                                                    else {}))
            out += list(new) if isinstance(new, (list, tuple)) else [new]
            start += k
        return x, out

    def get_config(self) -> dict:
        return {"name": self.name, "trainable": self.trainable, "cells": [cell_entry(c) for c in self.cells]}

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None):
        config = dict(config)
        cells = [deserialize_cell(c, custom_objects) for c in config.pop("cells", [])]
        return cls(cells, **{k: v for k, v in config.items() if k in ("name", "trainable")})

    @property
    def weights(self) -> list:
        return [w for cell in self.cells for w in cell.weights]

    def get_weights(self) -> list:
        return [np.array(np.asarray(w), copy=True) for w in self.weights]

    def __call__(self, inputs, states, training=False):
        """Keras's eager `cells(x_t, states)`: one step of every cell, `(the last output,
        every cell's new states)`."""
        given = list(states) if isinstance(states, (list, tuple)) else [states]
        x, out_states, start = inputs, [], 0
        for cell in self.cells:
            k = state_count(cell)
            x, new = cell(x, given[start:start + k], training=training) if is_builtin_cell(cell) else \
                cell(x, given[start:start + k])
            out_states += list(new) if isinstance(new, (list, tuple)) else [new]
            start += k
        return x, out_states


def output_size(cell) -> int:
    """A cell's output size: `output_size`, else its first state's size (as Keras)."""
    size = getattr(cell, "output_size", None)
    if size is None:
        size = cell.state_size
        size = size[0] if isinstance(size, (list, tuple)) else size
    return int(size)


def cell_entry(cell) -> dict:
    """A cell as Keras serializes it: built-in under keras.layers; a user's cell under its
    module and registered name."""
    from .object_registry import get_registered_name

    cls = type(cell)
    builtin = is_builtin_cell(cell) or isinstance(cell, StackedRNNCells)
    return {"module": "keras.layers" if builtin else (None if cls.__module__ == "__main__" else cls.__module__),
            "class_name": cls.__name__, "config": cell.get_config(),
            "registered_name": None if builtin else get_registered_name(cls)}


def deserialize_cell(entry, custom_objects: dict | None = None):
    """A cell from Keras's serialized form ({'class_name', 'config'}): built-in cells and
    StackedRNNCells by name, a user's cell only from `custom_objects`."""
    if not isinstance(entry, dict) or not isinstance(entry.get("class_name"), str):
        raise ValueError(f"An RNN's 'cell' must be a serialized cell ({{'class_name': ..., 'config': ...}}); "
                         f"received {entry!r}.")
    name, config = entry["class_name"], dict(entry.get("config") or {})
    config.pop("dtype", None)
    if name == "StackedRNNCells":
        return StackedRNNCells.from_config(config, custom_objects)
    if name in CELL_CLASSES and name not in (custom_objects or {}):
        return CELL_CLASSES[name].from_config(config)
    cls = (custom_objects or {}).get(name) or (custom_objects or {}).get(str(entry.get("registered_name")))
    if cls is None:
        raise ValueError(f"The RNN's cell is a '{name}', which is not a built-in cell; pass its class in "
                         f"custom_objects={{'{name}': {name}}} to load it.")
    return cls.from_config(config)
