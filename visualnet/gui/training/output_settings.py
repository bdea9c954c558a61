"""Per-output training settings for a model with several outputs: each output's loss, loss
weight and metrics, as Keras's `compile(loss={...}, loss_weights={...}, metrics={...})`
takes them by output name. Shown by the settings form (settings_panel.py) in place of the
single loss and metric list when the data map targets to several outputs."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QGridLayout, QGroupBox, QLabel, QLineEdit

from .metric_choices import METRICS, fill_losses


class OutputSettings(QGroupBox):
    changed = Signal()

    def __init__(self, parent=None):
        super().__init__("Outputs", parent)
        self.setObjectName("output_settings")
        self.grid = QGridLayout(self)
        for col, text in enumerate(("Output", "Loss", "Weight", "Metrics")):
            self.grid.addWidget(QLabel(f"<i>{text}</i>"), 0, col)
        self.rows: dict[str, tuple[QComboBox, QLineEdit, QLineEdit]] = {}
        self._labels: list[QLabel] = []

    @property
    def names(self) -> list[str]:
        return list(self.rows)

    def set_outputs(self, outputs: list[tuple[str, str, list]]) -> None:
        """One row per output: (name, default loss, default metrics). Outputs kept from before keep
        their settings."""
        kept = self.values() if self.rows else {}
        for widgets in self.rows.values():
            for w in widgets:
                self.grid.removeWidget(w)
                w.deleteLater()
        for label in self._labels:
            self.grid.removeWidget(label)
            label.deleteLater()
        self.rows, self._labels = {}, []
        for r, (name, loss, metrics) in enumerate(outputs, start=1):
            label = QLabel(name)
            loss_box = QComboBox()
            loss_box.setObjectName(f"loss_{name}")
            fill_losses(loss_box)
            weight = QLineEdit("1")
            weight.setObjectName(f"loss_weight_{name}")
            weight.setMaximumWidth(50)
            metric_edit = QLineEdit()
            metric_edit.setObjectName(f"metrics_{name}")
            metric_edit.setToolTip("Metric names separated by commas, e.g. accuracy, auc")
            self.grid.addWidget(label, r, 0)
            self.grid.addWidget(loss_box, r, 1)
            self.grid.addWidget(weight, r, 2)
            self.grid.addWidget(metric_edit, r, 3)
            self._labels.append(label)
            self.rows[name] = (loss_box, weight, metric_edit)
            old = kept.get(name)
            self._show(name, old if old is not None else {"loss": loss, "loss_weight": "1", "metrics": list(metrics)})
            loss_box.currentTextChanged.connect(self.changed)
            weight.textChanged.connect(self.changed)
            metric_edit.textChanged.connect(self.changed)
        self.setVisible(bool(self.rows))

    def _show(self, name: str, value: dict) -> None:
        loss_box, weight, metric_edit = self.rows[name]
        loss = str(value.get("loss") or "")
        if loss and loss_box.findText(loss) < 0:
            loss_box.addItem(loss)
        loss_box.setCurrentText(loss)
        weight.setText(str(value.get("loss_weight", "1")))
        metrics = value.get("metrics") or []
        metric_edit.setText(", ".join(metrics) if isinstance(metrics, list) else str(metrics))

    def set_loss(self, name: str, loss: str) -> None:
        self._show(name, {**self.values()[name], "loss": loss})

    def values(self) -> dict:
        """The form as shown, by output (texts as typed): for the project file."""
        return {name: {"loss": loss.currentText(), "loss_weight": weight.text(),
                       "metrics": [m.strip() for m in metrics.text().split(",") if m.strip()]}
                for name, (loss, weight, metrics) in self.rows.items()}

    def set_values(self, values: dict) -> None:
        for name, value in (values or {}).items():
            if name in self.rows and isinstance(value, dict):
                self._show(name, value)

    def compile_args(self) -> tuple[dict, dict, dict]:
        """(loss, loss_weights, metrics) by output name; ValueError naming the output and value."""
        losses, weights, metrics = {}, {}, {}
        for name, value in self.values().items():
            losses[name] = value["loss"]
            try:
                weights[name] = float(value["loss_weight"])
            except ValueError:
                raise ValueError(f"the loss weight of output '{name}' must be a number; received "
                                 f"{value['loss_weight']!r}") from None
            unknown = [m for m in value["metrics"] if m not in METRICS]
            if unknown:
                raise ValueError(f"unknown metric {unknown[0]!r} for output '{name}'; known: {', '.join(METRICS)}")
            metrics[name] = value["metrics"]
        return losses, weights, metrics
