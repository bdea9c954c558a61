"""Keras's `layers.RNN(cell)` (issue 23): one class name, three ways to run.

- A built-in cell (SimpleRNNCell, LSTMCell, GRUCell): the RNN *is* that cell's recurrent
  layer (SimpleRNN, LSTM, GRU: the same maths, compiled kernels, masks and initial states),
  shown as 'RNN', its weights under Keras's paths ('rnn/lstm_cell/kernel'). In a model it is
  that layer's graph node: project files, Keras files and code export write the equivalent
  LSTM (GRU, SimpleRNN) layer, which real Keras computes the same way.
- Stacked built-in cells (`RNN([cell, cell])`, `RNN(StackedRNNCells(...))`): one such layer
  per cell, chained (every one but the last returns its sequences); their final states
  follow the output in the cells' order, as Keras's. In a model they are consecutive nodes.
- A cell written in Python (a `Layer` with `state_size` and `call(inputs, states)`): a
  user layer whose `call` loops over the steps on the engine's tape (custom_layer.py), so it
  trains as any user layer; masked steps keep the output and states, as Keras's.
"""

from __future__ import annotations

import numpy as np

from . import tensor_ops as ops
from .custom_layer import Layer as PythonLayer, is_python_layer
from .layer_tracking import call_takes
from .layers.recurrent import GRU, LSTM, SimpleRNN
from .naming import auto_name
from .rnn_cells import (CELL_CLASSES, CellVariable, StackedRNNCells, cell_entry, deserialize_cell, is_builtin_cell,
                        state_count)
from .tape import as_array
from .variables import WeightLists

_CELL_DEFAULTS = {"return_sequences": False, "return_state": False, "go_backwards": False, "stateful": False,
                  "unroll": False, "zero_output_for_mask": False}


def _rnn_args(kwargs: dict) -> dict:
    """Keras's RNN arguments, checked: stateful=True is refused, unroll accepted (no effect)."""
    args = {k: kwargs.pop(k, v) for k, v in _CELL_DEFAULTS.items()}
    if args.pop("stateful"):
        raise ValueError("VisualNet's RNN does not support stateful=True (states carried from one batch to the "
                         "next); pass the states explicitly with initial_state and return_state=True instead.")
    args.pop("unroll")   # an implementation choice in Keras: the numbers are the same
    kwargs.pop("time_major", None)
    return args


