"""Training's use of memory and of the GIL: no allocation growth from batch to batch, every
kernel compiled to release the GIL, and a second Python thread keeps running while a
model trains (as the GUI's timer must).

No timings are asserted: the second thread's ticks are counted against the batches trained
(the longest stall, a timing, is a benchmark goal in benchmarks/RESULTS.md).
"""

import gc
import threading
import time
import tracemalloc

import numpy as np
import pytest

from visualnet import callbacks, layers, models, optimizers, utils


def _cnn():
    m = models.Sequential([layers.Input((12, 12, 1)), layers.Conv2D(4, 3, activation="relu"), layers.MaxPooling2D(2),
                           layers.Flatten(), layers.Dense(8, activation="relu"), layers.Dense(3, activation="softmax")])
    m.compile(optimizer=optimizers.Adam(1e-3), loss="categorical_crossentropy", metrics=["accuracy"])
    return m


def _mlp(loss="binary_crossentropy"):
    m = models.Sequential([layers.Input((8,)), layers.Dense(10, activation="relu"), layers.Dense(8, activation="relu"),
                           layers.Dense(1, activation="sigmoid")])
    m.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
    return m


class _TracedMemory(callbacks.Callback):
    """Memory traced by tracemalloc at the end of every batch, after a full collection:
    it also empties the interpreter's free lists (of tuples, frames, ...), which would
    otherwise show as growth until they fill up (a few thousand objects each)."""

    def __init__(self):
        super().__init__()
        self.samples = []

    def on_train_batch_end(self, batch, logs=None):
        gc.collect()
        self.samples.append(tracemalloc.get_traced_memory()[0])


@pytest.mark.parametrize("build,shape,targets", [
    (_mlp, (8,), "binary"),
    (_cnn, (12, 12, 1), "onehot"),
])
def test_no_allocation_growth_across_batches(build, shape, targets):
    utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    n = 230  # 23 batches of 10 per epoch, the last one smaller when batch_size=12
    x = rng.standard_normal((n, *shape)).astype(np.float32)
    y = (rng.random((n, 1)) > 0.5).astype(np.float32) if targets == "binary" else \
        utils.to_categorical(rng.integers(0, 3, n), 3)
    m = build()
    m.fit(x, y, batch_size=12, epochs=1, verbose=0)  # compile/load the kernels, size the buffers
    probe = _TracedMemory()
    tracemalloc.start()
    try:
        m.fit(x, y, batch_size=12, epochs=3, verbose=0, callbacks=[probe])
    finally:
        tracemalloc.stop()
    steady = probe.samples[5:]  # after the first batches of the fit
    # Per batch, the live memory returns to the same level: nothing accumulates.
    assert max(steady) - min(steady) < 16 * 1024, (min(steady), max(steady))
    per_epoch = len(probe.samples) // 3
    first, last = probe.samples[per_epoch - 1], probe.samples[-1]
    assert last - first < 16 * 1024


def test_buffers_are_reused_not_reallocated():
    utils.set_random_seed(0)
    m = _cnn()
    x = np.random.default_rng(1).standard_normal((40, 12, 12, 1)).astype(np.float32)
    y = utils.to_categorical(np.arange(40) % 3, 3)
    m.fit(x, y, batch_size=16, epochs=1, verbose=0)
    before = {(id(l), k): b for l in m.layers for k, b in l._buffers.items()}
    m.fit(x, y, batch_size=16, epochs=2, verbose=0)
    after = {(id(l), k): b for l in m.layers for k, b in l._buffers.items()}
    assert before.keys() == after.keys()
    assert all(before[k] is after[k] for k in before)


def test_layer_call_returns_a_fresh_array():
    """Eager calls must not hand out the layer's reused buffers."""
    d = layers.Dense(3, activation="relu")
    a = d(np.ones((2, 4), np.float32))
    b = d(np.full((2, 4), 2.0, np.float32))
    assert a is not b
    assert not np.shares_memory(a, b)
    np.testing.assert_allclose(d(np.ones((2, 4), np.float32)), a)


def test_every_engine_kernel_is_compiled_to_release_the_gil():
    """A kernel without nogil holds the GIL for the whole of each call, and the GUI's thread
    stalls while the model trains; the engine's kernels are too short for the ticker below
    to tell, so each one's compile options are checked here."""
    import importlib
    import pkgutil

    from numba.core.registry import CPUDispatcher

    import visualnet.engine

    kernels = {}
    for info in pkgutil.walk_packages(visualnet.engine.__path__, "visualnet.engine."):
        module = importlib.import_module(info.name)
        kernels.update({f"{info.name}.{name}": obj for name, obj in vars(module).items()
                        if isinstance(obj, CPUDispatcher) and obj.__module__ == info.name})
    assert len(kernels) > 50  # the walk found the ops, activations, losses, optimizers, ...
    assert [name for name, k in kernels.items() if not k.targetoptions.get("nogil")] == []


def test_training_thread_leaves_the_gil_to_other_threads():
    """A ticker in another thread (a 1 ms sleep, then a Python increment: it needs the GIL)
    keeps ticking while a CNN trains: the ticks are counted against the batches trained,
    in every epoch. A thread holding the GIL through its kernels lets the ticker in only
    every switch interval (5 ms), a few ticks a batch at most. The longest stall in ms is
    a benchmark goal (benchmarks/RESULTS.md), not asserted here."""
    utils.set_random_seed(0)
    m = _cnn()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((6000, 12, 12, 1)).astype(np.float32)
    y = utils.to_categorical(rng.integers(0, 3, 6000), 3)
    m.fit(x[:32], y[:32], batch_size=32, epochs=1, verbose=0)  # kernels compiled here, not in the thread
    ticks, stop = [0], threading.Event()
    at_batch, at_epoch = [], []   # the ticker's count at each batch's and each epoch's end

    class Count(callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            at_batch.append(ticks[0])

        def on_epoch_end(self, epoch, logs=None):
            at_epoch.append(ticks[0])

    def ticker():
        while not stop.is_set():
            ticks[0] += 1
            time.sleep(0.001)

    thread = threading.Thread(target=ticker)
    thread.start()
    try:
        m.fit(x, y, batch_size=128, epochs=4, verbose=0, callbacks=[Count()])
    finally:
        stop.set()
        thread.join(60)
    batches = len(at_batch)
    assert batches == 4 * -(-6000 // 128) and len(at_epoch) == 4
    during = at_batch[-1] - at_batch[0]
    # 0.5 to 1 tick a batch measured on a busy 2-core machine (the batches take about 1 ms)
    assert during >= batches // 4, f"the ticker ticked {during} times over {batches} batches"
    per_epoch = np.diff([at_batch[0], *at_epoch])
    assert (per_epoch > 0).all(), f"an epoch went by without a tick: {per_epoch}"
