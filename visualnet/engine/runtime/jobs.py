"""Compiled jobs: parts a worker runs without ever taking the GIL.

A part posted as a Python callable makes the worker take the GIL to call it, while the
poster, still in Python, often holds it: the worker then sleeps in CPython's GIL wait, and
the hand-over costs a sleeping core's wake-up. A compiled part avoids the worker taking the
GIL (figures: benchmarks/RESULTS.md). A compiled job is instead the address of a Numba
`cfunc` taking the worker's int64 argument `slots` (`slots[0]` the address, then the
job's own arguments: array addresses, sizes, strides), written by the poster with `fill`.
Each job declares the order of its arguments once (`layout`), next to its body, and both
the fill and the body index the slots through that declaration. The worker's loop
(`serve`) calls it from compiled code, publishes "done" and spins for the next one, all
with the GIL released.

Memory order: the poster fills the slots, then publishes the job count with a release store
(`publish`); the worker reads them after an acquire load. A poster about to sleep announces
it (`announce_wait`) and the worker checks for it after "done", both sequentially
consistent, so that one of the two always sees the other's store (no lost wake-up).
"""

from __future__ import annotations

import collections
import functools
import logging

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from visualnet.engine._jit import njit
from visualnet.engine.runtime import fpmode, spin
from visualnet.engine.runtime.spin import _spin, _store_release, data, load_seq_cst, store_seq_cst

log = logging.getLogger(__name__)

POSTED, DONE, WAITING = 0, 1, 2  # the worker's int64 counters
SLOTS = 16  # a job's slots: [0] the cfunc's address (0: a Python job), [1:FLUSH] its arguments
FLUSH = SLOTS - 1  # 1: the poster flushes denormals (fpmode.py), and so does the job
PYTHON, IDLE, NOTIFY = 0, 1, 2  # why `serve` returned
SIGNATURE = types.void(types.CPointer(types.int64))


@intrinsic
def call(typingctx, address, slots):
    """Call the cfunc at `address` with the data pointer of `slots`."""
    sig = types.void(types.int64, slots)

    def codegen(context, builder, signature, args):
        i64p = ir.IntType(64).as_pointer()
        fn = builder.inttoptr(args[0], ir.FunctionType(ir.VoidType(), [i64p]).as_pointer())
        builder.call(fn, [builder.bitcast(data(context, builder, signature.args[1], args[1]), i64p)])
        return context.get_dummy_value()

    return sig, codegen


@intrinsic
def address(typingctx, array):
    """The address of an array's first element (for `fill`)."""
    sig = types.int64(array)

    def codegen(context, builder, signature, args):
        return builder.ptrtoint(data(context, builder, signature.args[0], args[0]), ir.IntType(64))

    return sig, codegen


def _pointer_intrinsic(numba_type, ir_type):
    """An intrinsic casting an int64 address to a pointer to `numba_type`."""

    @intrinsic
    def pointer(typingctx, addr):
        sig = types.CPointer(numba_type)(types.int64)

        def codegen(context, builder, signature, args):
            return builder.inttoptr(args[0], ir_type.as_pointer())

        return sig, codegen

    return pointer


_float32_pointer = _pointer_intrinsic(types.float32, ir.FloatType())
_int64_pointer = _pointer_intrinsic(types.int64, ir.IntType(64))
_float64_pointer = _pointer_intrinsic(types.float64, ir.DoubleType())


@njit(inline="always")
def floats(addr):
    """The float32 data at `addr` as a 1-D array (for a job's body: sizes and strides come
    in the slots, the kernels index it by flat offsets)."""
    return numba.carray(_float32_pointer(addr), 1)


@njit(inline="always")
def vector(addr, n):
    """The n float32 values at `addr` as a 1-D array (for a job's body)."""
    return numba.carray(_float32_pointer(addr), n)


@njit(inline="always")
def matrix(addr, rows, cols):
    """The (rows, cols) C-ordered float32 matrix at `addr` (for a job's body)."""
    return numba.carray(_float32_pointer(addr), (rows, cols))


