"""A batch gathered ahead on a worker (runtime/gather.py, workers.post_ahead/settle) and the
training step that uses it (engine/steps/fused.py): the same rows as NumPy's take, the same
training as gathering in the loop."""

import threading

import numpy as np
import pytest

from visualnet import Sequential, layers, optimizers, utils
from visualnet.engine.steps import fused
from visualnet.engine.runtime import gather, jobs, split, workers

needs_jobs = pytest.mark.skipif(not jobs.available(), reason="compiled jobs need the JIT and the spin kernels")


def _arrays(rng):
    x = rng.standard_normal((500, 7, 5)).astype(np.float32)
    t = rng.integers(0, 10, (500,)).astype(np.int64)
    w = rng.standard_normal((500, 3))  # float64
    return [x, t, w]


@needs_jobs
def test_rows_gathered_ahead_are_numpys_take_with_out_of_range_indices_clipped(monkeypatch):
    monkeypatch.setattr(gather, "MIN_BYTES", 0)
    rng = np.random.default_rng(0)
    sources = _arrays(rng)
    idx = np.concatenate([rng.permutation(500)[:60], [-3, 499, 500, 10**6]]).astype(np.int64)
    outs = [np.full((70, *a.shape[1:]), 7, a.dtype) for a in sources]
    with split.layer_parallel() as control:
        control.set(2)
        ahead = gather.Ahead(sources, outs)
        assert ahead.applies(idx)
        assert ahead.post(idx)
        workers.settle()
        workers.settle()  # nothing left: returns at once
    for a, o in zip(sources, outs):
        np.testing.assert_array_equal(o[:64], np.take(a, idx, axis=0, mode="clip"))
        assert (o[64:] == 7).all()  # rows past the batch untouched


@needs_jobs
def test_the_next_split_waits_for_the_gather_and_gets_the_worker(monkeypatch):
    monkeypatch.setattr(gather, "MIN_BYTES", 0)
    rng = np.random.default_rng(1)
    sources = _arrays(rng)[:1]
    idx = rng.permutation(500).astype(np.int64)
    outs = [np.empty_like(sources[0])]
    threads = []
    with split.layer_parallel() as control:
        control.set(2)
        assert gather.Ahead(sources, outs).post(idx)
        parts = split.split(4, lambda lo, hi, i: threads.append(threading.get_ident()) or (lo, hi), parts=2)
    assert parts == [(0, 2), (2, 4)] and len(set(threads)) == 2  # the worker ran the other part
    np.testing.assert_array_equal(outs[0], sources[0][idx])


def test_arrays_the_job_cannot_gather_are_refused(monkeypatch):
    monkeypatch.setattr(gather, "MIN_BYTES", 0)
    x = np.zeros((10, 4), np.float32)
    idx = np.arange(5, dtype=np.int64)
    out = np.empty((5, 4), np.float32)
    assert not gather.Ahead([x[:, ::2]], [out[:, :2]]).applies(idx)  # strided
    assert not gather.Ahead([x], [out.astype(np.float64)]).applies(idx)  # dtypes differ
    assert not gather.Ahead([x], [out]).applies(idx.astype(np.int32))
    assert not gather.Ahead([x] * 4, [out] * 4).applies(idx)  # more arrays than a job's slots hold
    assert not gather.Ahead([x], [out[:4]]).applies(idx)  # too few rows
    assert gather.Ahead([x], [out]).applies(idx) == jobs.available()
    monkeypatch.setattr(gather, "MIN_BYTES", 1 << 16)
    if jobs.available():
        assert gather.Ahead([x], [np.empty((5000, 4), np.float32)]).applies(np.arange(5000, dtype=np.int64) % 10)
    assert not gather.Ahead([x], [out]).applies(idx)  # too small to pay


def test_where_the_job_cannot_compile_the_worker_gathers_in_python(monkeypatch):
    monkeypatch.setattr(gather, "_job_address", lambda: 0)
    x = np.arange(40, dtype=np.float32).reshape(10, 4)
    out = np.empty((3, 4), np.float32)
    idx = np.array([9, 0, 4], dtype=np.int64)
    with split.layer_parallel() as control:
        control.set(2)
        ahead = gather.Ahead([x], [out])
        assert not ahead.applies(idx)
        assert ahead.post(idx)
        workers.settle()
    np.testing.assert_array_equal(out, x[idx])


def _fit(x, y, ahead: bool, monkeypatch):
    monkeypatch.setattr(gather, "MIN_BYTES", 0 if ahead else 1 << 62)
    utils.set_random_seed(3)
    m = Sequential([layers.Input((20,)), layers.Dense(16, activation="relu"), layers.Dense(3, activation="softmax")])
    m.compile(optimizer=optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    with split.layer_parallel() as control:
        control.set(2)
        h = m.fit(x, y, batch_size=32, epochs=3, verbose=0)
    return h.history, m.get_weights()


def test_training_with_batches_gathered_ahead_is_training_without(monkeypatch):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((200, 20)).astype(np.float32)
    y = rng.integers(0, 3, 200)
    posted = []
    real = gather.Ahead.post
    monkeypatch.setattr(fused.gather.Ahead, "post", lambda *a: posted.append(1) or real(*a))
    h_ahead, w_ahead = _fit(x, y, True, monkeypatch)
    if jobs.available():
        assert len(posted) == 3 * 6  # every batch but each epoch's first
    posted.clear()
    h_now, w_now = _fit(x, y, False, monkeypatch)
    assert posted == []
    assert h_ahead == h_now
    for a, b in zip(w_ahead, w_now):
        np.testing.assert_array_equal(a, b)
