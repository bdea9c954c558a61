"""The open model: its Graph, its undo stack and what the graph package knows about it
(shapes, parameter counts, problems), recomputed after every change."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoStack

from visualnet.graph import Graph, GraphError, ParamError, infer_shapes, validate

from .commands import GraphCommand


class ModelDocument(QObject):
    """Holds the Graph being edited. Views subscribe to `graph` events for structure and to
    `analysed` for shapes and problems; edits go through `push(command)`."""

    analysed = Signal()             # info and problems were recomputed
    graph_replaced = Signal(object)  # a different Graph is being edited (new model, template, file)
    edit_refused = Signal(str)      # a pushed command was refused: the reason
    modified_changed = Signal()     # mark_changed()/mark_clean(): is_modified() may differ

    def __init__(self, graph: Graph | None = None, title: str = "Untitled", parent=None):
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.graph = Graph()
        self._watched: Graph | None = None
        self.title = title
        self.path = None
        self.info: dict = {}
        self.problems: list = []
        self.last_error: str | None = None  # why the last refused edit was refused
        self._dirty = True
        self._changed = False           # changed outside the undo stack (trained weights, data, ...)
        self.change_count = 0           # bumped by every mark_changed()
        self._timer = QTimer(self, singleShot=True, interval=0, timeout=self.refresh_if_needed)
        self.undo_stack.indexChanged.connect(lambda _: self.refresh_if_needed())
        self.set_graph(graph or Graph(), title)

    # ---------------------------------------------------------------- graph
    def set_graph(self, graph: Graph, title: str = "Untitled", path=None) -> None:
        """Edit `graph` from now on (undo history cleared, marked unmodified)."""
        if self._watched is not None:
            self._watched.unsubscribe(self._on_event)
        self.graph = self._watched = graph
        self.title = title
        self.path = path
        graph.subscribe(self._on_event)
        self.undo_stack.clear()
        self.undo_stack.setClean()
        self._changed = False
        self._dirty = True
        self.graph_replaced.emit(graph)
        self.refresh()

    def _on_event(self, event) -> None:
        self._dirty = True
        self._timer.start()

    # ---------------------------------------------------------------- edits
    def push(self, command: GraphCommand) -> bool:
        """Apply `command` and put it on the undo stack. A refused edit (GraphError,
        ParamError) leaves the graph as it was, emits `edit_refused` and returns False."""
        if not command.ops:
            return False
        try:
            command.execute()
        except (GraphError, ParamError) as exc:
            self.last_error = str(exc)
            self.edit_refused.emit(self.last_error)
            return False
        self.undo_stack.push(command)
        self.refresh_if_needed()
        return True

    # ---------------------------------------------------------------- analysis
    def refresh_if_needed(self) -> None:
        if self._dirty:
            self.refresh()

    def refresh(self) -> None:
        self._dirty = False
        self._timer.stop()
        self.info = infer_shapes(self.graph)
        self.problems = validate(self.graph, self.info)
        self.analysed.emit()

    def problems_of_node(self, node_id: str) -> list:
        return [p for p in self.problems if p.node_id == node_id]

    def problems_of_edge(self, edge_id: str) -> list:
        return [p for p in self.problems if p.edge_id == edge_id]

    def is_modified(self) -> bool:
        return self._changed or not self.undo_stack.isClean()

    def mark_changed(self) -> None:
        """Something the undo stack does not hold changed (weights after training, the data
        set-up): the document is modified until it is saved."""
        self.change_count += 1
        self._changed = True
        self.modified_changed.emit()

    def mark_clean(self) -> None:
        """Saved: nothing is modified."""
        self._changed = False
        self.undo_stack.setClean()
        self.modified_changed.emit()
