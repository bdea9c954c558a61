"""The functional `Model`: a graph of engine layers with Keras's API.

A model IS a model description plus layers: `Model(inputs, outputs)` traces the
functional API into a `Graph`, `Model.from_graph(graph)` builds layers from one, and
`to_graph()` gives the description back, so code and canvas are two views of one model.
Files are not the engine's: `visualnet.models` adds `save`/`load_weights` on top.
"""

from __future__ import annotations

import numpy as np

from ..graph import Graph, from_dict, infer_shapes, keras_order, to_dict, validate
from . import training
from .executor import Executor
from .freezing import TrainableState, trainable_key
from .model_batch_api import BatchAPI
from .layers import InputLayer, layer_class
from .naming import auto_name
from .parameters import ParameterStore
from .summary import summary_text
from .tensor import KerasTensor


class Model(TrainableState, BatchAPI):
    """A functional model: `Model(inputs, outputs, name=None)`."""

    _default_name = "functional"

    def __init__(self, inputs=None, outputs=None, name: str | None = None, **kwargs):
        if kwargs:
            raise TypeError(f"Unrecognized keyword argument(s) passed to Model: {sorted(kwargs)}")
        self._reset(name)
        if inputs is None or outputs is None:
            raise TypeError("Model(inputs, outputs) needs both: VisualNet builds models from the functional "
                            "API or Sequential; subclassing Model with a custom call() is not supported.")
        graph, layers, in_ids, out_id = _trace(inputs, outputs)
        self._install(graph, layers, in_ids, out_id)

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
        model._install(graph, layers, [n.id for n in graph.input_nodes()], graph.output_nodes()[0].id)
        return model

    def to_graph(self) -> Graph:
        """A copy of the model description (canvas positions included)."""
        return from_dict(to_dict(self._graph))

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

    def _install(self, graph: Graph, layers: dict, input_ids: list[str], output_id: str) -> None:
        self._graph = graph
        self._layers_by_id = layers
        self._input_ids, self._output_id = input_ids, output_id
        for nid, layer in layers.items():
            layer.node_id = nid
        info = infer_shapes(graph)
        for nid in keras_order(graph, [output_id]):
            layer = layers[nid]
            layer.build(info[nid].input_shapes)
        self._order = keras_order(graph, [output_id])
        self._store = ParameterStore([layers[n] for n in self._order], self.trainable)
        self._store_key = trainable_key(self)
        self._executor = Executor(graph, layers, input_ids, output_id)
        self._executor.plan_gradients(self.trainable)
        self.built = True
        if self.compiled is not None:
            self.compiled.reset_optimizer()

    # ------------------------------------------------------------------ structure
    @property
    def layers(self) -> list:
        return [self._layers_by_id[n] for n in self._order]

    @property
    def inputs(self) -> list[KerasTensor]:
        return [KerasTensor(self._layers_by_id[n].output_shape, self._layers_by_id[n], []) for n in self._input_ids]

    @property
    def input_shape(self):
        shapes = [self._layers_by_id[n].output_shape for n in self._input_ids]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        return self._layers_by_id[self._output_id].output_shape

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
        (print_fn or print)(summary_text(self, line_length=line_length))

    def _require_built(self, what: str) -> None:
        if not self.built:
            raise ValueError(f"Model '{self.name}' has not been built yet, so '{what}' has no weights to use. "
                             "Give the first layer an input_shape, add an Input, or call build(input_shape) "
                             "or fit() first.")

    # ------------------------------------------------------------------ running
    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        return training.predict(self, x, batch_size=batch_size, verbose=verbose, callbacks=callbacks)

    def __call__(self, x, training: bool = False):
        return self.predict(x, batch_size=len(x) if hasattr(x, "__len__") else None, verbose=0)

    def compile(self, optimizer="rmsprop", loss=None, metrics=None, **kwargs):
        training.compile_model(self, optimizer, loss, metrics, **kwargs)

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1):
        return training.fit(self, x, y, batch_size=batch_size, epochs=epochs, verbose=verbose,
                            callbacks=callbacks, validation_split=validation_split,
                            validation_data=validation_data, shuffle=shuffle, class_weight=class_weight,
                            sample_weight=sample_weight, initial_epoch=initial_epoch,
                            steps_per_epoch=steps_per_epoch, validation_batch_size=validation_batch_size,
                            validation_freq=validation_freq)

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
                 callbacks=None, return_dict=False):
        return training.evaluate(self, x, y, batch_size=batch_size, verbose=verbose,
                                 sample_weight=sample_weight, callbacks=callbacks, return_dict=return_dict)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def _trace(inputs, outputs):
    """Turn the functional API's symbolic tensors into a Graph and its layers."""
    inputs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    if isinstance(outputs, (list, tuple)):
        if len(outputs) != 1:
            raise ValueError(f"VisualNet models have one output; received {len(outputs)} outputs.")
        outputs = outputs[0]
    for t in inputs + [outputs]:
        if not isinstance(t, KerasTensor):
            raise TypeError(f"Model inputs and outputs must be tensors from the functional API "
                            f"(e.g. layers.Input(...)); received {t!r}.")
    for t in inputs:
        if not isinstance(t.layer, InputLayer):
            raise ValueError(f"Model inputs must come from layers.Input(); '{t.name}' is the output of a "
                             f"{type(t.layer).__name__} layer.")
    _check_single_use(outputs)
    graph, layers, node_of = Graph(), {}, {}

    def visit(t: KerasTensor):
        layer = t.layer
        if id(layer) in node_of:
            return
        for parent in t.inputs:
            visit(parent)
        if isinstance(layer, InputLayer) and all(layer is not i.layer for i in inputs):
            raise ValueError(f"Graph disconnected: the output depends on input '{layer.name}', which is not "
                             "among the inputs passed to Model(inputs=...).")
        if graph.node_by_name(layer.name) is not None:
            raise ValueError(f"Two layers of the model are named '{layer.name}'; layer names must be unique.")
        node = graph.add_node(layer.layer_type, layer.config, name=layer.name)
        node_of[id(layer)] = node.id
        layers[node.id] = layer
        for parent in t.inputs:
            graph.connect(node_of[id(parent.layer)], node.id)

    for t in inputs:
        visit(t)
    visit(outputs)
    return graph, layers, [node_of[id(t.layer)] for t in inputs], node_of[id(outputs.layer)]


def _check_single_use(t: KerasTensor) -> None:
    stack, seen, visited = [t], {}, set()
    while stack:
        t = stack.pop()
        if id(t) in visited:
            continue
        visited.add(id(t))
        other = seen.setdefault(id(t.layer), t)
        if other is not t:
            raise ValueError(f"Layer '{t.layer.name}' is called more than once; VisualNet does not support "
                             "shared layers. Create a separate layer for each call.")
        stack.extend(t.inputs)
