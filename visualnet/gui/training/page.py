"""The Train page, a view of the training workspace: data and settings on the left; the
controls, progress, status light and the tabs Curves, Inside, Evaluation and Runs on the
right; a log below.

Where things live: a batch is trained in `engine/` (session.py drives loop.py); the run
going on is owned by a `TrainingController` (workspace/controller.py, no Qt) whose reports
`TrainingWorker` (worker.py) relays as signals from a QThread; the project's training state
(recipe, settings, weights, optimizer state, runs) lives in the `TrainingWorkspace`
(workspace/training.py), which the page keeps up to date with its forms and which File ▸
Save asks for the project. The page, and the views beside it, only draw and forward the
person's requests: Train, Pause/Resume/Step (edits to the learning rate, batch size,
epochs and optimizer parameters apply on Resume/Step, each a marker on the curves), Stop,
Evaluate (evaluation_link.py), the Inside tab (inside_link.py), runs shown and compared
(runs_view.py), and `restore(project)` on File ▸ Open (page_project.py; the next Train then continues from
the restored weights and optimizer state)."""

from __future__ import annotations

import json
import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QCheckBox, QPlainTextEdit, QScrollArea,
                               QSplitter, QTabWidget, QVBoxLayout, QWidget)

from visualnet.data.compatibility import check_model_for_data
from visualnet.engine.model import Model
from visualnet.engine.rng import global_rng, set_seed
from visualnet.engine.session import TrainingSession
from visualnet.graph import to_dict
from visualnet.graph.validation import Problem
from visualnet.workspace.controller import TrainingController
from visualnet.workspace.runs import RestoredModel, project_runs, structure
from visualnet.workspace.training import TrainingWorkspace

from .. import collector
from .curves import CurvesView, curve_keys
from .data_panel import DataPanel
from .data_views import DataViewsLink
from .engine_calls import EngineCalls
from .evaluation_link import EvaluationLink
from .evaluation_view import EvaluationView
from .inside_link import InsideLink
from .inside_view import InsideView
from .page_outputs import OutputsSide
from .page_project import ProjectSide
from .problems_box import DataProblemsBox
from .runs_view import RunsView
from .controls import RunControls
from .worker import TrainingThread, TrainingWorker


