"""Issue 27: a batch size larger than the data is clipped to the data, as Keras does, so
fit(x[:100], batch_size=10**12) trains (one batch per epoch) instead of asking for TiB."""


import numpy as np
import pytest

from visualnet import callbacks, layers, models
from visualnet.engine.rng import set_seed

HUGE = 10 ** 12


def _data(n=100):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 6)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, n)]
    return x, y


def _model(loss="categorical_crossentropy"):
    set_seed(4)
    inp = layers.Input((6,))
    h = layers.Dense(8, activation="relu")(inp)
    out = layers.Dense(3, activation="softmax")(h)
    model = models.Model(inp, out)
    model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
    return model


@pytest.mark.parametrize("sample_weight", [False, True])   # the fused fast step, and the general one
def test_fit_with_huge_batch_size_equals_one_full_batch(sample_weight):
    x, y = _data()
    w = np.linspace(0.5, 1.5, len(x)).astype("float32") if sample_weight else None
    ref = _model()
    ref_hist = ref.fit(x, y, batch_size=len(x), epochs=3, shuffle=False, verbose=0, sample_weight=w)
    model = _model()
    batches = []        # the index of each batch trained, epoch by epoch

    class Batches(callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            batches.append(batch)

    hist = model.fit(x, y, batch_size=HUGE, epochs=3, shuffle=False, verbose=0, sample_weight=w,
                     validation_data=(x[:10], y[:10]), callbacks=[Batches()])
    assert batches == [0, 0, 0]    # one batch (the whole data) in each of the 3 epochs
    np.testing.assert_allclose(hist.history["loss"], ref_hist.history["loss"], rtol=1e-6)
    for a, b in zip(model.get_weights(), ref.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert "val_loss" in hist.history


def test_fit_huge_batch_size_with_validation_split_and_shuffle():
    x, y = _data()
    model = _model()
    hist = model.fit(x, y, batch_size=HUGE, epochs=2, validation_split=0.2, verbose=0)
    assert len(hist.history["loss"]) == 2 and np.all(np.isfinite(hist.history["val_loss"]))


def test_evaluate_and_predict_with_huge_batch_size():
    x, y = _data()
    model = _model()
    np.testing.assert_allclose(model.evaluate(x, y, batch_size=HUGE, verbose=0),
                               model.evaluate(x, y, batch_size=32, verbose=0), rtol=1e-6)
    np.testing.assert_allclose(model.predict(x, batch_size=HUGE, verbose=0),
                               model.predict(x, batch_size=32, verbose=0), rtol=1e-6)
