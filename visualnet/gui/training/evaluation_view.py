"""After training: test-set metrics, the confusion matrix (click a cell to see its samples),
per-class precision/recall/F1/support, the misclassified samples with true and predicted
labels and confidence (images, table rows or the start of each text), predictions on new
input (a 28x28 drawing pad or an image file for image models, typed text for text models, a
form for tables) and, for regression, predicted-vs-true and residuals (and, for a time series,
both over the test windows in order).
The numbers come from `visualnet.engine.evaluation` (see `evaluate_prepared`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPoint, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPen
from PySide6.QtWidgets import (QComboBox, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit,
                               QListWidget, QListWidgetItem, QPlainTextEdit, QPushButton, QScrollArea, QSplitter,
                               QStackedWidget, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from visualnet import data
from visualnet.data.preview import raw_text
from visualnet.data.sequence_builtins import decode
from visualnet.data.drawing import mnist_style
from visualnet.engine import evaluation

from .. import theme
from .data_panel import pixmap_from_array


TEXT_CHARS = 200      # characters of a test text shown with a mistake


@dataclass
class EvaluationReport:
    """What the evaluation view shows (computed off the GUI thread by `evaluate_prepared`)."""
    task: str
    class_names: list
    logs: dict                   # test loss and metrics
    result: object               # evaluation.ClassificationResult or RegressionResult
    images: "np.ndarray | None"  # uint8 test images for the gallery (image data)
    rows: "np.ndarray | None"    # raw test rows (tables)
    feature_names: list
    kind: str = "table"          # the dataset's kind: image, table, text or timeseries
    texts: "list | None" = None  # the start of each test text (text data)


def evaluate_prepared(session, prepared) -> EvaluationReport | None:
    """Evaluate the session's model on the prepared test split (engine and data calls)."""
    test = prepared.test
    if len(test) == 0 or test.y is None:
        return None
    fitted = prepared.recipe.fitted
    logs = session.evaluate(test.x, test.y)
    task = fitted["task"]
    ds = prepared.dataset
    images = rows = texts = None
    if ds.kind == "image":
        images = np.stack([evaluation.image_for_display(ds.x[i]) for i in test.indices])
    elif raw_text(ds):
        texts = [" ".join(str(ds.x[i].reshape(-1)[0])[:2 * TEXT_CHARS].split())[:TEXT_CHARS] for i in test.indices]
    elif ds.kind == "text" and ds.vocabulary:
        texts = [decode(ds.x[i].reshape(-1), ds.vocabulary)[:TEXT_CHARS] for i in test.indices]
    else:
        rows = np.asarray(ds.x[test.indices], dtype=np.float64).reshape(len(test), -1)
    if task == "regression":
        result = evaluation.regress(session.model, test.x, test.y)
    else:
        result = evaluation.classify(session.model, test.x, test.y, max(len(fitted["class_names"]), 2))
    return EvaluationReport(task, list(fitted["class_names"]), logs, result, images, rows,
                            list(fitted.get("feature_names") or []), ds.kind, texts)


