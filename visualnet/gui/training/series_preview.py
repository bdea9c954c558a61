"""The data panel's picture of a time series: a few windows as lines, each with its target
as a dot after it (at the horizon)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from PySide6.QtWidgets import QSizePolicy

from .. import theme


class SeriesPreview(pg.PlotWidget):
    """Plots `data.Sample` rows (the window's values) and labels (the target)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        t = theme.current()
        self.setBackground(t.base)
        self.setObjectName("series_preview")
        self.setMinimumHeight(130)
        self.setMaximumHeight(170)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)   # never widens the panel
        self.getPlotItem().setLabel("bottom", "step in the window")
        self.getPlotItem().showGrid(x=True, y=True, alpha=0.2)
        self.lines: list = []

    def show_windows(self, samples, horizon: int = 1, count: int = 3) -> None:
        """The first `count` samples' windows (x = 1 .. window) and targets (x = window + horizon)."""
        self.clear()
        self.lines = []
        colours = [theme.current().accent, theme.current().warning, theme.current().dim]
        for k, s in enumerate(samples[:count]):
            colour = colours[k % len(colours)]
            n = len(s.row)
            self.lines.append(self.plot(range(1, n + 1), s.row, pen=pg.mkPen(colour, width=1.5)))
            target = _number(s.label)
            if target is not None:        # a class name (a sequence set's label) has no place on the axis
                self.plot([n + horizon], [target], pen=None, symbol="o", symbolSize=7,
                          symbolBrush=pg.mkBrush(colour))
        self.getPlotItem().setTitle("windows (lines) and their targets (dots)", size="9pt")


def _number(label):
    """`label` as one number, or None (a class name, several values, nothing)."""
    try:
        values = np.asarray(label, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        return None
    return float(values[0]) if values.size == 1 else None
