"""The canvas scene: one NodeItem per layer and one EdgeItem per wire, kept in step with
the Graph's events (structure) and the document's analysis (shapes, problems). Mouse
gestures that edit the model (wiring, moving) become undo commands on the document."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import QGraphicsScene

from visualnet.graph import GraphError
from visualnet.graph.shapes import port_shape

from .. import theme
from ..commands import ConnectCommand, MoveNodesCommand, RewireCommand
from .edge_item import EdgeItem, WireDragItem
from .layout import input_port_count
from .metrics import GRID, snap
from .node_item import NodeItem
from .port_item import PortItem


@dataclass
class _Wiring:
    """A wire being dragged. From an output (or a wire picked up from an input: `edge_id`)
    the loose end looks for an input; from a free input it looks for an output."""

    item: WireDragItem
    from_output: bool
    node_id: str               # the fixed end's node
    port: int = 0              # the fixed end's input port (when dragging from an input)
    src_port: int = 0          # the fixed end's output port (when dragging from an output)
    edge_id: str | None = None
    target: tuple | None = None  # (node_id, port or None)
    reason: str | None = None    # why the target is refused


class GraphScene(QGraphicsScene):
    wire_refused = Signal(str, QPointF)   # the GraphError's reason, where the wire was dropped
    hint = Signal(str)                    # a transient status-bar message ('' clears it)
    node_double_clicked = Signal(str)
    wire_dropped = Signal(str, QPointF)   # an output's wire let go on empty canvas: source node, where

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.document = document
        self.graph = None
        self.node_items: dict[str, NodeItem] = {}
        self.edge_items: dict[str, EdgeItem] = {}
        self.snap_to_grid = True
        self._wiring: _Wiring | None = None
        self._press_positions: dict[str, QPointF] = {}
        self.setSceneRect(-50_000, -50_000, 100_000, 100_000)
        self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
        document.graph_replaced.connect(self.rebuild)
        document.analysed.connect(self.sync_analysis)
        self.rebuild(document.graph)

    # ---------------------------------------------------------------- following the graph
    def rebuild(self, graph) -> None:
        if self.graph is not None:
            self.graph.unsubscribe(self._on_event)
        self._cancel_wiring()
        self.clear()
        self.node_items.clear()
        self.edge_items.clear()
        self.graph = graph
        graph.subscribe(self._on_event)
        for nid in graph.nodes:
            self._add_node(nid)
        for eid in graph.edges:
            self._add_edge(eid)
        self.sync_analysis()

    def _on_event(self, event) -> None:
        kind = event.kind
        if kind == "node_added":
            self._add_node(event.node_id)
        elif kind == "node_removed":
            item = self.node_items.pop(event.node_id, None)
            if item is not None:
                for edge in list(item.edges):
                    self._remove_edge(edge.edge_id)
                self.removeItem(item)
        elif kind == "edge_added":
            self._add_edge(event.edge_id)
        elif kind == "edge_removed":
            edge = event.data.get("edge")
            self._remove_edge(event.edge_id)
            if edge is not None:
                self._refresh_ports(edge.src, edge.dst)
        elif kind in ("params_changed", "node_renamed", "node_moved"):
            item = self.node_items.get(event.node_id)
            if item is not None:
                item.update_node(self.graph.nodes[event.node_id])

    def _add_node(self, nid: str) -> None:
        node = self.graph.nodes[nid]
        item = NodeItem(node)
        if node.position is None:
            item.setPos(self._free_spot())
        self.addItem(item)
        self.node_items[nid] = item
        self._refresh_ports(nid)

    def _add_edge(self, eid: str) -> None:
        e = self.graph.edges[eid]
        src, dst = self.node_items.get(e.src), self.node_items.get(e.dst)
        if src is None or dst is None:
            return
        item = EdgeItem(eid, src, dst, e.dst_port, e.src_port)
        self.addItem(item)
        self.edge_items[eid] = item
        self._refresh_ports(e.src, e.dst)

    def _remove_edge(self, eid: str) -> None:
        item = self.edge_items.pop(eid, None)
        if item is not None:
            item.detach()
            self.removeItem(item)

    def _refresh_ports(self, *node_ids: str) -> None:
        for nid in node_ids:
            if nid in self.node_items and nid in self.graph.nodes:
                self._sync_node(nid)
                for edge in self.node_items[nid].edges:
                    edge.update_path()

    def _sync_node(self, nid: str) -> None:
        info = self.document.info.get(nid)
        wired = {e.dst_port: e for e in self.graph.in_edges(nid)}
        n_ports = max(input_port_count(self.graph, nid), max(wired, default=-1) + 1)
        shapes = {}
        for port, e in wired.items():
            src_info = self.document.info.get(e.src)
            shapes[port] = port_shape(src_info, e.src_port) if src_info else None
        wired_outputs = {e.src_port for e in self.graph.out_edges(nid)}
        self.node_items[nid].update_analysis(info, self.document.problems_of_node(nid), n_ports, set(wired), shapes,
                                             wired_outputs)

    def sync_analysis(self) -> None:
        """Shapes, counts and problems from the document onto every item."""
        for nid in self.node_items:
            if nid in self.graph.nodes:
                self._sync_node(nid)
        for eid, item in self.edge_items.items():
            src_info = self.document.info.get(item.src_item.node_id)
            item.set_analysis(port_shape(src_info, item.src_port) if src_info else None,
                              self.document.problems_of_edge(eid))

    def _free_spot(self) -> QPointF:
        if not self.node_items:
            return QPointF(0, 0)
        rect = self.nodes_rect()
        return QPointF(rect.left(), rect.bottom() + 2 * GRID)

    # ---------------------------------------------------------------- selection
    def selected_node_ids(self) -> list[str]:
        return [i.node_id for i in self.selectedItems() if isinstance(i, NodeItem)]

    def selected_edge_ids(self) -> list[str]:
        return [i.edge_id for i in self.selectedItems() if isinstance(i, EdgeItem)]

    def select(self, node_ids=(), edge_ids=()) -> None:
        self.clearSelection()
        for nid in node_ids:
            if nid in self.node_items:
                self.node_items[nid].setSelected(True)
        for eid in edge_ids:
            if eid in self.edge_items:
                self.edge_items[eid].setSelected(True)

    def node_at(self, pos: QPointF) -> NodeItem | None:
        return self._item_at(pos, NodeItem)

    def edge_at(self, pos: QPointF) -> EdgeItem | None:
        return self._item_at(pos, EdgeItem)

    def nodes_rect(self, node_ids=None) -> QRectF:
        items = [self.node_items[n] for n in (node_ids if node_ids is not None else self.node_items)
                 if n in self.node_items]
        rect = QRectF()
        for item in items:
            rect = rect.united(item.sceneBoundingRect())
        return rect

    # ---------------------------------------------------------------- mouse: wiring and moving
    def mousePressEvent(self, event):
        if event.button() == Qt.MouseButton.LeftButton:
            port = self._item_at(event.scenePos(), PortItem)
            if port is not None:
                self._start_wiring(port, event.scenePos())
                event.accept()
                return
        super().mousePressEvent(event)
        if event.button() == Qt.MouseButton.LeftButton:
            self._press_positions = {i.node_id: i.pos() for i in self.selectedItems() if isinstance(i, NodeItem)}

    def mouseMoveEvent(self, event):
        if self._wiring is not None:
            self._update_wiring(event.scenePos())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event):
        if self._wiring is not None:
            self._finish_wiring(event.scenePos())
            event.accept()
            return
        super().mouseReleaseEvent(event)
        self._commit_moves()

    def mouseDoubleClickEvent(self, event):
        item = self._item_at(event.scenePos(), NodeItem)
        if item is not None:
            self.node_double_clicked.emit(item.node_id)
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def keyPressEvent(self, event):
        if event.key() == Qt.Key.Key_Escape and self._wiring is not None:
            self._cancel_wiring()
            event.accept()
            return
        super().keyPressEvent(event)

    def _commit_moves(self) -> None:
        pressed, self._press_positions = self._press_positions, {}
        moves = {}
        for nid, old in pressed.items():
            item = self.node_items.get(nid)
            if item is not None and item.pos() != old:
                pos = item.pos()
                if self.snap_to_grid:
                    pos = QPointF(snap(pos.x()), snap(pos.y()))
                moves[nid] = (pos.x(), pos.y())
        if moves:
            command = MoveNodesCommand(self.graph, moves)
            if not self.document.push(command):
                for nid in moves:  # nothing changed in the graph: put the items back
                    self.node_items[nid].update_node(self.graph.nodes[nid])

    def _item_at(self, pos: QPointF, kind):
        for item in self.items(pos):
            if isinstance(item, kind):
                return item
            if kind is NodeItem and isinstance(item, PortItem):
                return item.node_item
        return None

    def _start_wiring(self, port: PortItem, pos: QPointF) -> None:
        node = port.node_item
        if port.kind == "out":
            state = _Wiring(WireDragItem(port.scenePos(), True), True, node.node_id, src_port=port.index)
        else:
            edge = next((e for e in node.edges if e.dst_item is node and e.dst_port == port.index), None)
            if edge is not None:  # pick the wire up by its end
                edge.hide()
                state = _Wiring(WireDragItem(edge.src_item.output_port_at(edge.src_port).scenePos(), True), True,
                                edge.src_item.node_id, edge_id=edge.edge_id, src_port=edge.src_port)
            else:
                state = _Wiring(WireDragItem(port.scenePos(), False), False, node.node_id, port=port.index)
        self._wiring = state
        self.addItem(state.item)
        self._update_wiring(pos)

    def _update_wiring(self, pos: QPointF) -> None:
        w = self._wiring
        self._highlight(None)
        w.target, w.reason = self._wire_target(pos)
        end = pos
        if w.target is not None:
            port = self._target_port(w.target)
            if port is not None:
                end = port.scenePos()
                self._highlight(port, "refused" if w.reason else "ok")
        w.item.set_end(end, refused=bool(w.reason))
        self.hint.emit(w.reason or "")

    def _wire_target(self, pos: QPointF) -> tuple:
        """(target, reason): the node (and port) the loose end is over and, if the graph
        would refuse the wire, why."""
        w = self._wiring
        port = self._item_at(pos, PortItem)
        node = port.node_item if port is not None else self._item_at(pos, NodeItem)
        if node is None:
            return None, None
        if w.from_output:
            if port is not None and port.kind == "out" and node.node_id != w.node_id:
                return (node.node_id, None), f"'{node.name}' is an output port: drop the wire on an input port."
            index = port.index if port is not None and port.kind == "in" and not port.connected else None
            target = (node.node_id, index)
            if w.edge_id is not None:
                edge = self.graph.edges[w.edge_id]
                if edge.dst == node.node_id:
                    return (node.node_id, edge.dst_port), None  # dropped back where it was
            try:
                self.graph.check_connect(w.node_id, node.node_id, index, src_port=w.src_port)
            except GraphError as exc:
                return target, str(exc)
            return target, None
        if port is not None and port.kind == "in" and node.node_id != w.node_id:
            return (node.node_id, None), "Both ends are inputs: drag from an input port to an output port."
        out = port.index if port is not None and port.kind == "out" else 0   # the output port under the end
        try:
            self.graph.check_connect(node.node_id, w.node_id, w.port, src_port=out)
        except GraphError as exc:
            return (node.node_id, out), str(exc)
        return (node.node_id, out), None

    def _target_port(self, target) -> PortItem | None:
        nid, index = target
        item = self.node_items.get(nid)
        if item is None:
            return None
        if not self._wiring.from_output:
            return item.output_port_at(index or 0)
        if index is not None:
            return item.input_port(index)
        free = [p for p in item.input_ports if not p.connected]
        return free[0] if free else (item.input_ports[0] if item.input_ports else None)

    def _highlight(self, port: PortItem | None, state: str | None = None) -> None:
        for item in self.node_items.values():
            for p in [*item.input_ports, *item.output_ports]:
                if p is not port:
                    p.set_highlight(None)
        if port is not None:
            port.set_highlight(state)

    def _finish_wiring(self, pos: QPointF) -> None:
        self._update_wiring(pos)
        w = self._wiring
        self._cancel_wiring()
        if w.target is None:
            if w.edge_id is not None:
                self.document.push(RewireCommand(self.graph, w.edge_id, None))
            elif w.from_output:  # a new wire dropped on empty canvas: offer to add a layer there
                self.wire_dropped.emit(w.node_id, pos)
            return
        if w.reason:
            self.wire_refused.emit(w.reason, pos)
            return
        nid, index = w.target
        if w.edge_id is not None:
            edge = self.graph.edges[w.edge_id]
            if edge.dst != nid:
                self.document.push(RewireCommand(self.graph, w.edge_id, nid, index))
        elif w.from_output:
            self.document.push(ConnectCommand(self.graph, w.node_id, nid, index, src_port=w.src_port))
        else:
            self.document.push(ConnectCommand(self.graph, nid, w.node_id, w.port, src_port=index or 0))

    def _cancel_wiring(self) -> None:
        w, self._wiring = self._wiring, None
        if w is None:
            return
        self._highlight(None)
        self.hint.emit("")
        if w.item.scene() is self:
            self.removeItem(w.item)
        if w.edge_id is not None and w.edge_id in self.edge_items:
            self.edge_items[w.edge_id].show()

    # ---------------------------------------------------------------- background
    def drawBackground(self, painter, rect: QRectF):
        t = theme.current()
        painter.fillRect(rect, QColor(t.canvas))
        scale = painter.worldTransform().m11()
        step = GRID if GRID * scale >= 10 else GRID * 5
        if step * scale < 10:
            return
        left, top = int(rect.left() // step) * step, int(rect.top() // step) * step
        minor = QPen(QColor(t.grid), 0)
        major = QPen(QColor(t.grid_major), 0)
        x = left
        lines_minor, lines_major = [], []
        while x <= rect.right():
            (lines_major if round(x / GRID) % 5 == 0 else lines_minor).append(QLineF(x, rect.top(), x, rect.bottom()))
            x += step
        y = top
        while y <= rect.bottom():
            (lines_major if round(y / GRID) % 5 == 0 else lines_minor).append(QLineF(rect.left(), y, rect.right(), y))
            y += step
        painter.setPen(minor)
        painter.drawLines(lines_minor)
        painter.setPen(major)
        painter.drawLines(lines_major)
