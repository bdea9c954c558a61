"""Waiting for another thread's counter without the GIL and without sleeping: `spin_until`.

A thread that blocks (a lock, a condition) lets its core go idle, and waking it again can
cost far more than the wait itself; after an idle spell, both cores' parts take longer
and each hand-over waits (figures: benchmarks/RESULTS.md). OpenMP's threads spin for a while
before they sleep for the same reason. Here a compiled loop, released from the GIL,
re-reads a counter with an atomic load (and the CPU's pause hint) until it moves on.
"""

from __future__ import annotations

import logging
import platform
import time

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from visualnet.engine._jit import njit

_MACHINE = platform.machine().lower()
log = logging.getLogger(__name__)


def data(context, builder, array_type, value):
    """An array argument's data pointer in an intrinsic."""
    return context.make_array(array_type)(context, builder, value).data


def _atomic_load(ordering):
    """An intrinsic reading counters[index] (int64) atomically with `ordering` (never hoisted
    out of a loop)."""

    @intrinsic
    def load(typingctx, counters, index):
        sig = types.int64(counters, types.intp)

        def codegen(context, builder, signature, args):
            return builder.load_atomic(builder.gep(data(context, builder, signature.args[0], args[0]), [args[1]]),
                                       ordering, 8)

        return sig, codegen

    return load


def _atomic_store(ordering):
    """An intrinsic storing counters[index] = value (int64) atomically with `ordering`."""

    @intrinsic
    def store(typingctx, counters, index, value):
        sig = types.none(counters, types.intp, types.int64)

        def codegen(context, builder, signature, args):
            builder.store_atomic(args[2], builder.gep(data(context, builder, signature.args[0], args[0]), [args[1]]),
                                 ordering, 8)
            return context.get_dummy_value()

        return sig, codegen

    return store


_load_acquire = _atomic_load("acquire")
_store_release = _atomic_store("release")  # what was written before is seen first
load_seq_cst = _atomic_load("seq_cst")  # with store_seq_cst: one total order (a flag pair, jobs.py)
store_seq_cst = _atomic_store("seq_cst")


@intrinsic
def _cpu_relax(typingctx):
    """The CPU's spin-wait hint: x86's pause, Arm's yield (nothing elsewhere)."""
    sig = types.none()

    def codegen(context, builder, signature, args):
        module = builder.module
        if _MACHINE in ("x86_64", "amd64"):
            builder.call(cgutils.get_or_insert_function(module, ir.FunctionType(ir.VoidType(), []),
                                                        "llvm.x86.sse2.pause"), [])
        elif _MACHINE in ("aarch64", "arm64"):
            hint = cgutils.get_or_insert_function(module, ir.FunctionType(ir.VoidType(), [ir.IntType(32)]),
                                                  "llvm.aarch64.hint")
            builder.call(hint, [ir.Constant(ir.IntType(32), 1)])
        return context.get_dummy_value()

    return sig, codegen


@njit
def _spin(counters, index, value, rounds):
    for _ in range(rounds):
        if _load_acquire(counters, index) >= value:
            return True
        _cpu_relax()
    return _load_acquire(counters, index) >= value


@njit
def _publish_spin(counters, done_index, done, index, value, rounds):
    _store_release(counters, done_index, done)
    return _spin(counters, index, value, rounds)


_rounds_per_second: float | None = None  # measured on first use; 0.0: no spinning here


def spin_until(counters: np.ndarray, index: int, value: int, seconds: float) -> bool:
    """Wait (up to about `seconds`, GIL released) until counters[index] >= value, an int64
    array written by another thread; True if it got there. Never spins where the kernels
    cannot run (Numba's JIT disabled, or they failed to compile): the caller then blocks."""
    if not spinning():
        return counters[index] >= value
    return bool(_spin(counters, index, value, rounds(seconds)))


def publish_then_spin(counters: np.ndarray, done_index: int, done: int, index: int, value: int,
                      seconds: float) -> bool:
    """counters[done_index] = done, stored after the GIL is released, then spin_until(counters,
    index, value, seconds). A thread that waits for the first store can take the GIL at
    once: this one no longer holds it (a blocked GIL wait costs a sleeping core's wake-up
    per hand-over)."""
    if not spinning():
        counters[done_index] = done
        return counters[index] >= value
    return bool(_publish_spin(counters, done_index, done, index, value, rounds(seconds)))


def spinning() -> bool:
    return (_rounds_per_second if _rounds_per_second is not None else _calibrate()) > 0


def rounds(seconds: float) -> int:
    """Spin rounds lasting about `seconds` (at least one)."""
    return max(1, int(seconds * _rounds_per_second))


def _calibrate() -> float:
    """Spin rounds per second on this CPU (a pause costs 10-150 cycles, by model); 0.0 when
    the kernels cannot run, so that no worker thread ever dies of it."""
    global _rounds_per_second
    if numba.config.DISABLE_JIT:
        _rounds_per_second = 0.0
        return 0.0
    probe = np.zeros(2, dtype=np.int64)
    try:  # compiled (or loaded from the cache) outside the timing
        _spin(probe, 0, 1, 1)
        _publish_spin(probe, 1, 0, 0, 1, 1)
    except Exception as error:  # noqa: BLE001  (any compiler failure: block instead of spinning)
        log.warning("spin-waits disabled, worker threads will block instead: %s", error)
        _rounds_per_second = 0.0
        return 0.0
    rounds, best = 20_000, float("inf")
    for _ in range(3):
        t = time.perf_counter()
        _spin(probe, 0, 1, rounds)
        best = min(best, time.perf_counter() - t)
    _rounds_per_second = rounds / max(best, 1e-6)
    return _rounds_per_second