class _RNNMeta(type):
    """`isinstance(layer, layers.RNN)` holds for every form RNN(...) makes."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, (_CellRNN, StackedRNN, UserCellRNN)) or super().__instancecheck__(obj)


class RNN(metaclass=_RNNMeta):
    """Keras's `RNN(cell, return_sequences=False, return_state=False, go_backwards=False,
    stateful=False, unroll=False, zero_output_for_mask=False)`: `cell` is a cell, a list of
    cells (stacked) or a StackedRNNCells."""

    def __new__(cls, cell=None, *args, **kwargs):
        if cell is None:
            cell = kwargs.pop("cell", None)
        names = tuple(_CELL_DEFAULTS)
        if len(args) > len(names):
            raise TypeError(f"RNN takes at most {len(names) + 1} positional arguments; received {len(args) + 1}.")
        for key, value in zip(names, args):
            kwargs[key] = value
        if isinstance(cell, dict):   # a serialized cell (a config)
            cell = deserialize_cell(cell)
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        args = _rnn_args(kwargs)
        if is_builtin_cell(cell):
            return _CELL_RNN[type(cell).__name__](cell, **args, **kwargs)
        if isinstance(cell, StackedRNNCells):
            python = [c for c in cell.cells if not is_builtin_cell(c)]
            if not python:
                return StackedRNN(cell, **args, **kwargs)
            if len(python) == len(cell.cells):
                return UserCellRNN(cell, **args, **kwargs)
            raise ValueError(f"VisualNet's RNN stacks built-in cells, or cells written in Python, not both; "
                             f"{python[0]!r} is written in Python. Make the built-in ones RNN layers of their own.")
        if is_python_layer(cell):
            return UserCellRNN(cell, **args, **kwargs)
        raise ValueError(f"RNN needs a cell: SimpleRNNCell, LSTMCell, GRUCell, a list of them, StackedRNNCells, "
                         f"or a Layer with `state_size` and `call(inputs, states)`. Received: cell={cell!r}")

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None):
        config = dict(config)
        cell = deserialize_cell(config.pop("cell", None), custom_objects)
        config.pop("dtype", None)
        return RNN(cell, **config)


def _keras_config(layer, cell) -> dict:
    """Keras's RNN config: its own arguments and the cell's, nested."""
    return {"name": layer.name, "trainable": layer.trainable,
            **{k: layer.__dict__.get("_rnn_args", {}).get(k, v) for k, v in _CELL_DEFAULTS.items()},
            "cell": cell_entry(cell)}


class _CellRNN:
    """RNN(cell) over a built-in cell: mixed into the cell's recurrent layer (see the module)."""

    def __init__(self, cell, name=None, trainable=True, _path=None, **kwargs):
        args = {k: kwargs.pop(k) for k in list(kwargs) if k in _CELL_DEFAULTS}
        super().__init__(**cell.config, **args, name=name or auto_name("rnn"), trainable=trainable, **kwargs)
        self._rnn_args = args
        self.cell = cell
        self._cell_weights = cell._layer if cell.built else None   # a cell built before keeps its weights
        cell._bind(self, _path or f"{self.name}/{cell.name}")

    def build(self, input_shapes):
        fresh = not self.built
        super().build(input_shapes)
        start = self.__dict__.pop("_cell_weights", None)
        if fresh and start is not None:
            for key, value in start.values.items():
                if key in self.values and self.values[key].shape == value.shape:
                    self.values[key][...] = value

    @property
    def weights(self) -> list:
        return [CellVariable(self, w.name, w, self.cell._path) for w in self.weight_specs]

    @property
    def state_size(self):
        return self.cell.state_size

    # a stacked RNN's later cells read the first one's outputs, which go_backwards left in
    # reverse step order: their mask (passed on in step order) is reversed to match
    _reversed_steps = False

    def forward(self, inputs, training, mask=None):
        if mask is not None and self._reversed_steps:
            mask = np.ascontiguousarray(mask[:, ::-1])
        return super().forward(inputs, training, mask=mask)

    def get_config(self) -> dict:
        return _keras_config(self, self.cell)

    @classmethod
    def from_config(cls, config: dict):
        return RNN.from_config(config)


def _cell_rnn_class(base: type) -> type:
    cls = type("RNN", (_CellRNN, base), {"__doc__": f"RNN over a {base.__name__}Cell: the {base.__name__} layer's "
                                                    "maths and kernels, Keras's RNN interface.",
                                         "__module__": __name__})
    return cls


_CELL_RNN = {f"{base.__name__}Cell": _cell_rnn_class(base) for base in (SimpleRNN, LSTM, GRU)}
assert set(_CELL_RNN) == set(CELL_CLASSES)


def _flat(states) -> list:
    """Initial states given flat or, as Keras returns them, a list per cell."""
    if not isinstance(states, (list, tuple)):
        return [states]
    return [s for item in states for s in _flat(item)]


class StackedRNN(WeightLists):
    """RNN over stacked built-in cells: one RNN per cell, run one after the other."""

    def __init__(self, cell: StackedRNNCells, return_sequences=False, return_state=False, go_backwards=False,
                 zero_output_for_mask=False, name=None, trainable=True, **kwargs):
        self.name = name or auto_name("rnn")
        self.cell = cell
        self._rnn_args = {"return_sequences": return_sequences, "return_state": return_state,
                          "go_backwards": go_backwards, "zero_output_for_mask": zero_output_for_mask}
        last = len(cell.cells) - 1
        self.layers = []
        for i, c in enumerate(cell.cells):
            self.layers.append(_CELL_RNN[type(c).__name__](
                c, return_sequences=return_sequences if i == last else True, return_state=return_state,
                go_backwards=go_backwards and i == 0, zero_output_for_mask=zero_output_for_mask and i == last,
                name=self.name if i == last else f"{self.name}_{c.name}", trainable=trainable,
                _path=f"{self.name}/{cell.name}/{c.name}", **kwargs))
            self.layers[-1]._reversed_steps = go_backwards and i > 0

    @property
    def chained_layers(self) -> list:
        """The layers that stand for it in a model (Sequential adds them in turn)."""
        return list(self.layers)

    @property
    def trainable(self) -> bool:
        return all(layer.trainable for layer in self.layers)

    @trainable.setter
    def trainable(self, value) -> None:
        for layer in self.layers:
            layer.trainable = value

    @property
    def built(self) -> bool:
        return all(layer.built for layer in self.layers)

    @property
    def state_size(self) -> list:
        return self.cell.state_size

    def __call__(self, inputs, initial_state=None, training=False, mask=None):
        """Each cell's RNN on the one before's sequences; with return_state, every cell's final
        states after the output (a list for a cell of several, as Keras). `initial_state`:
        every cell's states, in order (flat or a list per cell)."""
        given = None
        if initial_state is not None:
            given = _flat(initial_state)
            if len(given) != len(self.state_size):
                raise ValueError(f"RNN '{self.name}' takes {len(self.state_size)} initial state tensor(s) (its cells' "
                                 f"states, in order); received initial_state with {len(given)}.")
        x, states, start = inputs, [], 0
        for layer in self.layers:
            k = state_count(layer.cell)
            part = None if given is None else given[start:start + k]
            start += k
            out = layer(x, initial_state=part, training=training)
            if self._rnn_args["return_state"]:   # as Keras: a cell of several states gives a list
                x, *new = out
                states += [new] if len(new) > 1 else new
            else:
                x = out
        return [x, *states] if self._rnn_args["return_state"] else x

    @property
    def weights(self) -> list:
        return [w for layer in self.layers for w in layer.weights]

    def get_weights(self) -> list:
        return [w.numpy() for w in self.weights]

    def set_weights(self, weights) -> None:
        weights = list(weights)
        total = sum(len(layer.weight_specs) for layer in self.layers)
        if len(weights) != total:
            raise ValueError(f"RNN '{self.name}' expects {total} weights; received {len(weights)}.")
        for layer in self.layers:
            k = len(layer.weight_specs)
            layer.set_weights(weights[:k])
            weights = weights[k:]

    def count_params(self) -> int:
        return sum(layer.count_params() for layer in self.layers)

    def get_config(self) -> dict:
        return _keras_config(self, self.cell)

    @classmethod
    def from_config(cls, config: dict):
        return RNN.from_config(config)

    def __repr__(self):
        return f"<RNN name={self.name}, cells={len(self.layers)}>"


class UserCellRNN(PythonLayer):
    """RNN over a cell written in Python: the cell's `call(x_t, states)` at every step, on the
    tape. Masked steps keep the previous output (zeros with zero_output_for_mask) and states.
    Saved as Keras's RNN (module keras.layers) with the cell's config nested; loading takes
    the cell's class from custom_objects."""

    keras_module = "keras.layers"

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 zero_output_for_mask=False, **kwargs):
        super().__init__(name=kwargs.pop("name", None) or auto_name("rnn"), **kwargs)
        what = f"RNN over cell '{getattr(cell, 'name', cell)}' ({type(cell).__name__})"
        if not hasattr(cell, "state_size"):
            raise ValueError(f"{what}: the cell has no `state_size` (the size of each state, e.g. "
                             "self.state_size = units in its __init__).")
        if type(cell).call is PythonLayer.call:
            raise ValueError(f"{what}: the cell has no `call(inputs, states)`.")
        if return_state:
            raise ValueError(f"{what}: return_state=True is not supported for cells written in Python "
                             "(VisualNet's models take custom layers with one output).")
        self.cell = cell
        self._rnn_args = {"return_sequences": bool(return_sequences), "return_state": False,
                          "go_backwards": bool(go_backwards), "zero_output_for_mask": bool(zero_output_for_mask)}
        self.supports_masking = bool(return_sequences)

    def _sizes(self) -> list[int]:
        size = self.cell.state_size
        sizes = list(size) if isinstance(size, (list, tuple)) else [size]
        for s in sizes:
            if not isinstance(s, (int, np.integer)):
                raise ValueError(f"RNN '{self.name}': cell '{self.cell.name}' has state_size {size!r}; VisualNet "
                                 "takes integers (one per state).")
        return [int(s) for s in sizes]

    def build(self, input_shape):
        shape = tuple(input_shape)
        if len(shape) != 3 or shape[-1] is None:
            raise ValueError(f"RNN '{self.name}' needs (batch, timesteps, features) with known features; received "
                             f"input shape {shape}.")
        cell = self.cell
        if not cell.built:
            cell.build((None, shape[-1]))
            cell.__dict__["_built"] = True
        if cell.input_shapes is None:
            cell.input_shapes = [(None, shape[-1])]
        self._sizes()

    def __call__(self, inputs, *args, initial_state=None, **kwargs):
        if initial_state is not None:
            raise ValueError(f"RNN '{self.name}': initial_state is not supported for cells written in Python "
                             f"(cell '{self.cell.name}'); they start from zeros or the cell's get_initial_state.")
        return super().__call__(inputs, *args, **kwargs)

    def _initial_states(self, n: int) -> list:
        """The cell's `get_initial_state(batch_size)` when it has one, else zeros (Keras's)."""
        own = getattr(self.cell, "get_initial_state", None)
        if own is not None:
            states = own(batch_size=n)
            return list(states) if isinstance(states, (list, tuple)) else [states]
        return [ops.zeros((n, s)) for s in self._sizes()]

    def call(self, inputs, mask=None, training=None):
        x = inputs
        n, steps = np.shape(as_array(x))[:2]
        states = self._initial_states(n)
        keep = None if mask is None else np.asarray(as_array(mask), bool)
        order = range(steps - 1, -1, -1) if self._rnn_args["go_backwards"] else range(steps)
        kwargs = {"training": bool(training)} if call_takes(type(self.cell), "training") else {}
        zero = self._rnn_args["zero_output_for_mask"]
        outputs, prev = [], None
        for t in order:
            out, new = self.cell.call(x[:, t], list(states), **kwargs)
            new = list(new) if isinstance(new, (list, tuple)) else [new]
            if len(new) != len(states):
                raise ValueError(f"RNN '{self.name}': cell '{self.cell.name}' returned {len(new)} state(s); its "
                                 f"state_size declares {len(states)}.")
            if keep is not None:   # a masked step keeps the states and the output (or outputs zeros)
                k = keep[:, t:t + 1]
                out = ops.where(k, out, ops.zeros_like(out) if zero or prev is None else prev)
                new = [ops.where(k, s_new, s_old) for s_new, s_old in zip(new, states)]
            states, prev = new, out
            outputs.append(out)
        if self._rnn_args["return_sequences"]:
            return ops.stack(outputs, axis=1)
        return outputs[-1]

    def get_config(self) -> dict:
        return _keras_config(self, self.cell)

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None):
        return RNN.from_config(config, custom_objects)


UserCellRNN.__name__ = UserCellRNN.__qualname__ = "RNN"
