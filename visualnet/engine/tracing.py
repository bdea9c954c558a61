"""The functional API traced into a graph: `Model(inputs, outputs)` walks the symbolic
tensors back from the outputs. A tensor made inside a nested model (`inner(x)`, see
nesting.py) carries that model as its `owner`: its layers join the graph, and the model
stands for them in `model.layers`, `summary()` and the config. A layer called more than
once (shared; a nested model called twice shares all its layers) has a node per call:
the first is the layer, each further one its `call_twin()`, listed in `owners` under the
layer (or the nested model). The outputs of a call with several (an LSTM's `[output, h, c]`
with return_state) share one node; a wire records which output it reads (`Edge.src_port`),
and so does a model output (`Trace.output_ports`: `Model(x, [state_h, state_c])`)."""

from __future__ import annotations

import numpy as np

from ..graph import Graph, keras_order
from ..graph.string_inputs import misuse_message, string_input_misuses
from .custom_layer import engine_build, is_python_layer
from .layers import InputLayer
from .python_nodes import python_node
from .tensor import KerasTensor


class Trace:
    """A traced model: the graph, {node id: layer}, input and output node ids (and which
    output of its node each model output is), the input and output tensors, and {node id:
    nested model} for the layers of nested models ({node id: shared layer} for a shared
    layer's further calls)."""

    def __init__(self, graph, layers, input_ids, output_ids, tensors, owners, output_ports=None):
        self.graph, self.layers = graph, layers
        self.input_ids, self.output_ids = input_ids, output_ids
        self.output_ports = list(output_ports or [0] * len(output_ids))
        self.tensors, self.owners = tensors, owners


def trace(inputs, outputs) -> Trace:
    """Turn the functional API's symbolic tensors into a Graph and its layers."""
    inputs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
    if len(outputs) == 1 and isinstance(outputs[0], list):   # Model(x, lstm(x)) with return_state
        outputs = list(outputs[0])
    if not outputs:
        raise ValueError("Model(inputs, outputs) needs at least one output; received outputs=[].")
    for t in inputs + outputs:
        if not isinstance(t, KerasTensor):
            raise TypeError(f"Model inputs and outputs must be tensors from the functional API "
                            f"(e.g. layers.Input(...)); received {t!r}.")
    for t in inputs:
        if not isinstance(t.layer, InputLayer):
            raise ValueError(f"Model inputs must come from layers.Input(); '{t.name}' is the output of a "
                             f"{type(t.layer).__name__} layer.")
    graph, layers, node_of, owners, calls = Graph(), {}, {}, {}, {}

    def visit(t: KerasTensor):
        if t.call_key in node_of:
            return
        for parent in t.inputs:
            visit(parent)
        layer = t.layer
        if isinstance(layer, InputLayer) and all(layer is not i.layer for i in inputs):
            raise ValueError(f"Graph disconnected: the output depends on input '{layer.name}', which is not "
                             "among the inputs passed to Model(inputs=...).")
        made = calls.setdefault(id(layer), [])  # a tensor of each of its calls so far
        made.append(t)
        first = len(made) == 1
        if first and graph.node_by_name(layer.name) is not None:
            raise ValueError(f"Two layers of the model are named '{layer.name}'; layer names must be unique.")
        name = layer.name if first else f"{layer.name}_call_{len(made) - 1}"
        if is_python_layer(layer):  # a user layer: a node of its own kind (custom_layer.py)
            node = python_node(graph, layer, name)
        else:
            node = graph.add_node(layer.layer_type, layer.config, name=name)
        node_of[t.call_key] = node.id
        if not first:  # a further call: a twin with the same weights, made from the built layer
            engine_build(layer, [p.shape for p in made[0].inputs])
        layers[node.id] = layer if first else layer.call_twin()
        if t.owner is not None or not first:
            owners[node.id] = t.owner or layer
        for parent in t.inputs:
            graph.connect(node_of[parent.call_key], node.id, src_port=parent.port)

    for t in inputs + outputs:
        visit(t)
    misuses = string_input_misuses(graph)   # text feeds only a TextVectorization (graph/string_inputs.py)
    if misuses:
        raise ValueError(misuse_message(*misuses[0]))
    return Trace(graph, layers, [node_of[t.call_key] for t in inputs], [node_of[t.call_key] for t in outputs],
                 (inputs, outputs), owners, [t.port if t.call is not None else 0 for t in outputs])


def layer_order(graph: Graph, layers: dict, output_ids: list[str], owners: dict) -> list[str]:
    """Node ids in Keras's layer (and weight) order: `keras_order`, each nested model's
    layers together, in that model's own order; a shared layer once (its first call)."""
    node_of = {id(layer): nid for nid, layer in layers.items()}
    order, placed = [], set()
    for nid in keras_order(graph, output_ids):
        owner = owners.get(nid)
        if owner is None:
            order.append(nid)
        elif layers[nid].shares_with is not None:  # a shared layer's further call: no weights of its own
            continue
        elif id(owner) not in placed:
            placed.add(id(owner))
            order += [node_of[id(l)] for l in owner._flat_layers() if id(l) in node_of]
    return order


def missing_tensors(graph: Graph, layers: dict, order: list[str]) -> None:
    """Give every layer that was never called its tensor (`layer.output`), as a model built
    from a description has them."""
    made = {}
    for nid in order:
        layer = layers[nid]
        if layer.__dict__.get("_keras_output") is None:
            ins = [made[e.src][e.src_port] if isinstance(made[e.src], list) else made[e.src]
                   for e in graph.in_edges(nid)]
            shapes = layer.output_shapes if getattr(layer, "output_count", 1) > 1 else [layer.output_shape]
            if len(shapes) > 1:
                call: list = []
                call += [KerasTensor(s, layer, ins, port=i, call=call) for i, s in enumerate(shapes)]
                layer._record_call(call)
            else:
                layer._record_call(KerasTensor(shapes[0], layer, ins))
        made[nid] = layer._keras_output


def input_tensor(shape, name: str | None = None, dtype=None) -> KerasTensor:
    """A new Input's tensor (what `layers.Input(shape, name=..., dtype=...)` returns)."""
    return tensor_of_input(InputLayer(shape=tuple(shape), name=name, dtype=_dtype_name(dtype)))


def _dtype_name(dtype) -> str:
    """Input's dtype parameter: 'float32' (None), 'int32' or 'int64' (names or NumPy types);
    another value is left for the declaration to refuse, naming the choices."""
    if dtype is None:
        return "float32"
    try:
        return np.dtype(dtype).name
    except TypeError:
        return str(dtype)


def tensor_of_input(layer: InputLayer) -> KerasTensor:
    """The tensor an InputLayer gives (made at the first request)."""
    if layer.__dict__.get("_keras_output") is None:
        t = KerasTensor(layer.spec.output_shape(layer.config, []), layer, [])
        if layer.config.get("dtype") == "string":
            t.dtype = "string"   # raw text, as Keras's tensor says (a TextVectorization takes it)
        layer._record_call(t)
    return layer.output
