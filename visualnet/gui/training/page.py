"""The training page, a tab beside the model canvas: data and settings on the left; the
controls (Train, Pause, Resume, Stop, Step), progress, status light and the tabs Curves,
Inside, Evaluation and Runs on the right; a log below.

The page builds a model from the document's graph and a `TrainingSession` from the data and
settings; a `TrainingController` (workspace/controller.py, no Qt) owns the run and a
`TrainingWorker` relays its reports as signals from a QThread; the page only draws them and
forwards the user's requests. While paused, edits to the
learning rate, batch size, epochs and optimizer parameters are applied on Resume/Step
(each becomes a marker). Every run is kept in `runs` (JSON-safe records for the project
file).

Every run's history keeps the graph snapshot and data recipe; in the Runs tab two selected
runs are compared (Compare: curves overlaid, differences listed; see compare_view).

The page keeps the workspace (workspace/training.py) up to date with its data recipe and
settings; File ▸ Save has the workspace fill in the project (recipe, settings, trained
weights by node id with the optimizer state, runs with their curves), and
`restore(project)` (on the File controller's `opened`) brings all of it back, and the next Train continues from the restored weights and optimizer
state ("Continue from the trained weights"). A finished or stopped run marks the document
changed."""

from __future__ import annotations

import logging
import time
import warnings
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QCheckBox, QMessageBox, QPlainTextEdit, QScrollArea,
                               QSplitter, QTabWidget, QVBoxLayout, QWidget)

from visualnet import data
from visualnet.data.compatibility import check_model_for_data
from visualnet.engine.model import Model
from visualnet.engine.rng import global_rng, set_seed
from visualnet.engine.session import TrainingSession
from visualnet.graph import to_dict
from visualnet.workspace.controller import TrainingController
from visualnet.workspace.runs import RestoredModel, project_runs, structure
from visualnet.workspace.training import TrainingWorkspace

from .. import collector
from .curves import CurvesView
from .data_panel import DataPanel
from .evaluation_view import EvaluationView, evaluate_prepared
from .inside_view import InsideView, inspect
from .problems_box import DataProblemsBox
from .runs_view import RunsView
from .controls import RunControls
from .status import BackgroundCall
from .worker import TrainingThread, TrainingWorker

log = logging.getLogger("visualnet.training")

