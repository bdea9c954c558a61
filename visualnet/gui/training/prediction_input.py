"""Predictions on new input in the Evaluation tab: a 28x28 drawing pad or an image file for
image models, typed text for text models, a form for tables and series; the predicted
class's probabilities or the predicted value. A mixin of `EvaluationView`, which declares
the `predict_requested` signal that the raw samples are sent on."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (QComboBox, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit,
                               QPlainTextEdit, QPushButton, QScrollArea, QVBoxLayout, QWidget)

from visualnet.data.drawing import mnist_style

from .data_panel import pixmap_from_array
from .drawing_pad import DrawingPad


class PredictionInput:
    """The "Predict on new input" box of `EvaluationView` (see the module docstring)."""

    def _build_prediction_box(self, t) -> QGroupBox:
        """The box's widgets, in the colours of theme `t`."""
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

        box = QGroupBox("Predict on new input")
        pl = QVBoxLayout(box)
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
        return box

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
