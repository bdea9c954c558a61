"""Metric objects passed to compile keep no state across fit, validation and evaluate (issue
23's first wrong number): Keras resets them at the start of each epoch, of validation and of
`evaluate`, so every figure covers only its own data."""

import numpy as np
import pytest

import visualnet as vn


def precision(y, p, threshold=0.5):
    pred = p.reshape(-1) > threshold
    true = y.reshape(-1) > 0.5
    return (pred & true).sum() / max(pred.sum(), 1)


@pytest.mark.parametrize("metric", [lambda: vn.metrics.Precision(), lambda: vn.metrics.Recall(),
                                    lambda: vn.metrics.BinaryAccuracy(threshold=0.3)],
                         ids=["precision", "recall", "binary_accuracy"])
def test_objects_report_only_the_data_in_hand(metric):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(600, 5)).astype(np.float32)
    y = (x[:, 0] + 0.5 * rng.normal(size=600) > 0).astype(np.float32)
    vn.utils.set_random_seed(1)
    m = vn.Sequential([vn.layers.Input((5,)), vn.layers.Dense(1, activation="sigmoid")])
    m.compile(optimizer="adam", loss="binary_crossentropy", metrics=[metric()])
    h = m.fit(x[:400], y[:400], validation_data=(x[400:500], y[400:500]), epochs=2, batch_size=50, verbose=0)
    name = m.compiled.metrics[0].name
    fresh = m.compiled.metrics[0].__class__(**({"threshold": 0.3} if "binary_accuracy" in name else {}))
    p = m.predict(x[500:], verbose=0)
    fresh.update_state(y[500:].reshape(-1, 1), p)
    logs = m.evaluate(x[500:], y[500:], verbose=0, return_dict=True)
    assert logs[name] == pytest.approx(float(fresh.result()), abs=1e-6)      # not the training counts added
    pv = m.predict(x[400:500], verbose=0)
    again = m.compiled.metrics[0].__class__(**({"threshold": 0.3} if "binary_accuracy" in name else {}))
    again.update_state(y[400:500].reshape(-1, 1), pv)
    assert h.history["val_" + name][-1] == pytest.approx(float(again.result()), abs=1e-6)
    if name == "precision":
        assert logs[name] == pytest.approx(precision(y[500:], p), abs=1e-6)
