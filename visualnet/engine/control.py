"""Thread-safe requests to a running `TrainingSession` (pause, resume, stop, one step, changes)."""

from __future__ import annotations

import threading


class TrainingControl:
    """Thread-safe requests to a running session: pause, resume, stop, one step while paused,
    and changes to apply between batches (`submit(fn)`: fn(session) runs in the training
    thread). The session checks it between batches, so a stop takes effect after at most
    one batch (validation is interrupted too)."""

    def __init__(self):
        self._cond = threading.Condition()
        self._stop = False
        self._pause = False
        self._steps = 0
        self._queue: list = []

    def request_stop(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()

    def request_pause(self) -> None:
        with self._cond:
            self._pause = True
            self._cond.notify_all()

    def resume(self) -> None:
        with self._cond:
            self._pause = False
            self._cond.notify_all()

    def request_step(self) -> None:
        """Train one batch (while paused)."""
        with self._cond:
            self._steps += 1
            self._cond.notify_all()

    def submit(self, fn) -> None:
        with self._cond:
            self._queue.append(fn)
            self._cond.notify_all()

    @property
    def stop_requested(self) -> bool:
        return self._stop

    @property
    def pause_requested(self) -> bool:
        return self._pause

    def apply_changes(self, session) -> None:
        if not self._queue:       # read without the lock: a change queued just now is applied next time
            return
        with self._cond:
            queue, self._queue = self._queue, []
        for fn in queue:
            fn(session)

    def take_step(self) -> bool:
        with self._cond:
            if self._steps:
                self._steps -= 1
                return True
            return False

    def wait(self, timeout: float) -> None:
        """Sleep until a request arrives (or `timeout` seconds)."""
        with self._cond:
            if not (self._stop or self._steps or self._queue or not self._pause):
                self._cond.wait(timeout)
