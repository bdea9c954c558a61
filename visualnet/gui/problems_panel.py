"""The problems panel: every validation problem, errors first; clicking one selects and
centres its layer or wire; problems with an obvious repair offer it as a button (a layer
without its wire: two, connect and delete; see fixes.fix_variants)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QHBoxLayout, QHeaderView, QLabel, QPushButton, QTreeWidget, QTreeWidgetItem,
                               QVBoxLayout, QWidget)

from . import icons, theme
from .fixes import fix_label, fix_variants

PROBLEM_ROLE = Qt.ItemDataRole.UserRole + 1


class ProblemsPanel(QWidget):
    problem_activated = Signal(object)   # Problem: select and centre what it is about
    fix_requested = Signal(object)       # Problem: apply its one-click fix
    count_changed = Signal(int, int)     # errors, warnings

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.document = document
        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["Problem", "Layer", "Fix"])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(False)
        self.tree.setWordWrap(True)
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)
        self.tree.itemClicked.connect(self._clicked)
        self.tree.itemActivated.connect(self._clicked)
        self.empty = QLabel()
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tree)
        layout.addWidget(self.empty)
        document.analysed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        graph = self.document.graph
        self.tree.clear()
        problems = self.document.problems
        for problem in problems:
            where = ""
            if problem.node_id in graph.nodes:
                where = graph.nodes[problem.node_id].name
            elif problem.edge_id in graph.edges:
                e = graph.edges[problem.edge_id]
                where = f"{graph.nodes[e.src].name} → {graph.nodes[e.dst].name}"
            item = QTreeWidgetItem([problem.message, where, ""])
            item.setIcon(0, icons.severity_icon(problem.severity))
            item.setData(0, PROBLEM_ROLE, problem)
            item.setToolTip(0, f"{problem.severity.capitalize()} ({problem.code}): {problem.message}")
            self.tree.addTopLevelItem(item)
            variants = fix_variants(problem, graph)
            if variants:
                holder = QWidget()
                lay = QHBoxLayout(holder)
                lay.setContentsMargins(2, 1, 4, 1)
                for variant in variants:
                    button = QPushButton(fix_label(variant))
                    button.setObjectName(f"fix_{variant.fix}")
                    button.setToolTip("Repair this in one click (undoable).")
                    button.clicked.connect(lambda _=False, p=variant: self.fix_requested.emit(p))
                    lay.addWidget(button)
                self.tree.setItemWidget(item, 2, holder)
        errors = sum(p.severity == "error" for p in problems)
        warnings = len(problems) - errors
        ok = theme.current().ok
        if graph.nodes and not problems:
            self.empty.setText(f"<span style='color:{ok}'>✔ No problems: the model is ready to train.</span>")
        else:
            self.empty.setText("")
        self.tree.setVisible(bool(problems))
        self.empty.setVisible(not problems)
        self.count_changed.emit(errors, warnings)

    def problems(self) -> list:
        return [self.tree.topLevelItem(i).data(0, PROBLEM_ROLE) for i in range(self.tree.topLevelItemCount())]

    def row_of(self, code: str, node_id: str | None = None, edge_id: str | None = None) -> QTreeWidgetItem | None:
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            p = item.data(0, PROBLEM_ROLE)
            if p.code == code and (node_id is None or p.node_id == node_id) and (edge_id is None or p.edge_id == edge_id):
                return item
        return None

    def fix_button(self, item: QTreeWidgetItem) -> QPushButton | None:
        buttons = self.fix_buttons(item)
        return buttons[0] if buttons else None

    def fix_buttons(self, item: QTreeWidgetItem) -> list[QPushButton]:
        """The row's fix buttons, in order (a layer without its wire: connect, then delete)."""
        holder = self.tree.itemWidget(item, 2)
        return holder.findChildren(QPushButton) if holder is not None else []

    def _clicked(self, item: QTreeWidgetItem, column: int = 0) -> None:
        self.problem_activated.emit(item.data(0, PROBLEM_ROLE))
