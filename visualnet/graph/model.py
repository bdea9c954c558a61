"""The model description: a graph of layer nodes and the wires between them.

Pure Python. Every edit goes through a method that checks it and then notifies
subscribers with a plain event (`node_added`, `edge_removed`, ...): the canvas redraws
from these events and undo commands call these methods, so the graph is the one
source of truth.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

from .registry import get_spec


class GraphError(ValueError):
    """An edit that would make the graph inconsistent (the message says why)."""


@dataclass
class Node:
    """A layer in the graph. `params` is the full canonical parameter dict."""

    id: str
    type: str
    name: str
    params: dict[str, Any]
    position: tuple[float, float] | None = None

    @property
    def spec(self):
        return get_spec(self.type)


@dataclass(frozen=True)
class Edge:
    """A wire from `src`'s output to input port `dst_port` of `dst`."""

    id: str
    src: str
    dst: str
    dst_port: int = 0
    src_port: int = 0


@dataclass
class Event:
    kind: str  # node_added, node_removed, edge_added, edge_removed, params_changed, node_renamed, node_moved
    node_id: str | None = None
    edge_id: str | None = None
    data: dict = field(default_factory=dict)


def new_id() -> str:
    return uuid.uuid4().hex


class Graph:
    """Nodes and edges of one model, in insertion order."""

    def __init__(self):
        self.nodes: dict[str, Node] = {}
        self.edges: dict[str, Edge] = {}
        self._subscribers: list[Callable[[Event], None]] = []

    # ------------------------------------------------------------- events
    def subscribe(self, callback: Callable[[Event], None]) -> None:
        self._subscribers.append(callback)

    def unsubscribe(self, callback: Callable[[Event], None]) -> None:
        self._subscribers.remove(callback)

    def _emit(self, kind: str, node_id=None, edge_id=None, **data) -> None:
        event = Event(kind, node_id, edge_id, data)
        for callback in list(self._subscribers):
            callback(event)

    # ------------------------------------------------------------- nodes
    def add_node(self, layer_type: str, params: dict | None = None, name: str | None = None,
                 position: tuple[float, float] | None = None, node_id: str | None = None,
                 strict: bool = True) -> Node:
        """Add a layer. Parameters are checked against the registry (ParamError names the bad
        one); with `strict=False` (loading a file) bad values are kept for validation to report."""
        spec = get_spec(layer_type)
        node_id = node_id or new_id()
        if node_id in self.nodes:
            raise GraphError(f"A node with id {node_id} already exists.")
        if name is None:
            name = self.unique_name(spec.default_name)
        elif self.node_by_name(name) is not None:
            raise GraphError(f"The name '{name}' is already used by another layer; names must be unique.")
        params = spec.normalize(params) if strict else {**spec.defaults(), **(params or {})}
        node = Node(node_id, spec.type, name, params, _position(position))
        self.nodes[node_id] = node
        self._emit("node_added", node_id)
        return node

    def remove_node(self, node_id: str) -> list[Edge]:
        """Remove a node and its wires; returns the removed wires (for undo)."""
        self._node(node_id)
        removed = [e for e in self.edges.values() if node_id in (e.src, e.dst)]
        for edge in removed:
            self.disconnect(edge.id)
        del self.nodes[node_id]
        self._emit("node_removed", node_id)
        return removed

    def set_params(self, node_id: str, strict: bool = True, **changes) -> dict[str, Any]:
        """Change some parameters of a node; returns their previous values (for undo).
        `strict=False` lets undo restore a bad value that came from a file."""
        node = self._node(node_id)
        new = node.spec.normalize({**node.params, **changes}) if strict else {**node.params, **changes}
        old = {k: node.params[k] for k in changes}
        node.params = new
        self._emit("params_changed", node_id, old=old)
        return old

    def rename(self, node_id: str, name: str) -> str:
        node = self._node(node_id)
        if not name or not name.strip():
            raise GraphError("A layer name cannot be empty.")
        other = self.node_by_name(name)
        if other is not None and other.id != node_id:
            raise GraphError(f"The name '{name}' is already used by another layer; names must be unique.")
        old, node.name = node.name, name
        self._emit("node_renamed", node_id, old=old)
        return old

    def move_node(self, node_id: str, position: tuple[float, float] | None) -> None:
        node = self._node(node_id)
        old, node.position = node.position, _position(position)
        self._emit("node_moved", node_id, old=old)

    def node_by_name(self, name: str) -> Node | None:
        return next((n for n in self.nodes.values() if n.name == name), None)

    def unique_name(self, stem: str) -> str:
        """Keras-style unique name: 'dense', then 'dense_1', 'dense_2', ..."""
        taken = {n.name for n in self.nodes.values()}
        if stem not in taken:
            return stem
        i = 1
        while f"{stem}_{i}" in taken:
            i += 1
        return f"{stem}_{i}"

    # ------------------------------------------------------------- edges
    def connect(self, src: str, dst: str, dst_port: int | None = None, edge_id: str | None = None,
                allow_cycle: bool = False, src_port: int = 0) -> Edge:
        """Wire output `src_port` of `src` into `dst`. Refuses (GraphError with the reason) a wire that
        would make a cycle, duplicate a wire, or exceed the inputs `dst` accepts. Loading a
        file passes `allow_cycle` so that a cycle in it is shown on its nodes, not lost
        (and an output port the node lacks, which validation reports)."""
        self.check_connect(src, dst, dst_port, allow_cycle, src_port)
        if dst_port is None:
            dst_port = self.free_port(dst)
        edge = Edge(edge_id or new_id(), src, dst, dst_port, src_port)
        if edge.id in self.edges:
            raise GraphError(f"A wire with id {edge.id} already exists.")
        self.edges[edge.id] = edge
        self._emit("edge_added", edge_id=edge.id)
        return edge

    def check_connect(self, src: str, dst: str, dst_port: int | None = None, allow_cycle: bool = False,
                      src_port: int = 0) -> None:
        """Raise GraphError saying why `src -> dst` cannot be wired; return None if it can."""
        s, d = self._node(src), self._node(dst)
        spec = d.spec
        if src == dst:
            raise GraphError(f"'{s.name}' cannot be wired to itself.")
        if not isinstance(src_port, int) or src_port < 0:
            raise GraphError(f"'{s.name}' has no output port {src_port!r}.")
        if not allow_cycle and src_port >= _output_count(s):
            raise GraphError(f"'{s.name}' has no output port {src_port}: it has {_output_count(s)} output(s).")
        if spec.max_inputs == 0:
            raise GraphError(f"'{d.name}' is an Input layer: it has no input port.")
        if not allow_cycle and self.reaches(dst, src):
            raise GraphError(
                f"Wiring '{s.name}' into '{d.name}' would make a cycle: '{d.name}' already feeds '{s.name}'.")
        # a layer taking separate named inputs may take one tensor twice (self-attention: query and value)
        if not spec.keras.call_inputs and any(e.src == src and e.dst == dst and e.src_port == src_port
                                              for e in self.edges.values()):
            raise GraphError(f"'{s.name}' is already wired to '{d.name}'.")
        used = self.in_edges(dst)
        if spec.max_inputs is not None and len(used) >= spec.max_inputs and dst_port is None:
            raise GraphError(
                f"'{d.name}' ({spec.type}) takes {spec.max_inputs} input{'s' if spec.max_inputs > 1 else ''} "
                "and it is already wired. Remove its wire first, or use a merging layer (Add, Concatenate).")
        if dst_port is not None:
            if dst_port < 0 or (spec.max_inputs is not None and dst_port >= spec.max_inputs):
                raise GraphError(f"'{d.name}' has no input port {dst_port}.")
            if any(e.dst_port == dst_port for e in used):
                raise GraphError(f"Input port {dst_port} of '{d.name}' is already wired.")

    def disconnect(self, edge_id: str) -> Edge:
        if edge_id not in self.edges:
            raise GraphError(f"No wire with id {edge_id}.")
        edge = self.edges.pop(edge_id)
        self._emit("edge_removed", edge_id=edge_id, edge=edge)
        return edge

    def free_port(self, node_id: str) -> int:
        used = {e.dst_port for e in self.in_edges(node_id)}
        port = 0
        while port in used:
            port += 1
        return port

    def in_edges(self, node_id: str) -> list[Edge]:
        """Wires into `node_id`, ordered by input port."""
        return sorted((e for e in self.edges.values() if e.dst == node_id), key=lambda e: e.dst_port)

    def out_edges(self, node_id: str) -> list[Edge]:
        return [e for e in self.edges.values() if e.src == node_id]

    def inputs_of(self, node_id: str) -> list[str]:
        """Ids of the nodes feeding `node_id`, in port order."""
        return [e.src for e in self.in_edges(node_id)]

    def reaches(self, start: str, goal: str) -> bool:
        """True if a path of wires leads from `start` to `goal`."""
        stack, seen = [start], set()
        while stack:
            n = stack.pop()
            if n == goal:
                return True
            if n not in seen:
                seen.add(n)
                stack.extend(e.dst for e in self.edges.values() if e.src == n)
        return False

    # ------------------------------------------------------------- structure
    def input_nodes(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.type == "Input"]

    def output_nodes(self) -> list[Node]:
        """Nodes whose output feeds nothing (the model's outputs), Inputs excluded."""
        used = {e.src for e in self.edges.values()}
        return [n for n in self.nodes.values() if n.id not in used and n.type != "Input"]

    def _node(self, node_id: str) -> Node:
        try:
            return self.nodes[node_id]
        except KeyError:
            raise GraphError(f"No node with id {node_id}.") from None

    def __repr__(self):
        return f"<Graph {len(self.nodes)} nodes, {len(self.edges)} edges>"


def _output_count(node: Node) -> int:
    """The output ports of `node` (1 when its parameters are not valid: validation says why)."""
    try:
        return node.spec.outputs(node.params)
    except (ValueError, KeyError, TypeError):
        return 1


def _position(position) -> tuple[float, float] | None:
    if position is None:
        return None
    x, y = position
    return (float(x), float(y))
