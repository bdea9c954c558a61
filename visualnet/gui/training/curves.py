"""Live training curves (pyqtgraph): one plot for the loss, one per metric, one for the
learning rate. Training per batch (smoothed, with the raw batch loss faint behind it) and
per epoch, validation per epoch; changes made during the run are dashed vertical lines.
Curves are drawn with clip-to-view and peak downsampling, so 100,000 points stay smooth; a
saved run is drawn in one pass over its columns, and epoch points lose their symbols when
there are too many to tell apart (a million symbols took minutes).
Hover shows the values under the cursor; log scale; export PNG/SVG (the plots) and CSV
(the numbers)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QCheckBox, QFileDialog, QGraphicsItem, QHBoxLayout, QLabel, QPushButton, QVBoxLayout,
                               QWidget)

from .. import theme
from .log_axis import SpacedLogAxis

_SKIP = {"step", "epoch", "batch", "loss", "loss_smoothed", "learning_rate", "batch_size"}
_EPOCH_SKIP = {"epoch", "step", "duration", "learning_rate", "logs"}
SYMBOLS_UP_TO = 500  # epoch and validation points drawn with symbols up to this many
# during a run the curves are redrawn at most every REDRAW_SHARE⁻¹ times their last redraw's
# cost, and never more often than REDRAW_MIN nor less often than REDRAW_MAX seconds: a redraw
# holds the GIL and a core the training uses (an MNIST MLP's, about 25 ms of the GUI thread,
# cost the run about 15 ms; every 0.5 s it slowed the run by 3%: benchmarks/RESULTS.md)
REDRAW_SHARE, REDRAW_MIN, REDRAW_MAX = 0.02, 1.0, 2.0
WHOLE_RUN_UNDER = 60.0  # seconds: a run that will be this short gets a step axis as long as the run
VALUE_AXIS_WIDTH = 52   # pixels: room for five-digit tick labels such as 0.0125 or 1e-05
COLOURS = {"train": "#2f6fea", "raw": "#9db8f2", "epoch": "#1f3f8f", "val": "#e16f24", "lr": "#8250df",
           "marker": "#8c959f"}


class Series:
    """A growing (x, y) pair of float64 arrays (amortised appends, no list conversions)."""

    def __init__(self):
        self.x = np.empty(256)
        self.y = np.empty(256)
        self.n = 0

    def extend(self, xs, ys) -> None:
        """Append points; `ys` may hold None (a gap)."""
        self.extend_array(xs, [np.nan if v is None else v for v in ys])

    def extend_array(self, xs, ys) -> None:
        k = len(xs)
        if self.n + k > len(self.x):
            size = max(2 * len(self.x), self.n + k)
            self.x = np.resize(self.x, size)
            self.y = np.resize(self.y, size)
        self.x[self.n:self.n + k] = xs
        self.y[self.n:self.n + k] = ys
        self.n += k

    def data(self):
        return self.x[:self.n], self.y[:self.n]

    def clear(self) -> None:
        self.n = 0


class CurvePlot:
    """One quantity: batch curve (+ raw loss), epoch points, validation points."""

    def __init__(self, plot: pg.PlotItem, key: str, title: str):
        self.plot, self.key = plot, key
        plot.setTitle(title, color=theme.current().text)   # a plot made after a theme switch too
        plot.showGrid(x=True, y=True, alpha=0.2)
        plot.setClipToView(True)
        plot.setDownsampling(auto=True, mode="peak")
        plot.setLabel("bottom", "step (batch)")
        for name in ("left", "bottom"):   # drawn from a cached image unless the axis itself changed
            plot.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        # a fixed width: otherwise the value axis widens and narrows with its tick labels, and
        # each change lays out the plot (and its other axis) again
        plot.getAxis("left").setWidth(VALUE_AXIS_WIDTH)
        # major ticks and grid lines only on the value axis: it is drawn anew whenever the run
        # moves its range, with the GIL held (the training thread waits), and its minor grid
        # lines were 40% of such a redraw (benchmarks/RESULTS.md)
        plot.getAxis("left").setStyle(maxTickLevel=0)
        self.series = {name: Series() for name in ("raw", "train", "epoch", "val")}
        self.items = {}
        if key == "loss":
            self.items["raw"] = plot.plot(pen=pg.mkPen(COLOURS["raw"], width=1), name="batch", connect="finite")
        colour = COLOURS["lr"] if key == "learning_rate" else COLOURS["train"]
        label = "learning rate" if key == "learning_rate" else "training (smoothed)" if key == "loss" else \
            "training (running epoch mean)"
        self.items["train"] = plot.plot(pen=pg.mkPen(colour, width=2), name=label, connect="finite")
        if key != "learning_rate":
            self.items["epoch"] = plot.plot(pen=pg.mkPen(COLOURS["epoch"], width=1.5), symbol="o", symbolSize=7,
                                            symbolBrush=COLOURS["epoch"], name="training (epoch)")
            self.items["val"] = plot.plot(pen=pg.mkPen(COLOURS["val"], width=1.5), symbol="s", symbolSize=7,
                                          symbolBrush=COLOURS["val"], name="validation (epoch)")
        self.symbols = {"epoch": "o", "val": "s"}
        self.markers: list = []
        self.y_span = None            # the value axis's range while it follows a run (fit_y)
        plot.vb.sigRangeChangedManually.connect(self._zoomed)

    def _zoomed(self, *_) -> None:
        self.y_span = False           # the person zoomed or panned: the axis is theirs

    def fit_y(self) -> None:
        """Keep the value axis around the points, changing it only when they leave it or fill
        less than half of it (an axis that changes is laid out and drawn anew)."""
        if self.y_span is False:
            return
        log = self.plot.ctrl.logYCheck.isChecked()
        ys = [self.series[name].data()[1] for name in self.items]
        ys = np.concatenate(ys) if ys else np.empty(0)
        ys = np.log10(ys[ys > 0]) if log else ys[np.isfinite(ys)]
        if not len(ys):
            return
        lo, hi = float(ys.min()), float(ys.max())
        if self.y_span is not None:
            a, b = self.y_span
            if a <= lo and hi <= b and hi - lo >= 0.5 * (b - a):
                return
        pad = 0.1 * (hi - lo) or 0.1 * abs(hi) or 0.1
        self.y_span = (lo - pad, hi + pad)
        self.plot.vb.disableAutoRange(axis=pg.ViewBox.YAxis)
        self.plot.setYRange(*self.y_span, padding=0)

    def refresh(self) -> None:
        for name, item in self.items.items():
            x, y = self.series[name].data()
            if name in self.symbols:
                symbol = self.symbols[name] if len(x) <= SYMBOLS_UP_TO else None
                if item.opts["symbol"] != symbol:
                    item.setSymbol(symbol)
            item.setData(x, y)

    def add_marker(self, step: float, text: str) -> None:
        line = pg.InfiniteLine(pos=step, angle=90, movable=False,
                               pen=pg.mkPen(COLOURS["marker"], width=1, style=Qt.PenStyle.DashLine),
                               label=text, labelOpts={"position": 0.97, "color": theme.current().dim,
                                                      "anchors": [(0, 0), (0, 0)]})
        self.plot.addItem(line)
        self.markers.append(line)

    def auto_y(self) -> None:
        """The value axis fits the points again, as pyqtgraph keeps it (not only while a run goes on)."""
        if self.y_span is not None:
            self.y_span = None
            self.plot.enableAutoRange(y=True)

    def is_empty(self) -> bool:
        return not any(s.n for s in self.series.values()) and not self.markers

    def clear(self) -> None:
        self.auto_y()
        for s in self.series.values():
            s.clear()
        for line in self.markers:
            self.plot.removeItem(line)
        self.markers = []
        self.refresh()


class _TimedLayout(pg.GraphicsLayoutWidget):
    """A GraphicsLayoutWidget that remembers how long its last paint took."""

    paint_seconds = 0.0

    def paintEvent(self, event):
        t0 = time.perf_counter()
        super().paintEvent(event)
        self.paint_seconds = time.perf_counter() - t0


class CurvesView(QWidget):
    """The curves of the current run. Feed it `add_batches(rows)`, `add_epoch(row)`,
    `add_marker(marker)`; `reset()` before a new run and `set_live(False)` when it pauses or ends. During a run
    (a `reset` with `steps`) new points are drawn together at a rate that keeps drawing
    cheap; otherwise at once."""

    hovered = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        t = theme.current()
        pg.setConfigOptions(antialias=False)
        self.layout_widget = _TimedLayout()
        self.layout_widget.setBackground(t.base)
        self.plots: dict[str, CurvePlot] = {}
        self.tables = {"batch": {}, "epoch": {}}   # the numbers shown, by column (as in RunHistory)
        self.readout = QLabel(" ")
        self.readout.setObjectName("curves_readout")
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.log_check = QCheckBox("Log scale")
        self.log_check.toggled.connect(self.set_log_scale)
        self.buttons = {}
        bar = QHBoxLayout()
        bar.addWidget(self.readout, 1)
        bar.addWidget(self.log_check)
        for key, text in (("png", "Export PNG…"), ("svg", "Export SVG…"), ("csv", "Export CSV…")):
            button = QPushButton(text)
            button.clicked.connect(lambda _=False, k=key: self._export_dialog(k))
            bar.addWidget(button)
            self.buttons[key] = button
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.layout_widget, 1)
        self._proxy = pg.SignalProxy(self.layout_widget.scene().sigMouseMoved, rateLimit=30, slot=self._mouse_moved)
        self._redraw_timer = QTimer(self, singleShot=True, timeout=self.redraw)
        self._redraw_seconds = 0.0
        self.live = False
        self._unseen = False  # points of a run arrived while the view was hidden
        self.redraws = 0      # how many times the curves were drawn anew (tests count them)
        self.reset(["loss"])

    # ----------------------------------------------------------------- data
    def reset(self, metric_names=("loss",), steps: int | None = None) -> None:
        """Empty plots for the loss, `metric_names` and the learning rate. `steps`: the run's
        length in batches, when known (a run starts): the step axis then grows by doubling up
        to it, so the axes are laid out again a few times in a run, not at every update, and
        new points are drawn at the view's pace (`redraw`) until `set_live(False)`."""
        self._redraw_timer.stop()
        self.tables = {"batch": {}, "epoch": {}}
        self.steps, self._span, self._span_pending, self.live = steps, None, None, bool(steps)
        self._started, self._last_step = time.perf_counter(), 0.0
        keys = ["loss"] + [m for m in metric_names if m != "loss"] + ["learning_rate"]
        if keys == list(self.plots):      # the same plots: emptied, not built again
            for plot in self.plots.values():
                plot.clear()
        else:                             # plots of the same quantities kept (building one costs 20-60 ms)
            old = self.plots
            for plot in old.values():
                self.layout_widget.removeItem(plot.plot)
            self.plots = {}
            for i, key in enumerate(keys):
                if key in old:
                    self.layout_widget.addItem(old[key].plot, row=i // 2, col=i % 2)
                    self.plots[key] = old.pop(key)
                    self.plots[key].clear()
                else:
                    self._add_plot(key, i)
            for plot in old.values():     # not needed now
                plot.plot.setXLink(None)
        first = next(iter(self.plots.values())).plot
        if steps:
            first.disableAutoRange(axis="x")
        else:
            first.enableAutoRange(x=True)

    def prepare(self, metric_names) -> None:
        """Build the plots a run with `metric_names` will need while nothing is shown (the
        page is idle), so that starting the run only empties them."""
        if not self.live and all(p.is_empty() for p in self.plots.values()):
            self.reset(metric_names)

    def set_live(self, live: bool) -> None:
        """Whether a run goes on (points drawn at the view's pace) or not (paused, ended:
        what is pending is drawn now, and later points at once)."""
        self.live = live
        if not live:
            for plot in self.plots.values():
                plot.auto_y()
            self.redraw()

    def redraw(self) -> None:
        """Draw the points added since the last redraw (during a run while the view is hidden,
        behind another tab: when it is shown again)."""
        self._redraw_timer.stop()
        if self.live and not self.isVisible():
            self._unseen = True
            return
        self._unseen = False
        if self.live and self._ends_within(REDRAW_MIN):
            return                 # its end, drawn at once, comes first
        t0 = time.perf_counter()
        if self._span_pending is not None:
            next(iter(self.plots.values())).plot.setXRange(0, self._span_pending, padding=0.02)
            self._span_pending = None
        for plot in self.plots.values():
            if self.live:
                plot.fit_y()
            plot.refresh()
        self.redraws += 1
        self._redraw_seconds = time.perf_counter() - t0

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._unseen:
            self.redraw()

    def _changed(self) -> None:
        if not self.live:
            self.redraw()
        elif not self._redraw_timer.isActive():
            cost = self._redraw_seconds + self.layout_widget.paint_seconds
            self._redraw_timer.start(int(1000 * min(max(cost / REDRAW_SHARE, REDRAW_MIN), REDRAW_MAX)))

    def _ends_within(self, seconds: float) -> bool:
        """Whether the run will end within `seconds` at its pace so far."""
        if not self.steps or self._last_step <= 0:
            return False
        elapsed = time.perf_counter() - self._started
        return elapsed * (self.steps - self._last_step) / self._last_step < seconds

    def _follow(self, last_step: float) -> None:
        """Widen the step axis to show `last_step`: from an eighth of the run, by doubling, up
        to its length; at once to the whole run when it will last under `WHOLE_RUN_UNDER`
        seconds at its pace (each widening draws every axis anew)."""
        if not self.steps or not np.isfinite(last_step):
            return
        self._last_step = max(self._last_step, last_step)
        if self._span is not None and last_step <= self._span:
            return
        if last_step > self.steps:       # the run was lengthened (more epochs)
            self.steps = int(2 * last_step)
        span = max(64, self.steps // 8)      # at most four widenings in a run
        while span < last_step * 1.25:
            span *= 2
        elapsed = time.perf_counter() - self._started
        if last_step > 0 and elapsed * self.steps / last_step < WHOLE_RUN_UNDER:
            span = self.steps
        self._span = self._span_pending = min(span, self.steps)

    def _add_plot(self, key: str, index: int | None = None) -> CurvePlot:
        index = len(self.plots) if index is None else index
        cols = 2
        item = self.layout_widget.addPlot(row=index // cols, col=index % cols,
                                          axisItems={"left": SpacedLogAxis("left")})   # log scale: labels apart
        if key == "loss":
            item.addLegend(offset=(-10, 10), labelTextSize="8pt", brush=theme.legend_brush(),
                           labelTextColor=theme.current().text)
        title = {"loss": "Loss", "learning_rate": "Learning rate"}.get(key, key.replace("_", " ").capitalize())
        plot = CurvePlot(item, key, title)
        if key == "learning_rate":
            item.setLogMode(y=True)       # schedules span decades; a constant rate stays readable
        first = next(iter(self.plots.values()), None)
        if first is not None:
            item.setXLink(first.plot)
        self.plots[key] = plot
        return plot

    def _plot(self, key: str) -> CurvePlot:
        return self.plots.get(key) or self._add_plot(key)

    def add_batches(self, rows: list) -> None:
        """Batch rows of a run going on (dicts as RunHistory's batch table holds them)."""
        if rows:
            self.add_columns("batch", _columns(rows))

    def add_epoch(self, row: dict) -> None:
        self.add_columns("epoch", _columns([{k: v for k, v in row.items() if k != "logs"}]))

    def add_columns(self, table: str, columns: dict) -> None:
        """Rows given as columns (name -> list of equal length; None: no value), drawn in
        one pass: a saved run's whole history at once, or a batch of new rows."""
        n = len(columns.get("step", ()))
        if not n:
            return
        _append(self.tables[table], columns, n)
        steps = _floats(columns["step"])
        if table == "batch":
            loss = self.plots["loss"]
            loss.series["raw"].extend_array(steps, _floats(columns.get("loss"), n))
            loss.series["train"].extend_array(steps, _floats(columns.get("loss_smoothed"), n))
            self.plots["learning_rate"].series["train"].extend_array(steps, _floats(columns.get("learning_rate"), n))
            for key, values in columns.items():
                if key not in _SKIP:
                    self._plot(key).series["train"].extend_array(steps, _floats(values, n))
        else:
            for key, values in columns.items():
                if key in _EPOCH_SKIP or not any(isinstance(v, (int, float)) and not isinstance(v, bool)
                                                 for v in values):
                    continue
                ys = _floats(values, n)
                keep = ~np.isnan(ys) & ~np.isnan(steps)     # points where a value (and its step) exist
                target = key[4:] if key.startswith("val_") else key
                self._plot(target).series["val" if key.startswith("val_") else "epoch"].extend_array(
                    steps[keep], ys[keep])
        if len(steps):
            self._follow(float(np.nanmax(steps)))
        self._changed()

    def show_history(self, h: dict) -> None:
        """Draw a saved run (a `RunHistory.to_dict()`, perhaps from a damaged or older file:
        malformed tables and markers are left out)."""
        self.reset(curve_keys(h.get("settings") or {}))
        for table in ("batch", "epoch"):
            columns = {k: v for k, v in (h.get(table) or {}).items() if isinstance(v, list)}
            if len({len(v) for v in columns.values()}) == 1:      # a well-formed table
                self.add_columns(table, columns)
        for marker in h.get("markers") or []:
            if isinstance(marker, dict) and "step" in marker and "kind" in marker:
                self.add_marker({"new": None, **marker})

    def add_marker(self, marker: dict) -> None:
        text = {"learning_rate": "lr", "batch_size": "batch", "plateau": "lr", "optimizer": "opt",
                "epochs": "epochs"}.get(marker["kind"], marker["kind"])
        for plot in self.plots.values():
            plot.add_marker(marker["step"] + 0.5, f"{text}: {marker['new']}" if not isinstance(marker["new"], dict)
                            else text)

    def point_count(self, key: str = "loss", series: str = "train") -> int:
        return self.plots[key].series[series].n if key in self.plots else 0

    # ----------------------------------------------------------------- interaction
    def set_log_scale(self, on: bool) -> None:
        for key, plot in self.plots.items():
            plot.plot.setLogMode(y=on or key == "learning_rate")
            plot.auto_y()

    def _mouse_moved(self, event) -> None:
        pos = event[0]
        for key, plot in self.plots.items():
            if plot.plot.sceneBoundingRect().contains(pos):
                x = plot.plot.vb.mapSceneToView(pos).x()
                self.readout.setText(self.describe_step(key, x))
                self.hovered.emit(self.readout.text())
                return

    def describe_step(self, key: str, x: float) -> str:
        """The values of `key` at the batch nearest to step `x` (hover readout)."""
        plot = self.plots.get(key)
        if plot is None:
            return " "
        xs, ys = plot.series["train"].data()
        if not len(xs):
            return " "
        i = int(np.clip(np.searchsorted(xs, x), 0, len(xs) - 1))
        if i > 0 and abs(xs[i - 1] - x) < abs(xs[i] - x):
            i -= 1
        batch = self.tables["batch"]
        epoch, loss = (_at(batch.get(k), i) for k in ("epoch", "loss"))
        name = plot.plot.titleLabel.text
        parts = [f"step {int(xs[i])}", f"epoch {(epoch or 0) + 1}", f"{name}: {ys[i]:.4g}"]
        if key == "loss" and loss is not None:
            parts.append(f"batch loss {loss:.4g}")
        return " · ".join(parts)

    # ----------------------------------------------------------------- export
    def export_png(self, path) -> None:
        from pyqtgraph.exporters import ImageExporter
        exporter = ImageExporter(self.layout_widget.scene())
        exporter.parameters()["width"] = max(self.layout_widget.width(), 800)
        exporter.export(str(path))

    def export_svg(self, path) -> None:
        """Qt's SVG generator renders the scene as drawn (pyqtgraph's SVG exporter fails on
        some log-scale paths)."""
        from PySide6.QtCore import QRectF
        from PySide6.QtGui import QPainter
        from PySide6.QtSvg import QSvgGenerator
        scene = self.layout_widget.scene()
        rect = QRectF(self.layout_widget.rect())
        generator = QSvgGenerator()
        generator.setFileName(str(path))
        generator.setSize(rect.size().toSize())
        generator.setViewBox(rect)
        generator.setTitle("VisualNet training curves")
        painter = QPainter(generator)
        scene.render(painter, rect, rect)
        painter.end()

    def export_csv(self, path, history=None) -> list[Path]:
        """The per-batch numbers to `path` and the per-epoch ones beside it (`*_epochs.csv`)."""
        from visualnet.engine.run_history import RunHistory
        if history is None:
            history = RunHistory(batch=self.tables["batch"], epoch=self.tables["epoch"])
        path = Path(path)
        epochs = path.with_name(path.stem + "_epochs.csv")
        path.write_text(history.to_csv("batch") if history.batch else "", encoding="utf-8")
        epochs.write_text(history.to_csv("epoch") if history.epoch else "", encoding="utf-8")
        return [path, epochs]

    def _export_dialog(self, kind: str) -> None:
        filters = {"png": "PNG image (*.png)", "svg": "SVG image (*.svg)", "csv": "CSV (*.csv)"}
        path, _ = QFileDialog.getSaveFileName(self, "Export curves", f"curves.{kind}", filters[kind])
        if path:
            getattr(self, f"export_{kind}")(path)


def curve_keys(settings: dict) -> list[str]:
    """The curves of a run with these training settings besides the loss: its metrics, or for
    several outputs (a loss or metrics dict by output) each output's loss and metrics by
    Keras's names ("sex_loss", "sex_accuracy"), sorted as Keras's logs are."""
    loss, metrics = settings.get("loss"), settings.get("metrics")
    if isinstance(loss, dict) or isinstance(metrics, dict):
        names = list(loss) if isinstance(loss, dict) else list(metrics)
        per = metrics if isinstance(metrics, dict) else {}
        keys = [f"{n}_loss" for n in names]
        keys += [f"{n}_{m}" for n in names for m in per.get(n) or [] if isinstance(m, str)]
        return sorted(keys)
    return [m for m in metrics or [] if isinstance(m, str)]


def _columns(rows: list) -> dict:
    """Rows (dicts) as columns of equal length, None where a row lacks a key."""
    keys = dict.fromkeys(k for r in rows for k in r)
    return {k: [r.get(k) for r in rows] for k in keys}


def _append(table: dict, columns: dict, n: int) -> None:
    """`columns` (n rows) appended to a column table, as RunHistory.append keeps it."""
    before = len(next(iter(table.values()))) if table else 0
    for key, values in columns.items():
        table.setdefault(key, [None] * before).extend(values)
    for column in table.values():
        if len(column) < before + n:
            column.extend([None] * (before + n - len(column)))


def _floats(values, n: int | None = None) -> np.ndarray:
    """A column as float64 (None, text and missing columns: NaN)."""
    if values is None:
        return np.full(n, np.nan)
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        return np.array([v if isinstance(v, (int, float)) else np.nan for v in values], dtype=np.float64)


def _at(column, i: int):
    return column[i] if column is not None and i < len(column) else None
