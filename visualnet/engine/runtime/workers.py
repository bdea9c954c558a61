"""The threads that run a split's further parts: `take` and `give`.

Each worker is one daemon thread with one job slot. A job posted with `linger` (inside
`layer_parallel`, where OpenBLAS stays on one thread) keeps the worker spinning (GIL
released, see `spin`) for `IDLE_SPIN` seconds after it before it sleeps on a condition,
and the poster spins for up to `WAIT_SPIN` for its result, so the hand-overs inside one
training step or prediction never wake a sleeping core. A lingering worker publishes
"done" only once it has released the GIL (`spin.publish_then_spin`): the poster, which
sees it, then takes the GIL at once instead of blocking on it. Without `linger` both sleep
at once: a spinning thread would take a core from the 2-thread GEMM that may come next.
A part posted with a `fill` runs as a compiled job (jobs.py): a spinning worker runs it
without taking the GIL at all. Each part runs in its poster's floating-point mode
(fpmode.py).

On Linux, worker k is bound to the k-th further core the process may use, and
`CallerPin` binds a training or prediction loop's own thread to the first: otherwise,
after an idle spell, the kernel may wake the worker on the loop thread's core and the two
share it for a while. (Measured effects of each choice: benchmarks/RESULTS.md.)"""

from __future__ import annotations

import os
import threading

import numpy as np

from visualnet.engine.runtime import fpmode, jobs, spin
from visualnet.engine.runtime.spin import publish_then_spin, spin_until

IDLE_SPIN = 0.002  # seconds a worker stays awake after a job (the gaps inside a step are shorter)
WAIT_SPIN = 0.02  # seconds a poster spins for a result before it sleeps
_CHECK_ALIVE = 1.0  # seconds between a sleeping poster's checks that its worker still runs


class Worker:
    """One thread running posted jobs one at a time: `fn(lo, hi, part)`, or a compiled job
    (jobs.py) when the poster's `fill` writes one."""

    def __init__(self, name: str, cpu: int | None):
        self._cpu = cpu
        self._counters = np.zeros(3, dtype=np.int64)  # jobs posted, jobs done, a poster sleeps
        self._slots = jobs.new_slots()  # the posted job's, when compiled
        self._job = None
        self._linger = False  # the posted job's `linger`
        self._outcome = (None, None)  # (result, error)
        self._wake = threading.Condition()
        self._sleeping = False
        self._done = threading.Condition()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def post(self, fn, lo: int, hi: int, part: int, linger: bool, fill=None) -> None:
        """Start fn(lo, hi, part) on this worker (its previous job must be collected);
        `linger`: spin for the next job for a while after this one. `fill(slots, lo, hi)`,
        where compiled jobs can run (`jobs.available()`), writes the same part as a compiled
        job, or 0 to slots[0] to leave it to fn."""
        self._job, self._linger = (fn, lo, hi, part), linger
        self._slots[0], self._slots[jobs.FLUSH] = 0, fpmode.flushing()  # the part runs in the poster's mode
        if fill is not None and jobs.available():
            fill(self._slots, lo, hi)
        with self._wake:
            if jobs.available():
                jobs.publish(self._counters, self._counters[jobs.POSTED] + 1)  # after the slots
            else:
                self._counters[jobs.POSTED] += 1
            if self._sleeping:
                self._wake.notify()

    def collect(self):
        """(result, error) of the posted job, once it has finished."""
        counters = self._counters
        target = counters[jobs.POSTED]
        if not (self._linger and spin_until(counters, jobs.DONE, target, WAIT_SPIN)):
            with self._done:
                if jobs.available():  # a compiled job's worker never takes this lock: see jobs.py
                    done = jobs.announce_wait(counters)
                else:
                    counters[jobs.WAITING] = 1
                    done = counters[jobs.DONE]
                try:
                    while done < target:
                        if not self._done.wait(_CHECK_ALIVE) and not self.alive:
                            raise RuntimeError(f"the worker thread {self._thread.name} died during its part")
                        done = counters[jobs.DONE]
                finally:
                    counters[jobs.WAITING] = 0
        self._job = None
        outcome, self._outcome = self._outcome, (None, None)
        return outcome

    def compiled_slots(self):
        """(counters, slots): what a compiled poster (runtime/program.py) writes, as `post` does
        for a compiled job."""
        return self._counters, self._slots

    def wake(self, linger: bool) -> None:
        """Wake this worker if it sleeps (a compiled poster cannot), with `linger` for the
        jobs posted next."""
        self._linger = linger
        if self._sleeping:
            with self._wake:
                self._wake.notify()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        if self._cpu is not None:
            _bind({self._cpu})
        job, posted = 1, False  # the next job's number; whether it is known to be posted
        counters = self._counters
        while True:
            if not posted:
                with self._wake:
                    self._sleeping = True
                    while counters[jobs.POSTED] < job:
                        self._wake.wait()
                    self._sleeping = False
            if self._slots[0]:
                rounds = spin.rounds(IDLE_SPIN) if self._linger else 0
                job, why = jobs.serve(counters, self._slots, job, rounds)
                if why == jobs.NOTIFY:
                    with self._done:
                        self._done.notify()
                posted = why == jobs.PYTHON
                continue
            (fn, lo, hi, part), linger = self._job, self._linger
            fpmode.set_mode(bool(self._slots[jobs.FLUSH]))
            try:
                self._outcome = (fn(lo, hi, part), None)
            except BaseException as error:  # handed to the poster, which raises it
                self._outcome = (None, error)
            del fn
            # lingering: "done" published with the GIL released, then spin for the next job
            posted = linger and publish_then_spin(counters, jobs.DONE, job, jobs.POSTED, job + 1, IDLE_SPIN)
            with self._done:
                counters[jobs.DONE] = job
                if counters[jobs.WAITING]:
                    self._done.notify()
            job += 1


