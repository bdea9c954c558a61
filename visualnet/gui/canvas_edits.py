"""The canvas's edit actions of the main window: add layers (from the palette, a drop or a
dragged wire's end), delete, cut, copy, paste, duplicate, nudge, select all, arrange, fit.
Each is one undoable command on the document. A mixin of `MainWindow`."""

from __future__ import annotations

from PySide6.QtCore import QPointF
from PySide6.QtGui import QGuiApplication

from .canvas.layout import layered_positions
from .canvas.metrics import NODE_HEIGHT, NODE_WIDTH, snap
from .clipboard import fragment_from_mime, fragment_to_mime, make_fragment
from .commands import (AddConnectedCommand, AddNodeCommand, ArrangeCommand, DeleteCommand, MoveNodesCommand,
                       PasteCommand)


class CanvasEdits:
    """Edits of the model on the canvas (see the module docstring)."""

    def selected_node_ids(self) -> list[str]:
        return self.scene.selected_node_ids()

    def add_layer(self, layer_type: str, scene_pos: QPointF | None = None) -> str | None:
        """Add a layer centred on `scene_pos` (default: the middle of the view, moved down
        until it does not cover another layer); returns its id."""
        centred = scene_pos is None
        if centred:
            scene_pos = self.view.visible_rect().center()
        x, y = snap(scene_pos.x() - NODE_WIDTH / 2), snap(scene_pos.y() - NODE_HEIGHT / 2)
        if centred:
            while any(abs(n.position[0] - x) < NODE_WIDTH and abs(n.position[1] - y) < NODE_HEIGHT
                      for n in self.graph.nodes.values() if n.position):
                y += NODE_HEIGHT + 20
        command = AddNodeCommand(self.graph, layer_type, (x, y))
        if not self.document.push(command):
            return None
        self.scene.select([command.node_id])
        return command.node_id

    def add_layer_after(self, src: str, layer_type: str, scene_pos: QPointF) -> str | None:
        """Add a layer centred on `scene_pos`, fed by `src` (one undo step); returns its id."""
        x, y = snap(scene_pos.x() - NODE_WIDTH / 2), snap(scene_pos.y() - NODE_HEIGHT / 2)
        command = AddConnectedCommand(self.graph, layer_type, src, (x, y))
        if not self.document.push(command):
            return None
        self.scene.select([command.node_id])
        return command.node_id

    def delete_selection(self) -> None:
        nodes, edges = self.scene.selected_node_ids(), self.scene.selected_edge_ids()
        if nodes or edges:
            self.document.push(DeleteCommand(self.graph, nodes, edges))

    def copy(self) -> bool:
        nodes = self.scene.selected_node_ids()
        if not nodes:
            return False
        QGuiApplication.clipboard().setMimeData(fragment_to_mime(make_fragment(self.graph, nodes)))
        self._paste_count = 0
        return True

    def cut(self) -> None:
        if self.copy():
            nodes = self.scene.selected_node_ids()
            command = DeleteCommand(self.graph, nodes)
            command.setText("Cut " + (self.graph.nodes[nodes[0]].name if len(nodes) == 1 else f"{len(nodes)} layers"))
            self.document.push(command)
            self._paste_count = -1  # the first paste after a cut goes where the layers were

    def paste(self) -> None:
        fragment = fragment_from_mime(QGuiApplication.clipboard().mimeData())
        if fragment:
            self._paste_count += 1
            self._paste(fragment, 40.0 * self._paste_count, "Paste")

    def duplicate(self) -> None:
        nodes = self.scene.selected_node_ids()
        if nodes:
            self._paste(make_fragment(self.graph, nodes), 40.0, "Duplicate")

    def _paste(self, fragment: dict, offset: float, text: str) -> None:
        command = PasteCommand(self.graph, fragment, (offset, offset), text)
        if self.document.push(command):
            self.scene.select(command.node_ids)
            self.view.centre_on(self.scene.nodes_rect(command.node_ids))

    def nudge(self, dx: float, dy: float) -> None:
        """Move the selected layers by (dx, dy) (arrow keys: one grid step, with Shift five)."""
        moves = {}
        for nid in self.scene.selected_node_ids():
            pos = self.scene.node_items[nid].pos()
            moves[nid] = (pos.x() + dx, pos.y() + dy)
        if moves:
            self.document.push(MoveNodesCommand(self.graph, moves))

    def select_all(self) -> None:
        self.scene.select(self.scene.node_items, self.scene.edge_items)

    def arrange(self) -> None:
        if not self.graph.nodes:
            return
        rect = self.scene.nodes_rect()
        positions = layered_positions(self.graph, (snap(rect.left()), snap(rect.center().y())))
        if self.document.push(ArrangeCommand(self.graph, positions)):
            self.view.fit()

    def fit(self) -> None:
        self.view.fit()

    def focus_search(self) -> None:
        self.docks["palette"].show()
        self.docks["palette"].raise_()
        self.palette.focus_search()
