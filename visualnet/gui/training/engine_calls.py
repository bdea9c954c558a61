"""The engine calls the Train page makes outside a run (the test-set evaluation, predictions
on new input, the Inside tab's snapshot), run off the GUI thread: a cold first call compiles
kernels for seconds, and the window must never freeze meanwhile.

`EngineCalls.submit(kind, fn, done, failed)` runs `fn()` in a `BackgroundCall` thread and
queues its result to `done` (or its error message to `failed`) in the GUI thread. Calls run
one at a time, in the order asked (they may share a model). Of one kind, a newer request
supersedes an older one: a request still waiting is replaced, and the result of one already
running is dropped. Python's garbage collection stays in the GUI thread meanwhile
(`collector.start_off_gui_thread`)."""

from __future__ import annotations

import threading
from collections import Counter

from PySide6.QtCore import QObject, Slot

from .. import collector
from .status import BackgroundCall


class EngineCalls(QObject):
    """Lives in the GUI thread (a child of the page); the page's `threads` list holds the
    call running, so that closing the window waits for it."""

    def __init__(self, page):
        super().__init__(page)
        self.page = page
        self.counts: Counter = Counter()   # started, delivered, failed, superseded (per kind: "predict:started")
        self.thread_ids: dict = {}         # kind -> the id of the thread its last call ran in
        self._serial = 0
        self._latest: dict = {}            # kind -> the serial of its newest request
        self._waiting: dict = {}           # kind -> (serial, fn, done, failed), in order of arrival
        self._running = None               # the BackgroundCall running, or None

    def submit(self, kind: str, fn, done, failed=None) -> None:
        """Run `fn()` off the GUI thread, then `done(result)` (or `failed(message)`) in it,
        unless a newer request of `kind` came meanwhile."""
        if self.page.closed:
            return
        self._serial += 1
        self._latest[kind] = self._serial
        if kind in self._waiting:
            self._count(kind, "superseded")
            del self._waiting[kind]
        self._waiting[kind] = (self._serial, fn, done, failed)
        self._start_next()

    def busy(self, kind: "str | None" = None) -> bool:
        """A call (of `kind`) waits or runs."""
        if kind is None:
            return self._running is not None or bool(self._waiting)
        return kind in self._waiting or (self._running is not None and self._running.kind == kind)

    def _count(self, kind: str, what: str) -> None:
        self.counts[what] += 1
        self.counts[f"{kind}:{what}"] += 1

    def _start_next(self) -> None:
        if self._running is not None or not self._waiting or self.page.closed:
            return
        kind = next(iter(self._waiting))
        serial, fn, done, failed = self._waiting.pop(kind)

        def run():
            self.thread_ids[kind] = threading.get_ident()
            return fn()

        call = BackgroundCall(run, self.page)
        call.kind, call.serial, call.slots = kind, serial, (done, failed)
        call.call.done.connect(self._done)       # queued: this object lives in the GUI thread
        call.call.failed.connect(self._failed)
        call.finished.connect(self._finished)
        self._running = call
        self.page.threads.append(call)
        self._count(kind, "started")
        collector.start_off_gui_thread(call)

    @Slot(object)
    def _done(self, result) -> None:
        self._deliver(0, result, "delivered")

    @Slot(str)
    def _failed(self, message: str) -> None:
        self._deliver(1, message, "failed")

    def _deliver(self, which: int, value, what: str) -> None:
        call = self._running       # its result comes before its thread's `finished`
        if call is None:
            return
        if self._latest.get(call.kind) != call.serial:
            self._count(call.kind, "superseded")
            return
        self._count(call.kind, what)
        slot = call.slots[which]
        if slot is not None:
            slot(value)

    @Slot()
    def _finished(self) -> None:
        call = self._running
        if call is None:
            return
        call.wait()         # `finished` comes from the thread's last moments: at most a brief wait
        if call in self.page.threads:
            self.page.threads.remove(call)
        self._running = None
        self._start_next()
