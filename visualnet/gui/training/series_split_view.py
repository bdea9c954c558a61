"""The Data tab's picture of a time series (a `data.series_overview.SeriesOverview`): the
series in time order, the boundaries between its training, validation and test parts, and,
once a forecaster is evaluated, its predictions drawn over the test part."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QGroupBox, QLabel, QVBoxLayout

from .. import theme


class SeriesSplitView(QGroupBox):
    def __init__(self, parent=None):
        super().__init__("Series: the split in time, and the forecast over the test part", parent)
        self.setObjectName("series_split")
        self.overview = None
        t = theme.current()
        layout = QVBoxLayout(self)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.plot = pg.PlotWidget()
        self.plot.setObjectName("series_split_plot")
        self.plot.setBackground(t.base)
        self.plot.setMinimumHeight(240)
        item = self.plot.getPlotItem()
        item.showGrid(x=True, y=True, alpha=0.2)
        item.addLegend(offset=(10, 5), brush=pg.mkBrush(t.base))
        self.series = item.plot(pen=pg.mkPen(t.dim, width=1.2), name="series")
        self.forecast = item.plot(pen=pg.mkPen(t.accent, width=1.6), name="forecast (test)")
        self.bounds = []
        for name in ("validation", "test"):
            line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(t.warning, width=1.5,
                                                                         style=pg.QtCore.Qt.PenStyle.DashLine),
                                   label=name, labelOpts={"position": 0.95, "color": t.warning})
            item.addItem(line)
            self.bounds.append(line)
        layout.addWidget(self.caption)
        layout.addWidget(self.plot, 1)

    def show_overview(self, overview) -> None:
        self.overview = overview
        item = self.plot.getPlotItem()
        item.setLabel("bottom", overview.x_label)
        item.setLabel("left", overview.name)
        self.series.setData(overview.x, overview.values)
        self.forecast.setData([], [])
        validation, test = overview.bounds
        self.bounds[0].setValue(validation)
        self.bounds[0].setVisible(validation < test)          # no validation part: one line
        self.bounds[1].setValue(test)
        self.bounds[1].setVisible(len(overview.test_x) > 0)
        self.caption.setText(f"{overview.name}: training before the first dashed line, then validation and test "
                             "(split by time, never shuffled). Train and evaluate to see the forecast.")

    def show_forecast(self, x, values) -> None:
        self.forecast.setData(x, values)
        self.caption.setText(f"{self.overview.name}: the forecast of the evaluated model over the test part "
                             f"({len(x)} windows).")

    def clear_forecast(self) -> None:
        self.forecast.setData([], [])
