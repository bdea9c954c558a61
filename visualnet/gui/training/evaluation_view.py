"""After training: test-set metrics, the confusion matrix (click a cell to see its samples),
per-class precision/recall/F1/support, the misclassified samples with true and predicted
labels and confidence (images, table rows or the start of each text) and, for regression,
predicted-vs-true and residuals (and, for a time series, both over the test windows in
order). The report comes from evaluation_report.py; predictions on new input are
prediction_input.py's."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon
from PySide6.QtWidgets import (QLabel, QListWidget, QListWidgetItem, QSplitter, QStackedWidget, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from .. import theme
from .data_panel import pixmap_from_array
from .evaluation_report import TEXT_CHARS, EvaluationReport
from .prediction_input import PredictionInput


class EvaluationView(PredictionInput, QWidget):
    """The Evaluation tab (see the module docstring)."""

    predict_requested = Signal(object)      # raw sample(s) for transform_for_prediction

    def __init__(self, parent=None):
        super().__init__(parent)
        self.report: EvaluationReport | None = None
        self.summary = QLabel("Train a model to evaluate it on the test split.")
        self.summary.setObjectName("evaluation_summary")
        self.summary.setWordWrap(True)
        self.matrix = QTableWidget()
        self.matrix.setObjectName("confusion_matrix")
        self.matrix.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.matrix.cellClicked.connect(self.show_cell)
        self.class_table = QTableWidget()
        self.class_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.gallery_label = QLabel("Mistakes, most confident first")
        self.gallery = QListWidget()
        self.gallery.setViewMode(QListWidget.ViewMode.IconMode)
        self.gallery.setIconSize(QSize(56, 56))
        self.gallery.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.gallery.setSpacing(4)
        self.rows_table = QTableWidget()
        self.rows_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.gallery_stack = QStackedWidget()
        self.gallery_stack.addWidget(self.gallery)
        self.gallery_stack.addWidget(self.rows_table)
        self.text_list = QListWidget()
        self.text_list.setObjectName("text_mistakes")
        self.text_list.setWordWrap(True)
        self.text_list.setAlternatingRowColors(True)
        self.text_list.setSpacing(3)
        self.text_list.setVerticalScrollMode(QListWidget.ScrollMode.ScrollPerPixel)
        self.gallery_stack.addWidget(self.text_list)
        t = theme.current()
        self.scatter = pg.GraphicsLayoutWidget()
        self.scatter.setBackground(t.base)
        self.pred_plot = self.scatter.addPlot(row=0, col=0, title="Predicted vs true")
        self.pred_points = pg.ScatterPlotItem(size=5, brush=pg.mkBrush(t.accent))
        self.pred_plot.addItem(self.pred_points)
        self.diagonal = self.pred_plot.plot(pen=pg.mkPen(t.dim, style=Qt.PenStyle.DashLine))
        self.res_plot = self.scatter.addPlot(row=0, col=1, title="Residuals (predicted - true)")
        self.res_points = pg.ScatterPlotItem(size=5, brush=pg.mkBrush(t.warning))
        self.res_plot.addItem(self.res_points)
        self.series_view = pg.PlotWidget(title="Test windows in order: true and predicted")
        self.series_view.setObjectName("series_prediction")
        self.series_view.setBackground(t.base)
        self.series_plot = self.series_view.getPlotItem()
        self.series_plot.addLegend(offset=(10, 5), brush=pg.mkBrush(t.base))
        self.series_plot.setLabel("bottom", "test window")
        self.series_true = self.series_plot.plot(pen=pg.mkPen(t.dim, width=1.5), name="true")
        self.series_pred = self.series_plot.plot(pen=pg.mkPen(t.accent, width=1.5), name="predicted")

        predict = self._build_prediction_box(t)

        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.summary)
        ll.addWidget(self.matrix, 3)
        ll.addWidget(self.class_table, 2)
        ll.addWidget(self.scatter, 3)
        ll.addWidget(self.series_view, 3)
        self.middle = middle = QWidget()
        ml = QVBoxLayout(middle)
        ml.setContentsMargins(0, 0, 0, 0)
        ml.addWidget(self.gallery_label)
        ml.addWidget(self.gallery_stack, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(middle)
        split.addWidget(predict)
        split.setSizes([430, 330, 240])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)
        self.scatter.hide()
        self.series_view.hide()
        self.set_input_kind("image", [])

    # ----------------------------------------------------------------- report
    def clear_results(self, text: str = "Not evaluated yet.") -> None:
        """Forget the shown evaluation and prediction (the data or the model changed: they
        belong to the ones before)."""
        self.report = None
        self.summary.setText(text)
        for table in (self.matrix, self.class_table, self.rows_table):
            table.clear()
            table.setRowCount(0)
            table.setColumnCount(0)
        self.gallery.clear()
        self.text_list.clear()
        for item in (self.pred_points, self.res_points):
            item.setData([], [])
        for item in (self.diagonal, self.series_true, self.series_pred):
            item.setData([], [])
        self.prob_bars.setOpts(x=[], height=[])
        self.prediction_label.clear()
        self.pad_input.clear()

    def show_report(self, report: EvaluationReport | None) -> None:
        self.report = report
        if report is None:
            self.summary.setText("No test split to evaluate: set a test fraction in the data panel.")
            return
        metrics = " · ".join(f"{k}: {v:.4f}" for k, v in report.logs.items())
        r = report.result
        n = len(r.y_true)
        self.summary.setText(f"<b>Test set</b> ({n} samples): {metrics}")
        classification = report.task != "regression"
        self.matrix.setVisible(classification)
        self.class_table.setVisible(classification)
        self.scatter.setVisible(not classification)
        self.series_view.setVisible(False)
        self.middle.setVisible(classification)
        if classification:
            self._show_matrix(r.matrix, report.class_names)
            self._show_classes(r.report, report.class_names)
            self.show_cell(None, None)
        else:
            lo, hi = float(min(r.y_true.min(), r.y_pred.min())), float(max(r.y_true.max(), r.y_pred.max()))
            series = report.kind == "timeseries"
            self.series_view.setVisible(series)
            self.series_true.setData(np.arange(n) if series else [], r.y_true if series else [])
            self.series_pred.setData(np.arange(n) if series else [], r.y_pred if series else [])
            self.pred_points.setData(r.y_true, r.y_pred)
            self.diagonal.setData([lo, hi], [lo, hi])
            self.res_points.setData(r.y_true, r.residuals)
            self.summary.setText(self.summary.text() + f"<br>MAE {r.mae:.4g} · RMSE {r.rmse:.4g} · R² {r.r2:.3f}")

    def _names(self, k: int, names: list) -> list:
        return [str(names[i]) if i < len(names) else str(i) for i in range(k)]

    def _show_matrix(self, cm: np.ndarray, names: list) -> None:
        k = cm.shape[0]
        labels = self._names(k, names)
        self.matrix.setRowCount(k)
        self.matrix.setColumnCount(k)
        self.matrix.setVerticalHeaderLabels([f"true {n}"[:14] for n in labels])
        self.matrix.setHorizontalHeaderLabels([str(n)[:8] for n in labels])
        self.matrix.horizontalHeaderItem(0).setToolTip("columns: predicted class")
        top = max(int(cm.max()), 1)
        accent, bad = QColor(theme.current().accent), QColor(theme.current().error)
        for i in range(k):
            for j in range(k):
                item = QTableWidgetItem(str(int(cm[i, j])))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                colour = QColor(accent if i == j else bad)
                colour.setAlpha(int(20 + 200 * cm[i, j] / top) if cm[i, j] else 0)
                item.setBackground(colour)
                item.setToolTip(f"{int(cm[i, j])} samples of class {labels[i]} predicted as {labels[j]} "
                                "(click to see them)")
                self.matrix.setItem(i, j, item)
        self.matrix.resizeColumnsToContents()
        self.matrix.resizeRowsToContents()

    def _show_classes(self, report: list, names: list) -> None:
        labels = self._names(len(report), names)
        self.class_table.setRowCount(len(report))
        self.class_table.setColumnCount(4)
        self.class_table.setHorizontalHeaderLabels(["precision", "recall", "F1", "support"])
        self.class_table.setVerticalHeaderLabels(labels)
        for i, c in enumerate(report):
            for j, v in enumerate((f"{c.precision:.3f}", f"{c.recall:.3f}", f"{c.f1:.3f}", str(c.support))):
                self.class_table.setItem(i, j, QTableWidgetItem(v))
        self.class_table.resizeColumnsToContents()   # the four columns side by side, support too

    def matrix_total(self) -> int:
        return sum(int(self.matrix.item(i, j).text()) for i in range(self.matrix.rowCount())
                   for j in range(self.matrix.columnCount()))

    def show_cell(self, row: int | None, column: int | None, limit: int = 120) -> list:
        """Fill the gallery with the samples of a confusion-matrix cell (all mistakes when
        None); returns their indices in the test split."""
        rep = self.report
        if rep is None or rep.task == "regression":
            return []
        r = rep.result
        idx = r.mistakes(row, column, limit=limit)
        labels = self._names(r.matrix.shape[0], rep.class_names)
        if row is None:
            self.gallery_label.setText(f"Mistakes ({int(np.sum(r.y_true != r.y_pred))}), most confident first")
        else:
            self.gallery_label.setText(f"True {labels[row]}, predicted {labels[column]}: {int(r.matrix[row, column])}")
        if rep.texts is not None:
            self.gallery_stack.setCurrentWidget(self.text_list)
            self.text_list.clear()
            for i in idx:
                text = rep.texts[i] + ("…" if len(rep.texts[i]) >= TEXT_CHARS else "")
                item = QListWidgetItem(f"true {labels[r.y_true[i]]} → predicted {labels[r.y_pred[i]]} "
                                       f"({r.confidence[i]:.0%})\n{text}")
                item.setData(Qt.ItemDataRole.UserRole, int(i))
                self.text_list.addItem(item)
        elif rep.images is not None:
            self.gallery_stack.setCurrentWidget(self.gallery)
            self.gallery.clear()
            for i in idx:
                text = f"{labels[r.y_true[i]]}→{labels[r.y_pred[i]]}\n{r.confidence[i]:.0%}"
                item = QListWidgetItem(QIcon(pixmap_from_array(rep.images[i], 2)), text)
                item.setData(Qt.ItemDataRole.UserRole, int(i))
                self.gallery.addItem(item)
        else:
            self.gallery_stack.setCurrentWidget(self.rows_table)
            names = (rep.feature_names or [f"x{j}" for j in range(rep.rows.shape[1])])[:12]
            self.rows_table.setColumnCount(len(names) + 3)
            self.rows_table.setHorizontalHeaderLabels(["true", "predicted", "confidence"] + names)
            self.rows_table.setRowCount(len(idx))
            for row_i, i in enumerate(idx):
                cells = [labels[r.y_true[i]], labels[r.y_pred[i]], f"{r.confidence[i]:.0%}"]
                cells += [f"{v:.4g}" for v in rep.rows[i, :len(names)]]
                for j, v in enumerate(cells):
                    self.rows_table.setItem(row_i, j, QTableWidgetItem(v))
        return [int(i) for i in idx]

    def gallery_count(self) -> int:
        current = self.gallery_stack.currentWidget()
        return current.count() if current in (self.gallery, self.text_list) else self.rows_table.rowCount()
