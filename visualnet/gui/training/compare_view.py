"""Two runs side by side (the Runs tab's Compare): the loss and each metric both runs
recorded, per epoch, training solid and validation dashed, one colour per run with a
legend; below, what differs (hyper-parameters, layers and wires, data recipe, from
`engine.run_compare`) and the final metrics side by side."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QLabel, QListWidget, QSplitter, QTableWidget, QTableWidgetItem, QVBoxLayout,
                               QWidget)

from visualnet.engine.run_compare import RunComparison, compare_runs

from .. import theme

RUN_COLOURS = ("#2f6fea", "#e16f24")
_NOT_CURVES = {"epoch", "step", "duration", "learning_rate", "logs"}


def epoch_quantities(history: dict) -> list[str]:
    """The quantities of a history's epoch table (training names; 'loss' first)."""
    keys = [k for k in (history.get("epoch") or {}) if k not in _NOT_CURVES and not k.startswith("val_")]
    return sorted(keys, key=lambda k: (k != "loss", keys.index(k)))


def _points(history: dict, key: str):
    table = history.get("epoch") or {}
    xs, ys = table.get("epoch") or [], table.get(key) or []
    pts = [(x + 1, y) for x, y in zip(xs, ys) if isinstance(x, (int, float)) and isinstance(y, (int, float))]
    return [p[0] for p in pts], [p[1] for p in pts]


class RunCompareView(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        t = theme.current()
        self.title = QLabel(" ")
        self.title.setObjectName("compare_title")
        self.plots_widget = pg.GraphicsLayoutWidget()
        self.plots_widget.setBackground(t.base)
        self.plots: dict[str, pg.PlotItem] = {}
        self.items: dict[str, list] = {}          # quantity -> the PlotDataItems drawn on it
        self.differences = QListWidget()
        self.differences.setObjectName("compare_differences")
        self.metrics_table = QTableWidget(0, 3)
        self.metrics_table.setObjectName("compare_metrics")
        self.metrics_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.comparison: RunComparison | None = None
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(self.differences)
        lower.addWidget(self.metrics_table)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.plots_widget)
        split.addWidget(lower)
        split.setSizes([400, 200])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(split, 1)

    def show_runs(self, a: dict, b: dict, names=("A", "B")) -> RunComparison:
        """Compare run records' histories `a` and `b` (RunHistory dicts)."""
        self.comparison = cmp = compare_runs(a, b)
        self.title.setText(f"{names[0]} (blue) vs {names[1]} (orange)")
        self._draw(a, b, names)
        self.differences.clear()
        lines = cmp.lines()
        if not cmp.graph_known:
            lines.append("graph: not recorded for one of the runs")
        if not cmp.recipe_known:
            lines.append("data recipe: not recorded for one of the runs")
        self.differences.addItems(lines or ["no differences in hyper-parameters, graph or data"])
        self.metrics_table.setRowCount(0)
        self.metrics_table.setHorizontalHeaderLabels(["final", names[0], names[1]])
        for name, va, vb in cmp.metrics:
            r = self.metrics_table.rowCount()
            self.metrics_table.insertRow(r)
            for j, v in enumerate((name, va, vb)):
                text = v if isinstance(v, str) else "—" if v is None else f"{v:.4g}"
                self.metrics_table.setItem(r, j, QTableWidgetItem(text))
        return cmp

    def _draw(self, a: dict, b: dict, names) -> None:
        self.plots_widget.clear()
        self.plots, self.items = {}, {}
        qa, qb = epoch_quantities(a), epoch_quantities(b)
        shared = [k for k in qa if k in qb]
        for i, key in enumerate(shared):
            plot = self.plots_widget.addPlot(row=i // 2, col=i % 2)
            plot.setTitle(key)
            plot.showGrid(x=True, y=True, alpha=0.2)
            plot.setLabel("bottom", "epoch")
            plot.addLegend(offset=(-10, 10), brush=theme.legend_brush(), labelTextColor=theme.current().text)
            self.plots[key] = plot
            self.items[key] = []
            for history, name, colour in ((a, names[0], RUN_COLOURS[0]), (b, names[1], RUN_COLOURS[1])):
                for series, style, symbol in ((key, Qt.PenStyle.SolidLine, "o"), (f"val_{key}", Qt.PenStyle.DashLine,
                                                                                 "s")):
                    xs, ys = _points(history, series)
                    if not xs:
                        continue
                    label = name if series == key else f"{name} validation"
                    item = plot.plot(xs, ys, pen=pg.mkPen(colour, width=2, style=style), symbol=symbol,
                                     symbolSize=7, symbolBrush=colour, symbolPen=colour, name=label)
                    self.items[key].append(item)
