"""The Qt side of a training run: `TrainingWorker` turns a `TrainingController`'s reports
(workspace/controller.py, called in the training thread) into signals emitted in the GUI
thread, and `TrainingThread` is the QThread the controller's run goes on in.

The reports are queued in order and the GUI thread is woken once for all that arrived
since it last looked (one queued call, not one per report): each wake-up takes the GIL
from the training thread, so fewer of them keep training at `fit`'s pace. The batch rows
of one wake-up are emitted together first, then the other reports in order, and only the
latest progress."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, QThread, Signal

from visualnet.workspace.controller import Listener, TrainingController


_SIGNALS = {"batches": "batches_ready", "progress": "progress_changed", "epoch": "epoch_finished",
            "marker": "marker_added", "log": "log_added", "inspected": "inspected_ready"}


class TrainingWorker(QObject, Listener):
    """Lives in the GUI thread; the Listener methods are called in the training thread."""

    batches_ready = Signal(object)     # [batch row dict]
    epoch_finished = Signal(dict)
    marker_added = Signal(dict)
    progress_changed = Signal(dict)
    inspected_ready = Signal(object)   # whatever the controller's `inspect(session)` returned
    log_added = Signal(str)
    finished = Signal(dict)            # {"status", "reason", "final"}
    failed = Signal(str, str)          # message for the user, traceback for the log
    _wake = Signal()

    def __init__(self, controller: TrainingController):
        super().__init__()
        self.controller = controller
        controller.listener = self
        self._lock = threading.Lock()
        self._queue: list = []
        self.wakes = 0                 # how many times the GUI thread was woken (tests count them)
        self._wake.connect(self._deliver)   # queued when emitted from the training thread

    def _post(self, signal, *args) -> None:
        self._post_all([(signal, args)])

    def _post_all(self, reports: list) -> None:
        with self._lock:
            wake = not self._queue and bool(reports)
            self._queue += reports
        if wake:
            self._wake.emit()

    def _deliver(self) -> None:
        """In the GUI thread: emit what was queued, in order."""
        with self._lock:
            queue, self._queue = self._queue, []
        if not queue:
            return
        self.wakes += 1
        progress = next((args for signal, args in reversed(queue) if signal == "progress_changed"), None)
        rows = [row for signal, args in queue if signal == "batches_ready" for row in args[0]]
        if rows:
            self.batches_ready.emit(rows)
        for signal, args in queue:
            if signal in ("batches_ready", "progress_changed"):
                continue
            if signal in ("finished", "failed") and progress is not None:
                self.progress_changed.emit(*progress)     # before the end, which it would overwrite
                progress = None
            getattr(self, signal).emit(*args)
        if progress is not None:
            self.progress_changed.emit(*progress)

    # Listener (training thread; from the GUI thread too when no run goes on)
    def reports(self, reports):
        """One wake-up for a controller's reports handed over together."""
        self._post_all([(_SIGNALS[method], (argument,)) for method, argument in reports])

    def batches(self, rows):
        self._post("batches_ready", rows)

    def progress(self, progress):
        self._post("progress_changed", progress)

    def epoch(self, row):
        self._post("epoch_finished", row)

    def marker(self, marker):
        self._post("marker_added", marker)

    def log(self, text):
        self._post("log_added", text)

    def inspected(self, snapshot):
        self._post("inspected_ready", snapshot)

    def ended(self, result):
        self._post("finished", result)

    def crashed(self, message, details):
        self._post("failed", message, details)

    def run(self) -> None:
        self.controller.run()


class TrainingThread(QThread):
    """The QThread a worker's run goes on in: it ends when `worker.run()` returns. No event
    loop: a `quit` queued to the GUI thread could not arrive while that thread blocks in
    `wait()` (closing a window), and the thread would outlive the wait."""

    def __init__(self, worker: TrainingWorker, parent=None):
        super().__init__(parent)
        self.worker = worker

    def run(self) -> None:
        self.worker.run()