_lock = threading.Lock()
_free: list[Worker] = []
_started = 0
_ahead = threading.local()  # .worker: the one running this thread's `post_ahead` part


def post_ahead(fn, fill) -> bool:
    """Start part fn(0, 0, 0) (or the compiled job `fill` writes) on an idle worker, lingering
    as inside `layer_parallel`, and leave it running: `settle`, or this thread's next `take`,
    collects it. For work the other core can do while this one runs serial code. False if
    no worker is idle."""
    taken = take(1)
    if not taken:
        return False
    taken[0].post(fn, 0, 0, 0, True, fill)
    _ahead.worker = taken[0]
    return True


def settle() -> None:
    """Wait for this thread's `post_ahead` part, if any, and free its worker (raising the
    part's error)."""
    worker = getattr(_ahead, "worker", None)
    if worker is None:
        return
    _ahead.worker = None
    try:
        _, error = worker.collect()
    finally:
        give([worker])
    if error is not None:
        raise error


def take(count: int) -> list[Worker]:
    """Up to `count` idle workers (at most one per further core; fewer when other threads'
    splits hold them), now reserved for the caller until `give` (after this thread's part
    posted ahead has finished)."""
    global _started
    settle()
    with _lock:
        while len(_free) < count and _started < max(1, (os.cpu_count() or 2) - 1):
            _started += 1
            _free.append(Worker(f"visualnet-part-{_started}", _worker_cpu(_started)))
        taken = _free[len(_free) - min(count, len(_free)):]
        del _free[len(_free) - len(taken):]
    return taken


def give(workers: list[Worker]) -> None:
    """Return workers from `take`; a dead one (which nothing should kill) is replaced later."""
    global _started
    with _lock:
        for worker in workers:
            if worker.alive:
                _free.append(worker)
            else:
                _started -= 1


def _allowed_cpus() -> list[int]:
    """The cores this process may run on, when the OS lets threads be bound (Linux)."""
    return sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_setaffinity") else []


_CPUS = _allowed_cpus()  # read once: a bound thread would see only its own core


def _worker_cpu(k: int) -> int | None:
    return _CPUS[k % len(_CPUS)] if len(_CPUS) > 1 else None


class CallerPin:
    """Binds the calling thread of a training or prediction loop to the first core (the
    workers have the others) while it splits its layers. One thread at a time: a loop
    running meanwhile in another thread stays free. `bind` and `release` may repeat.
    (Threads started by a bound thread inherit its core: the app starts its threads from
    the GUI thread.)"""

    _holder = None

    def __init__(self):
        self._saved = None

    def bind(self) -> None:
        if self._saved is not None or len(_CPUS) < 2:
            return
        with _lock:
            if CallerPin._holder is not None:
                return
            CallerPin._holder = self
        saved = os.sched_getaffinity(0)
        if _bind({_CPUS[0]}):
            self._saved = saved
        else:
            with _lock:
                CallerPin._holder = None

    def release(self) -> None:
        if self._saved is None:
            return
        _bind(self._saved)
        self._saved = None
        with _lock:
            CallerPin._holder = None


def _bind(cpus: set[int]) -> bool:
    """Bind the calling thread to `cpus`; False where the OS refuses (a sandbox, a cpuset
    changed meanwhile): threads then simply stay free."""
    try:
        os.sched_setaffinity(0, cpus)
        return True
    except OSError:
        return False


def _forget_after_fork() -> None:
    global _lock, _started
    CallerPin._holder = None
    _ahead.worker = None
    _lock = threading.Lock()
    _free.clear()
    _started = 0


os.register_at_fork(after_in_child=_forget_after_fork)