class TrainingPage(OutputsSide, ProjectSide, QWidget):
    run_finished = Signal(dict)       # the run record (see `runs`)
    state_changed = Signal(str)

    def __init__(self, window, parent=None):
        super().__init__(parent)
        self.window = window
        self.document = window.document
        self.workspace = TrainingWorkspace()
        self.workspace.on("run_recorded", self._add_run_row)
        self.workspace.on("run_tested", lambda row, logs: self.runs_view.set_test(row, logs))
        self.prepared = None
        self.worker: TrainingWorker | None = None
        self.thread: TrainingThread | None = None
        self.state = "idle"
        self.threads: list = []
        self.closed = False              # the window is closing: no new run or evaluation starts
        self._after_threads = None        # stop_for_close(): (the threads still running, what then)
        self._document = None             # the window's document (its path: the project's folder)
        self._restored_view = None
        self._kept_training: dict = {}    # an opened project's training settings this version does not use
        self._edit_noted = False          # the log said the model was edited during this run

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
        self.progress = self.controls.progress

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
        self.data_panel.failed.connect(self.error)
        self.data_panel.note.connect(self.log_line)
        self.settings.changed.connect(self._settings_changed)
        self.data_panel.subset.valueChanged.connect(self._settings_changed)
        self.settings.loss_changed.connect(lambda _: self.check_problems())
        self.document.analysed.connect(self.check_problems)
        self.document.analysed.connect(self._update_continue)
        self.document.analysed.connect(self._model_nodes_changed)   # several Inputs/Outputs: the column mapping
        self._model_nodes_changed()
        self.document.graph_replaced.connect(lambda _graph: self._forget())
        self.problems.fix_requested.connect(self.apply_fix)
        self.engine_calls = EngineCalls(self)     # evaluation, predictions, the Inside tab: off the GUI thread
        self.evaluation_link = EvaluationLink(self, self.engine_calls)
        self.inside_link = InsideLink(self, self.engine_calls)
        self.tabs.currentChanged.connect(lambda _: self.inside_link.set_shown(self.tabs.currentWidget() is self.inside))
        self.data_views = DataViewsLink(self, self.engine_calls)   # the Data tab: augmentation, text, series
        self._settings_changed()
        self.set_state("idle")

    # ================================================================= data and problems
    def _settings_changed(self, *_) -> None:
        training = {**self._kept_training, **self.settings.state()}     # keys of a newer version kept as read
        training["training_samples"] = self.data_panel.subset.value()
        self.workspace.training = training
        if self.state not in ("running", "paused"):       # the next run's plots, built while idle
            metrics = curve_keys(training)      # several outputs: each output's loss and metrics
            QTimer.singleShot(0, self.curves, lambda: self.curves.prepare(metrics))

    def _data_changed(self, prepared) -> None:
        self.prepared = prepared
        self.workspace.data_recipe, self.workspace.pending_recipe = prepared.recipe, None
        fitted = prepared.recipe.fitted
        head = prepared.dataset.suggest_head(one_hot=prepared.recipe.pipeline().one_hot())
        self.settings.set_loss(head.loss)
        self.settings.set_metrics(head.metrics)
        self._set_output_settings(prepared)      # several outputs: a loss and metrics each
        self.evaluation.set_input_kind(fitted["kind"], list(fitted.get("feature_names") or []),
                                       tuple(fitted["input_shape"]))
        self.log_line(f"Data: {self._describe_data(prepared)}")
        self._clear_results("Not evaluated on this data yet.")
        self.check_problems()

    def check_problems(self) -> list:
        if self.prepared is None:
            self.problems.show_problems([])
            return []
        problems = check_model_for_data(self.document.graph, self.prepared.recipe, self._loss_setting())
        self.problems.show_problems(problems + self._run_on_previous_graph())
        return problems

    def _run_on_previous_graph(self) -> list:
        """While a run trains, edits to the model do not reach it (it trains the model as it
        was when Train was pressed, and its record keeps that model): a warning says so
        instead of the page going on saying the model fits. Edits stay allowed, so that the
        next experiment can be prepared while a long run goes on."""
        snapshot = self.workspace.graph_snapshot
        if self.state not in ("running", "paused") or snapshot is None or \
                _maths(snapshot) == _maths(to_dict(self.document.graph)):
            self._edit_noted = False
            return []
        if not self._edit_noted:
            self._edit_noted = True
            self.log_line("The model was edited during the run: the run goes on with the model as it was when "
                          "it started; Train again to train the edited one")
        return [Problem("run_on_previous_model", "warning",
                        "The model was edited after this run started: the run trains (and records) the model "
                        "as it was then. Train again to train the edited model.")]

    def apply_fix(self, problem) -> bool:
        if self._apply_output_fix(problem):      # the data mapping, a loss by output
            ok = True
        elif problem.fix == "set_loss":
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
    def set_state(self, state: str) -> None:
        self.state = state
        running = state in ("running", "paused")
        self.controls.set_state(state, can_step=not running and self.session is not None and
                                self.session.status == "paused", can_evaluate=self.model is not None)
        self.settings.set_running(running, paused=state == "paused")
        self.data_panel.setEnabled(not running)
        self.curves.set_live(state == "running")
        self.evaluation.predict_button.setEnabled(not running and self.model is not None)
        self._update_continue()
        self.check_problems()               # a warning about edits during the run comes or goes
        self.state_changed.emit(state)

    def log_line(self, text: str) -> None:
        self.log.appendPlainText(f"[{time.strftime('%H:%M:%S')}] {text}")

    def error(self, message: str) -> None:
        self.log_line(message)
        self.window.show_error(message)

    def train(self) -> bool:
        """Build the model from the canvas and start a new run; False (with a message) if
        something prevents it."""
        if self.closed or self.state in ("running", "paused"):
            return False
        if self.prepared is None:
            self.error("Choose a dataset first.")
            return False
        errors = [p for p in self.document.problems if p.severity == "error"]
        errors += [p for p in self.check_problems() if p.severity == "error"]
        if errors:
            self.error(f"Cannot train: {errors[0].message}")
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
            session = TrainingSession(model, x, y, config, validation_data=validation,
                                      batch_padding=self.data_panel.batch_padding())
        except (ValueError, TypeError) as exc:
            self.error(f"Cannot train: {exc}")
            return False
        if start is not None:
            notes.append(self.workspace.resume_optimizer(session, start["optimizer"], structure(graph_now)))
            if from_project and start["optimizer"].rng is not None:
                global_rng().bit_generator.state = start["optimizer"].rng   # dropout goes on as it would have
        self.workspace.begin_run(model, session, None, graph_now, self.prepared.recipe.to_dict())
        self.curves.reset([m.name for m in session.metrics], steps=session.steps_per_epoch * session.epochs)
        self.inside_link.setup()
        self._start_worker()
        for note in notes:
            if note:
                self.log_line(note)
        self.log_line(f"Training {session.n_samples} samples for {config.epochs} epoch(s), batch size {config.batch_size}, "
                      f"{config.optimizer} (lr {session.base_learning_rate:g}), loss {config.loss}"
                      + (", from the trained weights" if start is not None else ""))
        return True

    def _start_worker(self) -> None:
        self.workspace.controller = TrainingController(self.session, inspect=self.inside_link.live(),
                                                       inspect_wanted=self.inside_link.wanted)
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
        self.set_state("running")
        collector.start_off_gui_thread(thread)

    def _thread_done(self) -> None:
        if self.thread is not None and self.thread.isFinished():
            self.thread.wait()

    def pause(self) -> None:
        if self.state == "running":
            self.controller.pause()
            self.set_state("paused")
            self.log_line("Paused (the optimizer state is kept; edit the learning rate, batch size, epochs or "
                          "optimizer parameters, then Resume)")

    def _apply_live_changes(self) -> bool:
        try:
            changes = self.settings.live_changes(self.session)
            self.settings.config()       # validates the fields
        except ValueError as exc:
            self.error(f"Cannot apply the change: {exc}")
            return False
        for fn in changes:
            self.controller.change(fn)
        return True

    def resume(self) -> None:
        if self.state == "paused" and self._apply_live_changes():
            self.controller.resume()
            self.set_state("running")
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
        self.inside_link.run_ended()
        if self.workspace.stale_run:
            self.set_state("idle")
            self.show_run(len(self.runs) - 1)
            return
        if status == "diverged":
            self.window.show_error(result["reason"], 15000)
        self._record_run()
        self.set_state(status)
        self.evaluate()

    def _failed(self, message: str, details: str) -> None:
        self.log_line(message)
        self.log_line(details.rstrip())
        self.inside_link.run_ended()
        if self.workspace.stale_run:
            self.set_state("idle")
            self.show_run(len(self.runs) - 1)
            return
        self.window.show_error(message, 15000)
        self._record_run()
        self.set_state("failed")

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
        self.curves.show_history(self.runs[index]["history"])
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

    def _clear_results(self, text: str) -> None:
        """The evaluation, prediction and progress shown belong to other data or another
        model: gone (a run still going on keeps its progress)."""
        self.evaluation.clear_results(text)
        if self.state not in ("running", "paused"):
            self.progress.reset()
            self.progress.setFormat("")
            self.progress.setToolTip("")

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

    def view_session(self):
        """The session evaluation and the inside view look at: the last run's, or the
        restored model's."""
        if self.session is not None:
            return self.session
        if self.model is None:
            return None
        if self._restored_view is None or self._restored_view.model is not self.model:
            self._restored_view = RestoredModel(self.model, self.settings.config())
        return self._restored_view

    # ================================================================= evaluation and closing
    def evaluate(self) -> None:
        self.evaluation_link.evaluate()

    def stop_for_close(self, then) -> bool:
        """Stop any run, start nothing more, and if threads still run (a stop takes effect
        after the current batch; an evaluation runs to its end) call `then()` on the GUI
        thread once they have all ended. True if it will; False if none runs."""
        self._stop_for_good()
        running = [t for t in [self.thread, *self.threads] if t is not None and t.isRunning()]
        if not running:
            return False
        self._after_threads = (running, then)
        for t in running:
            t.finished.connect(self._threads_ended)   # queued to this (the GUI) thread
        QTimer.singleShot(0, self._threads_ended)     # a thread that ended before its connection
        return True

    def _stop_for_good(self) -> None:
        """Stop any run (after its current batch); start no run or evaluation again."""
        self.closed = True
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
        for t in [self.thread, *self.threads]:
            if t is not None:
                t.wait()


def _maths(graph: dict) -> tuple:
    """What a run's model is made of (layers, their parameters, wires), without the
    positions and names that moving or renaming a layer changes."""
    nodes = tuple((n["id"], n["type"], json.dumps(n.get("params"), sort_keys=True, default=str))
                  for n in graph.get("nodes", []))
    return nodes, structure(graph)[1]