@njit(inline="always")
def int64s(addr):
    """The int64 data at `addr` as a 1-D array, indexed like `floats`'."""
    return numba.carray(_int64_pointer(addr), 1)


@njit(inline="always")
def float64_vector(addr, n):
    """The n float64 values at `addr` as a 1-D array."""
    return numba.carray(_float64_pointer(addr), n)


@njit(inline="always")
def int64_vector(addr, n):
    """The n int64 values at `addr` as a 1-D array."""
    return numba.carray(_int64_pointer(addr), n)


@njit
def serve(counters, slots, job, rounds):
    """Run jobs number `job`, `job` + 1, ... while they are compiled ones and each comes
    within `rounds` spins of the last. Returns (the next job's number, PYTHON: it is a posted
    Python job; IDLE: none came; NOTIFY: its poster sleeps, waiting for the job just done)."""
    while True:
        fn = slots[0]
        if fn == 0:
            return job, PYTHON
        fpmode.apply(slots[FLUSH] != 0)
        call(fn, slots)
        store_seq_cst(counters, DONE, job)
        job += 1
        if load_seq_cst(counters, WAITING) != 0:
            return job, NOTIFY
        if not _spin(counters, POSTED, job, rounds):
            return job, IDLE


@njit
def publish(counters, count):
    """counters[POSTED] = count, after the slots (a release store)."""
    _store_release(counters, POSTED, count)


@njit
def announce_wait(counters):
    """counters[WAITING] = 1 before a poster sleeps; returns the jobs done, read after it."""
    store_seq_cst(counters, WAITING, 1)
    return load_seq_cst(counters, DONE)


def available() -> bool:
    """Whether parts may be posted as compiled jobs: where the spin kernels run and these
    compile (else every part is a Python one, as without the JIT)."""
    return spin.spinning() and _compiled()


@functools.cache
def _compiled() -> bool:
    probe = np.zeros(3, dtype=np.int64)
    try:
        serve(probe, new_slots(), 1, 1)  # slots[0] == 0: returns at once
        publish(probe, 0)
        announce_wait(probe)
    except Exception as error:  # noqa: BLE001  (any compiler failure: Python parts instead)
        log.warning("compiled parts disabled, workers run Python parts: %s", error)
        return False
    return True


def cfunc(body):
    """A function giving the address of `body(slots_pointer)` compiled into a job, which a
    fill writes to slots[0]: compiled once, lazily (never on import), 0 if it cannot be."""

    @functools.cache
    def job_address() -> int:
        try:
            return numba.cfunc(SIGNATURE, cache=True)(body).address
        except Exception as error:  # noqa: BLE001  (any compiler failure: the part runs in Python)
            log.warning("compiled job %s disabled: %s", body.__qualname__, error)
            return 0

    return job_address


def new_slots() -> np.ndarray:
    return np.zeros(SLOTS, dtype=np.int64)


LAYOUTS: dict[str, tuple] = {}  # every declared layout: its name -> (the layout, one past its last slot)


def layout(name: str, *fields: str, repeat: tuple[str, ...] = (), times: int = 1) -> tuple:
    """A compiled job's slot layout, declared once for both its fill and its body: a named
    tuple whose fields are slot indices, the first argument at slot 1 (after the cfunc's
    address). The body reads `s[L.rows]` (Numba freezes a global tuple, so each index is a
    compile-time constant) and the fill writes `slots[L.rows] = ...`, so the two cannot
    drift apart. `repeat` fields follow `times` times in a row: copy g of field f sits at
    `L.f + g * len(repeat)`. Raises at import where the slots would reach `FLUSH`."""
    end = 1 + len(fields) + len(repeat) * times
    if end > FLUSH or times < 1:
        raise ValueError(f"job layout {name!r}: slots 1..{end - 1} must stay below FLUSH ({FLUSH})")
    if name in LAYOUTS and LAYOUTS[name][0]._fields != fields + repeat:  # (a reloaded module re-declares it)
        raise ValueError(f"job layout {name!r} is already declared with other fields")
    declared = collections.namedtuple(name, fields + repeat)(*range(1, 1 + len(fields) + len(repeat)))
    LAYOUTS[name] = (declared, end)
    return declared
