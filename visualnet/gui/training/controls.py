"""The Train page's bar: Train, Pause, Resume, Step, Stop and Evaluate, the status light,
and the progress bar, whose text says the fraction, epoch and batch, samples per second
and time left. The text is the bar's own: a label beside it would ask the layout for room
at each change, and the layout would then repaint the whole page several times a second."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QPushButton, QWidget

from .status import StatusLight


PROGRESS_WIDTH = 100   # pixels at least (the bar stretches; its tooltip holds the whole text when it is cut)


class RunControls(QWidget):
    ACTIONS = ("train", "pause", "resume", "step", "stop", "evaluate")
    TIPS = {"train": ("Train", "Build the model from the canvas and train it"),
            "pause": ("Pause", "Pause after the current batch (the optimizer state is kept)"),
            "resume": ("Resume", "Continue from the exact state, with the edited settings"),
            "step": ("Step", "Train one batch"),
            "stop": ("Stop", "Stop now, keeping the current weights"),
            "evaluate": ("Evaluate", "Evaluate the trained model on the test split")}

    def __init__(self, actions: dict, parent=None):
        """`actions`: what each button calls, by key (ACTIONS)."""
        super().__init__(parent)
        bar = QHBoxLayout(self)
        bar.setContentsMargins(0, 0, 0, 0)
        self.buttons = {}
        for key in self.ACTIONS:
            text, tip = self.TIPS[key]
            button = QPushButton(text)
            button.setObjectName(f"train_{key}")
            button.setToolTip(tip)
            button.clicked.connect(actions[key])
            bar.addWidget(button)
            self.buttons[key] = button
        self.light = StatusLight()
        self.light.setObjectName("status_light")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(True)
        self.progress.setFormat("")
        self.progress.setObjectName("train_progress")
        self.progress.setMinimumWidth(PROGRESS_WIDTH)
        bar.addSpacing(12)
        bar.addWidget(self.light)
        bar.addWidget(self.progress, 1)

    def set_state(self, state: str, can_step: bool, can_evaluate: bool) -> None:
        """Enable what `state` allows (`can_step`: a finished run that could go on one batch)."""
        self.light.set_state(state)
        running = state in ("running", "paused")
        b = self.buttons
        b["train"].setEnabled(not running)
        b["pause"].setEnabled(state == "running")
        b["resume"].setEnabled(state == "paused")
        b["step"].setEnabled(state == "paused" or can_step)
        b["stop"].setEnabled(running)
        b["evaluate"].setEnabled(not running and can_evaluate and state != "evaluating")

    def show_progress(self, p: dict) -> None:
        # QProgressBar.setValue repaints at once (and setFormat again later): one deferred paint
        # instead, when updates come back on
        self.progress.setUpdatesEnabled(False)
        try:
            self._show_progress(p)
        finally:
            self.progress.setUpdatesEnabled(True)

    def _show_progress(self, p: dict) -> None:
        self.progress.setValue(int(1000 * p["fraction"]))
        eta = p.get("eta")
        eta_text = "" if eta is None else f" · ETA {_clock(eta)}"
        epoch = f"epoch {p['epoch'] + 1 if p['epoch'] < p['epochs'] else p['epochs']}/{p['epochs']}"
        speed = f"{p['samples_per_second']:,.0f}"
        rate = f"{speed} samples/s{eta_text}"
        done = f"{p['fraction']:.0%}"
        left = "" if eta is None else f" · {_clock(eta)} left"
        self.progress.setFormat(self._fitting(f"{done} · {epoch} · {rate}", f"{done} · {epoch} · {speed}/s{left}",
                                              f"{done} · {epoch}{left}", done))
        self.progress.setToolTip(f"{done} · {epoch} · batch {p['batch']}/{p['steps_per_epoch']} · {rate}")

    def _fitting(self, *texts: str) -> str:
        """The first of `texts` (longest first) that fits on one line in the bar (a text too
        long for it wraps into two cut-off lines)."""
        room = self.progress.contentsRect().width() - 12
        metrics = self.progress.fontMetrics()
        return next((t for t in texts if metrics.horizontalAdvance(t) <= room), texts[-1])


def _clock(seconds: float) -> str:
    """'m:ss', or 'h:mm:ss' from an hour."""
    s = int(seconds)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"
