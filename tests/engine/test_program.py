"""runtime/program.py: rows of compiled jobs on this thread and a worker, including a worker
that sleeps through a post and a program run with no worker free."""

import time

import numpy as np
import pytest

from visualnet.engine.kernels import gemm
from visualnet.engine.runtime import program, workers

pytestmark = pytest.mark.skipif(not (gemm.AVAILABLE and program.available()),
                                reason="programs need compiled jobs and the tiles")


def _products():
    """A program: the worker computes one product while this thread computes another,
    then this thread copies the worker's result (so it must wait for it first)."""
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 40, 64)).astype(np.float32), rng.standard_normal((2, 64, 48)).astype(np.float32)
    out, copy = np.zeros((2, 40, 48), np.float32), np.zeros((40, 48), np.float32)
    p = program.Program(flush=False)
    p.worker(lambda s: gemm.fill_2d(s, a[1], b[1], out[1]))
    p.main(lambda s: gemm.fill_2d(s, a[0], b[0], out[0]))
    p.wait()
    p.main(lambda s: gemm.fill_copy(s, out[1], copy))
    return p.table(), (a, b, out, copy)


def _check(arrays):
    a, b, out, copy = arrays
    np.testing.assert_allclose(out, a @ b, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(copy, out[1])


def test_rows_run_on_this_thread_and_the_worker():
    table, arrays = _products()
    assert list(table[:, 0]) == [program.WORKER, program.MAIN, program.WAIT, program.MAIN]
    program.Runner().run(table)
    _check(arrays)


def test_a_worker_that_sleeps_through_the_post_is_woken(monkeypatch):
    """The worker is asleep and is not woken before the program posts: the wait times
    out in compiled code and Python wakes it."""
    wakes = []
    real = workers.Worker.wake
    monkeypatch.setattr(workers.Worker, "wake", lambda self, linger: wakes.append(1) or (
        real(self, linger) if len(wakes) > 1 else None))
    [w] = workers.take(1)
    workers.give([w])
    w.post(lambda lo, hi, part: None, 0, 0, 0, False)  # not lingering: it sleeps at once after
    w.collect()
    deadline = time.monotonic() + 60  # a hang guard: the worker exposes no event for falling asleep
    while not w._sleeping and time.monotonic() < deadline:
        time.sleep(0.001)
    assert w._sleeping
    table, arrays = _products()
    program.Runner().run(table)
    _check(arrays)
    assert len(wakes) >= 2  # the first (skipped) at the start, then the one after the timed-out wait


def test_with_no_worker_free_every_row_runs_here():
    taken = workers.take(8)
    try:
        table, arrays = _products()
        program.Runner().run(table)
        _check(arrays)
    finally:
        workers.give(taken)


def test_a_job_without_compiled_code_is_refused():
    p = program.Program(flush=False)
    with pytest.raises(program.Unsupported):
        p.main(lambda s: None)


def test_a_job_posted_early_goes_right_after_the_last_wait():
    """worker_early puts the post where the worker became free; the next post waits for it."""
    table, (a, b, out, copy) = _products()
    p = program.Program(flush=False)
    p.worker(lambda s: gemm.fill_2d(s, a[1], b[1], out[1]))
    p.main(lambda s: gemm.fill_2d(s, a[0], b[0], out[0]))
    p.wait()
    p.main(lambda s: gemm.fill_copy(s, out[1], copy))
    early = np.zeros((40, 48), np.float32)
    assert p.worker_early(lambda s: gemm.fill_2d(s, a[0], b[1], early), "early") == 3
    late = np.zeros((40, 48), np.float32)
    p.worker(lambda s: gemm.fill_2d(s, a[1], b[0], late), "late")
    table = p.table()
    assert list(table[:, 0]) == [program.WORKER, program.MAIN, program.WAIT, program.WORKER, program.MAIN,
                                 program.WAIT, program.WORKER, program.WAIT]
    assert p.labels[3] == "post: early" and p.labels[5] == "wait: early"
    program.Runner().run(table)
    _check((a, b, out, copy))
    np.testing.assert_allclose(early, a[0] @ b[1], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(late, a[1] @ b[0], rtol=1e-5, atol=1e-5)


def test_a_job_posted_early_with_no_wait_before_goes_first():
    p = program.Program(flush=False)
    a, out = np.ones((8, 8), np.float32), np.zeros((8, 8), np.float32)
    p.main(lambda s: gemm.fill_copy(s, a, out))
    assert p.worker_early(lambda s: gemm.fill_copy(s, a, a), "first") == 0
    assert list(p.table()[:, 0]) == [program.WORKER, program.MAIN, program.WAIT]
