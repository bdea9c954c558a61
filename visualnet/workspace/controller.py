"""`TrainingController`: one training run, driven from the GUI thread, trained in another.

The GUI thread calls `start`, `pause`, `resume`, `step`, `stop` and `call(fn)`; the
training thread runs `run()`. Reports reach a listener from the training thread, in the
order they happened: rows of batches and ended epochs (with their log lines) every
`throttle` seconds (at once while paused; short epochs would otherwise wake the GUI thread
at their own pace), markers at once, what
`inspect(session)` computes (at most every `inspect_every` seconds while `inspect_wanted()`
says someone looks, and when the run pauses, or ends while someone looks; between batches,
where the model is not being changed), and the end. `call(fn)` returns a Future of
`fn(session)`, run in the training thread between two batches while a run goes on and at
once otherwise, so its result belongs to one consistent state of the weights.
"""

from __future__ import annotations

import sys
import time
import traceback
from concurrent.futures import Future

from visualnet.engine.control import TrainingControl
from visualnet.engine.session import TrainingSession


def describe_exception(exc: BaseException) -> str:
    """One clear sentence for the user (the traceback goes to the log)."""
    text = str(exc).strip() or type(exc).__name__
    if isinstance(exc, MemoryError):
        return "Training ran out of memory: use a smaller batch size or a smaller model."
    return f"Training failed: {text}" if isinstance(exc, (ValueError, TypeError)) else \
        f"Training failed ({type(exc).__name__}): {text}"


class Listener:
    """What a controller reports (called in the training thread); override what you need."""

    def reports(self, reports: list) -> None:
        """Several reports at once, in order: (method name, argument) pairs (a listener in
        another thread may hand them over together)."""
        for method, argument in reports:
            getattr(self, method)(argument)

    def batches(self, rows: list) -> None: ...
    def progress(self, progress: dict) -> None: ...
    def epoch(self, row: dict) -> None: ...
    def marker(self, marker: dict) -> None: ...
    def log(self, text: str) -> None: ...
    def inspected(self, snapshot) -> None: ...
    def ended(self, result: dict) -> None: ...
    def crashed(self, message: str, details: str) -> None: ...


class TrainingController:
    def __init__(self, session: TrainingSession, listener: Listener | None = None, inspect=None,
                 throttle: float = 0.2, inspect_every: float = 1.0, inspect_wanted=None):
        self.session = session
        self.model = session.model
        self.control = TrainingControl()
        self.listener = listener or Listener()
        self.inspect = inspect
        self.inspect_wanted = inspect_wanted or (lambda: True)   # read in the training thread
        self.throttle, self.inspect_every = throttle, inspect_every
        self.running = False
        self._pending: list = []      # batch rows not yet reported
        self._queued: list = []       # (Listener method name, argument) not yet reported, in order
        self._last_emit = self._last_inspect = 0.0
        session.callback = self._on_report

    # ----------------------------------------------------------------- GUI thread
    def pause(self) -> None:
        self.control.request_pause()

    def resume(self) -> None:
        self.control.resume()

    def step(self) -> None:
        self.control.request_step()

    def stop(self) -> None:
        self.control.request_stop()

    def call(self, fn) -> Future:
        """A Future of `fn(session)`: run between two batches while a run goes on, else now."""
        future: Future = Future()

        def run(session) -> None:
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(fn(session))
                except BaseException as exc:  # noqa: BLE001 - the caller gets it from the future
                    future.set_exception(exc)

        if self.running:
            self.control.submit(run)
        if not self.running and not future.done():   # not running, or the run ended before taking it
            self.control.apply_changes(self.session)  # (it is then still queued: run it here)
            if not future.done():
                run(self.session)
        return future

    def change(self, fn) -> None:
        """Apply `fn(session)` between batches; a ValueError it raises becomes a log line."""
        def safe(session) -> None:
            try:
                fn(session)
            except ValueError as exc:
                self.listener.log(f"Change refused: {exc}")

        self.control.submit(safe)

    # ----------------------------------------------------------------- training thread
    def _queue_rows(self) -> None:
        if self._pending:
            self._queued.append(("batches", self._pending))
            self._pending = []

    def _flush(self, progress: dict | None = None) -> None:
        self._queue_rows()
        if progress is not None:
            self._queued.append(("progress", progress))
        queued, self._queued = self._queued, []
        if queued:
            self.listener.reports(queued)
        self._last_emit = time.perf_counter()

    def _maybe_inspect(self, force: bool = False) -> None:
        if self.inspect is None:
            return
        now = time.perf_counter()
        if force or (now - self._last_inspect >= self.inspect_every and self.inspect_wanted()):
            self._last_inspect = now
            self.listener.inspected(self.inspect(self.session))

    def _on_report(self, kind: str, payload: dict) -> None:
        if kind == "batch":
            self._pending.append(payload)
            paused = self.control.pause_requested
            if paused or time.perf_counter() - self._last_emit >= self.throttle:
                self._flush(self.session.progress())
                self._maybe_inspect(force=paused)
        elif kind == "epoch":
            self._queue_rows()
            logs = " - ".join(f"{k}: {v:.4f}" for k, v in payload["logs"].items() if isinstance(v, float))
            self._queued += [("epoch", payload), ("log", f"Epoch {payload['epoch'] + 1}: {logs}")]
            if self.control.pause_requested or time.perf_counter() - self._last_emit >= self.throttle:
                self._flush(self.session.progress())
        elif kind == "marker":
            self._queue_rows()
            self._queued += [("marker", dict(payload)), ("log", f"Changed at step {payload['step']}: {payload['text']}")]
            self._flush()
        elif kind == "finished":
            self._flush(self.session.progress())
            if self.inspect_wanted():        # else the view asks for the ended run's when it is shown
                self._maybe_inspect(force=True)

    def run(self) -> None:
        """Train to the end (in the calling thread: the training thread)."""
        session = self.session
        # Hand the GIL back to the GUI thread within 1 ms (Python's default is 5 ms): the
        # GUI thread's painting is many short Python calls, each waiting for the GIL.
        switch = sys.getswitchinterval()
        sys.setswitchinterval(min(switch, 0.001))
        self.running = True
        try:
            session.run(self.control)
            self._flush(session.progress())
            self.running = False
            self.control.apply_changes(session)       # calls that arrived as the run ended
            self.listener.ended({"status": session.status, "reason": session.history.reason,
                                    "final": dict(session.history.final)})
        except Exception as exc:      # noqa: BLE001 - every failure becomes a message, never a crash
            self._pending, self._queued = [], []
            self.running = False
            self.control.apply_changes(session)
            session.fail(describe_exception(exc))
            self.listener.crashed(describe_exception(exc), traceback.format_exc())
        finally:
            self.running = False
            sys.setswitchinterval(switch)
