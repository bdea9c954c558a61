"""The training page, a tab beside the model canvas: data and settings on the left; the
controls (Train, Pause, Resume, Stop, Step), progress, status light and the tabs Curves,
Inside, Evaluation and Runs on the right; a log below.

The page builds a model from the document's graph, a `TrainingSession` from the data and
settings, and runs it with a `TrainingWorker` in a QThread. While paused, edits to the
learning rate, batch size, epochs and optimizer parameters are applied on Resume/Step
(each becomes a marker). Every run is kept in `runs` (JSON-safe records for the project
file)."""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QObject, QThread, QTimer, Qt, Signal
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QPlainTextEdit, QProgressBar, QPushButton, QScrollArea,
                               QSplitter, QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget)

from visualnet import data
from visualnet.data.compatibility import check_model_for_data
from visualnet.engine.model import Model
from visualnet.engine.rng import set_seed
from visualnet.engine.session import TrainingControl, TrainingSession
from visualnet.graph import to_dict

from .. import theme
from .curves import CurvesView
from .data_panel import DataPanel
from .evaluation_view import EvaluationView, evaluate_prepared
from .inside_view import InsideView, inspect
from .problems_box import DataProblemsBox
from .worker import TrainingThread, TrainingWorker, describe_exception

STATES = {"idle": ("#8c959f", "Ready"), "running": ("#1a7f37", "Training"), "paused": ("#b87a00", "Paused"),
          "finished": ("#2f6fea", "Finished"), "early_stopped": ("#2f6fea", "Stopped early"),
          "stopped": ("#57606a", "Stopped"), "diverged": ("#cf222e", "Diverged"), "failed": ("#cf222e", "Failed"),
          "evaluating": ("#8250df", "Evaluating")}


class StatusLight(QLabel):
    def set_state(self, state: str) -> None:
        colour, text = STATES.get(state, STATES["idle"])
        self.state = state
        self.setText(f"<span style='color:{colour}; font-size:16px'>●</span> {text}")


class _Call(QObject):
    done = Signal(object)
    failed = Signal(str)

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def run(self):
        try:
            self.done.emit(self.fn())
        except Exception as exc:     # noqa: BLE001
            self.failed.emit(describe_exception(exc).replace("Training failed", "Evaluation failed"))


class BackgroundCall(QThread):
    """Run `fn()` off the GUI thread; `call.done(result)` / `call.failed(message)`."""

    def __init__(self, fn, parent=None):
        super().__init__(parent)
        self.call = _Call(fn)
        self.call.moveToThread(self)
        self.started.connect(self.call.run)
        self.call.done.connect(self.quit)
        self.call.failed.connect(self.quit)