class DrawingPad(QWidget):
    """Draw a digit with the mouse: white strokes on black, read back as 28x28 uint8."""

    drawn = Signal()

    def __init__(self, size: int = 224, parent=None):
        super().__init__(parent)
        self.setFixedSize(size, size)
        self.image = QImage(size, size, QImage.Format.Format_Grayscale8)
        self.image.fill(0)
        self._last: QPoint | None = None
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("Draw a digit; it is scaled to 28x28 like MNIST")

    def clear(self) -> None:
        self.image.fill(0)
        self.update()

    def show_image(self, gray) -> None:
        """Put a grey image (h, w) uint8 on the pad, scaled to fit it and centred, so that
        it can be drawn on; an opened image appears here as a drawing does."""
        gray = np.ascontiguousarray(gray, dtype=np.uint8)
        h, w = gray.shape
        img = QImage(gray.data, w, h, w, QImage.Format.Format_Grayscale8).copy()
        img = img.scaled(self.width(), self.height(), Qt.AspectRatioMode.KeepAspectRatio,
                         Qt.TransformationMode.SmoothTransformation)
        self.image.fill(0)
        painter = QPainter(self.image)
        painter.drawImage((self.width() - img.width()) // 2, (self.height() - img.height()) // 2, img)
        painter.end()
        self.update()

    def stroke(self, a: QPoint, b: QPoint) -> None:
        painter = QPainter(self.image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor(255, 255, 255), self.width() / 11, Qt.PenStyle.SolidLine,
                            Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
        painter.drawLine(a, b)
        painter.end()
        self.update()

    def mousePressEvent(self, event):
        self._last = event.position().toPoint()
        self.stroke(self._last, self._last)

    def mouseMoveEvent(self, event):
        if self._last is not None:
            p = event.position().toPoint()
            self.stroke(self._last, p)
            self._last = p

    def mouseReleaseEvent(self, event):
        self._last = None
        self.drawn.emit()

    def paintEvent(self, event):
        painter = QPainter(self)
        painter.drawImage(0, 0, self.image)
        painter.setPen(QColor(theme.current().node_border))
        painter.drawRect(self.rect().adjusted(0, 0, -1, -1))

    def pixels(self, side: int = 28) -> np.ndarray:
        """The drawing as (side, side) uint8, smoothly scaled (as MNIST digits are)."""
        small = self.image.scaled(side, side, Qt.AspectRatioMode.IgnoreAspectRatio,
                                  Qt.TransformationMode.SmoothTransformation)
        ptr = small.constBits()
        return np.array(ptr, dtype=np.uint8).reshape(side, small.bytesPerLine())[:, :side].copy()


class EvaluationView(QWidget):
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

        # predictions on new input
        self.pad = DrawingPad(168)
        self.pad_input = QLabel()           # what the model sees: the drawing prepared as MNIST digits were
        self.pad_input.setObjectName("pad_input")
        self.pad_input.setToolTip("The drawing as the model sees it: cropped, scaled to 20 pixels and centred "
                                  "by its centre of mass, as the MNIST digits were prepared")
        self.pad_buttons = QWidget()
        pb = QHBoxLayout(self.pad_buttons)
        pb.setContentsMargins(0, 0, 0, 0)
        self.predict_button = QPushButton("Predict")
        self.clear_button = QPushButton("Clear")
        self.open_button = QPushButton("Image file…")
        for b in (self.predict_button, self.clear_button, self.open_button):
            pb.addWidget(b)
        self.text_input = QPlainTextEdit()
        self.text_input.setObjectName("predict_text")
        self.text_input.setPlaceholderText("Type or paste a text, then Predict")
        self.text_note = QLabel("Typed texts need a recipe that vectorizes raw texts (the raw-text data, "
                                "or an imported text folder or CSV); these samples are word ids.")
        self.text_note.setWordWrap(True)
        self.form_box = QScrollArea()       # a series window has a row per step
        self.form_box.setWidgetResizable(True)
        self.form_box.setFrameShape(QScrollArea.Shape.NoFrame)
        form_rows = QWidget()
        self.form = QFormLayout(form_rows)
        self.form_box.setWidget(form_rows)
        self.form_edits: list = []          # a QLineEdit per number, a QComboBox per category column
        self.probabilities = pg.PlotWidget()
        self.probabilities.setBackground(t.base)
        self.probabilities.setFixedHeight(150)
        self.prob_bars = pg.BarGraphItem(x=[], height=[], width=0.7, brush=t.accent)
        self.probabilities.addItem(self.prob_bars)
        self.probabilities.setYRange(0, 1)
        self.prediction_label = QLabel()
        self.prediction_label.setObjectName("prediction_label")
        self.predict_button.clicked.connect(self._predict_clicked)
        self.clear_button.clicked.connect(self._clear)
        self.open_button.clicked.connect(self._open_image)
        self.pad.drawn.connect(self._predict_clicked)

        predict = QGroupBox("Predict on new input")
        pl = QVBoxLayout(predict)
        pad_row = QHBoxLayout()
        pad_row.addStretch(1)
        pad_row.addWidget(self.pad)
        pad_row.addWidget(self.pad_input, 0, Qt.AlignmentFlag.AlignBottom)
        pad_row.addStretch(1)
        pl.addLayout(pad_row)
        pl.addWidget(self.text_input, 1)
        pl.addWidget(self.text_note)
        pl.addWidget(self.pad_buttons)
        pl.addWidget(self.form_box, 1)
        pl.addWidget(self.prediction_label)
        pl.addWidget(self.probabilities)
        pl.addStretch(1)

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

    # ----------------------------------------------------------------- input kind
    def set_input_kind(self, kind: str, feature_names: list, image_shape: tuple | None = None) -> None:
        """The drawing pad for single-channel image data, a text box for texts, a form for
        tables and series (`image_shape`: the source samples' shape; (1,) for raw texts)."""
        image, text = kind == "image", kind == "text"
        gray = image and (image_shape is None or len(image_shape) == 2 or image_shape[-1] == 1)
        typed = text and tuple(image_shape or ()) == (1,)       # one raw string per sample
        self.image_shape = image_shape
        self.pad.setVisible(gray)
        self.pad_input.setVisible(image)
        self.clear_button.setVisible(gray or typed)
        self.open_button.setVisible(image)
        self.text_input.setVisible(typed)
        self.text_note.setVisible(text and not typed)
        self.predict_button.setVisible(not text or typed)
        self.form_box.setVisible(not image and not text)
        self.prediction_label.clear()
        self.probabilities.hide()
        while self.form.rowCount():
            self.form.removeRow(0)
        self.form_edits = []
        if not image and not text:
            for name in feature_names[:40]:
                edit = QLineEdit("0")
                self.form.addRow(name, edit)
                self.form_edits.append(edit)

    def set_columns(self, columns: "dict | None") -> None:
        """The form for an imported table's raw columns (`Dataset.columns`): a field per number
        and, for a text (category) column, a choice of the categories seen in the training
        data, instead of one 0/1 field per category."""
        specs = (columns or {}).get("features") or []
        if not self.form_box.isVisibleTo(self) or not any(s.get("type") == "categorical" for s in specs):
            return
        while self.form.rowCount():
            self.form.removeRow(0)
        self.form_edits = []
        for spec in specs[:40]:
            if spec["type"] == "categorical":
                field = QComboBox()
                field.addItems([str(c) for c in spec["categories"]])
                field.setToolTip(f"The values of {spec['name']} in the training data")
            else:
                field = QLineEdit("0")
            field.setObjectName(f"predict_{spec['name']}")
            self.form.addRow(str(spec["name"]), field)
            self.form_edits.append(field)

    def form_values(self) -> list:
        """The form's cells, as typed or chosen."""
        return [e.currentText() if isinstance(e, QComboBox) else e.text() for e in self.form_edits]

    def _clear(self) -> None:
        self.pad.clear()
        self.pad_input.clear()
        self.text_input.clear()

    def _predict_clicked(self) -> None:
        if self.text_input.isVisibleTo(self):
            if not self.text_input.toPlainText().strip():
                self.prediction_label.setText("Type a text first.")
                return
            self.predict_requested.emit(self.text_input.toPlainText())
        elif self.form_box.isVisibleTo(self):
            self.predict_requested.emit([self.form_values()])
        else:
            side = self.image_shape[0] if self.image_shape else 28
            px = mnist_style(self.pad.pixels(self.pad.width()), side=side, box=max(1, round(side * 20 / 28)))
            self.pad_input.setPixmap(pixmap_from_array(px, scale=max(1, 84 // side)))
            self.predict_requested.emit(px.reshape(1, *px.shape, 1).astype(np.float32))

    def _open_image(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Predict an image", "", "Images (*.png *.jpg *.jpeg *.bmp)")
        if path:
            self.open_image(path)

    def open_image(self, path) -> bool:
        """Predict the image file `path`, scaled to the model's input; a grey image also
        appears on the drawing pad (to draw on), and each beside it as the model sees it."""
        if not self.image_shape:
            return False
        img = QImage(str(path))
        if img.isNull():
            self.prediction_label.setText(f"Cannot read {path}: not an image Qt can open")
            return False
        h, w = self.image_shape[:2]
        gray = len(self.image_shape) == 2 or self.image_shape[-1] == 1
        img = img.convertToFormat(QImage.Format.Format_Grayscale8 if gray else QImage.Format.Format_RGB888)
        if gray:
            full = np.array(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine())[:, :img.width()]
            self.pad.show_image(full)
        img = img.scaled(w, h, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation)
        channels = 1 if gray else 3
        arr = np.array(img.constBits(), np.uint8).reshape(h, img.bytesPerLine())[:, :w * channels]
        arr = arr.reshape(h, w, channels)
        self.pad_input.setPixmap(pixmap_from_array(arr[:, :, 0] if gray else arr, scale=max(1, 84 // max(h, w))))
        self.pad_input.setToolTip(f"{Path(str(path)).name} as the model sees it ({w}x{h})")
        self.predict_requested.emit(arr.reshape(1, h, w, channels).astype(np.float32))
        return True

    def prediction_pending(self) -> None:
        """A prediction was asked for (it runs off the GUI thread)."""
        self.prediction_label.setText("Predicting…")

    def show_probabilities(self, probs, class_names: list) -> None:
        probs = np.asarray(probs, np.float64).reshape(-1)
        self.probabilities.show()
        self.prob_bars.setOpts(x=np.arange(len(probs)), height=probs, width=0.7)
        ax = self.probabilities.getAxis("bottom")
        ax.setTicks([[(i, str(n)[:10]) for i, n in enumerate(class_names)]])
        k = int(np.argmax(probs))
        self.prediction_label.setText(f"<b>{class_names[k]}</b> ({probs[k]:.1%})")

    def show_value(self, value: float) -> None:
        self.prediction_label.setText(f"predicted value: <b>{value:.4g}</b>")

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


def raw_prediction_input(recipe: data.Recipe, raw):
    """Prepared inputs for raw samples (drawn pixels, typed rows) via the recipe."""
    return data.transform_for_prediction(recipe, raw)
