"""fit's validation pass calls the callbacks' test hooks as Keras does (`on_test_begin`,
`on_test_batch_begin/end` with the unprefixed logs, `on_test_end`), for arrays, a
validation split, a generator's batches and a custom test_step; checked against real Keras."""

import numpy as np
import pytest

import visualnet

keras = pytest.importorskip("keras")


def record(k, calls):
    class Record(k.callbacks.Callback):
        def on_test_begin(self, logs=None):
            calls.append(("test_begin", sorted(logs)))

        def on_test_batch_begin(self, batch, logs=None):
            calls.append(("test_batch_begin", batch, sorted(logs)))

        def on_test_batch_end(self, batch, logs=None):
            calls.append(("test_batch_end", batch, sorted(logs)))

        def on_test_end(self, logs=None):
            calls.append(("test_end", sorted(logs)))

        def on_epoch_end(self, epoch, logs=None):
            calls.append(("epoch_end", epoch, sorted(logs)))
    return Record()


def model_for(k):
    model = k.Sequential([k.Input((4,)), k.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    return model


X = np.random.default_rng(0).normal(size=(40, 4)).astype(np.float32)
Y = X.sum(axis=1, keepdims=True)


def batches(n):
    for i in range(n):
        yield X[i * 8:(i + 1) * 8], Y[i * 8:(i + 1) * 8]


@pytest.mark.parametrize("how", ["split", "arrays", "generator"])
def test_validation_hooks_match_keras(how):
    seen = []
    for k in (keras, visualnet):
        calls = []
        kwargs = {"split": {"validation_split": 0.4}, "arrays": {"validation_data": (X[:24], Y[:24])},
                  "generator": {"validation_data": batches(3), "validation_steps": 3}}[how]
        model_for(k).fit(X, Y, batch_size=8, epochs=2, verbose=0, callbacks=[record(k, calls)], **kwargs)
        seen.append(calls)
    assert seen[1] == seen[0]
    assert ("test_batch_end", 0, ["loss", "mae"]) in seen[1]
