"""A sequence of compiled jobs run by this thread and one worker: `Program`.

A training step run from Python pays for every kernel call, view and hand-over in the
interpreter. A program is the step written once as rows of compiled jobs
(jobs.py): each row runs on this thread (`main`), is posted to the worker (`worker`),
or waits for the worker's last job (`wait`). `Runner.run` goes through the rows in one
compiled call with the GIL released: a row costs a call through an address, a hand-over two
atomic stores and a spin. The buffers a program names must outlive it and stay put.

A worker that has fallen asleep (nothing posted for `workers.IDLE_SPIN`, e.g. while this
thread was descheduled) does not see a post made from compiled code: a wait that spins
for `_WAIT_SPIN` without the job done returns to Python, which wakes the worker and
blocks until the job is done, then resumes the program after the wait.
"""

from __future__ import annotations

import time

import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from visualnet.engine._jit import njit
from visualnet.engine.runtime import jobs, spin, workers
from visualnet.engine.runtime.spin import _spin

MAIN, WORKER, WAIT, SKIP = 0, 1, 2, 3  # a row's column 0; then its job's slots
_WAIT_SPIN = 0.001  # seconds a wait spins in compiled code before it asks Python to wake the worker


@intrinsic
def _cycles(typingctx):
    """The CPU's cycle counter (x86's TSC; 0 where LLVM has none), for timing rows."""
    def codegen(context, builder, signature, args):
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.IntType(64), []),
                                            "llvm.readcyclecounter")
        return builder.call(fn, [])

    return types.int64(), codegen


@njit
def _run(table, start, counters, slots, posted, rounds, cycles):
    """Rows start, start + 1, ...; returns (len(table), posted), or (i, posted) where the
    wait in row i timed out. `cycles`, as long as the table (else empty), gets each row's
    cycle count added (`Runner.run`'s timing)."""
    timed = cycles.size > 0
    for i in range(start, table.shape[0]):
        began = _cycles() if timed else 0
        kind = table[i, 0]
        if kind == MAIN:
            jobs.call(table[i, 1], table[i, 1:])
        elif kind == WORKER:
            for s in range(jobs.SLOTS):
                slots[s] = table[i, 1 + s]
            posted += 1
            jobs.publish(counters, posted)
        elif kind == WAIT:
            if not _spin(counters, jobs.DONE, posted, rounds):
                return i, posted
        if timed:
            cycles[i] += _cycles() - began
    return table.shape[0], posted


@njit
def _run_alone(table):
    """Every job on this thread (no worker is free)."""
    for i in range(table.shape[0]):
        if table[i, 0] == MAIN or table[i, 0] == WORKER:
            jobs.call(table[i, 1], table[i, 1:])


class Unsupported(ValueError):
    """A job the program needs has no compiled form (its `fill` wrote nothing)."""


class Program:
    """Rows of jobs, each written by a `fill(slots)` into a job's slots (jobs.SLOTS int64:
    [0] the cfunc's address, then its arguments; jobs.FLUSH the floating-point mode)."""

    def __init__(self, flush: bool):
        self._rows, self._flush, self._pending, self._posted = [], int(flush), False, ""
        self.labels: list[str] = []  # what each row does, for timings (benchmarks/w1_phases.py)

    def main(self, fill, label: str = "") -> int:
        """Run a job on this thread; returns its row's index."""
        return self._add(MAIN, fill, label)

    def worker(self, fill, label: str = "") -> int:
        """Post a job to the worker (after its previous one has finished)."""
        if self._pending:
            self.wait()
        self._pending, self._posted = True, label
        return self._add(WORKER, fill, f"post: {label}")

    def worker_early(self, fill, label: str = "") -> int:
        """Post a job to the worker as early as it is free: right after the last wait (at the
        start if there is none), for a job no row since then depends on (e.g. gathering the
        next batch while this thread runs the serial layers). Returns its row's index."""
        if self._pending:
            return self.worker(fill, label)
        waits = [i for i, row in enumerate(self._rows) if row[0] == WAIT]
        at = waits[-1] + 1 if waits else 0
        self._add(WORKER, fill, f"post: {label}")
        self._rows.insert(at, self._rows.pop())
        self.labels.insert(at, self.labels.pop())
        self._pending, self._posted = True, label
        return at

    def wait(self) -> None:
        """Wait for the worker's job posted last."""
        if self._pending:
            self._rows.append(np.full(1 + jobs.SLOTS, WAIT, np.int64))
            self.labels.append(f"wait: {self._posted}")
            self._pending = False

    def _add(self, kind, fill, label) -> int:
        row = np.zeros(1 + jobs.SLOTS, np.int64)
        row[0], row[1 + jobs.FLUSH] = kind, self._flush
        fill(row[1:])
        if row[1] == 0:
            raise Unsupported(f"no compiled job for {label or getattr(fill, '__qualname__', fill)}")
        self._rows.append(row)
        self.labels.append(label)
        return len(self._rows) - 1

    def table(self) -> np.ndarray:
        """The rows as one (rows, 1 + SLOTS) int64 array (a wait added for a job still pending)."""
        self.wait()
        return np.array(self._rows, np.int64).reshape(-1, 1 + jobs.SLOTS)


@njit
def _cycle_count():
    return _cycles()


def cycles_per_second() -> float:
    """The cycle counter's rate (measured over 50 ms)."""
    c0, t0 = _cycle_count(), time.perf_counter()
    time.sleep(0.05)
    return (_cycle_count() - c0) / (time.perf_counter() - t0)


def available() -> bool:
    """Whether programs can run here (compiled jobs and spin-waits work)."""
    return jobs.available()


_NOT_TIMED = np.zeros(0, np.int64)


class Runner:
    """Runs programs on this thread and a worker, which it may hold from one run to the
    next (`keep`): back-to-back steps then skip taking and giving it back, which costs
    most inside fit, where the interpreter's own data has left the caches."""

    def __init__(self):
        self._held = None

    def run(self, table: np.ndarray, keep: bool = False, cycles: np.ndarray = _NOT_TIMED) -> None:
        """Run a program's table (rows whose column 0 was set to SKIP are passed over);
        `keep`: hold the worker for the next run (`close` gives it back). `cycles` (int64,
        one per row) adds up each row's CPU cycles on this thread (a worker row's: the
        post; a wait's: the wait; no worker free: nothing)."""
        held, self._held = self._held, None
        helpers = [held] if held is not None and held.alive else workers.take(1)
        if not helpers:
            _run_alone(table)
            return
        worker = helpers[0]
        finished = False
        try:
            counters, slots = worker.compiled_slots()
            worker.wake(linger=True)
            done, posted = 0, int(counters[jobs.POSTED])
            rounds = spin.rounds(_WAIT_SPIN)
            while True:
                done, posted = _run(table, done, counters, slots, posted, rounds, cycles)
                if done == len(table):
                    break
                worker.wake(linger=True)
                _, error = worker.collect()
                if error is not None:
                    raise error
                done += 1
            finished = True
        finally:
            if counters[jobs.DONE] < counters[jobs.POSTED]:  # interrupted between rows
                worker.collect()
            if keep and finished:
                self._held = worker
            else:
                workers.give(helpers)

    def close(self) -> None:
        """Give back a worker held since the last run."""
        held, self._held = self._held, None
        if held is not None:
            workers.give([held])
