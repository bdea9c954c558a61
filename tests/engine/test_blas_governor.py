"""The BLAS thread governor's decisions, on a fake library and a fake clock (no timing)."""

import pytest

from visualnet.engine.runtime import blas


class FakeLib:
    def __init__(self, threads=2):
        self.threads = threads
        self.calls = []

    def get(self):
        return self.threads

    def set(self, n):
        self.calls.append(n)
        self.threads = n


@pytest.fixture
def governor(monkeypatch):
    lib = FakeLib()
    monkeypatch.setattr(blas, "openblas", lambda: lib)
    monkeypatch.delenv("VISUALNET_BLAS_GOVERNOR", raising=False)
    clock = [0.0]
    monkeypatch.setattr(blas.time, "perf_counter", lambda: clock[0])
    g = blas.ThreadGovernor()

    def step(seconds, full=True):
        g.step_started()
        clock[0] += seconds
        g.step_finished(full)

    return g, lib, step


def test_quiet_machine_keeps_all_threads(governor):
    g, lib, step = governor
    for _ in range(500):
        step(0.002)
    assert lib.calls == [] and g.current == 2


def _until(step, seconds, done, limit):
    for i in range(limit):
        if done():
            return i
        step(seconds)
    return limit


def test_contention_drops_to_one_thread_and_recovers(governor):
    g, lib, step = governor
    for _ in range(20):
        step(0.002)
    # A contended core: 2-thread steps 10x slower; within one window, one thread.
    assert _until(step, 0.020, lambda: g.current == 1, g.WINDOW + 1) <= g.WINDOW
    assert lib.threads == 1
    # One thread runs at 0.004 s; after PROBE_EVERY steps all threads are tried again...
    assert _until(step, 0.004, lambda: g.current == 2, g.PROBE_EVERY + 1) <= g.PROBE_EVERY
    # ... and, the machine still contended, rejected; the next trial comes later.
    assert _until(step, 0.020, lambda: g.current == 1, g.PROBE + 1) == g.PROBE
    assert g.probe_every == 2 * g.PROBE_EVERY
    # The contention ends: the next trial keeps all threads.
    assert _until(step, 0.004, lambda: g.current == 2, g.probe_every + 1) <= g.probe_every
    for _ in range(3 * g.PROBE):
        step(0.002)
    assert g.current == 2 and lib.threads == 2 and g.probe_every == g.PROBE_EVERY
    g.close()
    assert lib.threads == 2


def test_short_steps_and_partial_batches_are_ignored(governor):
    g, lib, step = governor
    for _ in range(50):
        step(0.0001)
    for _ in range(50):
        step(0.01)  # slow, but the best step is too short to involve BLAS threads
    for _ in range(50):
        step(10.0, full=False)
    assert lib.calls == []


def test_close_restores_the_thread_count(governor):
    g, lib, step = governor
    for _ in range(20):
        step(0.002)
    for _ in range(g.WINDOW):
        step(0.05)
    assert lib.threads == 1
    g.close()
    assert lib.threads == 2


def test_disabled_by_environment(monkeypatch):
    lib = FakeLib()
    monkeypatch.setattr(blas, "openblas", lambda: lib)
    monkeypatch.setenv("VISUALNET_BLAS_GOVERNOR", "0")
    g = blas.ThreadGovernor()
    assert not g.enabled


def test_finds_the_loaded_openblas():
    lib = blas.openblas()
    if lib.get is None:
        pytest.skip("NumPy is not linked against OpenBLAS here")
    assert lib.get() >= 1
