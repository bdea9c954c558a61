"""The hyper-parameter form: optimizer and its parameters, loss, metrics, batch size,
epochs, validation split, seed, early stopping, learning-rate schedule, gradient clipping.
Defaults follow Keras. `config()` gives a `TrainingConfig`; while a run is paused, the
learning rate, batch size, epochs and optimizer parameters may be edited and
`live_changes(session)` lists what differs from the session. `state()` / `set_state()`
carry the form to and from the project file. For a model with several outputs the loss,
loss weight and metrics are set per output (output_settings.py) instead."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtGui import QDoubleValidator
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QGroupBox, QLineEdit, QSpinBox, QVBoxLayout,
                               QWidget)

from visualnet.engine import optimizers
from visualnet.engine.optimizers import OPTIMIZERS
from visualnet.engine.run_config import TrainingConfig, optimizer_defaults
from .metric_choices import METRICS, MetricChoices, fill_losses  # noqa: F401  (METRICS: every metric offered)
from .output_settings import OutputSettings
SCHEDULES = {"constant": "Constant", "step": "Step decay", "exponential": "Exponential decay",
             "cosine": "Cosine decay", "plateau": "Reduce on plateau"}
CLIPPING = {"": "None", "clipnorm": "Clip each gradient's norm (clipnorm)",
            "global_clipnorm": "Clip the global norm (global_clipnorm)", "clipvalue": "Clip values (clipvalue)"}
MONITORS = ("val_loss", "loss", "val_accuracy", "accuracy")
LIVE = ("learning_rate", "batch_size", "epochs", "optimizer_params")


class FloatEdit(QLineEdit):
    """A number field that shows values as typed (0.001, 1e-07)."""

    def __init__(self, value: float, parent=None):
        super().__init__(parent)
        self.setValidator(QDoubleValidator(self))
        self.set_value(value)

    def set_value(self, value: float) -> None:
        self.setText(f"{value:g}")

    def value(self) -> float:
        try:
            return float(self.text())
        except ValueError:
            raise ValueError(f"'{self.text()}' is not a number") from None


class SettingsPanel(QWidget):
    changed = Signal()
    loss_changed = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

        basics = QGroupBox("Training")
        form = QFormLayout(basics)
        self.optimizer = QComboBox()
        for name in OPTIMIZERS:
            self.optimizer.addItem(OPTIMIZERS[name].__name__, name)   # Keras's class names: SGD, RMSprop, AdamW, ...
        form.addRow("Optimizer", self.optimizer)
        self.optimizer_form = QFormLayout()
        form.addRow(self.optimizer_form)
        self.optimizer_editors: dict[str, QWidget] = {}
        self.loss = QComboBox()
        fill_losses(self.loss)   # grouped: classification, regression, margin
        form.addRow("Loss", self.loss)
        self.metric_choices = MetricChoices()   # grouped; the groups that fit the loss are shown
        self.metric_checks = self.metric_choices.checks
        self.loss.currentTextChanged.connect(self.metric_choices.set_task)
        self.metric_choices.set_task(self.loss.currentText())
        form.addRow("Metrics", self.metric_choices)
        self.outputs = OutputSettings()         # per output, for several outputs
        self.outputs.hide()
        self._pending_outputs: dict = {}        # a project's per-output settings, until its outputs are known
        form.addRow(self.outputs)
        self._basics = form
        self.batch_size = QSpinBox(minimum=1, maximum=65536, value=32)
        self.epochs = QSpinBox(minimum=1, maximum=100000, value=1)
        self.validation_split = QSpinBox(minimum=0, maximum=90, value=0, suffix=" %")
        self.validation_split.setToolTip("Keras's validation_split: the last part of the training data, "
                                         "used only when the data recipe has no validation split")
        self.seed = QSpinBox(minimum=-1, maximum=2 ** 31 - 1, value=-1)
        self.seed.setSpecialValueText("random")
        self.seed.setToolTip("The seed of the initial weights and the shuffling order (random: a new one each run)")
        self.shuffle = QCheckBox("Shuffle each epoch")
        self.shuffle.setChecked(True)
        form.addRow("Batch size", self.batch_size)
        form.addRow("Epochs", self.epochs)
        form.addRow("Validation split", self.validation_split)
        form.addRow("Seed", self.seed)
        form.addRow("", self.shuffle)
        layout.addWidget(basics)

        self.early = QGroupBox("Early stopping")
        self.early.setCheckable(True)
        self.early.setChecked(False)
        ef = QFormLayout(self.early)
        self.monitor = QComboBox()
        self.monitor.setEditable(True)
        self.monitor.addItems(MONITORS)
        self.patience = QSpinBox(minimum=0, maximum=10000, value=0)
        self.min_delta = FloatEdit(0.0)
        self.restore_best = QCheckBox("Restore the best weights")
        ef.addRow("Monitor", self.monitor)
        ef.addRow("Patience (epochs)", self.patience)
        ef.addRow("Min. improvement", self.min_delta)
        ef.addRow("", self.restore_best)
        layout.addWidget(self.early)

        sched = QGroupBox("Learning-rate schedule")
        sf = QFormLayout(sched)
        self.schedule = QComboBox()
        for key, text in SCHEDULES.items():
            self.schedule.addItem(text, key)
        sf.addRow("Schedule", self.schedule)
        self.decay_steps = QSpinBox(minimum=1, maximum=10 ** 7, value=1000)
        self.decay_steps.setToolTip("Step decay: batches between drops; exponential/cosine: decay_steps")
        self.decay_factor = FloatEdit(0.5)
        self.decay_factor.setToolTip("Step decay: factor per drop; exponential: decay_rate; cosine: alpha; "
                                     "plateau: factor")
        self.plateau_patience = QSpinBox(minimum=0, maximum=10000, value=10)
        self.warmup = QSpinBox(minimum=0, maximum=10 ** 7, value=0)
        self.warmup.setToolTip("Batches of linear warm-up from 0 to the learning rate")
        sf.addRow("Steps (batches)", self.decay_steps)
        sf.addRow("Factor", self.decay_factor)
        sf.addRow("Plateau patience", self.plateau_patience)
        sf.addRow("Warm-up (batches)", self.warmup)
        layout.addWidget(sched)

        clip = QGroupBox("Gradient clipping")
        cf = QFormLayout(clip)
        self.clipping = QComboBox()
        for key, text in CLIPPING.items():
            self.clipping.addItem(text, key)
        self.clip_value = FloatEdit(1.0)
        cf.addRow("Clipping", self.clipping)
        cf.addRow("Threshold", self.clip_value)
        layout.addWidget(clip)
        layout.addStretch(1)

        self.optimizer.currentIndexChanged.connect(self._optimizer_changed)
        self.loss.currentTextChanged.connect(self.loss_changed)
        self.outputs.changed.connect(self.changed)
        self.outputs.changed.connect(lambda: self.loss_changed.emit(self.loss.currentText()))
        self.schedule.currentIndexChanged.connect(self._schedule_changed)
        self.clipping.currentIndexChanged.connect(lambda: self.clip_value.setEnabled(bool(self.clipping.currentData())))
        self.optimizer.setCurrentIndex(list(OPTIMIZERS).index("adam"))
        self._optimizer_changed()
        self._schedule_changed()
        self.clip_value.setEnabled(False)
        editors = set(self.optimizer_editors.values())      # watched as they are made
        for w in self.findChildren(QWidget):
            if w not in editors and not isinstance(w.parent(), (QSpinBox, QComboBox)):   # not their inner line edits
                self._watch(w)

    def _watch(self, w: QWidget) -> None:
        """Emit `changed` whenever the person (or `set_state`) edits `w`."""
        signal = {QSpinBox: "valueChanged", QComboBox: "currentTextChanged", QCheckBox: "toggled",
                  QLineEdit: "textChanged"}
        for kind, name in signal.items():
            if isinstance(w, kind):
                getattr(w, name).connect(self.changed)
                return
        if isinstance(w, QGroupBox) and w.isCheckable():
            w.toggled.connect(self.changed)

    # ----------------------------------------------------------------- form
    def _optimizer_changed(self) -> None:
        while self.optimizer_form.rowCount():
            self.optimizer_form.removeRow(0)
        self.optimizer_editors = {}
        for key, value in optimizer_defaults(self.optimizer.currentData()).items():
            if isinstance(value, bool):
                editor = QCheckBox()
                editor.setChecked(value)
            else:
                editor = FloatEdit(float(value))
            editor.setObjectName(f"opt_{key}")
            self._watch(editor)
            self.optimizer_editors[key] = editor
            self.optimizer_form.addRow("Learning rate" if key == "learning_rate" else key, editor)
        self.changed.emit()

    def _schedule_changed(self) -> None:
        kind = self.schedule.currentData()
        self.decay_steps.setEnabled(kind in ("step", "exponential", "cosine"))
        self.decay_factor.setEnabled(kind != "constant")
        self.plateau_patience.setEnabled(kind == "plateau")
        defaults = {"step": 0.5, "exponential": 0.96, "cosine": 0.0, "plateau": 0.1}
        if kind in defaults:
            self.decay_factor.set_value(defaults[kind])

    def set_loss(self, loss: str) -> None:
        self.loss.setCurrentText(loss)

    def set_outputs(self, outputs: list) -> None:
        """Per-output settings for several outputs: (name, default loss, default metrics) each;
        an empty list goes back to the one loss and metric list."""
        self.outputs.set_outputs(outputs)
        pending = {k: v for k, v in self._pending_outputs.items() if k in self.outputs.rows}
        self.outputs.set_values(pending)
        for key in pending:
            self._pending_outputs.pop(key)
        several = bool(outputs)
        self._basics.setRowVisible(self.loss, not several)
        self._basics.setRowVisible(self.metric_choices, not several)
        self.changed.emit()

    def loss_setting(self):
        """The loss as the data checks take it: a name, or a dict by output name."""
        return self.outputs.compile_args()[0] if self.outputs.rows else self.loss.currentText()

    def set_output_loss(self, output: "str | None", loss: str) -> None:
        """A problem's fix: the loss of `output` (None: the one loss)."""
        if output is not None and output in self.outputs.rows:
            self.outputs.set_loss(output, loss)
        else:
            self.set_loss(loss)

    def set_learning_rate(self, lr: float) -> None:
        self.optimizer_editors["learning_rate"].set_value(lr)

    def set_metrics(self, metrics) -> None:
        for name, check in self.metric_checks.items():
            check.setChecked(name in metrics)

    def optimizer_params(self) -> dict:
        params = {}
        for key, editor in self.optimizer_editors.items():
            params[key] = editor.isChecked() if isinstance(editor, QCheckBox) else editor.value()
        clip = self.clipping.currentData()
        if clip:
            params[clip] = self.clip_value.value()
        return params

    def schedule_spec(self) -> dict | None:
        kind = self.schedule.currentData()
        warmup = self.warmup.value()
        if kind == "constant" and not warmup:
            return None
        spec = {"kind": kind, "warmup_steps": warmup}
        f = self.decay_factor.value()
        if kind == "step":
            spec.update(step_size=self.decay_steps.value(), factor=f)
        elif kind == "exponential":
            spec.update(decay_steps=self.decay_steps.value(), decay_rate=f)
        elif kind == "cosine":
            spec.update(decay_steps=self.decay_steps.value(), alpha=f)
        elif kind == "plateau":
            monitor = self.monitor.currentText() if self.early.isChecked() else "val_loss"
            spec.update(monitor=monitor, factor=f, patience=self.plateau_patience.value())
        return spec

    def config(self, has_validation: bool = True) -> TrainingConfig:
        """The settings as a TrainingConfig (raises ValueError naming a bad field)."""
        early = None
        if self.early.isChecked():
            early = {"monitor": self.monitor.currentText(), "patience": self.patience.value(),
                     "min_delta": self.min_delta.value(), "restore_best_weights": self.restore_best.isChecked()}
        spec = self.schedule_spec()
        if spec and spec["kind"] == "plateau" and not has_validation and spec["monitor"].startswith("val_"):
            spec["monitor"] = spec["monitor"][4:]
        loss, metrics = self.loss.currentText(), [m for m, c in self.metric_checks.items() if c.isChecked()]
        weights = None
        if self.outputs.rows:
            loss, weights, metrics = self.outputs.compile_args()
        return TrainingConfig(
            optimizer=self.optimizer.currentData(), optimizer_params=self.optimizer_params(),
            loss=loss, metrics=metrics, loss_weights=weights,
            batch_size=self.batch_size.value(), epochs=self.epochs.value(),
            validation_split=self.validation_split.value() / 100.0,
            shuffle=self.shuffle.isChecked(), seed=None if self.seed.value() < 0 else self.seed.value(),
            early_stopping=early, lr_schedule=spec)

    # ----------------------------------------------------------------- project file
    def state(self) -> dict:
        """The settings for the project file: the Keras-style values (`optimizer` as a
        serialized config, `loss`, `metrics`, `batch_size`, `epochs`, ... as in
        TrainingConfig) when the form is valid, and under "form" every field as shown (also
        the ones the current choices leave unused), so `set_state` brings the form back
        exactly."""
        def text(edit: FloatEdit) -> str:
            return edit.text()

        form = {
            "optimizer": self.optimizer.currentData(),
            "optimizer_params": {k: e.isChecked() if isinstance(e, QCheckBox) else text(e)
                                 for k, e in self.optimizer_editors.items()},
            "loss": self.loss.currentText(),
            "metrics": [m for m, c in self.metric_checks.items() if c.isChecked()],
            "batch_size": self.batch_size.value(), "epochs": self.epochs.value(),
            "validation_split": self.validation_split.value(), "seed": self.seed.value(),
            "shuffle": self.shuffle.isChecked(),
            "early_stopping": {"enabled": self.early.isChecked(), "monitor": self.monitor.currentText(),
                               "patience": self.patience.value(), "min_delta": text(self.min_delta),
                               "restore_best_weights": self.restore_best.isChecked()},
            "schedule": {"kind": self.schedule.currentData(), "steps": self.decay_steps.value(),
                         "factor": text(self.decay_factor), "plateau_patience": self.plateau_patience.value(),
                         "warmup": self.warmup.value()},
            "clipping": {"kind": self.clipping.currentData(), "value": text(self.clip_value)},
        }
        if self.outputs.rows or self._pending_outputs:
            form["outputs"] = {**self._pending_outputs, **self.outputs.values()}
        out: dict = {}
        try:
            config = self.config()
            out = config.to_dict()
            out["optimizer"] = optimizers.serialize(optimizers.get(
                {"class_name": config.optimizer, "config": dict(config.optimizer_params)}))
        except (ValueError, TypeError, KeyError):
            out = {"loss": form["loss"], "metrics": form["metrics"], "batch_size": form["batch_size"],
                   "epochs": form["epochs"]}
        out["form"] = form
        return out

    def set_state(self, d: dict) -> list[str]:
        """Show settings saved by `state()` (or Keras-style ones: optimizer name or config,
        loss, metrics, batch_size, epochs, ... as a Keras model's compile settings). Returns
        notes on what could not be shown."""
        if not isinstance(d, dict):
            return ["the training settings are not an object"]
        form = d.get("form")
        if isinstance(form, dict):
            return self._set_form(form)
        return self._set_keras_style(d)

    def _set_optimizer(self, name) -> bool:
        name = str(name or "").lower()
        index = self.optimizer.findData(name)
        if index < 0:
            return False
        self.optimizer.setCurrentIndex(index)
        self._optimizer_changed()         # the editors of this optimizer, with its defaults
        return True

    def _set_editor(self, editor, value) -> None:
        if isinstance(editor, QCheckBox):
            editor.setChecked(bool(value))
        elif isinstance(value, str):
            editor.setText(value)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            editor.setText(_number_text(float(value)))

    def _set_loss_text(self, loss) -> bool:
        if not isinstance(loss, str) or not loss:
            return False
        if self.loss.findText(loss) < 0:
            self.loss.addItem(loss)
        self.loss.setCurrentText(loss)
        return True

    def _set_form(self, f: dict) -> list[str]:
        notes = []
        if not self._set_optimizer(f.get("optimizer")):
            notes.append(f"unknown optimizer {f.get('optimizer')!r}")
        for key, value in (f.get("optimizer_params") or {}).items():
            if key in self.optimizer_editors:
                self._set_editor(self.optimizer_editors[key], value)
        self._set_loss_text(f.get("loss"))
        if isinstance(f.get("metrics"), list):
            self.set_metrics(f["metrics"])
        if isinstance(f.get("outputs"), dict):
            self._pending_outputs = {k: v for k, v in f["outputs"].items() if k not in self.outputs.rows}
            self.outputs.set_values(f["outputs"])
        for spin, key in ((self.batch_size, "batch_size"), (self.epochs, "epochs"),
                          (self.validation_split, "validation_split"), (self.seed, "seed")):
            if isinstance(f.get(key), int):
                spin.setValue(f[key])
        self.shuffle.setChecked(bool(f.get("shuffle", True)))
        early = f.get("early_stopping") or {}
        self.early.setChecked(bool(early.get("enabled")))
        if early.get("monitor"):
            self.monitor.setCurrentText(str(early["monitor"]))
        if isinstance(early.get("patience"), int):
            self.patience.setValue(early["patience"])
        self._set_editor(self.min_delta, early.get("min_delta"))
        self.restore_best.setChecked(bool(early.get("restore_best_weights")))
        sched = f.get("schedule") or {}
        index = self.schedule.findData(sched.get("kind", "constant"))
        self.schedule.setCurrentIndex(max(index, 0))
        self._schedule_changed()
        for spin, key in ((self.decay_steps, "steps"), (self.plateau_patience, "plateau_patience"),
                          (self.warmup, "warmup")):
            if isinstance(sched.get(key), int):
                spin.setValue(sched[key])
        self._set_editor(self.decay_factor, sched.get("factor"))
        clip = f.get("clipping") or {}
        self.clipping.setCurrentIndex(max(self.clipping.findData(clip.get("kind") or ""), 0))
        self._set_editor(self.clip_value, clip.get("value"))
        self.clip_value.setEnabled(bool(self.clipping.currentData()))
        return notes

    def _set_keras_style(self, d: dict) -> list[str]:
        notes = []
        opt = d.get("optimizer")
        name = opt.get("class_name") if isinstance(opt, dict) else opt
        if opt is not None and not self._set_optimizer(name):
            notes.append(f"the optimizer {name!r} is not offered here; {self.optimizer.currentText()} is used")
        elif isinstance(opt, dict):
            config = opt.get("config") or {}
            for key, editor in self.optimizer_editors.items():
                if key in config and not isinstance(config[key], dict):
                    self._set_editor(editor, config[key])
            clip = next((k for k in ("clipnorm", "global_clipnorm", "clipvalue") if config.get(k) is not None), "")
            self.clipping.setCurrentIndex(max(self.clipping.findData(clip), 0))
            if clip:
                self._set_editor(self.clip_value, config[clip])
            self.clip_value.setEnabled(bool(clip))
        for key, value in (d.get("optimizer_params") or {}).items():
            if key in self.optimizer_editors:
                self._set_editor(self.optimizer_editors[key], value)
        loss = d.get("loss")
        if loss is not None and not self._set_loss_text(loss):
            notes.append("the loss is a custom configuration; choose a loss")
        if isinstance(d.get("metrics"), list):
            self.set_metrics([m for m in d["metrics"] if isinstance(m, str)])
        for spin, key in ((self.batch_size, "batch_size"), (self.epochs, "epochs")):
            if isinstance(d.get(key), int) and not isinstance(d.get(key), bool):
                spin.setValue(d[key])
        if isinstance(d.get("validation_split"), (int, float)):
            self.validation_split.setValue(round(100 * d["validation_split"]))
        if "seed" in d:
            self.seed.setValue(d["seed"] if isinstance(d["seed"], int) else -1)
        if "shuffle" in d:
            self.shuffle.setChecked(bool(d["shuffle"]))
        return notes

    # ----------------------------------------------------------------- live changes
    def live_changes(self, session) -> list:
        """Functions fn(session) applying what was edited since the run started (learning
        rate, batch size, epochs, optimizer parameters)."""
        changes = []
        params = self.optimizer_params()
        lr = params.pop("learning_rate", None)
        if lr is not None and abs(lr - session.base_learning_rate) > 1e-12 * max(1.0, lr):
            changes.append(lambda s, v=lr: s.set_learning_rate(v))
        if self.batch_size.value() != session.batch_size:
            changes.append(lambda s, v=self.batch_size.value(): s.set_batch_size(v))
        if self.epochs.value() != session.epochs:
            changes.append(lambda s, v=self.epochs.value(): s.set_epochs(v))
        if self.optimizer.currentData() == session.config.optimizer:
            opt = session.optimizer
            differ = {k: v for k, v in params.items() if getattr(opt, k, None) != v}
            for key in ("clipnorm", "clipvalue", "global_clipnorm"):
                if key not in params and getattr(opt, key, None) is not None:
                    differ[key] = None
            if differ:
                changes.append(lambda s, d=differ: s.set_optimizer_params(**d))
        else:
            changes.append(lambda s, n=self.optimizer.currentData(), p=dict(params, learning_rate=lr):
                           s.set_optimizer(n, p))
        return changes

    def set_running(self, running: bool, paused: bool = False) -> None:
        """Lock the fields that cannot change during a run (all of them while it trains;
        while paused, the live ones stay editable)."""
        live = {self.batch_size, self.epochs, *self.optimizer_editors.values(), self.optimizer, self.clipping,
                self.clip_value}
        for w in self.findChildren(QWidget):
            if isinstance(w, QGroupBox) and not w.isCheckable():
                continue
            if isinstance(w, (QComboBox, QSpinBox, QLineEdit, QCheckBox, QGroupBox)):
                w.setEnabled(not running or (paused and (w in live or w.parent() in live)))
        if not running:
            self._schedule_changed()
            self.clip_value.setEnabled(bool(self.clipping.currentData()))


def _number_text(value: float) -> str:
    """The shortest text that reads back as `value`; a float32 from a Keras file (0.001 stored
    as 0.0010000000474974513) shows as the float32 it is, "0.001"."""
    short = f"{value:g}"
    if float(short) == value:
        return short
    if float(np.float32(value)) == value:
        return str(np.float32(value))
    return repr(value)
