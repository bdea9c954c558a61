"""The File menu: New, Open, Open Recent, Save, Save As, Revert, Close, Import Keras model,
Export Keras model, ONNX model, Python code (Keras / PyTorch); autosave to a recovery file and
the offer to restore one after a crash.

The canvas edits only the graph; the rest of a project (data recipe, training settings,
weights, optimizer state, run history) is kept here in `parts`, so saving a project that
was opened never drops what the canvas does not show. The training page adds its state
through `add_contributor(fn)` (called with the Project about to be saved) and reads it back
from the `opened` signal; a change outside the undo stack is `document.mark_changed()`.

Large saves (and every autosave) run on a worker thread; the window stays responsive and
the document is marked saved only if nothing changed while the file was written. Every
error from a broken or unwritable file is shown as a message; nothing changes on failure.

Two windows (or two running copies) on one project: each remembers its file as it last read
or wrote it (`visualnet.io.file_state.FileStamp`); a save over a file something else wrote
since asks Overwrite, Save As…, Reload or Cancel (`ask_on_conflict`). Each holds a lock
file beside its project (`.<name>.vnlock`: pid, host, window token) from open or save to
close, new or open-other; opening a project another live window holds says so (a lock
whose pid no longer runs on this host is stale, ignored and replaced).

`FileController` is this module's open, save and worker thread, plus four mixins:
`file_menu.FileMenu` (the menu's entries), `file_conflicts.DiskWatch` (the file on disk),
`file_recovery.RecoveryActions` (autosave, recovery) and `file_exchange.ModelExchange`
(Keras, ONNX, weights and code in and out).
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEventLoop, QLockFile, QObject, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox

from visualnet.graph import Graph, GraphFormatError, from_dict, from_json, to_dict
from visualnet.io import ProjectFileError
from visualnet.io.autosave import Autosaver
from visualnet.io.file_state import FileStamp, ProjectLock
from visualnet.io.project import EXTENSION, Project, open_project, save_project

from . import collector
from .file_conflicts import DiskWatch, stamp_or_none
from .file_exchange import ModelExchange, safe_stem, save_error
from .file_menu import FileMenu
from .file_recovery import RecoveryActions
from .settings import Settings

log = logging.getLogger("visualnet.files")

PROJECT_FILTER = "VisualNet projects (*.vnet)"
OPEN_FILTER = "VisualNet projects (*.vnet);;Model descriptions (*.json);;All files (*)"
BACKGROUND_BYTES = 16 << 20   # weights larger than this are saved on the worker thread
TICK_MS = 5000                # how often the autosave timer looks for unsaved changes


def weights_bytes(project: Project) -> int:
    total = sum(getattr(a, "nbytes", 0) for arrays in project.weights.values() for a in arrays.values())
    if project.optimizer is not None:
        total += sum(getattr(a, "nbytes", 0) for a in project.optimizer.arrays.values())
    return total


class FileController(FileMenu, DiskWatch, RecoveryActions, ModelExchange, QObject):
    """Owns the File menu's behaviour for one MainWindow (see the module docstring)."""

    opened = Signal(object)         # Project: after open, revert, restore, import
    saved = Signal(object)          # Path of the project just written
    recent_changed = Signal()
    _job_done = Signal(object)      # from the worker thread: (kind, path, error, token)

    def __init__(self, window, settings: Settings | None = None):
        super().__init__(window)
        self.window = window
        self.document = window.document
        self.settings = settings or Settings()
        self.parts = Project(self.document.graph)
        self.contributors: list = []
        self.background_bytes = BACKGROUND_BYTES
        self._replacing = False
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="visualnet-save")
        self._pending: Future | None = None
        self._closed = False
        self.last_error: str | None = None
        self.quiet = False              # errors only logged and kept in last_error (self-test, --screenshot)
        self.autosaver = Autosaver(self._autosave_seconds())
        self._autosave_timer = QTimer(self, timeout=self._autosave_tick)
        self._lock: QLockFile | None = None
        self.project_lock = ProjectLock()       # `.<name>.vnlock` beside the open project
        self._stamp: FileStamp | None = None    # the project file as this window last read or wrote it
        self._stamp_path: Path | None = None
        self.last_notice: str | None = None     # the last 'open in another window' notice
        self._job_done.connect(self._finish_job)
        self._build_actions()
        self.document.graph_replaced.connect(self._graph_replaced)
        self.document.modified_changed.connect(self._update_actions)
        self.document.undo_stack.cleanChanged.connect(self._update_actions)
        self.apply_settings()
        self._update_actions()
        start = getattr(window, "start_page", None)
        if start is not None and hasattr(start, "set_recent"):
            start.recent_chosen.connect(self.open_path)
            self.recent_changed.connect(lambda: start.set_recent(self.settings.recent_files()))
            start.set_recent(self.settings.recent_files())
            QTimer.singleShot(0, self._offer_first_run)   # once the window (and its pages) exist

    # ================================================================= settings
    def _autosave_seconds(self) -> float:
        minutes = self.settings.autosave_minutes
        return minutes * 60.0 if minutes > 0 else 0.0

    def apply_settings(self) -> None:
        """Re-read the autosave interval (call after the preferences change)."""
        seconds = self._autosave_seconds()
        self.autosaver.interval = seconds
        if seconds <= 0:
            self._autosave_timer.stop()
            return
        self._autosave_timer.setInterval(int(max(200, min(TICK_MS, seconds * 500))))
        self._autosave_timer.start()

    # ================================================================= project state
    @property
    def busy(self) -> bool:
        return self._pending is not None

    def add_contributor(self, fn) -> None:
        """`fn(project)` fills in its part of a Project about to be saved or exported."""
        self.contributors.append(fn)

    def snapshot(self) -> Project:
        """The project as it is now, detached from the live graph (safe to write on another
        thread while editing goes on)."""
        p = self.parts
        graph = from_dict(to_dict(self.document.graph))
        project = Project(graph, p.recipe, dict(p.training), {k: dict(v) for k, v in p.weights.items()},
                          p.optimizer, list(p.runs), dict(p.metadata))
        for fn in self.contributors:
            fn(project)
        project.drop_stale_weights()
        return project

    def _graph_replaced(self, graph) -> None:
        if self._replacing:
            return
        # a new model or a template: the old project's parts and recovery file go
        self.parts = Project(graph)
        self._track(None)
        self.autosaver.saved()
        self._update_actions()

    def _load(self, project: Project, title: str, path, modified: bool = False,
              stamp: FileStamp | None = None) -> None:
        """Show `project` in the window (graph on the canvas, the rest in `parts`). `stamp`:
        the file as it was when `project` was read from it (taken now when not given)."""
        self._replacing = True
        try:
            self.window.set_graph(project.graph, title, path)
        finally:
            self._replacing = False
        self.parts = project
        self._track(path, stamp)
        self.autosaver.saved()
        if modified:
            self.document.mark_changed()
        self._update_actions()
        self.opened.emit(project)

    def confirm_discard(self) -> bool:
        """Before the project is replaced or the window closed: True when it may go (no
        changes, saved, or the user said Discard)."""
        if not self.document.is_modified() or not self.window.ask_before_discarding:
            return True
        self.wait()
        box = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self.window, "Save changes?",
            f"'{self.document.title}' has unsaved changes. Save them before closing it?",
            box.Save | box.Discard | box.Cancel, box.Save)
        if answer == box.Save:
            return self.save(wait=True)
        return answer == box.Discard

    # ================================================================= open
    def open(self) -> bool:
        name, _ = QFileDialog.getOpenFileName(self.window, "Open Project", self._start_dir(), OPEN_FILTER)
        return self.open_path(name) if name else False

    def open_path(self, path) -> bool:
        """Open a project (.vnet), a model description (.json) or a Keras model (.keras/.h5).
        A file that cannot be read leaves everything as it was and says why."""
        path = Path(path)
        if path.suffix.lower() in (".keras", ".h5", ".hdf5"):
            return self.import_keras(path)
        if self.busy:
            self._fail("Open Project", "A save is still running; try again when it has finished.")
            return False
        try:
            stamp = FileStamp.of(path)   # before reading: a write in between is seen at the next save
            if path.suffix.lower() == ".json":
                project = Project(from_json(path.read_text(encoding="utf-8")))
            else:
                project = open_project(path)
        except FileNotFoundError:
            self.settings.remove_recent(path)
            self.recent_changed.emit()
            self._fail("Open Project", f"'{path}' does not exist (moved or deleted?).")
            return False
        except (ProjectFileError, GraphFormatError, OSError, UnicodeError, ValueError) as exc:
            self._fail("Open Project", f"VisualNet cannot open '{path.name}'.\n\n{exc}")
            return False
        if not self.confirm_discard():
            return False
        self._load(project, path.name, path, stamp=stamp)
        if path.suffix.lower() == EXTENSION:
            self._add_recent(path)
        log.info("opened %s", path)
        self.window.statusBar().showMessage(f"Opened {path}", 5000)
        self._notice_if_held()
        return True

    def revert(self) -> bool:
        path = self.document.path
        if path is None or Path(path).suffix.lower() != EXTENSION:
            return False
        path = Path(path)
        try:
            stamp = FileStamp.of(path)
            project = open_project(path)
        except (ProjectFileError, OSError, ValueError) as exc:
            self._fail("Revert", f"The saved version of '{path.name}' cannot be read, so nothing was changed."
                                 f"\n\n{exc}")
            return False
        if self.document.is_modified() and self.window.ask_before_discarding:
            box = QMessageBox.StandardButton
            answer = QMessageBox.question(
                self.window, "Revert to saved?",
                f"Go back to the saved version of '{path.name}'? The changes made since it was saved will be lost.",
                box.Discard | box.Cancel, box.Cancel)
            if answer != box.Discard:
                return False
        self._load(project, path.name, path, stamp=stamp)
        self.window.statusBar().showMessage(f"Reverted to the saved {path.name}", 5000)
        return True

    def close_project(self) -> bool:
        if not self.confirm_discard():
            return False
        self._load(Project(Graph()), "Untitled", None)
        return True

    # ================================================================= save
    def save(self, wait: bool = False) -> bool:
        path = self.document.path
        if path is None or Path(path).suffix.lower() != EXTENSION:
            return self.save_as(wait=wait)
        return self.save_to(Path(path), wait=wait)

    def save_as(self, wait: bool = False) -> bool:
        current = self.document.path
        stem = Path(current).stem if current is not None else safe_stem(self.document.title)
        start = str(Path(self._start_dir()) / (stem + EXTENSION))
        name, _ = QFileDialog.getSaveFileName(self.window, "Save Project As", start, PROJECT_FILTER)
        if not name:
            return False
        path = Path(name)
        if path.suffix.lower() != EXTENSION:
            path = path.with_name(path.name + EXTENSION)
        return self.save_to(path, wait=wait)

    def save_to(self, path, wait: bool = False) -> bool:
        """Write the project to `path`. Small projects are written at once; large ones on the
        worker thread (`wait` keeps the window painting until it is done). Returns True when
        the file was written (or, without `wait`, when a background save started)."""
        path = Path(path)
        if self.busy:
            self.wait()
        if self.changed_on_disk(path):
            choice = self.ask_on_conflict(path)
            log.info("%s changed on disk since it was read here: %s", path, choice)
            if choice == "save_as":
                return self.save_as(wait=wait)
            if choice == "reload":
                self.reload(path)
                return False
            if choice != "overwrite":
                return False
        try:
            project = self.snapshot()
        except (ValueError, TypeError, KeyError) as exc:
            self._fail("Save Project", f"The project cannot be saved: {exc}")
            return False
        token = self._token()
        if weights_bytes(project) <= self.background_bytes:
            try:
                save_project(project, path)
                stamp = stamp_or_none(path)
            except (OSError, ValueError) as exc:
                self._fail("Save Project", save_error(path, exc))
                return False
            self._saved(path, token, stamp)
            return True
        self.window.statusBar().showMessage(f"Saving {path.name}…")

        def work():
            save_project(project, path)
            return stamp_or_none(path)   # on the worker: hashing does not hold the window

        self._submit("save", path, token, work)
        if wait:
            return self.wait() and self.last_error is None
        return True

    def _token(self) -> tuple:
        return (self.document.undo_stack.index(), self.document.change_count)

    def _saved(self, path: Path, token: tuple, stamp: FileStamp | None = None) -> None:
        if self._token() == token:
            self.window.mark_saved(path, path.name)
        else:  # edited while the file was written: saved, but still modified
            self.document.path, self.document.title = path, path.name
            self.document.modified_changed.emit()   # the title follows
        holder = self._track(path, stamp if stamp is not None else stamp_or_none(path))
        self.autosaver.saved()
        self._add_recent(path)
        self._update_actions()
        log.info("saved %s", path)
        self.window.statusBar().showMessage(f"Saved {path}", 5000)
        if holder is not None:
            self.window.statusBar().showMessage(f"Saved {path}; {self._held_text(path, holder)}", 10000)
        self.saved.emit(path)

    # ================================================================= worker thread
    def _submit(self, kind: str, path, token, work) -> None:
        self.last_error = None

        def run():
            try:
                result = work()
                error = None
            except Exception as exc:  # noqa: BLE001 - reported to the user on the GUI thread
                result, error = None, exc
            self._job_done.emit((kind, path, error, token, result))

        collector.begin()  # ended in _finish_job
        self._pending = self._executor.submit(run)
        self._update_actions()

    def _finish_job(self, job) -> None:
        kind, path, error, token, result = job
        self._pending = None
        collector.end()
        if kind == "save":
            if error is None:
                self._saved(path, token, result)
            else:
                self._fail("Save Project", save_error(path, error))
        elif error is not None:  # autosave: log it, tell quietly, try again next time
            log.warning("autosave to %s failed: %s", path, error)
            self.window.show_error(f"Autosave failed: {error}")
        self._update_actions()

    def wait(self, timeout_ms: int = 600_000) -> bool:
        """Let a running save finish (events keep being processed; input is blocked).
        Returns False if it did not finish within the timeout."""
        if self._pending is None:
            return True
        loop = QEventLoop()
        self._job_done.connect(loop.quit)
        deadline = time.monotonic() + timeout_ms / 1000
        was_enabled = self.window.isEnabled()
        self.window.setEnabled(False)
        try:
            while self._pending is not None and not self._pending.done() and time.monotonic() < deadline:
                QTimer.singleShot(100, loop.quit)   # look at the clock now and then
                loop.exec()
        finally:
            self._job_done.disconnect(loop.quit)
            self.window.setEnabled(was_enabled)
        # deliver the queued completion now
        QCoreApplication.sendPostedEvents(self)
        return self._pending is None

    # ================================================================= helpers
    def _add_recent(self, path) -> None:
        self.settings.add_recent(path)
        self.recent_changed.emit()

    def _start_dir(self) -> str:
        path = self.document.path
        if path is not None:
            return str(Path(path).parent)
        recent = self.settings.recent_files()
        return str(recent[0].parent) if recent else str(Path.home())

    def _fail(self, title: str, message: str) -> None:
        """Say what went wrong, in a message box and the status bar; never a traceback."""
        self.last_error = message
        log.warning("%s: %s", title, message)
        self.window.show_error(message.split("\n")[0])
        if not self.quiet:
            QMessageBox.warning(self.window, title, message)
