"""Callbacks given to evaluate() and predict() hear Keras's test and predict hooks (issue 23):
begin, each batch's begin and end (evaluate: the running logs; predict: the batch's outputs),
and end with the final logs."""

import numpy as np

import visualnet as vn


class Recorder(vn.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.calls = []

    def on_test_begin(self, logs=None):
        self.calls.append(("test_begin",))

    def on_test_batch_begin(self, batch, logs=None):
        self.calls.append(("test_batch_begin", batch))

    def on_test_batch_end(self, batch, logs=None):
        self.calls.append(("test_batch_end", batch, dict(logs)))

    def on_test_end(self, logs=None):
        self.calls.append(("test_end", dict(logs)))

    def on_predict_begin(self, logs=None):
        self.calls.append(("predict_begin",))

    def on_predict_batch_begin(self, batch, logs=None):
        self.calls.append(("predict_batch_begin", batch))

    def on_predict_batch_end(self, batch, logs=None):
        self.calls.append(("predict_batch_end", batch, logs["outputs"].copy()))

    def on_predict_end(self, logs=None):
        self.calls.append(("predict_end",))


def model():
    vn.utils.set_random_seed(0)
    m = vn.Sequential([vn.layers.Input((4,)), vn.layers.Dense(3, activation="softmax")])
    m.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return m


def test_evaluate_calls_the_test_hooks():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(50, 4)).astype(np.float32), rng.integers(0, 3, 50)
    m, rec = model(), Recorder()
    logs = m.evaluate(x, y, batch_size=20, verbose=0, callbacks=[rec], return_dict=True)
    kinds = [c[0] for c in rec.calls]
    assert kinds == ["test_begin"] + ["test_batch_begin", "test_batch_end"] * 3 + ["test_end"]
    assert [c[1] for c in rec.calls if c[0] == "test_batch_end"] == [0, 1, 2]
    assert rec.calls[-1][1] == logs and rec.calls[-2][2] == logs      # the last batch's logs are the result
    assert rec.model is m


def test_predict_calls_the_predict_hooks_with_each_batchs_outputs():
    x = np.random.default_rng(1).normal(size=(45, 4)).astype(np.float32)
    m, rec = model(), Recorder()
    out = m.predict(x, batch_size=20, verbose=0, callbacks=[rec])
    np.testing.assert_array_equal(out, m.predict(x, verbose=0))
    ends = [c for c in rec.calls if c[0] == "predict_batch_end"]
    assert [c[1] for c in ends] == [0, 1, 2] and [len(c[2]) for c in ends] == [20, 20, 5]
    np.testing.assert_array_equal(np.concatenate([c[2] for c in ends]), out)
    assert rec.calls[0] == ("predict_begin",) and rec.calls[-1] == ("predict_end",)
