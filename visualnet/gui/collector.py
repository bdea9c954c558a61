"""Python's cyclic garbage collection kept in the GUI thread while background threads run
Python: `start_off_gui_thread(thread)`, `held()`, `begin()` / `end()`.

The collector runs in whichever thread allocates when its counters overflow. When that
is the training thread and the garbage holds Qt objects (a closed window's widgets in a
reference cycle), their C++ destructors run there while the GUI thread deletes related
objects, and each thread waits for what the other holds: the window freezes for good.
Caught in the GUI tests: the training thread in gc_collect_main -> QObject::~QObject
waiting for the GIL, the GUI thread in QObject::~QObject waiting for Qt's object mutex.
So while any background job runs, automatic collection is off and a timer in the GUI
thread collects, generation by generation, as the thresholds would (pyqtgraph's
GarbageCollector does the same for a whole program). A full collection walks every object
(measured: 58 ms in the app with a model loaded, 300 ms beside PyTorch and Keras), so the
timer runs one at most every `FULL_EVERY` seconds and never more than 2% of the time;
Python itself defers them too. Automatic collection comes back on at the tick after the
last job ends, so a thread's last lines after its completion signal run without it.
"""

from __future__ import annotations

import gc
import time
from contextlib import contextmanager

from PySide6.QtCore import QObject, QThread, QTimer, Slot

INTERVAL_MS = 100
FULL_EVERY = 10.0  # seconds at least between the timer's full collections


class _Collector(QObject):
    """Lives in the GUI thread; `begin` and `end` are called there."""

    def __init__(self):
        super().__init__()
        self._jobs = 0
        self._restore = False  # automatic collection was on before the first job
        self._next_full = 0.0  # perf_counter time before which no full collection runs
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self._tick)

    @Slot()
    def begin(self) -> None:
        if not self._timer.isActive():
            self._restore = gc.isenabled()
        self._jobs += 1
        gc.disable()
        if not self._timer.isActive():
            self._timer.start()

    @Slot()
    def end(self) -> None:
        self._jobs = max(0, self._jobs - 1)

    def _tick(self) -> None:
        counts, thresholds = gc.get_count(), gc.get_threshold()
        if counts[0] > thresholds[0]:
            oldest = max(g for g in range(3) if g == 0 or counts[g] > thresholds[g])
            now = time.perf_counter()
            if oldest == 2 and now < self._next_full:
                oldest = 1
            gc.collect(oldest)
            if oldest == 2:
                self._next_full = now + max(FULL_EVERY, 50 * (time.perf_counter() - now))
        if self._jobs == 0:
            self._timer.stop()
            if self._restore:
                gc.enable()


_instance: _Collector | None = None


def _collector() -> _Collector:
    global _instance
    if _instance is None:
        _instance = _Collector()
    return _instance


def begin() -> None:
    """From the GUI thread, before a background job starts running Python."""
    _collector().begin()


def end() -> None:
    """From the GUI thread, once that job has signalled its end."""
    _collector().end()


@contextmanager
def held():
    """Around an engine call made in the GUI thread: its parts may run on the engine's
    worker threads."""
    begin()
    try:
        yield
    finally:
        end()


def start_off_gui_thread(thread: QThread) -> None:
    """`thread.start()`, with collection in the GUI thread until it has finished."""
    begin()
    thread.finished.connect(_collector().end)  # queued to the GUI thread, where the collector lives
    thread.start()
