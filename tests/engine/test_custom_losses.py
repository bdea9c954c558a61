"""User-written losses passed to compile(): a function of ops and a `Loss` subclass with
`call`, against real Keras on the same model, weights and data."""

import numpy as np
import pytest

import visualnet

keras = pytest.importorskip("keras")


def make_losses(k):
    def my_loss(y_true, y_pred):
        return k.ops.mean(k.ops.square(y_true - y_pred), axis=-1)

    def huberish(y_true, y_pred):
        err = k.ops.abs(y_true - y_pred)
        return k.ops.sum(k.ops.where(err < 0.5, 0.5 * err * err, 0.5 * err - 0.125), axis=-1)

    class WeightedLogCosh(k.losses.Loss):
        def __init__(self, factor=2.0, name="weighted_log_cosh", **kwargs):
            super().__init__(name=name, **kwargs)
            self.factor = factor

        def call(self, y_true, y_pred):
            d = y_pred - y_true
            return self.factor * k.ops.mean(d + k.ops.softplus(-2.0 * d) - np.log(2.0), axis=-1)

    def softmax_xent(y_true, y_pred):   # on probabilities, as users write it
        return -k.ops.sum(y_true * k.ops.log(k.ops.clip(y_pred, 1e-7, 1.0)), axis=-1)

    return {"function": my_loss, "where": huberish, "subclass": WeightedLogCosh(), "xent": softmax_xent}


def _model(k, activation):
    return k.Sequential([k.layers.Input((4,)), k.layers.Dense(6, activation="tanh"),
                         k.layers.Dense(3, activation=activation)])


@pytest.mark.parametrize("which", ["function", "where", "subclass", "xent"])
def test_custom_loss_trains_as_in_keras(which):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 4)).astype(np.float32)
    if which == "xent":
        y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 40)]
        activation = "softmax"
    else:
        y = rng.normal(size=(40, 3)).astype(np.float32)
        activation = None
    sw = rng.uniform(0.5, 1.5, 40).astype(np.float32)
    results = []
    for k in (keras, visualnet):
        m = _model(k, activation)
        weights = [np.asarray(w) for w in results[0][0]] if results else \
            [rng.normal(0, 0.4, w.shape).astype(np.float32) for w in m.get_weights()]
        m.set_weights(weights)
        m.compile(optimizer=k.optimizers.SGD(0.1), loss=make_losses(k)[which])
        before = m.evaluate(x, y, verbose=0)
        h = m.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0, sample_weight=sw)
        results.append((weights, m.get_weights(), before, h.history["loss"]))
    (_, kw, kb, kh), (_, vw, vb, vh) = results
    assert vb == pytest.approx(kb, rel=1e-5)
    np.testing.assert_allclose(vh, kh, rtol=1e-3)
    for a, b in zip(vw, kw):
        np.testing.assert_allclose(a, b, atol=2e-3)


def test_loss_subclass_called_directly_and_reduction():
    loss = make_losses(visualnet)["subclass"]
    theirs = make_losses(keras)["subclass"]
    rng = np.random.default_rng(1)
    t, p = rng.normal(size=(5, 3)).astype(np.float32), rng.normal(size=(5, 3)).astype(np.float32)
    compiled = visualnet.losses.get(loss)
    assert compiled(t, p) == pytest.approx(float(theirs(t, p)), rel=1e-5)


def test_function_loss_gradient_is_the_tape_gradient():
    from .gradcheck import numeric_grad

    fn = make_losses(visualnet)["where"]
    loss = visualnet.losses.get(fn)
    rng = np.random.default_rng(2)
    t, p = rng.normal(size=(4, 3)).astype(np.float32), rng.normal(size=(4, 3)).astype(np.float32)
    value, grad = loss.value_and_grad(t, p)
    assert value == pytest.approx(loss(t, p))
    np.testing.assert_allclose(grad, numeric_grad(lambda v: loss(t, v), p, eps=1e-3), atol=2e-3)


