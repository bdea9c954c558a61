"""The functional `Model`: a graph of engine layers with Keras's API.

A model IS a model description plus layers: `Model(inputs, outputs)` traces the
functional API into a `Graph`, `Model.from_graph(graph)` builds layers from one, and
`to_graph()` gives the description back, so code and canvas are two views of one model.
Files are not the engine's: `visualnet.models` adds `save`/`load_weights` on top.
"""

from __future__ import annotations

import numpy as np

from ..graph import Graph, from_dict, infer_shapes, to_dict, validate
from . import training
from .custom_layer import engine_build
from .executor import Executor
from .freezing import TrainableState, trainable_key
from .model_batch_api import BatchAPI
from .model_outputs import call_eager
from .model_steps import StepMethods, compile_without_loss, is_step_subclass, overridden
from .model_structure import flatten_io, output_names, output_shapes, output_values, pack_outputs, user_structure
from .layers import layer_class
from .naming import auto_name
from .nesting import call_symbolic
from .parameters import ParameterStore
from .python_nodes import graph_input_shapes, python_layers, refuse_python_nodes, weight_holders
from .symbolic_ops import is_op_layer
from .subclassed import (AutoConfig, build_subclassed, init_subclassed, is_subclassed,
                         summary_text as subclassed_summary, track)
from .summary import summary_text
from .tape import active_tape
from .tape_calls import call_model_on_tape
from .tensor import KerasTensor
from .tracing import layer_order, missing_tensors, trace


