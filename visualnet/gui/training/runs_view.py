"""The Runs tab: a table of the page's runs, numbered in its row header (status, epochs,
final loss, test-set result once evaluated, metrics, duration), double-click to show a run's curves, and two selected runs compared (curves
overlaid, differences listed: compare_view.py)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSplitter, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from .compare_view import RunCompareView


COLUMNS = ["status", "epochs", "loss", "val_loss", "test", "metrics", "duration"]


def _fmt(v) -> str:
    return "" if not isinstance(v, (int, float)) else f"{v:.4f}"


def test_text(logs) -> str:
    """A run's test-set result in a cell: its first metric, else its loss ('' before evaluation)."""
    if not isinstance(logs, dict):
        return ""
    numbers = {k: v for k, v in logs.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    key = next((k for k in numbers if k != "loss"), "loss" if "loss" in numbers else None)
    return "" if key is None else f"{key} {numbers[key]:.4f}"


class RunsView(QWidget):
    show_requested = Signal(int)      # a row was double-clicked
    compare_requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.ExtendedSelection)
        self.table.setToolTip("Double-click a run to show its curves; select two and Compare")
        self.table.cellDoubleClicked.connect(lambda row, _col: self.show_requested.emit(row))
        self.table.itemSelectionChanged.connect(self._update_compare_button)
        self.compare_button = QPushButton("Compare")
        self.compare_button.setObjectName("runs_compare")
        self.compare_button.setToolTip("Overlay the curves of the two selected runs and list what differs")
        self.compare_button.setEnabled(False)
        self.compare_button.clicked.connect(self.compare_requested.emit)
        self.compare_view = RunCompareView()
        self.compare_view.setObjectName("runs_compare_view")
        self.compare_view.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Select two runs to compare them."))
        bar.addStretch(1)
        bar.addWidget(self.compare_button)
        layout.addLayout(bar)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.compare_view)
        split.setSizes([160, 540])
        layout.addWidget(split, 1)

    def add_row(self, record: dict) -> None:
        h = record["history"]
        final = h.get("final") or {}
        r = self.table.rowCount()
        self.table.insertRow(r)
        metrics = ", ".join(f"{k} {v:.4f}" for k, v in final.items()
                            if k not in ("loss", "val_loss", "learning_rate") and isinstance(v, float))
        duration = record.get("duration")
        cells = [str(h.get("status", "")), str(len((h.get("epoch") or {}).get("epoch", []))),
                 _fmt(final.get("loss")), _fmt(final.get("val_loss")), test_text(record.get("test")), metrics,
                 "" if not isinstance(duration, (int, float)) else f"{duration:.1f} s"]
        for j, v in enumerate(cells):
            self.table.setItem(r, j, QTableWidgetItem(v))

    def set_test(self, row: int, logs: dict) -> None:
        """Show run `row`'s test-set result (its model was just evaluated)."""
        if 0 <= row < self.table.rowCount():
            self.table.setItem(row, COLUMNS.index("test"), QTableWidgetItem(test_text(logs)))

    def clear(self) -> None:
        self.table.setRowCount(0)
        self.compare_view.hide()

    def selected(self) -> list[int]:
        return sorted({i.row() for i in self.table.selectedIndexes()})

    def _update_compare_button(self) -> None:
        self.compare_button.setEnabled(len(self.selected()) == 2)

    def compare(self, a: dict, b: dict, names: tuple):
        """Show histories `a` and `b` overlaid with their differences; the comparison."""
        cmp = self.compare_view.show_runs(a, b, names=names)
        self.compare_view.show()
        return cmp