@pytest.mark.parametrize("which", ["function", "subclass"])
def test_saved_custom_loss_comes_back_from_custom_objects(which, tmp_path):
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(16, 4)).astype(np.float32), rng.normal(size=(16, 3)).astype(np.float32)
    ours, theirs = make_losses(visualnet), make_losses(keras)
    names = {"function": "my_loss", "subclass": "WeightedLogCosh"}
    objects = {names["function"]: ours["function"], names["subclass"]: type(ours["subclass"])}
    k_objects = {names["function"]: theirs["function"], names["subclass"]: type(theirs["subclass"])}
    model = _model(visualnet, None)
    model.compile("sgd", ours[which])
    model.save(tmp_path / "m.keras")
    again = visualnet.models.load_model(tmp_path / "m.keras", custom_objects=objects)
    assert again.evaluate(x, y, verbose=0) == pytest.approx(model.evaluate(x, y, verbose=0), rel=1e-6)
    k = keras.models.load_model(tmp_path / "m.keras", custom_objects=k_objects)
    assert k.evaluate(x, y, verbose=0) == pytest.approx(model.evaluate(x, y, verbose=0), rel=1e-4)
    km = _model(keras, None)
    km.compile("sgd", theirs[which])
    km.save(tmp_path / "k.keras")
    ours_from_keras = visualnet.models.load_model(tmp_path / "k.keras", custom_objects=objects)
    assert ours_from_keras.evaluate(x, y, verbose=0) == pytest.approx(km.evaluate(x, y, verbose=0), rel=1e-4)
    with pytest.warns(UserWarning, match=names[which]):
        assert visualnet.models.load_model(tmp_path / "m.keras").compiled is None


def make_metric(k):
    class PositiveRate(k.metrics.Metric):
        """The fraction of predictions above 0.5 (weighted), with two variables."""

        def __init__(self, name="positive_rate", **kwargs):
            super().__init__(name=name, **kwargs)
            self.hits = self.add_variable(shape=(), initializer="zeros", name="hits")
            self.count = self.add_variable(shape=(), initializer="zeros", name="count")

        def update_state(self, y_true, y_pred, sample_weight=None):
            hit = k.ops.cast(k.ops.greater(y_pred, 0.5), "float32")
            self.hits.assign(self.hits + k.ops.sum(hit))
            self.count.assign(self.count + k.ops.cast(k.ops.size(hit), "float32"))

        def result(self):
            return self.hits / k.ops.maximum(self.count, 1.0)

    def mean_error(y_true, y_pred):
        return k.ops.mean(y_pred - y_true, axis=-1)

    return PositiveRate, mean_error


def test_custom_metrics_match_keras():
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(40, 4)).astype(np.float32), rng.normal(size=(40, 3)).astype(np.float32)
    histories, weights = [], None
    for k in (keras, visualnet):
        PositiveRate, mean_error = make_metric(k)
        m = _model(k, None)
        weights = weights or [rng.normal(0, 0.4, w.shape).astype(np.float32) for w in m.get_weights()]
        m.set_weights(weights)
        m.compile(optimizer=k.optimizers.SGD(0.05), loss="mse", metrics=[PositiveRate(), mean_error])
        h = m.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0, validation_data=(x, y))
        histories.append(h.history)
    kh, vh = histories
    for key in ("positive_rate", "mean_error", "val_positive_rate", "val_mean_error"):
        np.testing.assert_allclose(vh[key], kh[key], rtol=1e-3, atol=1e-5, err_msg=key)


def test_metric_default_reset_state():
    PositiveRate, _ = make_metric(visualnet)
    metric = PositiveRate()
    metric.update_state(np.zeros((2, 3)), np.ones((2, 3), np.float32))
    assert float(metric.result()) == 1.0 and [v.name for v in metric.variables] == ["hits", "count"]
    metric.reset_state()
    assert float(metric.result()) == 0.0


def test_subclass_of_a_built_in_metric_keeps_its_state():
    class MyMean(visualnet.metrics.Mean):
        pass

    metric = MyMean(name="my_mean")
    metric.update_state(np.array([1.0, 3.0]))
    assert float(metric.result()) == 2.0