class Model(TrainableState, BatchAPI, StepMethods, AutoConfig):
    """A functional model: `Model(inputs, outputs, name=None)`."""

    _default_name = "functional"

    def __init__(self, inputs=None, outputs=None, name: str | None = None, **kwargs):
        if inputs is None and outputs is None and is_step_subclass(self):
            init_subclassed(self, name, kwargs)  # a subclass with its own call() (subclassed.py)
            return
        if kwargs:
            raise TypeError(f"Unrecognized keyword argument(s) passed to Model: {sorted(kwargs)}")
        self._reset(name)
        if inputs is None or outputs is None:
            raise TypeError("Model(inputs, outputs) needs both, or subclass Model and write call(inputs).")
        inputs, outputs, self._input_keys, self._output_keys = flatten_io(inputs, outputs)  # dicts (model_structure.py)
        self._install_trace(trace(inputs, outputs))

    def __setattr__(self, name, value):
        if not name.startswith("_") and self.__dict__.get("_tracked") is not None:
            track(self, name, value)  # a subclassed model's layers, as Keras tracks them
        object.__setattr__(self, name, value)

    def build(self, input_shape=None) -> None:
        """Keras's `build(input_shape)`: a subclassed model traces its call; a functional
        model is built already."""
        if is_subclassed(self):
            if input_shape is None:
                raise ValueError(f"Model '{self.name}'.build needs an input_shape, e.g. build((None, 784)).")
            build_subclassed(self, input_shape)

    def _build_from_data(self, x) -> None:
        if is_subclassed(self) and not self.built:
            build_subclassed(self, (None, *x.shape[1:]))

    def _reset(self, name: str | None) -> None:
        self.name = name or auto_name(self._default_name)
        self.stop_training = False
        self.history = None
        self.compiled = None  # compiled.Compiled after compile()
        self.built = False
        self._trainable = True  # the model's own flag (freezing.py)

    # ------------------------------------------------------------------ graph <-> model
    @classmethod
    def from_graph(cls, graph: Graph, name: str | None = None) -> "Model":
        """A model of this class (fresh weights) from a valid model description; its node
        ids are the description's."""
        problems = [p for p in validate(graph) if p.severity == "error"]
        if problems:
            listing = "\n".join(f"  - {p.message}" for p in problems)
            raise ValueError(f"The model description has {len(problems)} problem(s):\n{listing}")
        graph = from_dict(to_dict(graph))
        layers = {}
        for node in graph.nodes.values():
            layers[node.id] = layer_class(node.type)(name=node.name, **node.params)
        model = cls.__new__(cls)
        model._reset(name)
        model._install(graph, layers, [n.id for n in graph.input_nodes()], [n.id for n in graph.output_nodes()])
        return model

    def to_graph(self) -> Graph:
        """A copy of the model description (canvas positions included)."""
        refuse_python_nodes(self._graph, f"Model '{self.name}' has no model description for a project or the "
                                         "canvas: they")
        return from_dict(to_dict(self._graph))

    @property
    def traced_graph(self) -> Graph:
        """The model's own graph, read only (unlike `to_graph()`, also with custom layers'
        nodes, which exist in the Python API only)."""
        return self._graph

    @property
    def layers_by_node_id(self) -> dict:
        """{node id: layer} (a new dict; the layers are the model's own)."""
        return dict(self._layers_by_id)

    @property
    def input_node_ids(self) -> list[str]:
        return list(self._input_ids)

    @property
    def output_node_id(self) -> str:
        return self._output_id

    @property
    def output_node_ids(self) -> list[str]:
        return list(self._output_ids)

    def _install_trace(self, t) -> None:
        self._install(t.graph, t.layers, t.input_ids, t.output_ids, t.owners, t.tensors, t.output_ports)

    def _install(self, graph: Graph, layers: dict, input_ids: list[str], output_ids: list[str], owners=None,
                 tensors=None, output_ports=None) -> None:
        """Build the layers of a traced graph; `owners` maps the nodes of nested models to
        them, `tensors` are the model's (inputs, outputs) (made when not given),
        `output_ports` which output of its node each model output is (default 0 each)."""
        self._graph = graph
        self._layers_by_id = layers
        self._input_ids, self._output_ids, self._output_id = input_ids, list(output_ids), output_ids[0]
        self._output_ports = list(output_ports or [0] * len(output_ids))
        self._owners = dict(owners or {})
        for nid, layer in layers.items():
            layer.node_id = nid
        if python_layers(graph):  # user layers: shapes from the layers themselves, not the registry
            shapes = graph_input_shapes(graph, layers)
        else:
            shapes = {nid: item.input_shapes for nid, item in infer_shapes(graph).items()}
        self._order = layer_order(graph, layers, self._output_ids, self._owners)
        for nid in [*self._order, *layers]:  # Keras's order; then shared layers' further calls (checked)
            engine_build(layers[nid], shapes[nid])
        if tensors is None:
            missing_tensors(graph, layers, self._order)
            tensors = ([layers[n].output for n in input_ids], output_values(self, lambda layer: layer.output))
        self._tensors = tensors
        self._store = ParameterStore(weight_holders([layers[n] for n in self._order]), self.trainable)
        self._store_key = trainable_key(self)
        self._executor = Executor(graph, layers, input_ids, self._output_id, self._output_ids[1:], self._output_ports)
        self._executor.plan_gradients(self.trainable)
        self.built = True
        if self.compiled is not None:
            self.compiled.reset_optimizer()

    # ------------------------------------------------------------------ structure
    @property
    def layers(self) -> list:
        """The model's layers in Keras's order, a nested model as one layer (a subclassed
        model's: the layers its attributes hold). As in Keras 3, the ops applied to symbolic
        tensors (`x * 2`, `ops.concatenate`) are no layers: `operations` lists them too."""
        if is_subclassed(self):
            return list(self._tracked)
        return [item for item in self.operations if not is_op_layer(item)]

    @property
    def operations(self) -> list:
        """Keras's `model.operations`: the layers and the ops on symbolic tensors, in order
        (what `summary()` and the config list)."""
        if is_subclassed(self):
            return list(self._tracked)
        out = []
        for n in self._order:
            item = self._owners.get(n) or self._layers_by_id[n]
            if all(item is not o for o in out):
                out.append(item)
        return out

    def _flat_layers(self) -> list:
        """Every layer, those of nested models included, in weight order."""
        return [self._layers_by_id[n] for n in self._order]

    @property
    def inputs(self) -> list[KerasTensor]:
        self._require_built("inputs")
        return list(self._tensors[0])

    @property
    def outputs(self) -> list[KerasTensor]:
        self._require_built("outputs")
        return list(self._tensors[1])

    @property
    def input(self):
        """The input tensor (a list for several inputs), as Keras's `model.input`."""
        return user_structure(self, _single(self.inputs), "_input_keys")

    @property
    def output(self):
        return user_structure(self, _single(self.outputs), "_output_keys")

    @property
    def output_names(self) -> list[str]:
        """Keras's `output_names`: each output's layer name (a dict output's key)."""
        return output_names(self)

    @property
    def input_shape(self):
        shapes = [self._layers_by_id[n].output_shape for n in self._input_ids]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        shapes = output_shapes(self)
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def weights(self) -> list[np.ndarray]:
        return self._store.arrays()

    def get_weights(self) -> list[np.ndarray]:
        """Copies of every weight, in exactly Keras's order and shapes."""
        self._require_built("get_weights")
        return [a.copy() for a in self._store.arrays()]

    def set_weights(self, weights: list) -> None:
        self._require_built("set_weights")
        arrays = self._store.arrays()
        if len(weights) != len(arrays):
            raise ValueError(f"Model '{self.name}' has {len(arrays)} weights; set_weights received {len(weights)}.")
        for (layer, w, _), value in zip(self._store.entries, weights):
            if np.shape(value) != w.shape:
                raise ValueError(f"Weight '{w.name}' of layer '{layer.name}' has shape {w.shape}; "
                                 f"received shape {np.shape(value)}.")
        for target, value in zip(arrays, weights):
            target[...] = value

    def state_dict(self) -> dict[str, dict[str, np.ndarray]]:
        """Copies of the weights: {node id: {weight name: array}}, for the layers that have
        weights."""
        self._require_built("state_dict")
        return {nid: {w.name: layer.values[w.name].copy() for w in layer.weight_specs}
                for nid, layer in self._layers_by_id.items() if layer.weight_specs}

    def load_state_dict(self, state: dict, strict: bool = True) -> None:
        """Copy `state` (as `state_dict()` gives) into the weights. Every name and shape is
        checked before anything changes; with `strict=False`, missing and unexpected node
        ids or weight names are skipped (a wrong shape is still an error)."""
        self._require_built("load_state_dict")
        problems, updates = [], []
        for nid, arrays in state.items():
            layer = self._layers_by_id.get(nid)
            if layer is None:
                problems.append(f"node '{nid}' is not in the model")
                continue
            specs = {w.name: w for w in layer.weight_specs}
            for name, value in arrays.items():
                if name not in specs:
                    problems.append(f"layer '{layer.name}' (node '{nid}') has no weight '{name}'")
                elif np.shape(value) != specs[name].shape:
                    raise ValueError(f"Weight '{name}' of layer '{layer.name}' (node '{nid}') has shape "
                                     f"{specs[name].shape}; the state holds shape {np.shape(value)}.")
                else:
                    updates.append((layer.values[name], value))
        for nid, layer in self._layers_by_id.items():
            missing = [w.name for w in layer.weight_specs if w.name not in state.get(nid, {})]
            if missing:
                problems.append(f"layer '{layer.name}' (node '{nid}') is missing {', '.join(missing)}")
        if strict and problems:
            raise ValueError(f"The state does not fit model '{self.name}': " + "; ".join(problems) +
                             ". Pass strict=False to load only what fits.")
        for target, value in updates:
            target[...] = value

    def count_params(self) -> int:
        self._require_built("count_params")
        return self._store.trainable.size + self._store.non_trainable.size

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Print Keras's table: layer (type), output shape, params (and connections for
        functional models)."""
        self._require_built("summary")
        text = subclassed_summary(self, line_length) if is_subclassed(self) else summary_text(self, line_length)
        (print_fn or print)(text)

    def _require_built(self, what: str) -> None:
        if not self.built:
            raise ValueError(f"Model '{self.name}' has not been built yet, so '{what}' has no weights to use. "
                             "Give the first layer an input_shape, add an Input, or call build(input_shape) "
                             "or fit() first.")

    # ------------------------------------------------------------------ running
    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        return pack_outputs(self, training.predict(self, x, batch_size=batch_size, verbose=verbose, steps=steps,
                                                   callbacks=callbacks))

    def __call__(self, x, training=None, mask=None):
        """On KerasTensors, the model as a layer of another model (nesting.py); on arrays, one
        forward pass whose result offers `.numpy()` (Dropout active with `training=True`;
        augmentation layers unless `training=False`, as in Keras)."""
        many = isinstance(x, (list, tuple))
        items = x if many else [x]
        if all(isinstance(t, KerasTensor) for t in items):
            return call_symbolic(self, x)
        if active_tape() is not None:  # inside a custom layer's or subclassed model's call
            return call_model_on_tape(self, x, training)
        return call_eager(self, x, training)

    def compile(self, optimizer="rmsprop", loss=None, metrics=None, **kwargs):
        if loss is None and overridden(self, "train_step"):   # its train_step computes the loss (model_steps.py)
            return compile_without_loss(self, optimizer, metrics, **kwargs)
        training.compile_model(self, optimizer, loss, metrics, **kwargs)

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1):
        return training.fit(self, x, y, batch_size=batch_size, epochs=epochs, verbose=verbose,
                            callbacks=callbacks, validation_split=validation_split,
                            validation_data=validation_data, shuffle=shuffle, class_weight=class_weight,
                            sample_weight=sample_weight, initial_epoch=initial_epoch,
                            steps_per_epoch=steps_per_epoch, validation_steps=validation_steps,
                            validation_batch_size=validation_batch_size, validation_freq=validation_freq)

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
                 callbacks=None, return_dict=False):
        return training.evaluate(self, x, y, batch_size=batch_size, verbose=verbose,
                                 sample_weight=sample_weight, steps=steps, callbacks=callbacks,
                                 return_dict=return_dict)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"



def _single(tensors: list):
    return tensors[0] if len(tensors) == 1 else tensors