class TrainingPage(QWidget):
    run_finished = Signal(dict)       # the run record (see `runs`)
    state_changed = Signal(str)

    def __init__(self, window, parent=None):
        super().__init__(parent)
        self.window = window
        self.document = window.document
        self.workspace = TrainingWorkspace()
        self.workspace.on("run_recorded", self._add_run_row)
        self.prepared = None
        self.worker: TrainingWorker | None = None
        self.thread: TrainingThread | None = None
        self.state = "idle"
        self._threads: list = []
        self._closed = False              # the window is closing: no new run or evaluation starts
        self._after_threads = None        # stop_for_close(): (the threads still running, what then)
        self._document = None             # the window's document (its path: the project's folder)
        self._restored_view = None

        self.data_panel = DataPanel()
        from .settings_panel import SettingsPanel
        self.settings = SettingsPanel()
        self.problems = DataProblemsBox()
        self.continue_check = QCheckBox("Continue from the trained weights")
        self.continue_check.setObjectName("train_continue")
        self.continue_check.setToolTip("Train starts from the weights (and optimizer state) of the last run or of the "
                                       "opened project, instead of fresh initial weights")
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.addWidget(self.data_panel)
        ll.addWidget(self.problems)
        ll.addWidget(self.continue_check)
        ll.addWidget(self.settings)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(left)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(400)

        self.controls = RunControls({key: getattr(self, key) for key in RunControls.ACTIONS})
        self.buttons, self.light = self.controls.buttons, self.controls.light
        self.progress, self.progress_label = self.controls.progress, self.controls.progress_label

        self.curves = CurvesView()
        self.inside = InsideView()
        self.evaluation = EvaluationView()
        self.runs_view = RunsView()
        self.runs_view.show_requested.connect(self.show_run)
        self.runs_view.compare_requested.connect(lambda: self.compare_selected())
        self.runs_table, self.compare_button = self.runs_view.table, self.runs_view.compare_button
        self.compare_view, self.runs_tab = self.runs_view.compare_view, self.runs_view
        self.tabs = QTabWidget()
        self.tabs.addTab(self.curves, "Curves")
        self.tabs.addTab(self.inside, "Inside")
        self.tabs.addTab(self.evaluation, "Evaluation")
        self.tabs.addTab(self.runs_view, "Runs")
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setObjectName("training_log")
        self.log.setMaximumBlockCount(5000)

        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.controls)
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
        self.settings.changed.connect(self._settings_changed)
        self.data_panel.subset.valueChanged.connect(self._settings_changed)
        self.settings.loss_changed.connect(lambda _: self.check_problems())
        self.document.analysed.connect(self.check_problems)
        self.document.analysed.connect(self._update_continue)
        self.document.graph_replaced.connect(lambda _graph: self._forget())
        self.problems.fix_requested.connect(self.apply_fix)
        self.evaluation.predict_requested.connect(self.predict_raw)
        self.inside.sample_spin.valueChanged.connect(self._sample_changed)
        self._settings_changed()
        self._set_state("idle")

    # ================================================================= data and problems
    def _settings_changed(self, *_) -> None:
        training = self.settings.state()
        training["training_samples"] = self.data_panel.subset.value()
        self.workspace.training = training

    def _data_changed(self, prepared) -> None:
        self.prepared = prepared
        self.workspace.data_recipe, self.workspace.pending_recipe = prepared.recipe, None
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
        running = state in ("running", "paused")
        self.controls.set_state(state, can_step=not running and self.session is not None and
                                self.session.status == "paused", can_evaluate=self.model is not None)
        self.settings.set_running(running, paused=state == "paused")
        self.data_panel.setEnabled(not running)
        self.curves.set_live(state == "running")
        self.evaluation.predict_button.setEnabled(not running and self.model is not None)
        self._update_continue()
        self.state_changed.emit(state)

    def log_line(self, text: str) -> None:
        self.log.appendPlainText(f"[{time.strftime('%H:%M:%S')}] {text}")

    def _error(self, message: str) -> None:
        self.log_line(message)
        self.window.show_error(message)

    def train(self) -> bool:
        """Build the model from the canvas and start a new run; False (with a message) if
        something prevents it."""
        if self._closed or self.state in ("running", "paused"):
            return False
        if self.prepared is None:
            self._error("Choose a dataset first.")
            return False
        errors = [p for p in self.document.problems if p.severity == "error"]
        errors += [p for p in self.check_problems() if p.severity == "error"]
        if errors:
            self._error(f"Cannot train: {errors[0].message}")
            return False
        start = self.workspace.capture() if self.continue_check.isChecked() and self.continue_check.isEnabled() else None
        from_project = start is not None and start["optimizer"] is not None and \
            start["optimizer"] is self.workspace.saved_optimizer
        graph_now = to_dict(self.document.graph)
        notes = []
        try:
            config = self.settings.config(has_validation=len(self.prepared.validation) > 0 or
                                          self.settings.validation_split.value() > 0)
            if config.seed is not None:
                set_seed(config.seed)
            model = Model.from_graph(self.document.graph)
            if start is not None:
                notes += self.workspace.load_weights(model, start["weights"])
            x, y = self.data_panel.training_arrays()
            val = self.prepared.validation
            validation = (val.x, val.y) if len(val) else None
            if validation is not None:
                config.validation_split = 0.0
            session = TrainingSession(model, x, y, config, validation_data=validation)
        except (ValueError, TypeError) as exc:
            self._error(f"Cannot train: {exc}")
            return False
        if start is not None:
            notes.append(self.workspace.resume_optimizer(session, start["optimizer"], structure(graph_now)))
            if from_project and start["optimizer"].rng is not None:
                global_rng().bit_generator.state = start["optimizer"].rng   # dropout goes on as it would have
        self.workspace.begin_run(model, session, None, graph_now, self.prepared.recipe.to_dict())
        self.curves.reset([m.name for m in session.metrics], steps=session.steps_per_epoch * session.epochs)
        self._setup_inside()
        self._start_worker()
        for note in notes:
            if note:
                self.log_line(note)
        self.log_line(f"Training {len(x)} samples for {config.epochs} epoch(s), batch size {config.batch_size}, "
                      f"{config.optimizer} (lr {session.base_learning_rate:g}), loss {config.loss}"
                      + (", from the trained weights" if start is not None else ""))
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
            self.controller.call(lambda s: worker.inspected(inspect(s, sample, points)))
        elif self.state not in ("running", "evaluating") and (self.session is not None or self.model is not None):
            try:
                session = self._view_session()
            except (ValueError, TypeError):
                return
            try:
                with collector.held():
                    snapshot = inspect(session, subset.x[i], self._points)
            except ValueError as exc:       # the data do not fit the model (the problems box says how)
                log.info("no look inside: %s", exc)
                return
            self.inside.show_snapshot(snapshot)

    def _start_worker(self) -> None:
        points = self._points
        self._live_sample = self._inspect_sample()
        self.workspace.controller = TrainingController(self.session,
                                                       inspect=lambda s: inspect(s, self._live_sample, points))
        worker = TrainingWorker(self.workspace.controller)
        thread = TrainingThread(worker)
        worker.batches_ready.connect(self.curves.add_batches)
        worker.epoch_finished.connect(self.curves.add_epoch)
        worker.marker_added.connect(self.curves.add_marker)
        worker.progress_changed.connect(self.controls.show_progress)
        worker.inspected_ready.connect(self.inside.show_snapshot)
        worker.log_added.connect(self.log_line)
        worker.finished.connect(self._finished)
        worker.failed.connect(self._failed)
        thread.finished.connect(self._thread_done)
        self.worker, self.thread = worker, thread
        self._set_state("running")
        collector.start_off_gui_thread(thread)

    def _thread_done(self) -> None:
        if self.thread is not None and self.thread.isFinished():
            self.thread.wait()

    def pause(self) -> None:
        if self.state == "running":
            self.controller.pause()
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
            self.controller.change(fn)
        return True

    def resume(self) -> None:
        if self.state == "paused" and self._apply_live_changes():
            self.controller.resume()
            self._set_state("running")
            self.log_line("Resumed")

    def step(self) -> None:
        if self.state == "paused" and self._apply_live_changes():
            self.controller.step()

    def stop(self) -> None:
        if self.state in ("running", "paused"):
            self.controller.stop()
            self.log_line("Stopping…")

    def _finished(self, result: dict) -> None:
        status = result["status"]
        self.log_line(result["reason"] or status)
        if self.workspace.stale_run:
            self._set_state("idle")
            self.show_run(len(self.runs) - 1)
            return
        if status == "diverged":
            self.window.show_error(result["reason"], 15000)
        self._record_run()
        self._set_state(status)
        self.evaluate()

    def _failed(self, message: str, details: str) -> None:
        self.log_line(message)
        self.log_line(details.rstrip())
        if self.workspace.stale_run:
            self._set_state("idle")
            self.show_run(len(self.runs) - 1)
            return
        self.window.show_error(message, 15000)
        self._record_run()
        self._set_state("failed")

    def _record_run(self) -> None:
        record = self.workspace.record_run()       # the Runs tab adds its row (run_recorded)
        self.document.mark_changed()      # new weights and a new run: the project has unsaved changes
        self.run_finished.emit(record)

    def _add_run_row(self, record: dict) -> None:
        self.runs_view.add_row(record)

    def show_run(self, index: int) -> bool:
        """Draw run `index`'s curves (as they were when it ended)."""
        if not 0 <= index < len(self.runs) or self.state in ("running", "paused"):
            return False
        h = self.runs[index]["history"]
        metrics = [m for m in (h.get("settings") or {}).get("metrics") or [] if isinstance(m, str)]
        self.curves.reset(metrics)
        for table in ("batch", "epoch"):
            columns = {k: v for k, v in (h.get(table) or {}).items() if isinstance(v, list)}
            if len({len(v) for v in columns.values()}) == 1:      # a well-formed table
                self.curves.add_columns(table, columns)
        for marker in h.get("markers") or []:
            if isinstance(marker, dict) and "step" in marker and "kind" in marker:
                self.curves.add_marker({"new": None, **marker})
        return True

    def selected_runs(self) -> list[int]:
        return self.runs_view.selected()

    def compare_selected(self, rows: "list[int] | None" = None):
        """Compare two runs (the selected rows, or `rows`): curves overlaid and the
        differences listed in the Runs tab. The comparison, or None."""
        rows = self.selected_runs() if rows is None else list(rows)
        if len(rows) != 2 or not all(0 <= r < len(self.runs) for r in rows):
            return None
        cmp = self.runs_view.compare(*(self.runs[r]["history"] for r in rows), names=tuple(f"run {r + 1}" for r in rows))
        self.tabs.setCurrentWidget(self.runs_view)
        return cmp

    def project_runs(self, unfinished: dict | None = None) -> list:
        """The runs as the project file's `Run` records (see `workspace.runs.project_runs`)."""
        return project_runs(self.runs, unfinished)

    # ================================================================= project file
    def connect_files(self, files) -> None:
        """Take part in the File menu: the workspace fills in the project saved, and the
        page shows the project opened."""
        files.add_contributor(self.workspace.contribute)
        files.opened.connect(self.restore)
        self._document = files.document

    def restore(self, project) -> None:
        """Show an opened project's training side (File controller `opened`): its data and
        recipe, settings, trained weights (the next Train or Evaluate uses them) and runs."""
        self._forget()
        notes = []
        if project.recipe is not None and not self._load_recipe(project.recipe):
            self.workspace.pending_recipe, self.workspace.data_recipe = project.recipe, None
            self.prepared = self.data_panel.prepared = None
            self.data_panel.hold = True
            self.data_panel.description.setText("<b>The project's data was not loaded</b> (see the log); it "
                                                 "is kept in the project. Choose a dataset to train.")
            self.check_problems()
        if project.training:
            notes += self.settings.set_state(project.training)
            samples = project.training.get("training_samples")
            if isinstance(samples, int) and not isinstance(samples, bool) and samples >= 0:
                self.data_panel.subset.setValue(samples)
            self._settings_changed()
        notes += self.workspace.restore(project)
        if self.model is not None:
            self.continue_check.setChecked(True)
        for record in self.runs:
            self._add_run_row(record)
        if self.runs:
            self.show_run(len(self.runs) - 1)
        if self.model is not None and self.prepared is not None and not any(
                p.severity == "error" for p in self.check_problems()):    # a mismatch shows there instead
            self._setup_inside()
        if self.state in ("running", "paused"):      # the replaced project's run is still stopping
            self._update_continue()
        else:
            self._set_state("idle")
        parts = [f"{len(self.runs)} run(s)"] + (["trained weights"] if self.model is not None else []) + \
            (["optimizer state"] if self.workspace.saved_optimizer is not None else [])
        self.log_line("Opened the project's training: " + ", ".join(parts))
        for note in notes:
            self.log_line(f"Note: {note}")

    def _load_recipe(self, recipe) -> bool:
        """The project's data, read from its folder; files outside that folder (absolute
        paths elsewhere, `..`) only when the person agrees: a file from someone else must not
        read, say, a private key into the data preview and the next save."""
        path = self._document.path if self._document is not None else None
        base = Path(path).parent if path else None
        outside = data.outside_paths(recipe.source, base)
        if outside:
            box = QMessageBox.StandardButton
            listed = "\n".join(f"  {p}" for p in outside[:5]) + ("\n  ..." if len(outside) > 5 else "")
            where = f"outside the project's folder ({base})" if base else "on this computer"
            answer = QMessageBox.question(
                self, "Read data from outside the project?",
                f"This project reads its training data from {where}:\n\n{listed}\n\nRead it? Say No if "
                "you do not know where this project came from; its model, settings and runs open either way.",
                box.Yes | box.No, box.No)
            if answer != box.Yes:
                self.log_line("The project's data was not read: it is outside the project's folder and reading "
                              "it was declined: " + ", ".join(outside))
                return False
        return self.data_panel.set_recipe(recipe, base_dir=base)

    def _forget(self) -> None:
        """A different project: no trained weights, runs or curves from the one before (a
        run still going on is stopped and not recorded)."""
        if self.state in ("running", "paused") and self.controller is not None:
            worker = self.worker
            for signal, slot in ((worker.batches_ready, self.curves.add_batches),
                                 (worker.epoch_finished, self.curves.add_epoch),
                                 (worker.marker_added, self.curves.add_marker),
                                 (worker.inspected_ready, self.inside.show_snapshot)):
                with warnings.catch_warnings():  # PySide warns (or raises) when the run already disconnected it
                    warnings.simplefilter("ignore", RuntimeWarning)
                    try:
                        signal.disconnect(slot)
                    except (RuntimeError, TypeError):
                        pass
            self.log_line("The project was replaced: training stopped")
        self.workspace.forget()
        self._restored_view = None
        self.data_panel.hold = False
        self.continue_check.setChecked(False)
        self.runs_view.clear()
        self.curves.reset(["loss"])
        self.inside.reset(1)
        self.evaluation.report = None
        self.evaluation.summary.setText("Not evaluated yet.")
        if self.state not in ("running", "paused"):
            self._set_state("idle")

    def _weights_fit(self) -> bool:
        return self.workspace.weights_fit(self.document.graph)

    def _update_continue(self) -> None:
        ok = self.state not in ("running", "paused", "evaluating") and self._weights_fit()
        self.continue_check.setEnabled(ok)

    @property
    def model(self):
        return self.workspace.model

    @property
    def session(self):
        return self.workspace.session

    @property
    def controller(self):
        return self.workspace.controller

    @property
    def runs(self) -> list:
        return self.workspace.runs

    @property
    def control(self):
        """The running (or last) run's TrainingControl, or None."""
        return self.controller.control if self.controller is not None else None

    def _view_session(self):
        """The session evaluation and the inside view look at: the last run's, or the
        restored model's."""
        if self.session is not None:
            return self.session
        if self.model is None:
            return None
        if self._restored_view is None or self._restored_view.model is not self.model:
            self._restored_view = RestoredModel(self.model, self.settings.config())
        return self._restored_view

    # ================================================================= evaluation
    def evaluate(self) -> None:
        if self._closed or self.state in ("running", "paused") or self.prepared is None:
            return
        try:
            session = self._view_session()
        except (ValueError, TypeError) as exc:
            self._error(f"Cannot evaluate: {exc}")
            return
        if session is None:
            return
        prepared = self.prepared
        call = BackgroundCall(lambda: evaluate_prepared(session, prepared), self)
        call.call.done.connect(self._evaluated)
        call.call.failed.connect(self._evaluation_failed)
        call.finished.connect(lambda c=call: self._threads.remove(c) if c in self._threads else None)
        self._threads.append(call)
        self._state_before_eval = self.state
        self._set_state("evaluating")
        collector.start_off_gui_thread(call)

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
            with collector.held():
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

    def stop_for_close(self, then) -> bool:
        """Stop any run, start nothing more, and if threads still run (a stop takes effect
        after the current batch; an evaluation runs to its end) call `then()` on the GUI
        thread once they have all ended. True if it will; False if none runs."""
        self._stop_for_good()
        running = [t for t in [self.thread, *self._threads] if t is not None and t.isRunning()]
        if not running:
            return False
        self._after_threads = (running, then)
        for t in running:
            t.finished.connect(self._threads_ended)   # queued to this (the GUI) thread
        QTimer.singleShot(0, self._threads_ended)     # a thread that ended before its connection
        return True

    def _stop_for_good(self) -> None:
        """Stop any run (after its current batch); start no run or evaluation again."""
        self._closed = True
        if self.controller is not None:
            self.controller.stop()

    def _threads_ended(self) -> None:
        if self._after_threads is not None and not any(t.isRunning() for t in self._after_threads[0]):
            then, self._after_threads = self._after_threads[1], None
            then()

    def shutdown(self) -> None:
        """Stop any run and wait for the threads (the window is closing; the page is deleted
        with it, and so are the threads it parents). The run's end, still queued, then
        starts no evaluation. The window calls `stop_for_close` first, so that nothing is
        left running here."""
        self._stop_for_good()
        for t in [self.thread, *self._threads]:
            if t is not None:
                t.wait()
