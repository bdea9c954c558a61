"""The split's worker threads (runtime/workers.py) and their spin-wait (runtime/spin.py): results,
errors, sleeping and waking, several callers at once, binding to cores, and fork."""

import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from visualnet.engine.kernels import gemm
from visualnet.engine.runtime import jobs, spin, split, workers


import numba

needs_jit = pytest.mark.skipif(numba.config.DISABLE_JIT, reason="without the JIT nothing spins")


def wait_for(condition, timeout=60.0) -> bool:
    """Poll `condition` until it holds (False after `timeout` seconds, a hang guard): the
    workers expose no event for falling asleep."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.001)
    return True


@needs_jit
def test_spin_until_sees_another_threads_store_and_gives_up_when_it_never_comes():
    counters = np.zeros(2, dtype=np.int64)
    assert not spin.spin_until(counters, 0, 1, 0.001)
    setter = threading.Timer(0.01, lambda: counters.__setitem__(1, 3))
    setter.start()
    assert spin.spin_until(counters, 1, 3, 10.0)  # returns as soon as the value is there
    setter.join()
    assert spin.spin_until(counters, 1, 2, 0.0)


@needs_jit
def test_publish_then_spin_stores_first_then_waits_for_the_next_value():
    """A worker's "done" is visible to the poster while the worker spins for its next job."""
    counters = np.zeros(2, dtype=np.int64)
    assert not spin.publish_then_spin(counters, 1, 5, 0, 1, 0.001)  # no next job: gives up
    assert counters[1] == 5
    seen = {}

    def poster():
        while counters[1] < 6:
            pass
        seen["done"] = int(counters[1])
        counters[0] = 1

    t = threading.Thread(target=poster)
    t.start()
    assert spin.publish_then_spin(counters, 1, 6, 0, 1, 10.0)
    t.join()
    assert seen["done"] == 6


@pytest.mark.parametrize("idle_spin, wait_spin", [(workers.IDLE_SPIN, workers.WAIT_SPIN), (0.0, 0.0)],
                         ids=["spinning", "sleeping"])
def test_parts_after_an_idle_spell_and_after_an_error(monkeypatch, idle_spin, wait_spin):
    monkeypatch.setattr(workers, "IDLE_SPIN", idle_spin)
    monkeypatch.setattr(workers, "WAIT_SPIN", wait_spin)

    caller_done = threading.Event()
    seen = {}

    def ordered_part(lo, hi, i):
        if i == 0:
            caller_done.set()
        else:  # the caller's part finishes first: it waits for the worker's
            thread = threading.current_thread()
            seen["worker"] = getattr(getattr(thread, "_target", None), "__self__", None)   # Worker._run's
            assert caller_done.wait(60)  # a hang guard
        return list(range(lo, hi))

    with split.layer_parallel() as control:  # where workers linger after a job
        control.set(2)
        for _ in range(3):
            caller_done.clear()
            assert split.split(6, ordered_part, parts=2) == [[0, 1, 2], [3, 4, 5]]
            worker = seen.get("worker")
            assert isinstance(worker, workers.Worker)
            # the next job comes after an idle spell: the worker has gone to sleep (spinning
            # first, for IDLE_SPIN, or at once)
            assert wait_for(lambda: worker._sleeping)

    def failing(lo, hi, i):
        if i == 1:
            raise KeyError("part 1")
        return i

    with pytest.raises(KeyError, match="part 1"):
        split.split(2, failing, parts=2)
    assert split.split(4, lambda lo, hi, i: hi - lo, parts=2) == [2, 2]  # the worker lives on


needs_tiles = pytest.mark.skipif(not (gemm.AVAILABLE and jobs.available()),
                                 reason="compiled parts run kernels.gemm's AVX-512 tiles")


@needs_tiles
@pytest.mark.parametrize("idle_spin, wait_spin", [(workers.IDLE_SPIN, workers.WAIT_SPIN), (0.0, 0.0)],
                         ids=["spinning", "sleeping"])
def test_compiled_parts_give_numpys_product_between_python_parts(monkeypatch, idle_spin, wait_spin):
    """A part posted as a compiled job runs in the worker without its Python function; with
    the poster asleep ("sleeping": no spinning) the worker wakes it (jobs.NOTIFY)."""
    monkeypatch.setattr(workers, "IDLE_SPIN", idle_spin)
    monkeypatch.setattr(workers, "WAIT_SPIN", wait_spin)
    rng = np.random.default_rng(0)
    a, b = rng.random((300, 200), np.float32), rng.random((200, 48), np.float32)
    out = np.empty((300, 48), np.float32)
    with split.layer_parallel() as control:
        control.set(2)
        for _ in range(3):
            ran, out[:] = [], np.nan
            split.split(300, lambda lo, hi, i: ran.append(i) or gemm.matmul_2d(a[lo:hi], b, out[lo:hi]), parts=2,
                        fill=lambda slots, lo, hi: gemm.fill_2d(slots, a[lo:hi], b, out[lo:hi]))
            assert ran == [0]  # part 1 ran compiled
            np.testing.assert_allclose(out, a @ b, rtol=1e-5)
            assert split.split(6, lambda lo, hi, i: list(range(lo, hi)), parts=2) == [[0, 1, 2], [3, 4, 5]]


