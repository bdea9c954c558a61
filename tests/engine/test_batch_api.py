"""train_on_batch, test_on_batch, predict_on_batch, reset_metrics, metrics_names and
get_layer against Keras 3 (the oracle, PyTorch backend): same weights and batches give the
same results and the same weights."""

import numpy as np
import pytest

from visualnet import layers as vl
from visualnet import models as vm
from visualnet import optimizers as vo

keras = pytest.importorskip("keras")
pytestmark = pytest.mark.oracle

TOL = 2e-3


def _pair(metrics=("accuracy",), loss="categorical_crossentropy", activation="softmax"):
    v = vm.Sequential([vl.Input((6,)), vl.Dense(8, activation="relu", name="hidden"),
                       vl.Dense(3, activation=activation, name="out")])
    k = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, activation="relu", name="hidden"),
                          keras.layers.Dense(3, activation=activation, name="out")])
    k.set_weights(v.get_weights())
    v.compile(vo.Adam(1e-2), loss, metrics=None if metrics is None else list(metrics))
    k.compile(keras.optimizers.Adam(1e-2), loss, metrics=None if metrics is None else list(metrics))
    return v, k


def _data(n=20):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 6)).astype(np.float32)
    return x, np.eye(3, dtype=np.float32)[rng.integers(0, 3, n)]


def _same(a, b):
    if isinstance(a, dict):
        assert list(a) == list(b) or sorted(a) == sorted(b)
        a, b = [a[key] for key in sorted(a)], [b[key] for key in sorted(a)]
    np.testing.assert_allclose(np.asarray(a, np.float64), np.asarray(b, np.float64), rtol=0, atol=TOL)


def _weights_close(v, k):
    for a, b in zip(v.get_weights(), k.get_weights()):
        np.testing.assert_allclose(a, b, rtol=0, atol=TOL)


def test_train_on_batch_matches_keras():
    v, k = _pair()
    x, y = _data()
    for start, stop in ((0, 8), (8, 20), (0, 20)):
        _same(v.train_on_batch(x[start:stop], y[start:stop]), k.train_on_batch(x[start:stop], y[start:stop]))
    _same(v.train_on_batch(x, y, return_dict=True), k.train_on_batch(x, y, return_dict=True))
    _weights_close(v, k)
    assert v.optimizer.iterations == int(k.optimizer.iterations) == 4


def test_train_on_batch_weights_and_scalar_loss():
    v, k = _pair(metrics=None, loss="mse", activation=None)
    x, y = _data()
    r = v.train_on_batch(x, y)
    assert isinstance(r, float)
    _same(r, k.train_on_batch(x, y))
    w = np.linspace(0.1, 1, len(y)).astype(np.float32)
    _same(v.train_on_batch(x, y, sample_weight=w), k.train_on_batch(x, y, sample_weight=w))
    cw = {0: 1.0, 1: 2.0, 2: 0.5}
    _same(v.train_on_batch(x, y, class_weight=cw), k.train_on_batch(x, y, class_weight=cw))
    assert v.train_on_batch(x, y, return_dict=True).keys() == {"loss"}
    k.train_on_batch(x, y)
    _weights_close(v, k)


def test_test_on_batch_reports_that_batch_alone():
    v, k = _pair()
    x, y = _data()
    v.train_on_batch(x, y)
    k.train_on_batch(x, y)
    for start, stop in ((0, 8), (8, 20)):  # not accumulated: each call starts from reset metrics
        _same(v.test_on_batch(x[start:stop], y[start:stop]), k.test_on_batch(x[start:stop], y[start:stop]))
    w = np.linspace(0.1, 1, len(y)).astype(np.float32)
    _same(v.test_on_batch(x, y, sample_weight=w, return_dict=True),
          k.test_on_batch(x, y, sample_weight=w, return_dict=True))
    before = v.get_weights()
    v.test_on_batch(x, y)
    for a, b in zip(before, v.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_predict_on_batch_matches_keras():
    v, k = _pair()
    x, _ = _data()
    p = v.predict_on_batch(x[:7])
    assert isinstance(p, np.ndarray) and p.shape == (7, 3) and p.dtype == np.float32
    np.testing.assert_allclose(p, np.asarray(k.predict_on_batch(x[:7])), rtol=0, atol=1e-5)


def test_metrics_names_and_reset_metrics():
    x, y = _data()
    for metrics in (("accuracy",), (), None):
        v, k = _pair(metrics=metrics)
        assert v.metrics_names == k.metrics_names
        v.train_on_batch(x, y)
        k.train_on_batch(x, y)
        assert v.metrics_names == k.metrics_names
    v, _ = _pair()
    v.train_on_batch(x, y)
    v.reset_metrics()
    assert all(float(m.result()) == 0.0 for m in v.compiled.metrics)
    uncompiled = vm.Sequential([vl.Input((6,)), vl.Dense(2)])
    assert uncompiled.metrics_names == keras.Sequential([keras.Input((6,)), keras.layers.Dense(2)]).metrics_names
    uncompiled.reset_metrics()


def test_get_layer_as_keras():
    v, k = _pair()
    assert v.get_layer("out").name == k.get_layer("out").name
    assert v.get_layer(index=1).name == k.get_layer(index=1).name
    for kwargs in ({}, {"name": "out", "index": 0}, {"index": 5}, {"name": "nope"}):
        with pytest.raises(ValueError) as theirs:
            k.get_layer(**kwargs)
        with pytest.raises(ValueError, match=None) as ours:
            v.get_layer(**kwargs)
        assert str(ours.value) == str(theirs.value)


def test_batch_methods_need_compile():
    m = vm.Sequential([vl.Input((6,)), vl.Dense(2)])
    x, y = _data()
    with pytest.raises(RuntimeError, match="compile"):
        m.train_on_batch(x, y[:, :2])
    with pytest.raises(RuntimeError, match="compile"):
        m.test_on_batch(x, y[:, :2])
    assert m.predict_on_batch(x).shape == (20, 2)
