"""The main window: the canvas in the middle (a tab of `pages`, so the training dashboard
can be another page), the palette, inspector, problems and summary as docks, and the
window's reactions to the document and the canvas. The menus, toolbar and shortcuts are
window_menus.py's, the canvas's edit actions canvas_edits.py's. Every edit goes through the
document's undo stack."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QApplication, QDockWidget, QFrame, QMainWindow, QScrollArea, QSizePolicy, QTabWidget,
                               QToolTip)

from visualnet.graph import Graph
from visualnet.graph.templates import get_template

from . import dialogs, icons, theme, wheel_guard
from .wording import count
from .canvas.layout import layered_positions
from .canvas.scene import GraphScene
from .canvas.view import GraphView
from .canvas_edits import CanvasEdits
from .context_menu import canvas_menu, wire_end_menu
from .document import ModelDocument
from .files import FileController
from .fixes import ProblemFixer
from .inspector import InspectorWidget
from .palette import PaletteWidget
from .problems_panel import ProblemsPanel
from .start_page import StartPage
from .summary_panel import SummaryPanel
from .window_menus import WindowMenus


class MainWindow(CanvasEdits, WindowMenus, QMainWindow):
    """Public entry points for other parts of the app (File menu, training dashboard):
    `document` (graph, undo stack, analysis, `analysed` signal), `graph`, `set_graph()`,
    `load_template()`, `new_model()`, `add_page()`, `add_dock()`, `file_menu`, `actions`,
    `connect_file_action()`, `mark_saved()`, `selection_changed`, `show_error()`."""

    selection_changed = Signal(list, list)  # node ids, edge ids
    ask_before_discarding = True            # tests turn this off (no modal dialogs)

    def __init__(self, document: ModelDocument | None = None, parent=None):
        super().__init__(parent)
        wheel_guard.install(QApplication.instance())
        self.document = document or ModelDocument(parent=self)
        self.scene = GraphScene(self.document, self)
        self.view = GraphView(self.scene)
        self.fixer = ProblemFixer(self.document, self._ask_reshape_target, self._show_inserted)
        self._paste_count = 0
        self._closing = False                   # a close was confirmed and waits for training threads
        self.setWindowIcon(icons.app_icon())
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowTabbedDocks)

        self.pages = QTabWidget(self)
        self.pages.setDocumentMode(True)
        self.pages.setTabBarAutoHide(True)
        self.pages.addTab(self.view, "Model")
        self.pages.currentChanged.connect(self._size_to_page)
        self.setCentralWidget(self.pages)
        self.start_page = StartPage(self.view)
        self.start_page.template_chosen.connect(self.load_template)

        self.palette = PaletteWidget()
        self.inspector = InspectorWidget(self.document)
        self.problems_panel = ProblemsPanel(self.document)
        self.summary_panel = SummaryPanel(self.document)
        self.docks: dict[str, QDockWidget] = {}
        self.add_dock(self.palette, "Layers", Qt.DockWidgetArea.LeftDockWidgetArea, "palette")
        self.add_dock(self.inspector, "Inspector", Qt.DockWidgetArea.RightDockWidgetArea, "inspector")
        self.add_dock(self.summary_panel, "Summary", Qt.DockWidgetArea.BottomDockWidgetArea, "summary")
        self.add_dock(self.problems_panel, "Problems", Qt.DockWidgetArea.BottomDockWidgetArea, "problems")
        self.splitDockWidget(self.docks["summary"], self.docks["problems"], Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["palette"], self.docks["inspector"]], [240, 300], Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["summary"], self.docks["problems"]], [700, 500], Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["summary"]], [190], Qt.Orientation.Vertical)

        # timers owned by the window, so nothing fires after it is gone
        self._fit_timer = QTimer(self, singleShot=True, interval=0, timeout=self.view.fit)
        self._start_timer = QTimer(self, singleShot=True, interval=0, timeout=self._update_start_page)
        self._status_timer = QTimer(self, singleShot=True, timeout=self._plain_status)
        self.actions: dict[str, QAction] = {}
        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()
        self._connect()
        self._graph_replaced(self.document.graph)
        self.files = FileController(self)  # File menu: open/save/recent/import/export, autosave

    # ================================================================= public API
    @property
    def graph(self) -> Graph:
        return self.document.graph

    def set_graph(self, graph: Graph, title: str = "Untitled", path=None) -> None:
        """Edit `graph` (undo history cleared, unmodified). Layers without a position are
        arranged first."""
        if any(n.position is None for n in graph.nodes.values()):
            for nid, pos in layered_positions(graph).items():
                graph.move_node(nid, pos)
        self.document.set_graph(graph, title, path)

    def load_template(self, name: str) -> None:
        template = get_template(name)
        if self._may_discard():
            self.set_graph(template.load(), template.title)

    def new_model(self) -> None:
        if self._may_discard():
            self.set_graph(Graph(), "Untitled")

    def connect_file_action(self, key: str, slot, text: str | None = None) -> QAction:
        """Give a File placeholder ('open', 'save', 'save_as') its real behaviour: the action
        is enabled, loses its 'coming with project files' label and calls `slot`."""
        action = self.actions[key]
        action.setText(text or {"open": "&Open…", "save": "&Save", "save_as": "Save &As…"}.get(key, action.text()))
        action.setStatusTip("")
        action.setToolTip(action.text().replace("&", ""))
        action.triggered.connect(slot)
        action.setEnabled(True)
        return action

    def mark_saved(self, path=None, title: str | None = None) -> None:
        """After a save (or an open): the document is unmodified, with this path and title."""
        if path is not None:
            self.document.path = path
        if title is not None:
            self.document.title = title
        self.document.mark_clean()
        self._update_title()

    def add_dock(self, widget, title: str, area=Qt.DockWidgetArea.RightDockWidgetArea, key: str | None = None,
                 tabify_with: str | None = None) -> QDockWidget:
        """Add a panel as a dock (listed in View ▸ Panels); `tabify_with` puts it in the same
        tab group as an existing dock key ('palette', 'inspector', 'problems', 'summary').
        The panel sits in a frameless scroll area: a panel wider or taller than its dock
        scrolls instead of pushing the window past the screen (issue 26)."""
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{key or title}")
        holder = QScrollArea(dock)
        holder.setObjectName(f"dock_scroll_{key or title}")
        holder.setWidgetResizable(True)
        holder.setFrameShape(QFrame.Shape.NoFrame)
        holder.setWidget(widget)
        dock.setWidget(holder)
        self.addDockWidget(area, dock)
        if tabify_with in self.docks:
            self.tabifyDockWidget(self.docks[tabify_with], dock)
        self.docks[key or title] = dock
        if hasattr(self, "panels_menu"):
            self.panels_menu.addAction(dock.toggleViewAction())
        return dock

    def add_page(self, widget, title: str) -> int:
        """Add a central page next to the model canvas (e.g. the training dashboard)."""
        index = self.pages.addTab(widget, title)
        self._size_to_page()
        return index

    def _size_to_page(self, *_) -> None:
        """Only the page shown asks the window for room: a hidden page's minimum size
        (the Train page's panels) would otherwise add to the docks' on the model page and
        push the window past a 1280x720 screen (issue 26)."""
        current = self.pages.currentWidget()
        for i in range(self.pages.count()):
            page = self.pages.widget(i)
            own = page.property("own_size_policy")           # the policy the page was made with
            if own is None:
                own = page.sizePolicy()
                page.setProperty("own_size_policy", own)
            ignored = QSizePolicy.Policy.Ignored
            page.setSizePolicy(own if page is current else QSizePolicy(ignored, ignored))
        self.pages.updateGeometry()

    def _connect(self) -> None:
        doc = self.document
        doc.graph_replaced.connect(self._graph_replaced)
        doc.analysed.connect(self._analysed)
        doc.undo_stack.cleanChanged.connect(self._update_title)
        doc.modified_changed.connect(self._update_title)
        doc.edit_refused.connect(self.show_error)
        self.scene.selectionChanged.connect(self._selection_changed)
        self.scene.wire_refused.connect(self._wire_refused)
        self.scene.hint.connect(self._hint)
        self.scene.node_double_clicked.connect(self._node_double_clicked)
        self.scene.wire_dropped.connect(self._wire_dropped)
        self.view.layer_dropped.connect(self._dropped)
        self.view.zoom_changed.connect(self._zoom_changed)
        self.view.context_menu_requested.connect(self._context_menu)
        self.view.nudge_requested.connect(self.nudge)
        self.palette.layer_activated.connect(self.add_layer)
        self.problems_panel.problem_activated.connect(self.show_problem)
        self.problems_panel.fix_requested.connect(self.fixer.apply)
        self.summary_panel.layer_clicked.connect(self.show_node)
        if theme.watcher is not None:
            theme.watcher.changed.connect(self._theme_changed)

    # ================================================================= reactions
    def _graph_replaced(self, graph) -> None:
        self._update_title()
        self._paste_count = 0
        self.view.fit()
        self._fit_timer.start()  # again once the window is laid out
        self._update_start_page()

    def _analysed(self) -> None:
        g = self.graph
        total = sum(i.params for i in self.document.info.values())
        self.stats_label.setText(f"{count(len(g.nodes), 'layer')} · {count(len(g.edges), 'wire')} · "
                                 f"{count(total, 'param')}")
        errors = sum(p.severity == "error" for p in self.document.problems)
        warnings = len(self.document.problems) - errors
        t = theme.current()
        if not g.nodes:
            text = ""
        elif errors or warnings:
            parts = [f"{errors} error{'s' * (errors != 1)}"] if errors else []
            parts += [f"{warnings} warning{'s' * (warnings != 1)}"] if warnings else []
            text = f"<span style='color:{t.error if errors else t.warning}'>● {', '.join(parts)}</span>"
        else:
            text = f"<span style='color:{t.ok}'>✔ valid</span>"
        self.validity_label.setText(text)
        dock = self.docks["problems"]
        dock.setWindowTitle(f"Problems ({len(self.document.problems)})" if self.document.problems else "Problems")
        self._update_start_page()

    def rename_layer(self, node_id: str) -> None:
        """Select the layer and put the cursor in the inspector's name field."""
        self.scene.select([node_id])
        self.docks["inspector"].show()
        self.inspector.focus_name()

    def _node_double_clicked(self, node_id: str) -> None:
        self.rename_layer(node_id)

    def _zoom_changed(self, zoom: float) -> None:
        self.zoom_label.setText(f"{round(zoom * 100)}%")

    def _update_title(self, *_) -> None:
        self.setWindowTitle(f"{self.document.title}[*] — VisualNet")
        self.setWindowModified(self.document.is_modified())

    def _update_start_page(self) -> None:
        empty = not self.graph.nodes
        self.start_page.setVisible(empty)
        if empty:
            self.start_page.place()
            self.start_page.raise_()

    def _selection_changed(self) -> None:
        nodes, edges = self.scene.selected_node_ids(), self.scene.selected_edge_ids()
        self.inspector.show_selection(nodes, edges)
        self.selection_changed.emit(nodes, edges)

    def _context_menu(self, scene_pos: QPointF, global_pos) -> None:
        """Right-click: actions on what is under the cursor, or add a layer right there."""
        menu = self.build_context_menu(scene_pos)
        menu.exec(global_pos)

    def build_context_menu(self, scene_pos: QPointF):
        return canvas_menu(self, scene_pos)

    def _wire_dropped(self, src: str, scene_pos: QPointF) -> None:
        point = self.view.viewport().mapToGlobal(self.view.mapFromScene(scene_pos))
        wire_end_menu(self, src, scene_pos).exec(point)

    def _dropped(self, layer_type: str, pos: QPointF) -> None:
        self.view.setFocus()
        self.add_layer(layer_type, pos)

    def show_node(self, node_id: str) -> None:
        if node_id in self.scene.node_items:
            self.scene.select([node_id])
            self.view.centre_on(self.scene.nodes_rect([node_id]))

    def show_problem(self, problem) -> None:
        """Select and centre what `problem` is about (its layer, else its wire)."""
        if problem.node_id in self.scene.node_items:
            edges = [problem.edge_id] if problem.edge_id in self.scene.edge_items else []
            self.scene.select([problem.node_id], edges)
            self.view.centre_on(self.scene.nodes_rect([problem.node_id]))
        elif problem.edge_id in self.scene.edge_items:
            self.scene.select([], [problem.edge_id])
            self.view.centre_on(self.scene.edge_items[problem.edge_id].sceneBoundingRect())
        else:
            self.statusBar().showMessage(problem.message, 8000)

    def show_error(self, message: str, timeout: int = 8000) -> None:
        self.statusBar().setStyleSheet(f"QStatusBar {{ color: {theme.current().error}; }}")
        self.statusBar().showMessage(message, timeout)
        self._status_timer.start(timeout)

    def _plain_status(self) -> None:
        self.statusBar().setStyleSheet("")

    def _wire_refused(self, reason: str, scene_pos: QPointF) -> None:
        self.show_error(reason)
        point = self.view.viewport().mapToGlobal(self.view.mapFromScene(scene_pos))
        QToolTip.showText(point, reason, self.view)

    def _hint(self, text: str) -> None:
        if text:
            self.show_error(text, 4000)
        else:
            self.statusBar().clearMessage()
            self.statusBar().setStyleSheet("")

    def _theme_changed(self) -> None:
        self.scene.update()
        self.view.viewport().update()
        self.start_page.restyle()
        theme.restyle_plots(self)          # the Train page's curves and evaluation plots
        self.problems_panel.refresh()
        self._analysed()
        self.inspector.show_selection(self.scene.selected_node_ids(), self.scene.selected_edge_ids())

    def resizeEvent(self, event):
        super().resizeEvent(event)
        if self.start_page.isVisible():
            self.start_page.place()

    def showEvent(self, event):
        super().showEvent(event)
        self._start_timer.start()

    # ================================================================= dialogs
    def _may_discard(self) -> bool:
        """Save / Discard / Cancel when there are unsaved changes; True if they may go."""
        return self.files.confirm_discard()

    def closeEvent(self, event):
        """Close once the user may discard the changes. A training run or evaluation still
        running is stopped and the window hides at once; the close completes when its
        threads have ended (a stop waits for the current batch), so that no thread outlives
        the window and the window never freezes waiting for one."""
        if not self._closing and not self._may_discard():
            event.ignore()
            return
        page = getattr(self, "training_page", None)
        if not self._closing and page is not None and page.stop_for_close(self.close):
            self._closing = True
            self.hide()
            event.ignore()
            return
        if page is not None:
            page.shutdown()
        self.files.shutdown()
        event.accept()
        if self._closing:                # closing a hidden window does not end the app by itself
            self._closing = False
            app = QApplication.instance()
            if app.quitOnLastWindowClosed() and not any(w.isVisible() for w in app.topLevelWidgets()):
                app.quit()

    def _show_inserted(self, node_ids: list) -> None:
        """A fix added layers: select them and bring them, with their neighbours, into view."""
        node_ids = [n for n in node_ids if n in self.scene.node_items]
        if not node_ids:
            return
        self.scene.select(node_ids)
        near = set(node_ids)
        for nid in node_ids:
            near.update(e.src for e in self.graph.in_edges(nid))
            near.update(e.dst for e in self.graph.out_edges(nid))
        rect = self.scene.nodes_rect(list(near))
        if not self.view.visible_rect().contains(rect):
            self.view.centre_on(rect)

    def _ask_reshape_target(self, n: int, guess: tuple) -> tuple | None:
        return dialogs.ask_reshape_target(self, n, guess)