class TrainingPage(QWidget):
    run_finished = Signal(dict)       # the run record (see `runs`)
    state_changed = Signal(str)

    def __init__(self, window, parent=None):
        super().__init__(parent)
        self.window = window
        self.document = window.document
        self.session: TrainingSession | None = None
        self.model: Model | None = None
        self.prepared = None
        self.worker: TrainingWorker | None = None
        self.thread: TrainingThread | None = None
        self.control: TrainingControl | None = None
        self.runs: list[dict] = []
        self.state = "idle"
        self._threads: list = []
        self._started = 0.0

        self.data_panel = DataPanel()
        from .settings_panel import SettingsPanel
        self.settings = SettingsPanel()
        self.problems = DataProblemsBox()
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.addWidget(self.data_panel)
        ll.addWidget(self.problems)
        ll.addWidget(self.settings)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(left)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(400)

        self.buttons = {}
        bar = QHBoxLayout()
        for key, text, tip in (("train", "Train", "Build the model from the canvas and train it"),
                               ("pause", "Pause", "Pause after the current batch (the optimizer state is kept)"),
                               ("resume", "Resume", "Continue from the exact state, with the edited settings"),
                               ("step", "Step", "Train one batch"),
                               ("stop", "Stop", "Stop now, keeping the current weights"),
                               ("evaluate", "Evaluate", "Evaluate the trained model on the test split")):
            button = QPushButton(text)
            button.setObjectName(f"train_{key}")
            button.setToolTip(tip)
            button.clicked.connect(getattr(self, key))
            bar.addWidget(button)
            self.buttons[key] = button
        self.light = StatusLight()
        self.light.setObjectName("status_light")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(True)
        self.progress.setFormat("")
        self.progress_label = QLabel()
        self.progress_label.setObjectName("progress_label")
        bar.addSpacing(12)
        bar.addWidget(self.light)
        bar.addWidget(self.progress, 1)
        bar.addWidget(self.progress_label)

        self.curves = CurvesView()
        self.inside = InsideView()
        self.evaluation = EvaluationView()
        self.runs_table = QTableWidget(0, 7)
        self.runs_table.setHorizontalHeaderLabels(["#", "status", "epochs", "loss", "val_loss", "metrics",
                                                   "duration"])
        self.runs_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.curves, "Curves")
        self.tabs.addTab(self.inside, "Inside")
        self.tabs.addTab(self.evaluation, "Evaluation")
        self.tabs.addTab(self.runs_table, "Runs")
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setObjectName("training_log")
        self.log.setMaximumBlockCount(5000)

        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addLayout(bar)
        vsplit = QSplitter(Qt.Orientation.Vertical)
        vsplit.addWidget(self.tabs)
        vsplit.addWidget(self.log)
        vsplit.setSizes([700, 110])
        rl.addWidget(vsplit, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(scroll)
        split.addWidget(right)
        split.setSizes([420, 1000])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(split)

        self.data_panel.prepared_changed.connect(self._data_changed)
        self.data_panel.failed.connect(self._error)
        self.settings.loss_changed.connect(lambda _: self.check_problems())
        self.document.analysed.connect(self.check_problems)
        self.problems.fix_requested.connect(self.apply_fix)
        self.evaluation.predict_requested.connect(self.predict_raw)
        self.inside.sample_spin.valueChanged.connect(self._sample_changed)
        self._set_state("idle")

    # ================================================================= data and problems
    def _data_changed(self, prepared) -> None:
        self.prepared = prepared
        fitted = prepared.recipe.fitted
        head = prepared.dataset.suggest_head(one_hot=prepared.recipe.pipeline().one_hot())
        self.settings.set_loss(head.loss)
        self.settings.set_metrics(head.metrics)
        self.evaluation.set_input_kind(fitted["kind"], list(fitted.get("feature_names") or []),
                                       tuple(fitted["input_shape"]))
        self.log_line(f"Data: {prepared.dataset.describe()}")
        self.check_problems()

    def check_problems(self) -> list:
        if self.prepared is None:
            self.problems.show_problems([])
            return []
        problems = check_model_for_data(self.document.graph, self.prepared.recipe, self.settings.loss.currentText())
        self.problems.show_problems(problems)
        return problems

    def apply_fix(self, problem) -> bool:
        if problem.fix == "set_loss":
            self.settings.set_loss(problem.detail["loss"])
            self.log_line(f"Loss set to {problem.detail['loss']}")
            ok = True
        else:
            ok = self.window.fixer.apply(problem)
            self.document.refresh_if_needed()
        self.check_problems()
        return ok

    def select_dataset(self, name: str) -> None:
        self.data_panel.select_builtin(name)

    # ================================================================= running
    def _set_state(self, state: str) -> None:
        self.state = state
        self.light.set_state(state)
        running = state in ("running", "paused")
        b = self.buttons
        b["train"].setEnabled(not running)
        b["pause"].setEnabled(state == "running")
        b["resume"].setEnabled(state == "paused")
        b["step"].setEnabled(state == "paused" or (not running and self.session is not None and
                                                   self.session.status == "paused"))
        b["stop"].setEnabled(running)
        b["evaluate"].setEnabled(not running and self.model is not None and state != "evaluating")
        self.settings.set_running(running, paused=state == "paused")
        self.data_panel.setEnabled(not running)
        self.evaluation.predict_button.setEnabled(not running and self.model is not None)
        self.state_changed.emit(state)

    def log_line(self, text: str) -> None:
        self.log.appendPlainText(f"[{time.strftime('%H:%M:%S')}] {text}")

    def _error(self, message: str) -> None:
        self.log_line(message)
        self.window.show_error(message)

    def train(self) -> bool:
        """Build the model from the canvas and start a new run; False (with a message) if
        something prevents it."""
        if self.state in ("running", "paused"):
            return False
        if self.prepared is None:
            self._error("Choose a dataset first.")
            return False
        errors = [p for p in self.document.problems if p.severity == "error"]
        errors += [p for p in self.check_problems() if p.severity == "error"]
        if errors:
            self._error(f"Cannot train: {errors[0].message}")
            return False
        try:
            config = self.settings.config(has_validation=len(self.prepared.validation) > 0 or
                                          self.settings.validation_split.value() > 0)
            if config.seed is not None:
                set_seed(config.seed)
            model = Model.from_graph(self.document.graph)
            x, y = self.data_panel.training_arrays()
            val = self.prepared.validation
            validation = (val.x, val.y) if len(val) else None
            if validation is not None:
                config.validation_split = 0.0
            session = TrainingSession(model, x, y, config, validation_data=validation)
        except (ValueError, TypeError) as exc:
            self._error(f"Cannot train: {exc}")
            return False
        self.model, self.session = model, session
        self._graph_snapshot = to_dict(self.document.graph)
        self._recipe = self.prepared.recipe.to_dict()
        self.curves.reset([m.name for m in session.metrics])
        self._setup_inside()
        self.control = TrainingControl()
        self._start_worker()
        self.log_line(f"Training {len(x)} samples for {config.epochs} epoch(s), batch size {config.batch_size}, "
                      f"{config.optimizer} (lr {session.base_learning_rate:g}), loss {config.loss}")
        return True

    def _setup_inside(self) -> None:
        fitted = self.prepared.recipe.fitted
        points = labels = None
        x, y = self.data_panel.training_arrays()
        if x.ndim == 2 and x.shape[1] == 2 and fitted["task"] != "regression":
            points = x[:1000]
            labels = np.asarray(y[:1000]).reshape(len(points), -1)
            labels = labels.argmax(axis=1) if labels.shape[1] > 1 else labels[:, 0]
        self._points = points
        self.inside.reset(len(self.prepared.test) or len(x), points, labels, max(len(fitted["class_names"]), 2))
        self._sample_changed()

    def _inspect_sample(self):
        subset = self.prepared.test if len(self.prepared.test) else self.prepared.train
        i = min(self.inside.sample_spin.value(), len(subset) - 1)
        return subset.x[i]

    def _sample_changed(self, *_):
        if self.prepared is None:
            return
        subset = self.prepared.test if len(self.prepared.test) else self.prepared.train
        i = min(self.inside.sample_spin.value(), len(subset) - 1)
        label = ""
        if subset.y is not None:
            names = self.prepared.recipe.fitted["class_names"]
            yi = np.asarray(subset.y[i])
            label = names[int(yi.argmax() if yi.size > 1 else yi)] if names else f"{float(yi):.4g}"
        self.inside.sample_label.setText(f"label: {label}")
        self._live_sample = subset.x[i]
        if self.state == "paused":        # the training thread computes it, between batches
            worker, sample, points = self.worker, subset.x[i], self._points
            self.control.submit(lambda s: worker.inspected.emit(inspect(s, sample, points)))
        elif self.state not in ("running", "evaluating") and self.session is not None:
            self.inside.show_snapshot(inspect(self.session, subset.x[i], self._points))

    def _start_worker(self) -> None:
        points = self._points
        self._live_sample = self._inspect_sample()
        worker = TrainingWorker(self.session, self.control,
                                inspect=lambda s: inspect(s, self._live_sample, points))
        thread = TrainingThread(worker)
        worker.batches_ready.connect(self.curves.add_batches)
        worker.epoch_finished.connect(self.curves.add_epoch)
        worker.marker_added.connect(self.curves.add_marker)
        worker.progress_changed.connect(self._show_progress)
        worker.inspected.connect(self.inside.show_snapshot)
        worker.log_added.connect(self.log_line)
        worker.finished.connect(self._finished)
        worker.failed.connect(self._failed)
        thread.finished.connect(self._thread_done)
        self.worker, self.thread = worker, thread
        self._started = time.time()
        self._set_state("running")
        thread.start()

    def _thread_done(self) -> None:
        if self.thread is not None and self.thread.isFinished():
            self.thread.wait()

    def pause(self) -> None:
        if self.state == "running":
            self.control.request_pause()
            self._set_state("paused")
            self.log_line("Paused (the optimizer state is kept; edit the learning rate, batch size, epochs or "
                          "optimizer parameters, then Resume)")

    def _apply_live_changes(self) -> bool:
        try:
            changes = self.settings.live_changes(self.session)
            self.settings.config()       # validates the fields
        except ValueError as exc:
            self._error(f"Cannot apply the change: {exc}")
            return False
        for fn in changes:
            self.control.submit(lambda s, fn=fn: self._safe_change(s, fn))
        return True

    def _safe_change(self, session, fn) -> None:
        try:
            fn(session)
        except ValueError as exc:
            self.worker.log_added.emit(f"Change refused: {exc}")

    def resume(self) -> None:
        if self.state == "paused" and self._apply_live_changes():
            self.control.resume()
            self._set_state("running")
            self.log_line("Resumed")

    def step(self) -> None:
        if self.state == "paused" and self._apply_live_changes():
            self.control.request_step()

    def stop(self) -> None:
        if self.state in ("running", "paused"):
            self.control.request_stop()
            self.log_line("Stopping…")

    def _show_progress(self, p: dict) -> None:
        self.progress.setValue(int(1000 * p["fraction"]))
        eta = p.get("eta")
        eta_text = "" if eta is None else f" · ETA {int(eta // 60)}:{int(eta % 60):02d}"
        text = (f"epoch {p['epoch'] + 1 if p['epoch'] < p['epochs'] else p['epochs']}/{p['epochs']} · "
                f"batch {p['batch']}/{p['steps_per_epoch']} · {p['samples_per_second']:,.0f} samples/s{eta_text}")
        self.progress.setFormat(f"{p['fraction']:.0%}")
        self.progress_label.setText(text)

    def _finished(self, result: dict) -> None:
        status = result["status"]
        self.log_line(result["reason"] or status)
        if status == "diverged":
            self.window.show_error(result["reason"], 15000)
        self._record_run()
        self._set_state(status)
        self.evaluate()

    def _failed(self, message: str, details: str) -> None:
        self.log_line(message)
        self.log_line(details.rstrip())
        self.window.show_error(message, 15000)
        self._record_run()
        self._set_state("failed")

    def _record_run(self) -> None:
        h = self.session.history
        record = {"history": h.to_dict(), "graph": self._graph_snapshot, "recipe": self._recipe,
                  "duration": time.time() - self._started, "started_at": self._started}
        self.runs.append(record)
        r = self.runs_table.rowCount()
        self.runs_table.insertRow(r)
        final = h.final
        metrics = ", ".join(f"{k} {v:.4f}" for k, v in final.items()
                            if k not in ("loss", "val_loss", "learning_rate") and isinstance(v, float))
        cells = [str(r + 1), h.status, str(len(h.epoch.get("epoch", []))), _fmt(final.get("loss")),
                 _fmt(final.get("val_loss")), metrics, f"{record['duration']:.1f} s"]
        for j, v in enumerate(cells):
            self.runs_table.setItem(r, j, QTableWidgetItem(v))
        self.run_finished.emit(record)

    def project_runs(self) -> list:
        """The runs as the project file's `Run` records (info JSON + curves)."""
        from visualnet.engine.session import RunHistory
        from visualnet.io.project import Run
        out = []
        for rec in self.runs:
            h = RunHistory.from_dict(rec["history"])
            info = {k: v for k, v in rec.items() if k != "history"}
            info.update(settings=h.settings, markers=h.markers, status=h.status, reason=h.reason, final=h.final)
            out.append(Run(info, h.curves()))
        return out

    # ================================================================= evaluation
    def evaluate(self) -> None:
        if self.session is None or self.state in ("running", "paused") or self.prepared is None:
            return
        session, prepared = self.session, self.prepared
        call = BackgroundCall(lambda: evaluate_prepared(session, prepared), self)
        call.call.done.connect(self._evaluated)
        call.call.failed.connect(self._evaluation_failed)
        call.finished.connect(lambda c=call: self._threads.remove(c) if c in self._threads else None)
        self._threads.append(call)
        self._state_before_eval = self.state
        self._set_state("evaluating")
        call.start()

    def _evaluated(self, report) -> None:
        self.evaluation.show_report(report)
        self._set_state(self._state_before_eval)
        if report is not None:
            self.log_line("Test set: " + " - ".join(f"{k}: {v:.4f}" for k, v in report.logs.items()))

    def _evaluation_failed(self, message: str) -> None:
        self._error(message)
        self._set_state(self._state_before_eval)

    def predict_raw(self, raw) -> None:
        """Predict drawn pixels or typed rows through the recipe's transform_for_prediction."""
        if self.model is None or self.state in ("running", "paused"):
            return
        recipe = self.prepared.recipe
        try:
            if isinstance(raw, list):
                try:
                    raw = np.array([[float(v) for v in row] for row in raw], np.float64)
                except ValueError:
                    pass
            x = data.transform_for_prediction(recipe, raw)
            y = self.model.predict(x, verbose=0)
        except (data.DataError, ValueError) as exc:
            self._error(f"Cannot predict: {exc}")
            return
        if recipe.fitted["task"] == "regression":
            self.evaluation.show_value(float(np.asarray(y).reshape(-1)[0]))
        else:
            from visualnet.engine.evaluation import predicted_classes
            probs = predicted_classes(y)[2][0]
            self.evaluation.show_probabilities(probs, recipe.fitted["class_names"])

    def shutdown(self) -> None:
        """Stop any run and wait for the threads (the window is closing)."""
        if self.control is not None:
            self.control.request_stop()
        for t in [self.thread, *self._threads]:
            if t is not None and t.isRunning():
                t.wait(5000)


def _fmt(v) -> str:
    return "" if v is None else f"{v:.4f}"
