"""A shuffled batch's rows gathered as a compiled job (ops/jobs.py): `post_ahead`.

Between the first layer's forward product and its weight gradient, W1's step runs about
60 us of serial work (the output layer, the loss, ReLU's gradient) while the other core
spins idle; the next batch's gather (128 random rows of the 25 MB training set: ~40 us,
most of it cache misses) fits there. `post_ahead` hands it to a worker, which copies the
rows without the GIL; the loop collects it at the next step (`workers.settle`). W1 step,
median of 16 epochs each way, interleaved in one process: 767 -> 743 us.
"""

from __future__ import annotations

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from visualnet.engine.ops import jobs, workers

MAX_ARRAYS = 3  # arrays one job gathers: slots [4 + 4a, 8 + 4a) each, below jobs.FLUSH
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
    idx, n = jobs.int64s(s[1]), s[2]
    for a in range(s[3]):
        src, rows, row_bytes, out = s[4 + 4 * a], s[5 + 4 * a], s[6 + 4 * a], s[7 + 4 * a]
        for r in range(n):
            i = min(max(idx[r], 0), rows - 1)
            _copy(out + r * row_bytes, src + i * row_bytes, row_bytes)


_job_address = jobs.cfunc(_job)


class Ahead:
    """Gathers of `sources`' rows into `outs` (arrays reused from batch to batch), checked
    and laid out once: per batch only the indices' checks and address are left (W1's step
    on the 2-core Zen 4, median in the step: the check 9.0 -> 4.6 us)."""

    def __init__(self, sources: list, outs: list):
        self.sources, self.outs = sources, outs
        fits = 0 < len(sources) <= MAX_ARRAYS and all(
            a.flags.c_contiguous and o.flags.c_contiguous and a.dtype == o.dtype and len(a) > 0
            and a.shape[1:] == o.shape[1:] for a, o in zip(sources, outs))
        self.rows = min(len(o) for o in outs) if fits else 0  # the most indices one gather takes
        self.row_bytes = sum(o[0].nbytes for o in outs) if fits else 0
        self.args = [len(sources)]  # slots[3:], after the indices' address and count
        for src, out in zip(sources, outs) if fits else ():
            self.args += [src.ctypes.data, len(src), src[0].nbytes, out.ctypes.data]

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
        `count` sits in slots[2]."""
        slots[1], slots[2] = idx.ctypes.data, count
        slots[3:3 + len(self.args)] = self.args
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