@needs_tiles
def test_a_compiled_part_runs_while_the_poster_holds_the_gil(monkeypatch):
    """A worker spinning after a compiled part runs the next one without taking the GIL: it
    finishes while this thread keeps the GIL in a Python loop (with a switch interval of a
    minute nobody else gets it)."""
    monkeypatch.setattr(workers, "IDLE_SPIN", 5.0)
    rng = np.random.default_rng(1)
    a, b = rng.random((64, 64), np.float32), rng.random((64, 32), np.float32)
    out = np.zeros((64, 32), np.float32)
    [worker] = workers.take(1)
    interval = sys.getswitchinterval()
    job = dict(fn=lambda lo, hi, i: pytest.fail("the Python part ran"), lo=0, hi=64, part=1, linger=True,
               fill=lambda slots, lo, hi: gemm.fill_2d(slots, a, b, out))
    try:
        worker.post(**job)
        worker.collect()  # the worker woke for it, and now spins
        worker.post(**job)
        sys.setswitchinterval(60.0)
        deadline = time.monotonic() + 60  # a hang guard
        while worker._counters[jobs.DONE] < worker._counters[jobs.POSTED] and time.monotonic() < deadline:
            pass
        done = worker._counters[jobs.DONE] == worker._counters[jobs.POSTED]
        sys.setswitchinterval(interval)
        worker.collect()
    finally:
        sys.setswitchinterval(interval)
        workers.give([worker])
    assert done
    np.testing.assert_allclose(out, a @ b, rtol=1e-5)


def test_where_compiled_parts_are_unavailable_the_python_function_runs(monkeypatch):
    monkeypatch.setattr(jobs, "available", lambda: False)
    filled = []
    with split.layer_parallel() as control:
        control.set(2)
        assert split.split(4, lambda lo, hi, i: (lo, hi), parts=2,
                           fill=lambda slots, lo, hi: filled.append(lo)) == [(0, 2), (2, 4)]
    assert filled == []


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_poster_whose_worker_died_gets_an_error_not_a_hang(monkeypatch):
    """Nothing should kill a worker thread; if something does, its poster raises (after a
    liveness check) and the pool starts a replacement."""
    def dies_after_the_job(*args):
        raise SystemExit  # ends the worker's thread before it marks its job done

    monkeypatch.setattr(workers, "publish_then_spin", dies_after_the_job)
    monkeypatch.setattr(workers, "_CHECK_ALIVE", 0.01)
    [worker] = workers.take(1)
    before = workers._started
    worker.post(lambda lo, hi, i: hi - lo, 0, 2, 1, linger=True)
    with pytest.raises(RuntimeError, match="died during its part"):
        worker.collect()
    workers.give([worker])
    assert workers._started == before - 1 and worker not in workers._free
    monkeypatch.undo()
    assert split.split(4, lambda lo, hi, i: hi - lo, parts=2) == [2, 2]  # a new worker


def test_where_the_spin_kernels_cannot_compile_workers_block_instead(monkeypatch):
    def broken(*args):
        raise RuntimeError("no code generator for this CPU")

    monkeypatch.setattr(spin, "_spin", broken)
    monkeypatch.setattr(spin, "_rounds_per_second", None)  # measured again, and restored after
    counters = np.zeros(2, dtype=np.int64)
    assert not spin.spin_until(counters, 0, 1, 10.0)  # at once
    assert not spin.publish_then_spin(counters, 1, 4, 0, 1, 10.0) and counters[1] == 4
    assert spin._rounds_per_second == 0.0
    with split.layer_parallel() as control:
        control.set(2)
        assert split.split(6, lambda lo, hi, i: list(range(lo, hi)), parts=2) == [[0, 1, 2], [3, 4, 5]]


def test_outside_layer_parallel_a_worker_sleeps_at_once_after_its_part(monkeypatch):
    monkeypatch.setattr(workers, "IDLE_SPIN", 60.0)  # would linger a minute
    split.split(2, lambda lo, hi, i: None, parts=2)  # OpenBLAS may want both cores next
    worker = workers._free[-1]
    assert wait_for(lambda: worker._sleeping)


