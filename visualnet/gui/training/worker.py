"""Training off the GUI thread: a `TrainingWorker` runs a `TrainingSession` in a QThread,
fed by the session's callback; results reach the GUI thread through queued signals,
throttled (batch rows every `throttle` seconds, epochs, markers and the end at once).
Between batches, at most every `inspect_every` seconds, it also runs the page's
`inspect(session)` (engine calls for activations, histograms, decision boundary) in the
training thread, where the model is not being changed, and emits the result.

The GUI changes the run only through the worker's `control` (pause, resume, stop, step,
`submit(fn)`); an exception in the training thread becomes `failed(message)`."""

from __future__ import annotations

import sys
import time
import traceback

from PySide6.QtCore import QObject, QThread, Signal, Slot

from visualnet.engine.control import TrainingControl
from visualnet.engine.session import TrainingSession


def describe_exception(exc: BaseException) -> str:
    """One clear sentence for the user (the traceback goes to the log)."""
    text = str(exc).strip() or type(exc).__name__
    if isinstance(exc, MemoryError):
        return "Training ran out of memory: use a smaller batch size or a smaller model."
    return f"Training failed: {text}" if isinstance(exc, (ValueError, TypeError)) else \
        f"Training failed ({type(exc).__name__}): {text}"


class TrainingWorker(QObject):
    batches_ready = Signal(list)       # [batch row dict]
    epoch_finished = Signal(dict)
    marker_added = Signal(dict)
    progress_changed = Signal(dict)
    inspected = Signal(object)         # whatever `inspect(session)` returned
    log_added = Signal(str)
    finished = Signal(dict)            # {"status", "reason", "final"}
    failed = Signal(str, str)          # message for the user, traceback for the log

    def __init__(self, session: TrainingSession, control: TrainingControl | None = None, inspect=None,
                 throttle: float = 0.2, inspect_every: float = 1.0):
        super().__init__()
        self.session = session
        self.control = control or TrainingControl()
        self.inspect = inspect
        self.throttle = throttle
        self.inspect_every = inspect_every
        self._pending: list = []
        self._last_emit = 0.0
        self._last_inspect = 0.0
        self._done = False
        session.callback = self._on_report

    # ----------------------------------------------------------------- training thread
    def _flush(self, progress: dict | None = None) -> None:
        if self._pending:
            rows, self._pending = self._pending, []
            self.batches_ready.emit(rows)
        if progress is not None:
            self.progress_changed.emit(progress)
        self._last_emit = time.perf_counter()

    def _maybe_inspect(self, force: bool = False) -> None:
        if self.inspect is None:
            return
        now = time.perf_counter()
        if force or now - self._last_inspect >= self.inspect_every:
            self._last_inspect = now
            self.inspected.emit(self.inspect(self.session))

    def _on_report(self, kind: str, payload: dict) -> None:
        if kind == "batch":
            row = {k: v for k, v in payload.items() if k not in ("logs", "progress")}
            self._pending.append(row)
            if self.control.pause_requested or time.perf_counter() - self._last_emit >= self.throttle:
                self._flush(payload["progress"])
                self._maybe_inspect(force=self.control.pause_requested)
        elif kind == "epoch":
            self._flush(payload["progress"])
            self.epoch_finished.emit({k: v for k, v in payload.items() if k != "progress"})
            logs = " - ".join(f"{k}: {v:.4f}" for k, v in payload["logs"].items() if isinstance(v, float))
            self.log_added.emit(f"Epoch {payload['epoch'] + 1}: {logs}")
        elif kind == "marker":
            self.marker_added.emit(dict(payload))
            self.log_added.emit(f"Changed at step {payload['step']}: {payload['text']}")
        elif kind == "finished":
            self._flush(payload["progress"])
            self._maybe_inspect(force=True)

    @Slot()
    def run(self) -> None:
        session = self.session
        # Hand the GIL back to the GUI thread within 1 ms (Python's default is 5 ms): the
        # GUI thread's painting is many short Python calls, each waiting for the GIL.
        switch = sys.getswitchinterval()
        sys.setswitchinterval(min(switch, 0.001))
        try:
            session.run(self.control)
            self._flush(session.progress())
            self.finished.emit({"status": session.status, "reason": session.history.reason,
                                "final": dict(session.history.final)})
        except Exception as exc:      # noqa: BLE001 - every failure becomes a message, never a crash
            self._pending = []
            session.fail(describe_exception(exc))
            self.failed.emit(describe_exception(exc), traceback.format_exc())
        finally:
            sys.setswitchinterval(switch)


class TrainingThread(QThread):
    """The QThread a worker runs in: it ends when `worker.run()` returns. No event loop:
    a `quit` queued to the GUI thread could not arrive while that thread blocks in
    `wait()` (closing a window), and the thread would outlive the wait."""

    def __init__(self, worker: TrainingWorker, parent=None):
        super().__init__(parent)
        self.worker = worker
        worker.moveToThread(self)

    def run(self) -> None:
        self.worker.run()
