"""Seeing inside while it trains: per-layer activations for a chosen sample (feature maps
for convolution outputs, a heat map over time for sequences, bars for vectors), weight histograms, gradient norms over time
and, for 2-D data, the decision boundary behind the points (as TensorFlow Playground).

`inspect(session, sample, points)` runs in the training thread (engine calls only) and
returns an `InsideSnapshot`; `InsideView.show_snapshot` only draws it."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPixmap
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QScrollArea, QSpinBox, QSplitter, QVBoxLayout,
                               QWidget)

from visualnet.engine import evaluation

from .. import theme
from .data_panel import pixmap_from_array
from .log_axis import SpacedLogAxis

PASS_THROUGH = ("Flatten", "Reshape", "Dropout")   # their output repeats the layer before
PALETTE = ["#2f6fea", "#e16f24", "#1a7f37", "#8250df", "#cf222e", "#1f9d8b", "#c49000", "#cf5a9b", "#57606a",
           "#0550ae"]


@dataclass
class InsideSnapshot:
    step: int
    activations: list = field(default_factory=list)   # [(name, type, uint8 grid | float vector, is a heat map)]
    histograms: list = field(default_factory=list)    # evaluation.Histogram
    gradients: dict = field(default_factory=dict)     # {"step": [...], layer: [...]}
    grid: object = None                               # evaluation.DecisionGrid or None


def inspect(session, sample=None, points=None, max_values: int = 64) -> InsideSnapshot:
    """Engine calls for the inside view (call between batches, in the training thread)."""
    model = session.model
    acts = []
    if sample is not None:
        for a in evaluation.layer_activations(model, sample):
            if a.layer_type in PASS_THROUGH:
                continue
            if a.is_image:
                acts.append((a.name, a.layer_type, evaluation.feature_map_grid(a.values, 16, 8), False))
            elif a.values.ndim == 2:         # a sequence: time across, features down
                steps, features = a.values.shape
                shown = f"{features} features" if features <= 64 else f"first 64 of {features} features"
                acts.append((a.name, f"{a.layer_type}, {steps} steps (across) × {shown} (down)",
                             evaluation.sequence_heatmap(a.values), True))
            else:
                flat = np.asarray(a.values).reshape(-1)
                kind = a.layer_type if flat.size <= max_values else f"{a.layer_type}, first {max_values} of {flat.size}"
                acts.append((a.name, kind, flat[:max_values].copy(), False))
    grid = evaluation.decision_grid(model, points, resolution=60) if points is not None else None
    grads = {k: list(v) for k, v in session.history.gradients.items()}
    return InsideSnapshot(session.step_count, acts, evaluation.weight_histograms(model, bins=40), grads, grid)


class _LayerView(QWidget):
    """A layer's activations: its feature maps as an image, or its values as bars (drawn
    into a pixmap: a plot widget per layer cost 30-100 ms to build on the GUI thread)."""

    BAR_HEIGHT = 90
    MIN_IMAGE_HEIGHT = 48    # pixels a heat map of a few features is stretched to

    def __init__(self, name: str, layer_type: str):
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 6)
        self.title = QLabel(f"<b>{name}</b> <span style='color:{theme.current().dim}'>{layer_type}</span>")
        layout.addWidget(self.title)
        self.image = QLabel()
        layout.addWidget(self.image)

    def show_values(self, values, heat_map: bool = False) -> None:
        """Feature maps or a sequence's heat map (uint8; a heat map of a few features is
        stretched to be seen), or values as bars."""
        if values.dtype == np.uint8:
            h, w = values.shape[:2]
            sx = 2 if w < 200 else 1
            sy = max(sx, min(12, -(-self.MIN_IMAGE_HEIGHT // h))) if heat_map else sx
            self.image.setPixmap(pixmap_from_array(values).scaled(
                w * sx, h * sy, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.FastTransformation))
        else:
            self.image.setPixmap(_bars(values, self.BAR_HEIGHT))
            self.image.setToolTip(f"{len(values)} values from {float(np.min(values)):.3g} to "
                                  f"{float(np.max(values)):.3g}" if len(values) else "")


def _bars(values, height: int) -> QPixmap:
    """`values` as a bar chart (zero at the bottom, or across the middle when some are
    negative), a bar of 5 px per value."""
    t = theme.current()
    n = len(values)
    pixmap = QPixmap(max(1, 5 * n), height)
    pixmap.fill(QColor(t.base))
    top = float(np.max(np.abs(values))) if n else 0.0
    painter = QPainter(pixmap)
    base = height // 2 if n and float(np.min(values)) < 0 else height - 1
    room = base if base < height - 1 else height - 2
    painter.setPen(QColor(t.dim))
    painter.drawLine(0, base, pixmap.width(), base)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(t.accent))
    for i, v in enumerate(np.asarray(values, np.float64)):
        h = 0 if top == 0 or not np.isfinite(v) else int(round(room * v / top))
        painter.drawRect(5 * i, base - max(h, 0), 4, abs(h))
    painter.end()
    return pixmap


class InsideView(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.sample_spin = QSpinBox(minimum=0, maximum=0)
        self.sample_spin.setToolTip("Which test sample's activations to show")
        self.sample_label = QLabel()
        self.layer_views: dict[str, _LayerView] = {}
        self.acts_box = QWidget()
        self.acts_layout = QVBoxLayout(self.acts_box)
        self.acts_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.acts_box)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(QLabel("Activations for sample"))
        top.addWidget(self.sample_spin)
        top.addWidget(self.sample_label, 1)
        ll.addLayout(top)
        ll.addWidget(scroll, 1)

        t = theme.current()
        self.plots = pg.GraphicsLayoutWidget()
        self.plots.setBackground(t.base)
        self.hist_plot = self.plots.addPlot(row=0, col=0, title="Weight histogram")
        self.hist_curve = self.hist_plot.plot(stepMode="center", fillLevel=0, brush=(47, 111, 234, 120),
                                              pen=pg.mkPen(t.accent))
        self.grad_plot = self.plots.addPlot(row=1, col=0, title="Gradient norm per layer",
                                            axisItems={"left": SpacedLogAxis("left")})   # labels apart
        self.grad_plot.setLogMode(y=True)
        self.grad_plot.addLegend(offset=(-10, 10), labelTextSize="8pt", brush=theme.legend_brush(),
                                 labelTextColor=t.text)
        self.grad_plot.setLabel("bottom", "step (batch)")
        self.grad_curves: dict[str, pg.PlotDataItem] = {}
        self.boundary_plot = self.plots.addPlot(row=2, col=0, title="Decision boundary")
        self.boundary_image = pg.ImageItem()
        self.boundary_plot.addItem(self.boundary_image)
        self.points = pg.ScatterPlotItem(size=5, pen=pg.mkPen("#ffffff", width=0.5))
        self.boundary_plot.addItem(self.points)
        self.boundary_plot.hide()
        self.weight_combo = QComboBox()
        self.weight_combo.currentIndexChanged.connect(self._draw_histogram)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(QLabel("Weights"))
        row.addWidget(self.weight_combo, 1)
        rl.addLayout(row)
        rl.addWidget(self.plots, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([420, 520])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)
        self.snapshot: InsideSnapshot | None = None
        self._lut = self._playground_lut()

    @staticmethod
    def _playground_lut():
        a = np.array([245, 147, 34], np.float64)     # class 0: orange
        b = np.array([8, 119, 189], np.float64)      # class 1: blue
        w = np.array([232, 234, 235], np.float64)
        t = np.linspace(0, 1, 256)[:, None]
        lut = np.where(t < 0.5, a + (w - a) * (t / 0.5), w + (b - w) * ((t - 0.5) / 0.5))
        return lut.astype(np.uint8)

    def reset(self, n_samples: int, points=None, labels=None, classes: int = 2) -> None:
        for view in self.layer_views.values():
            view.setParent(None)
        self.layer_views = {}
        self.grad_plot.clear()
        self.grad_curves = {}
        self.hist_curve.setData([], [])
        self.weight_combo.clear()
        self.snapshot = None
        self.sample_spin.setMaximum(max(n_samples - 1, 0))
        self.boundary_plot.setVisible(points is not None)
        if points is not None:
            colours = [PALETTE[int(c) % len(PALETTE)] if classes > 2 else ("#e87a0e" if int(c) == 0 else "#0877bd")
                       for c in labels]
            self.points.setData(pos=np.asarray(points, np.float64), brush=[pg.mkBrush(c) for c in colours])

    def show_snapshot(self, snap: InsideSnapshot) -> None:
        """Draw `snap` now if the view is visible, else when it is shown."""
        self.snapshot = snap
        if self.isVisible():
            self._draw(snap)
        else:
            self._stale = True

    def showEvent(self, event):
        super().showEvent(event)
        if getattr(self, "_stale", False) and self.snapshot is not None:
            self._stale = False
            self._draw(self.snapshot)

    def _draw(self, snap: InsideSnapshot) -> None:
        self._draw_activations(snap)
        keys = [f"{h.layer}/{h.weight}" for h in snap.histograms]
        if [self.weight_combo.itemText(i) for i in range(self.weight_combo.count())] != keys:
            current = self.weight_combo.currentText()
            self.weight_combo.blockSignals(True)
            self.weight_combo.clear()
            self.weight_combo.addItems(keys)
            if current in keys:
                self.weight_combo.setCurrentText(current)
            self.weight_combo.blockSignals(False)
        self._draw_histogram()
        steps = snap.gradients.get("step", [])
        for i, (layer, norms) in enumerate((k, v) for k, v in snap.gradients.items() if k != "step"):
            curve = self.grad_curves.get(layer)
            if curve is None:
                curve = self.grad_curves[layer] = self.grad_plot.plot(
                    pen=pg.mkPen(PALETTE[i % len(PALETTE)], width=1.5), name=layer)
            y = np.array([np.nan if v is None or v <= 0 else v for v in norms], np.float64)
            curve.setData(np.asarray(steps, np.float64), y, connect="finite")
        if snap.grid is not None:
            g = snap.grid
            levels = (0.0, 1.0) if g.classes == 2 else (0.0, g.classes - 1.0)
            self.boundary_image.setImage(g.values.T, levels=levels, lut=self._lut if g.classes == 2 else None)
            self.boundary_image.setRect(QRectF(g.x_range[0], g.y_range[0], g.x_range[1] - g.x_range[0],
                                               g.y_range[1] - g.y_range[0]))

    def _draw_activations(self, snap: InsideSnapshot) -> None:
        """Each layer's activations (a layer new to the view gets its view)."""
        for name, layer_type, values, heat_map in snap.activations:
            view = self.layer_views.get(name)
            if view is None:
                view = self.layer_views[name] = _LayerView(name, layer_type)
                self.acts_layout.insertWidget(self.acts_layout.count() - 1, view)
            view.show_values(values, heat_map)

    def _draw_histogram(self) -> None:
        snap = self.snapshot
        i = self.weight_combo.currentIndex()
        if snap is None or not (0 <= i < len(snap.histograms)):
            return
        h = snap.histograms[i]
        self.hist_curve.setData(h.edges, h.counts)
        self.hist_plot.setTitle(f"Weight histogram: {h.layer}/{h.weight} (step {snap.step})")
