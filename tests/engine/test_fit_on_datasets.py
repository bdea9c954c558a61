"""fit / evaluate / predict take what `utils.timeseries_dataset_from_array` returns, as Keras
takes its datasets: the targets come from the dataset, a separate y is refused, its batch
size is used, and fit keeps the dataset's order."""

import numpy as np
import pytest

import visualnet as vn


def series_model():
    m = vn.Sequential([vn.layers.Input((6, 1)), vn.layers.Conv1D(4, 3, activation="relu"),
                       vn.layers.GlobalAveragePooling1D(), vn.layers.Dense(1)])
    m.compile(optimizer="adam", loss="mse")
    return m


def test_fit_evaluate_predict_on_a_windowed_series():
    t = np.arange(400, dtype=np.float32)
    series = np.sin(t / 8).reshape(-1, 1)
    ds = vn.utils.timeseries_dataset_from_array(series[:-6], series[6:, 0], sequence_length=6, batch_size=16)
    x, y = ds.arrays()
    vn.utils.set_random_seed(0)
    a = series_model()
    seen = []

    class Count(vn.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(batch)

    h = a.fit(ds, epochs=3, verbose=0, callbacks=[Count()])
    vn.utils.set_random_seed(0)
    b = series_model()
    b.fit(x, y, batch_size=16, epochs=3, verbose=0, shuffle=False)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        # the same as its arrays, in order, batch 16 (to float rounding: a busy machine's thread
        # governor may split a product differently between the two runs)
        np.testing.assert_allclose(wa, wb, rtol=1e-5, atol=1e-6)
    assert len(seen) == 3 * len(ds) and h.history["loss"][-1] < h.history["loss"][0]
    np.testing.assert_allclose(a.evaluate(ds, verbose=0), a.evaluate(x, y, verbose=0), rtol=1e-6)
    np.testing.assert_array_equal(a.predict(ds, verbose=0), a.predict(x, verbose=0))
    with pytest.raises(ValueError, match="`y` should not be passed"):
        a.fit(ds, y, verbose=0)
