"""Undo commands: one QUndoCommand per kind of edit, each a list of primitive graph
operations with their inverse (compound edits such as paste or a one-click fix are just
longer lists, so they undo in one step).

Commands change only the Graph, through its public methods, re-creating nodes and wires
with the same ids on undo; the canvas and the panels follow the Graph's events."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtGui import QUndoCommand

from visualnet.graph import Edge, Graph, ParamError, get_spec


def new_id() -> str:
    return uuid.uuid4().hex


# ------------------------------------------------------------------ primitive operations
@dataclass
class AddNodeOp:
    node_id: str
    type: str
    params: dict
    name: str
    position: tuple | None

    def apply(self, g: Graph):
        g.add_node(self.type, self.params, name=self.name, position=self.position, node_id=self.node_id,
                   strict=False)

    def revert(self, g: Graph):
        g.remove_node(self.node_id)


@dataclass
class RemoveNodeOp:
    """Removes a node whose wires were already removed (by DisconnectOps placed before it)."""

    node_id: str
    type: str = ""
    params: dict = field(default_factory=dict)
    name: str = ""
    position: tuple | None = None

    @classmethod
    def of(cls, g: Graph, node_id: str) -> "RemoveNodeOp":
        n = g.nodes[node_id]
        return cls(node_id, n.type, dict(n.params), n.name, n.position)

    def apply(self, g: Graph):
        g.remove_node(self.node_id)

    def revert(self, g: Graph):
        g.add_node(self.type, self.params, name=self.name, position=self.position, node_id=self.node_id,
                   strict=False)


@dataclass
class ConnectOp:
    edge_id: str
    src: str
    dst: str
    dst_port: int
    src_port: int = 0  # which output of `src` (an LSTM's state h: 1)

    def apply(self, g: Graph):
        g.connect(self.src, self.dst, self.dst_port, edge_id=self.edge_id, src_port=self.src_port)

    def revert(self, g: Graph):
        g.disconnect(self.edge_id)


@dataclass
class DisconnectOp:
    edge: Edge

    def apply(self, g: Graph):
        g.disconnect(self.edge.id)

    def revert(self, g: Graph):
        g.connect(self.edge.src, self.edge.dst, self.edge.dst_port, edge_id=self.edge.id, src_port=self.edge.src_port)


@dataclass
class SetParamsOp:
    node_id: str
    new: dict
    old: dict

    def apply(self, g: Graph):
        _set_params(g, self.node_id, self.new)

    def revert(self, g: Graph):
        _set_params(g, self.node_id, self.old)


@dataclass
class RenameOp:
    node_id: str
    new: str
    old: str

    def apply(self, g: Graph):
        g.rename(self.node_id, self.new)

    def revert(self, g: Graph):
        g.rename(self.node_id, self.old)


@dataclass
class MoveOp:
    node_id: str
    new: tuple | None
    old: tuple | None

    def apply(self, g: Graph):
        g.move_node(self.node_id, self.new)

    def revert(self, g: Graph):
        g.move_node(self.node_id, self.old)


def _set_params(g: Graph, node_id: str, values: dict) -> None:
    """`Graph.set_params`, except that a value the registry refuses (a node loaded with a
    bad parameter, restored by undo) is kept, as loading keeps it, by re-adding the node
    with the same id, name and wires."""
    try:
        g.set_params(node_id, **values)
    except ParamError:
        node = g.nodes[node_id]
        params = {**node.params, **values}
        wires = g.remove_node(node_id)
        g.add_node(node.type, params, name=node.name, position=node.position, node_id=node_id, strict=False)
        for e in sorted(wires, key=lambda e: (e.dst != node_id, e.dst_port)):
            g.connect(e.src, e.dst, e.dst_port, edge_id=e.id, src_port=e.src_port)


# ------------------------------------------------------------------ commands
class GraphCommand(QUndoCommand):
    """An undoable list of operations. `execute()` applies it once, before it goes on the
    stack, and rolls back and raises (GraphError, ParamError) if the graph refuses it."""

    def __init__(self, graph: Graph, text: str, ops: list | None = None):
        super().__init__(text)
        self.graph = graph
        self.ops = list(ops or [])
        self._executed = False

    def execute(self) -> None:
        done = []
        try:
            for op in self.ops:
                op.apply(self.graph)
                done.append(op)
        except Exception:
            for op in reversed(done):
                op.revert(self.graph)
            raise
        self._executed = True

    def redo(self):
        if self._executed:  # the first redo, called by QUndoStack.push, was done by execute()
            self._executed = False
            return
        for op in self.ops:
            op.apply(self.graph)

    def undo(self):
        for op in reversed(self.ops):
            op.revert(self.graph)


def _layers(n: int, single: str) -> str:
    return single if n == 1 else f"{n} layers"


class AddNodeCommand(GraphCommand):
    def __init__(self, graph: Graph, layer_type: str, position=None, params: dict | None = None,
                 name: str | None = None, node_id: str | None = None):
        spec = get_spec(layer_type)
        params = _canonical(spec, params)
        name = name or graph.unique_name(spec.default_name)
        self.node_id = node_id or new_id()
        super().__init__(graph, f"Add {spec.type}",
                         [AddNodeOp(self.node_id, spec.type, params, name, _pos(position))])


class AddConnectedCommand(GraphCommand):
    """Adds a layer fed by `src` (a wire dropped on empty canvas, then a type chosen)."""

    def __init__(self, graph: Graph, layer_type: str, src: str, position=None):
        spec = get_spec(layer_type)
        self.node_id = new_id()
        name = graph.unique_name(spec.default_name)
        super().__init__(graph, f"Add {spec.type} after {graph.nodes[src].name}", [
            AddNodeOp(self.node_id, spec.type, _canonical(spec, None), name, _pos(position)),
            ConnectOp(new_id(), src, self.node_id, 0)])


class DeleteCommand(GraphCommand):
    """Deletes layers (with their wires) and wires."""

    def __init__(self, graph: Graph, node_ids=(), edge_ids=()):
        node_ids = [n for n in node_ids if n in graph.nodes]
        edges = {e.id: e for e in graph.edges.values() if e.id in set(edge_ids) or {e.src, e.dst} & set(node_ids)}
        ops = [DisconnectOp(e) for e in edges.values()] + [RemoveNodeOp.of(graph, n) for n in node_ids]
        if node_ids:
            text = "Delete " + _layers(len(node_ids), graph.nodes[node_ids[0]].name)
        else:
            text = "Remove wire" if len(edges) == 1 else f"Remove {len(edges)} wires"
        super().__init__(graph, text, ops)


class ConnectCommand(GraphCommand):
    def __init__(self, graph: Graph, src: str, dst: str, dst_port: int | None = None, src_port: int = 0):
        graph.check_connect(src, dst, dst_port, src_port=src_port)
        port = graph.free_port(dst) if dst_port is None else dst_port
        self.edge_id = new_id()
        text = f"Wire {graph.nodes[src].name} → {graph.nodes[dst].name}"
        super().__init__(graph, text, [ConnectOp(self.edge_id, src, dst, port, src_port)])


class RewireCommand(GraphCommand):
    """Moves the end of a wire to another input (or removes it when `dst` is None)."""

    def __init__(self, graph: Graph, edge_id: str, dst: str | None, dst_port: int | None = None):
        edge = graph.edges[edge_id]
        ops: list = [DisconnectOp(edge)]
        if dst is None:
            super().__init__(graph, "Remove wire", ops)
            return
        port = dst_port if dst_port is not None else _free_port_without(graph, dst, edge_id)
        self.edge_id = new_id()
        ops.append(ConnectOp(self.edge_id, edge.src, dst, port, edge.src_port))
        super().__init__(graph, f"Rewire {graph.nodes[edge.src].name} → {graph.nodes[dst].name}", ops)


class SetParamsCommand(GraphCommand):
    """A parameter change; consecutive changes of the same parameters of the same layer
    merge into one undo step (typing 1, 12, 128 is one edit)."""

    def __init__(self, graph: Graph, node_id: str, changes: dict[str, Any], session: object = None):
        """`session`: edits merge only within one editing session (same editor, same layer);
        None never merges."""
        node = graph.nodes[node_id]
        self.node_id = node_id
        self.session = session
        old = {k: node.params.get(k) for k in changes}
        keys = ", ".join(changes)
        super().__init__(graph, f"Change {keys} of {node.name}", [SetParamsOp(node_id, dict(changes), old)])

    def id(self) -> int:
        return 1

    def mergeWith(self, other) -> bool:
        if not isinstance(other, SetParamsCommand) or other.node_id != self.node_id:
            return False
        if self.session is None or other.session != self.session:
            return False
        mine, theirs = self.ops[0], other.ops[0]
        if set(mine.new) != set(theirs.new):
            return False
        mine.new = dict(theirs.new)
        if mine.new == mine.old:
            self.setObsolete(True)
        return True


class RenameCommand(GraphCommand):
    def __init__(self, graph: Graph, node_id: str, name: str):
        old = graph.nodes[node_id].name
        super().__init__(graph, f"Rename {old} to {name}", [RenameOp(node_id, name, old)])


class MoveNodesCommand(GraphCommand):
    def __init__(self, graph: Graph, moves: dict[str, tuple], text: str | None = None):
        """`moves`: node id -> new position (the old one is read from the graph)."""
        ops = [MoveOp(nid, _pos(pos), graph.nodes[nid].position) for nid, pos in moves.items()
               if _pos(pos) != graph.nodes[nid].position]
        if text is None:
            first = graph.nodes[ops[0].node_id].name if ops else ""
            text = "Move " + _layers(len(ops), first)
        super().__init__(graph, text, ops)


class ArrangeCommand(MoveNodesCommand):
    def __init__(self, graph: Graph, positions: dict[str, tuple]):
        super().__init__(graph, positions, "Arrange layers")


class PasteCommand(GraphCommand):
    """Adds a copied fragment (see clipboard.py) with new ids and free names; wires between
    the copied layers come along."""

    def __init__(self, graph: Graph, fragment: dict, offset=(40.0, 40.0), text: str = "Paste"):
        ops, ids, taken = [], {}, {n.name for n in graph.nodes.values()}
        dx, dy = offset
        for item in fragment.get("nodes", []):
            spec = get_spec(item["type"])
            ids[item["id"]] = new_id()
            name = _free_name(item.get("name") or spec.default_name, taken)
            taken.add(name)
            pos = item.get("position")
            pos = (pos[0] + dx, pos[1] + dy) if pos else None
            ops.append(AddNodeOp(ids[item["id"]], spec.type, _canonical(spec, item.get("params")), name, pos))
        for item in fragment.get("edges", []):
            if item["src"] in ids and item["dst"] in ids:
                ops.append(ConnectOp(new_id(), ids[item["src"]], ids[item["dst"]], int(item.get("dst_port", 0)),
                                     int(item.get("src_port", 0))))
        self.node_ids = list(ids.values())
        n = len(self.node_ids)
        super().__init__(graph, f"{text} {_layers(n, ops[0].name) if ops else ''}".strip(), ops)


class InsertLayerCommand(GraphCommand):
    """Puts a new layer on a wire (src -> new -> dst): the one-click fixes. Layers from the
    wire's end onwards move right when there is no room for the new one."""

    def __init__(self, graph: Graph, edge_id: str, layer_type: str, params: dict | None = None,
                 width: float = 0.0, gap: float = 0.0):
        edge = graph.edges[edge_id]
        spec = get_spec(layer_type)
        src, dst = graph.nodes[edge.src], graph.nodes[edge.dst]
        self.node_id = new_id()
        ops: list = [DisconnectOp(edge)]
        position = None
        if src.position and dst.position:
            room = dst.position[0] - src.position[0] - width
            shift = max(0.0, 2 * gap + width - room) if width else 0.0
            if shift:
                for nid in _downstream(graph, dst.id):
                    p = graph.nodes[nid].position
                    if p is not None:
                        ops.append(MoveOp(nid, (p[0] + shift, p[1]), p))
            position = (src.position[0] + width + gap, dst.position[1])
        name = graph.unique_name(spec.default_name)
        ops += [AddNodeOp(self.node_id, spec.type, _canonical(spec, params), name, position),
                ConnectOp(new_id(), edge.src, self.node_id, 0, edge.src_port),
                ConnectOp(new_id(), self.node_id, edge.dst, edge.dst_port)]
        super().__init__(graph, f"Insert {spec.type} before {dst.name}", ops)


# ------------------------------------------------------------------ helpers
def _canonical(spec, params) -> dict:
    try:
        return spec.normalize(params)
    except ParamError:
        return {**spec.defaults(), **(params or {})}


def _pos(position):
    if position is None:
        return None
    return (float(position[0]), float(position[1]))


def _free_name(name: str, taken: set) -> str:
    if name not in taken:
        return name
    stem = re.sub(r"_\d+$", "", name)
    i = 1
    while f"{stem}_{i}" in taken:
        i += 1
    return f"{stem}_{i}"


def _free_port_without(graph: Graph, node_id: str, edge_id: str) -> int:
    used = {e.dst_port for e in graph.in_edges(node_id) if e.id != edge_id}
    port = 0
    while port in used:
        port += 1
    return port


def _downstream(graph: Graph, start: str) -> list[str]:
    seen, stack = [], [start]
    while stack:
        nid = stack.pop()
        if nid not in seen:
            seen.append(nid)
            stack.extend(e.dst for e in graph.out_edges(nid))
    return seen
