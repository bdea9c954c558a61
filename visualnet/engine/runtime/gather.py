"""A shuffled batch's rows gathered as a compiled job (jobs.py): `post_ahead`.

Between the first layer's forward product and its weight gradient, a Dense step runs
serial work (the output layer, the loss, ReLU's gradient) while the other core spins
idle; the next batch's gather (random rows of the training set, mostly cache misses) fits
there. `post_ahead` hands it to a worker, which copies the rows without the GIL; the loop
collects it at the next step (`workers.settle`). (Figures: benchmarks/RESULTS.md.)
"""

from __future__ import annotations

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from visualnet.engine.runtime import jobs, workers

MAX_ARRAYS = 3  # arrays one job gathers
# the job's slots: the indices' address and count, then per array a its source's address
# (0: no more arrays), rows and bytes a row, and its output's address (`ARRAY` slots each)
GATHER_SLOTS = jobs.layout("gather", "idx", "count", repeat=("src", "rows", "row_bytes", "out"), times=MAX_ARRAYS)
ARRAY = GATHER_SLOTS.out - GATHER_SLOTS.src + 1
MIN_BYTES = 1 << 16  # a smaller batch is gathered faster than a hand-over costs


@intrinsic
def _copy(typingctx, dst, src, nbytes):
    """memcpy(dst, src, nbytes) for addresses held as int64."""
    sig = types.void(types.int64, types.int64, types.int64)

    def codegen(context, builder, signature, args):
        i8p = ir.IntType(8).as_pointer()
        cgutils.raw_memcpy(builder, builder.inttoptr(args[0], i8p), builder.inttoptr(args[1], i8p), args[2], 1)
        return context.get_dummy_value()

    return sig, codegen


def _job(slots_pointer):
    """out_a[r] = src_a[clip(idx[r])] for r < n, for each array a (addresses and sizes in bytes)."""
    s = numba.carray(slots_pointer, jobs.SLOTS)
    L = GATHER_SLOTS
    idx, n = jobs.int64s(s[L.idx]), s[L.count]
    for a in range(MAX_ARRAYS):
        g = ARRAY * a
        src, rows, row_bytes, out = s[L.src + g], s[L.rows + g], s[L.row_bytes + g], s[L.out + g]
        if src == 0:
            break
        for r in range(n):
            i = min(max(idx[r], 0), rows - 1)
            _copy(out + r * row_bytes, src + i * row_bytes, row_bytes)


_job_address = jobs.cfunc(_job)


class Ahead:
    """Gathers of `sources`' rows into `outs` (arrays reused from batch to batch), checked
    and laid out once: per batch only the indices' checks and address are left."""

    def __init__(self, sources: list, outs: list):
        self.sources, self.outs = sources, outs
        fits = 0 < len(sources) <= MAX_ARRAYS and all(
            a.flags.c_contiguous and o.flags.c_contiguous and a.dtype == o.dtype and len(a) > 0
            and a.shape[1:] == o.shape[1:] for a, o in zip(sources, outs))
        self.rows = min(len(o) for o in outs) if fits else 0  # the most indices one gather takes
        self.row_bytes = sum(o[0].nbytes for o in outs) if fits else 0
        L = GATHER_SLOTS
        args = {L.src + ARRAY * a: 0 for a in range(MAX_ARRAYS)}  # the slots after the indices' address and count
        for a, (src, out) in enumerate(zip(sources, outs) if fits else ()):
            g = ARRAY * a
            args.update({L.src + g: src.ctypes.data, L.rows + g: len(src), L.row_bytes + g: src[0].nbytes,
                         L.out + g: out.ctypes.data})
        self._at, self._args = np.array(list(args), np.intp), np.array(list(args.values()), np.int64)

    def applies(self, idx) -> bool:
        """Whether `post` can gather these indices: a compiled job runs, the arrays suit
        one, and the batch is large enough to pay."""
        return (idx.dtype == np.int64 and idx.flags.c_contiguous and self.takes(len(idx)) and jobs.available()
                and _job_address() != 0)

    def takes(self, count: int) -> bool:
        """Whether a batch of `count` rows fits the buffers and is large enough to pay."""
        return 0 < count <= self.rows and self.row_bytes * count >= MIN_BYTES

    def fill(self, slots, idx: np.ndarray, count: int) -> None:
        """Write the gather of rows idx[:count] as a compiled job (where `applies(idx)`);
        `count` sits in slots[GATHER_SLOTS.count]."""
        slots[GATHER_SLOTS.idx], slots[GATHER_SLOTS.count] = idx.ctypes.data, count
        slots[self._at] = self._args
        slots[0] = _job_address()

    def post(self, idx: np.ndarray) -> bool:
        """Start gathering `sources[a][idx]` into `outs[a][:len(idx)]` on an idle worker (call
        where `applies`, inside `layer_parallel`); `workers.settle()` waits for it. False,
        with nothing started, if no worker is idle."""

        def fill(slots, lo, hi):
            self.fill(slots, idx, len(idx))

        def gather(lo, hi, part):  # the worker runs this only if the job could not be compiled
            for src, out in zip(self.sources, self.outs):
                np.take(src, idx, axis=0, out=out[:len(idx)], mode="clip")

        return workers.post_ahead(gather, fill)
