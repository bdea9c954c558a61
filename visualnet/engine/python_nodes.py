"""User layers as graph nodes: a traced model's graph holds a `PythonNode` per call of a
user layer (custom_layer.py), in the Python API only; the registry's shape inference,
validation and serialization never see one (`refuse_python_nodes` says so, naming them)."""

from __future__ import annotations

from ..graph import LayerSpec, topological_order
from ..graph.model import Node, new_id
from .custom_layer import engine_build, is_python_layer


class PythonNode(Node):
    """A graph node holding a live user layer (Python API only)."""

    layer = None

    @property
    def spec(self) -> LayerSpec:
        return self.layer.spec


def python_node(graph, layer, name: str) -> Node:
    """Add a node for a user layer to a traced graph."""
    if graph.node_by_name(name) is not None:
        raise ValueError(f"Two layers of the model are named '{name}'; layer names must be unique.")
    node = PythonNode(new_id(), layer.__dict__.get("_kind") or type(layer).__name__, name, {})
    node.layer = layer
    graph.nodes[node.id] = node
    return node


def graph_input_shapes(graph, layers: dict) -> dict:
    """{node id: its input shapes} of a traced graph with user layers, building each layer
    in topological order (the registry's shape inference knows only declared types)."""
    shapes = {}
    for nid in topological_order(graph):
        shapes[nid] = [layers[p].output_shape for p in graph.inputs_of(nid)]
        engine_build(layers[nid], shapes[nid])
    return shapes


def weight_holders(layers: list) -> list:
    """The layers whose weights a model's parameter store holds, in Keras's order: a user
    layer stands for itself and every layer it holds."""
    out, seen = [], set()
    for layer in layers:
        for holder in (layer._weight_holders() if is_python_layer(layer) else [layer]):
            if id(holder) not in seen:
                seen.add(id(holder))
                out.append(holder)
    return out


def python_layers(graph) -> list:
    """The user layers among a graph's nodes."""
    return [n.layer for n in graph.nodes.values() if isinstance(n, PythonNode)]


def refuse_python_nodes(graph, what: str) -> None:
    """A clear error when a graph with user layers would leave the Python API."""
    names = [f"'{n.name}' ({n.type})" for n in graph.nodes.values() if isinstance(n, PythonNode)]
    if names:
        raise ValueError(f"{what} cannot hold custom layers written in Python: {', '.join(names)}. "
                         "They exist in the Python API only; save the model with model.save('....keras').")
