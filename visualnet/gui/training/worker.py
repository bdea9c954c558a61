"""The Qt side of a training run: `TrainingWorker` turns a `TrainingController`'s reports
(workspace/controller.py, called in the training thread) into queued signals for the GUI
thread, and `TrainingThread` is the QThread the controller's run goes on in."""

from __future__ import annotations

from PySide6.QtCore import QObject, QThread, Signal, Slot

from visualnet.workspace.controller import Listener, TrainingController


class TrainingWorker(QObject, Listener):
    batches_ready = Signal(list)       # [batch row dict]
    epoch_finished = Signal(dict)
    marker_added = Signal(dict)
    progress_changed = Signal(dict)
    inspected_ready = Signal(object)   # whatever the controller's `inspect(session)` returned
    log_added = Signal(str)
    finished = Signal(dict)            # {"status", "reason", "final"}
    failed = Signal(str, str)          # message for the user, traceback for the log

    def __init__(self, controller: TrainingController):
        super().__init__()
        self.controller = controller
        controller.listener = self

    # Listener (training thread)
    def batches(self, rows):
        self.batches_ready.emit(rows)

    def progress(self, progress):
        self.progress_changed.emit(progress)

    def epoch(self, row):
        self.epoch_finished.emit(row)

    def marker(self, marker):
        self.marker_added.emit(marker)

    def log(self, text):
        self.log_added.emit(text)

    def inspected(self, snapshot):
        self.inspected_ready.emit(snapshot)

    def ended(self, result):
        self.finished.emit(result)

    def crashed(self, message, details):
        self.failed.emit(message, details)

    @Slot()
    def run(self) -> None:
        self.controller.run()


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
