"""Denormals flushed to zero inside the engine's loops (runtime/fpmode.py), in the loop's thread
and in the parts it posts to the workers, and nowhere else."""

import numpy as np
import pytest

from visualnet.engine.runtime import fpmode, jobs, split
from visualnet.engine.kernels import gemm
from visualnet.engine.prediction import parallel_layers

pytestmark = pytest.mark.skipif(not fpmode.SUPPORTED, reason="denormals are flushed on x86 with the JIT")
TINY, SMALL = np.float32(1e-30), np.float32(1e-10)  # their product, 1e-40, is a denormal


def test_the_context_flushes_in_its_thread_and_restores_the_mode_after():
    assert TINY * SMALL > 0
    with fpmode.flush_denormals():
        assert TINY * SMALL == 0 and fpmode.flushing()
        with fpmode.flush_denormals():
            assert TINY * SMALL == 0
        assert TINY * SMALL == 0  # still inside the outer one
    assert TINY * SMALL > 0 and not fpmode.flushing()


def test_a_mode_set_before_by_someone_else_is_kept():
    fpmode.apply(True)  # as a library flushing by itself would
    try:
        with fpmode.flush_denormals():
            pass
        assert TINY * SMALL == 0
    finally:
        fpmode.set_mode(False)
    assert TINY * SMALL > 0


@pytest.mark.parametrize("flush", [False, True])
def test_worker_parts_run_in_the_posters_mode(flush):
    def product(lo, hi, i):
        return float((np.full(1, TINY) * SMALL)[0])

    a = np.full((12, 4), TINY, np.float32)
    b = np.full((4, 16), SMALL, np.float32)
    out = np.empty((12, 16), np.float32)
    with split.layer_parallel() as control:
        control.set(2)
        for _ in range(2):  # the worker's mode changes with its poster's, both ways
            with fpmode.flush_denormals() if flush else split.serial_layers():
                python_parts = split.split(2, product, parts=2)
                if gemm.AVAILABLE and jobs.available():  # a compiled part too
                    split.split(12, lambda lo, hi, i: gemm.matmul_2d(a[lo:hi], b, out[lo:hi]), parts=2,
                                fill=lambda slots, lo, hi: gemm.fill_2d(slots, a[lo:hi], b, out[lo:hi]))
                    assert (out == 0).all() if flush else (out > 0).all()
            assert python_parts == ([0.0, 0.0] if flush else [pytest.approx(1e-40, rel=0.01)] * 2)
            flush = not flush


def test_the_training_loop_flushes():
    from visualnet import Sequential, layers

    model = Sequential([layers.Input((3,)), layers.Dense(2)])
    with parallel_layers(model):
        assert TINY * SMALL == 0
    assert TINY * SMALL > 0
