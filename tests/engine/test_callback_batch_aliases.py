"""Keras 2's `on_batch_begin` / `on_batch_end`, which Keras 3's `on_train_batch_*` still call:
a callback that overrides only them is called once per training batch, as in Keras."""

import numpy as np
import pytest

import visualnet

keras = pytest.importorskip("keras")


@pytest.mark.parametrize("k", [keras, visualnet], ids=["keras", "visualnet"])
def test_on_batch_hooks_are_called_per_training_batch(k):
    class Counts(k.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.begun, self.losses = 0, []

        def on_batch_begin(self, batch, logs=None):
            self.begun += 1

        def on_batch_end(self, batch, logs=None):
            self.losses.append(logs["loss"])

    model = k.Sequential([k.Input((3,)), k.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    counts = Counts()
    x = np.random.default_rng(0).normal(size=(40, 3)).astype("float32")
    model.fit(x, x[:, :1], batch_size=8, epochs=2, validation_split=0.2, callbacks=[counts], verbose=0)
    model.evaluate(x, x[:, :1], batch_size=8, callbacks=[counts], verbose=0)   # test batches do not call them
    assert counts.begun == 8 and len(counts.losses) == 8 and all(np.isfinite(counts.losses))
