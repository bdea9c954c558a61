"""How many threads the BLAS under NumPy uses while training: `ThreadGovernor`.

A GEMM split over several threads waits for its slowest part, and when another process
occupies a core the thread there only runs in that process's gaps, so a contended machine
can make a multi-threaded GEMM many times slower than one thread (figures:
benchmarks/RESULTS.md). `fit` therefore times its steps and, while they run far slower than
the best seen with all threads, drops to one BLAS thread, going back to all of them
when a short trial shows they are faster again. Quiet machines never see a change.

The engine's Numba kernels are serial (no `prange`): a second thread pool spinning
beside OpenBLAS's slows the GEMMs down. Models with convolutions instead run each layer's
batch as parallel parts on one BLAS thread each (split.py).
"""

from __future__ import annotations

import ctypes
import os
import sys
import time

_SET_NAMES = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads", "openblas_set_num_threads64_",
              "openblas_set_num_threads")
_GET_NAMES = ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads", "openblas_get_num_threads64_",
              "openblas_get_num_threads")


def _candidate_paths() -> list[str]:
    paths = []
    try:
        with open("/proc/self/maps") as f:  # Linux: the libraries actually loaded
            for line in f:
                path = line.split()[-1] if "/" in line else ""
                if "openblas" in path.lower() and path not in paths:
                    paths.append(path)
    except OSError:
        pass
    np_mod = sys.modules.get("numpy")
    if np_mod is not None:  # macOS / Windows wheels keep the library beside numpy
        root = os.path.dirname(os.path.dirname(np_mod.__file__))
        for folder in ("numpy.libs", os.path.join("numpy", ".dylibs"), "scipy_openblas64", "scipy_openblas32"):
            d = os.path.join(root, folder)
            if os.path.isdir(d):
                paths += [os.path.join(d, n) for n in os.listdir(d) if "openblas" in n.lower()]
    return paths


class _OpenBLAS:
    """ctypes handles to the loaded OpenBLAS's thread functions, or unavailable."""

    def __init__(self):
        self.set = self.get = None
        for path in _candidate_paths():
            try:
                lib = ctypes.CDLL(path)
            except OSError:
                continue
            setter = next((getattr(lib, n) for n in _SET_NAMES if hasattr(lib, n)), None)
            getter = next((getattr(lib, n) for n in _GET_NAMES if hasattr(lib, n)), None)
            if setter is not None and getter is not None:
                setter.argtypes, setter.restype = [ctypes.c_int], None
                getter.argtypes, getter.restype = [], ctypes.c_int
                self.set, self.get = setter, getter
                return


_LIB: _OpenBLAS | None = None


def openblas() -> _OpenBLAS:
    global _LIB
    if _LIB is None:
        import numpy  # noqa: F401  (the library must be loaded to be found)

        _LIB = _OpenBLAS()
    return _LIB


class ThreadGovernor:
    """Per-fit controller of OpenBLAS's thread count (or of the parts a layer splits its
    batch into, see split.py) from the training steps' times.

    `step_started()` / `step_finished(full_batch)` bracket each step. With all threads
    (the default), a window of steps whose median exceeds `SLOW` times the best step
    seen means the machine is contended: one thread from then on. With one thread, after
    `PROBE_EVERY` steps (doubling after each failed trial, up to `PROBE_MAX`) a few steps
    run with all threads again, and they stay if their median beats one thread's recent
    median. `close()` restores the original count.
    """

    WINDOW = 8
    SLOW = 2.5
    PROBE_EVERY = 32
    PROBE_MAX = 1024
    PROBE = 3
    MIN_STEP = 5e-4  # steps shorter than this barely use BLAS threads: leave them alone

    def __init__(self, control=None):
        """`control`: what to govern, with get() and set(n); OpenBLAS's thread count by default."""
        lib = openblas() if control is None else control
        self.lib = lib
        self.threads = lib.get() if lib.get is not None else 1
        self.enabled = self.threads > 1 and os.environ.get("VISUALNET_BLAS_GOVERNOR", "1") != "0"
        self.current = self.threads
        self.best_all = float("inf")
        self.recent: list[float] = []
        self.one_recent: list[float] = []
        self.probing = 0
        self.since_probe = 0
        self.probe_every = self.PROBE_EVERY
        self.switches = 0
        self._t0 = 0.0

    def step_started(self) -> None:
        if self.enabled:
            self._t0 = time.perf_counter()

    def step_finished(self, full_batch: bool = True) -> None:
        if not self.enabled or not full_batch:
            return
        dt = time.perf_counter() - self._t0
        if self.current == self.threads:
            self.recent.append(dt)
            if len(self.recent) > self.WINDOW:
                del self.recent[0]
            if self.probing:
                self.probing -= 1
                if self.probing == 0:
                    if _median(self.recent[-self.PROBE:]) < 0.9 * _median(self.one_recent):
                        self.probe_every = self.PROBE_EVERY  # back to all threads
                    else:
                        self.probe_every = min(2 * self.probe_every, self.PROBE_MAX)
                        self._use(1)
                return
            self.best_all = min(self.best_all, dt)
            if self.best_all < self.MIN_STEP:
                return
            if len(self.recent) == self.WINDOW and _median(self.recent) > self.SLOW * self.best_all:
                self._use(1)
        else:
            self.one_recent.append(dt)
            if len(self.one_recent) > self.WINDOW:
                del self.one_recent[0]
            self.since_probe += 1
            if self.since_probe >= self.probe_every and len(self.one_recent) >= self.PROBE:
                self.since_probe = 0
                self.probing = self.PROBE
                self.recent.clear()
                self._use(self.threads)

    def _use(self, n: int) -> None:
        self.lib.set(n)
        if n != self.current:
            self.switches += 1
        self.current = n
        if n == 1:
            self.one_recent.clear()
            self.since_probe = 0

    def close(self) -> None:
        if self.enabled and self.current != self.threads:
            self.lib.set(self.threads)
            self.current = self.threads


def _median(values: list[float]) -> float:
    s = sorted(values)
    return s[len(s) // 2] if s else float("inf")
