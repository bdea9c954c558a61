"""Small pieces of the Train page: the status light, and `BackgroundCall` (a function run
off the GUI thread, its result or error delivered as signals)."""

from __future__ import annotations

from PySide6.QtCore import QObject, QThread, Signal
from PySide6.QtWidgets import QLabel

from visualnet.workspace.controller import describe_exception

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
    """Run `fn()` off the GUI thread; `call.done(result)` / `call.failed(message)`. The
    thread ends when `fn` returns (no event loop, as TrainingThread)."""

    def __init__(self, fn, parent=None):
        super().__init__(parent)
        self.call = _Call(fn)
        self.call.moveToThread(self)

    def run(self) -> None:
        self.call.run()