def test_callers_in_several_threads_at_once_each_get_their_own_results():
    errors, results = [], {}

    def caller(k):
        try:
            results[k] = [split.split(100, lambda lo, hi, i: sum(range(lo, hi)) + k, parts=2) for _ in range(50)]
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=caller, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for k in range(4):
        assert all(r == [sum(range(50)) + k, sum(range(50, 100)) + k] for r in results[k])
    assert len(workers._free) == workers._started  # every worker was given back


def test_take_never_starts_more_workers_than_further_cores():
    taken = workers.take(64)
    try:
        assert 1 <= len(taken) <= max(1, (os.cpu_count() or 2) - 1)
        assert workers.take(1) == []  # all reserved: a split then runs its parts itself
        assert split.split(4, lambda lo, hi, i: (lo, hi), parts=2) == [(0, 2), (2, 4)]
    finally:
        workers.give(taken)


binding = pytest.mark.skipif(not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2,
                             reason="threads are bound to cores only on Linux with several cores")


@binding
def test_a_loop_in_several_parts_binds_its_thread_to_one_core_and_restores_it():
    before = os.sched_getaffinity(0)
    other, go = {}, threading.Event()

    def second_loop():  # a thread started before the binding (new threads inherit it)
        go.wait()
        with split.layer_parallel() as control:
            control.set(2)
            other["cpus"] = os.sched_getaffinity(0)

    t = threading.Thread(target=second_loop)
    t.start()
    with split.layer_parallel() as control:
        control.set(2)
        split.split(2, lambda lo, hi, i: None)
        assert os.sched_getaffinity(0) == {workers._CPUS[0]}
        worker_cpus = {os.sched_getaffinity(w._thread.native_id).pop() for w in workers._free}
        assert workers._CPUS[0] not in worker_cpus
        go.set()
        t.join()
        assert other["cpus"] == before  # one bound loop at a time
        control.set(1)  # the governor's one-part mode leaves the thread free
        assert os.sched_getaffinity(0) == before
        control.set(2)
        assert os.sched_getaffinity(0) == {workers._CPUS[0]}
    assert os.sched_getaffinity(0) == before


@binding
def test_a_loop_runs_free_where_the_os_refuses_to_bind_threads(monkeypatch):
    def refuse(pid, cpus):
        raise PermissionError(1, "Operation not permitted")

    before = os.sched_getaffinity(0)
    monkeypatch.setattr(os, "sched_setaffinity", refuse)
    with split.layer_parallel() as control:
        control.set(2)
        assert split.split(4, lambda lo, hi, i: hi - lo) == [2, 2]
        assert os.sched_getaffinity(0) == before
    assert workers.CallerPin._holder is None  # the next loop may bind


@pytest.mark.skipif(not hasattr(os, "fork") or sys.platform == "darwin", reason="fork")
def test_a_forked_child_starts_its_own_workers():
    split.split(2, lambda lo, hi, i: None, parts=2)  # the parent's worker exists
    pid = os.fork()
    if pid == 0:  # pragma: no cover (the child reports by exit code)
        ok = split.split(4, lambda lo, hi, i: threading.get_ident(), parts=2)
        os._exit(0 if len(set(ok)) == 2 else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


BOUND_COMPILE = """
import os
import threading
import numba
import numpy as np
from visualnet.engine import _jit
from visualnet.engine.runtime.workers import CallerPin

@numba.njit(parallel=True)
def launch(x):
    for i in numba.prange(x.size):
        x[i] += 1
launch(np.zeros(8))                       # the thread pool runs with every core
os.environ["NUMBA_OPT"] = "3"              # a NUMBA_ variable changes: the next compile re-reads them all

def bound():
    pin = CallerPin()
    pin.bind()
    try:
        print(numba.cfunc("float64(float64)")(lambda v: v + 1).address > 0)
    finally:
        pin.release()
t = threading.Thread(target=bound)
t.start(); t.join()
"""


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2 if hasattr(os, "sched_getaffinity") else True,
                    reason="binding a thread to one core needs two cores")
def test_a_thread_bound_to_one_core_compiles(tmp_path):
    """A kernel first compiled in a training thread while it is bound to one core, after a
    NUMBA_ variable changed (the SGD optimizer's job once failed there, in the test suite,
    and its steps silently ran from Python)."""
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_NUM_THREADS"}
    env["NUMBA_CACHE_DIR"] = str(tmp_path)
    proc = subprocess.run([sys.executable, "-c", BOUND_COMPILE], capture_output=True, text=True, env=env,
                          timeout=300)
    assert proc.returncode == 0 and proc.stdout.strip() == "True", proc.stderr[-2000:]
