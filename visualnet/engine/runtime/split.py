"""Running a layer's batch as parallel parts, one per core: `split`.

A convolution's transforms and col2im are serial Numba kernels; between them sit GEMMs
that OpenBLAS spreads over all cores. Handing each core its own images (transform, GEMM
on one BLAS thread, transform) beats alternating serial kernels with multi-threaded
GEMMs, which leave cores idle during every transform. The parts run on `workers` threads;
the kernels release the GIL.

OpenBLAS's own threads spin for a while after each multi-threaded GEMM, and a spinning
thread takes the core a part needs.
So `fit`, `evaluate` and `predict` run models with convolutions inside `layer_parallel()`:
OpenBLAS stays on one thread throughout and the layers split their batches into
`parts` parts (the ThreadGovernor lowers that on a contended machine). Outside it, a
split uses as many parts as OpenBLAS has threads, holding OpenBLAS at one thread while
the parts run.
"""

from __future__ import annotations

import os
import threading

from visualnet.engine.runtime.blas import openblas
from visualnet.engine.runtime import workers

_lock = threading.Lock()
_running = 0  # splits in progress (several threads may train at once)
_saved_threads = 1
_local = threading.local()  # .parts: set inside `layer_parallel`, per thread (each trains its own model)


def layer_parts() -> int | None:
    """The parts inside `layer_parallel`, else None (OpenBLAS brings its own threads)."""
    return getattr(_local, "parts", None)


def parts_available() -> int:
    """How many parts a split uses now: `layer_parallel`'s count, else OpenBLAS's thread
    count (at most the cores), else 1."""
    parts = layer_parts()
    if parts is not None:
        return parts
    lib = openblas()
    return max(1, min(lib.get(), os.cpu_count() or 1)) if lib.get is not None else 1


class layer_parallel:
    """Context for a training or prediction loop: OpenBLAS on one thread throughout, and
    each split in this thread in `get()` parts (initially what `parts_available()` was),
    this thread bound to its core while there are several (`workers.CallerPin`).
    `set(n)` changes the count (the ThreadGovernor's control, like OpenBLAS's get/set)."""

    def __enter__(self):
        self._previous = layer_parts()
        count = parts_available()
        self._openblas_held = _single_threaded_openblas()
        self._openblas_held.__enter__()
        self._previous_pin = getattr(_local, "pin", None)
        _local.pin = workers.CallerPin()
        layer_parallel.set(count)
        return self

    def __exit__(self, *exc):
        _local.pin.release()
        _local.parts, _local.pin = self._previous, self._previous_pin
        self._openblas_held.__exit__(*exc)

    @staticmethod
    def get() -> int:
        return layer_parts() or 1

    @staticmethod
    def set(n: int) -> None:
        _local.parts = max(1, int(n))
        pin = getattr(_local, "pin", None)
        if pin is not None:
            pin.bind() if _local.parts > 1 else pin.release()


class serial_layers:
    """Context for one part of a split that runs whole layers (parallel prediction): the
    layers in this thread run their batch as one part."""

    def __enter__(self):
        self._previous = layer_parts()
        _local.parts = 1

    def __exit__(self, *exc):
        _local.parts = self._previous


_MIN_SPLIT_ELEMENTS = 1 << 18  # below this a part costs less than handing it to another thread


def parts_for(elements: int) -> int | None:
    """`split`'s `parts` for an op over `elements` array elements: 1 when too small to pay."""
    return 1 if elements < _MIN_SPLIT_ELEMENTS else None


def bounds(count: int, parts: int) -> list[int]:
    """Boundaries of `parts` contiguous, near-equal parts of range(count)."""
    parts = max(1, min(parts, count))
    return [count * i // parts for i in range(parts + 1)]


def split(count: int, fn, parts: int | None = None, fill=None) -> list:
    """[fn(lo, hi, part) for each part of range(count)], the parts in parallel threads.

    `part` (0, 1, ...) lets fn pick its own scratch buffers. This thread runs part 0 (and
    any part no idle worker is left for); all parts have finished when this returns or
    raises (the first error is raised). `fill(slots, lo, hi)` may post a worker's part as a
    compiled job instead (runtime/jobs.py: no GIL hand-over); its result is then None."""
    edges = bounds(count, parts_available() if parts is None else parts)
    if len(edges) <= 2:
        return [fn(0, count, 0)]
    with _single_threaded_openblas():
        helpers = workers.take(len(edges) - 2)
        try:
            linger = layer_parts() is not None  # OpenBLAS on one thread: nothing else wants the cores
            for i, worker in enumerate(helpers, start=1):
                worker.post(fn, edges[i], edges[i + 1], i, linger, fill)
            outcomes = [_run(fn, edges, 0)]
            outcomes += [worker.collect() for worker in helpers]
            outcomes += [_run(fn, edges, i) for i in range(len(helpers) + 1, len(edges) - 1)]
        finally:
            workers.give(helpers)
    for _, error in outcomes:
        if error is not None:
            raise error
    return [result for result, _ in outcomes]


def _run(fn, edges, i):
    try:
        return fn(edges[i], edges[i + 1], i), None
    except BaseException as error:  # raised by split once every part has finished
        return None, error


class _single_threaded_openblas:
    """OpenBLAS on one thread while any split runs (each part calls BLAS on its own)."""

    def __enter__(self):
        global _running, _saved_threads
        lib = openblas()
        with _lock:
            if _running == 0:
                _saved_threads = lib.get()
                lib.set(1)
            _running += 1

    def __exit__(self, *exc):
        global _running
        with _lock:
            _running -= 1
            if _running == 0:
                openblas().set(_saved_threads)
