"""Subclassed models (`class MyModel(keras.Model)` with layers as attributes and `call`)
against real Keras: the same class written against both, the same weights."""

import numpy as np
import pytest

import visualnet

from .test_custom_layers import make_classes

keras = pytest.importorskip("keras")


def make_model_class(k):
    Linear, _ = make_classes(k)

    class MyModel(k.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense1 = k.layers.Dense(8, activation="relu")
            self.linear = Linear(6)
            self.heads = [k.layers.Dense(3), k.layers.Dense(3, activation="sigmoid")]

        def call(self, inputs, training=False):
            h = k.ops.tanh(self.linear(self.dense1(inputs)))
            if training:
                h = h * 0.5
            return self.heads[0](h) + self.heads[1](h)

    return MyModel


def _pair():
    models, weights = [], None
    for k in (keras, visualnet):
        m = make_model_class(k)()
        m(np.zeros((1, 5), np.float32))   # built by a call, as Keras builds a subclassed model
        if weights is None:
            rng = np.random.default_rng(0)
            weights = [rng.normal(0, 0.4, w.shape).astype(np.float32) for w in m.get_weights()]
        m.set_weights(weights)
        m.compile(optimizer=k.optimizers.SGD(0.05), loss="mse")
        models.append(m)
    return models


def _data(n=48):
    rng = np.random.default_rng(1)
    return rng.normal(size=(n, 5)).astype(np.float32), rng.normal(size=(n, 3)).astype(np.float32)


def test_fit_evaluate_predict_match_keras():
    km, vm = _pair()
    x, y = _data()
    assert [tuple(w.shape) for w in km.get_weights()] == [w.shape for w in vm.get_weights()]
    np.testing.assert_allclose(vm.predict(x, verbose=0), km.predict(x, verbose=0), atol=1e-5)
    np.testing.assert_allclose(np.asarray(vm(x)), km(x).detach().numpy(), atol=1e-5)
    kh = km.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    vh = vm.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    assert vh.history["loss"][0] == pytest.approx(kh.history["loss"][0], rel=1e-3)
    for a, b in zip(vm.get_weights(), km.get_weights()):
        np.testing.assert_allclose(a, b, atol=2e-3)
    assert vm.evaluate(x, y, verbose=0) == pytest.approx(km.evaluate(x, y, verbose=0), rel=1e-3)


def test_built_by_fit_and_summary_lists_the_attribute_layers():
    model = make_model_class(visualnet)()
    assert not model.built
    x, y = _data(16)
    model.compile("adam", "mse")
    model.fit(x, y, epochs=1, verbose=0)
    assert [type(l).__name__ for l in model.layers] == ["Dense", "Linear", "Dense", "Dense"]
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert 'Model: "my_model' in text and "linear" in text
    assert f"Total params: {model.count_params():,}" in text


def test_weights_files_round_trip_with_keras(tmp_path):
    km, vm = _pair()
    x, _ = _data(8)
    rng = np.random.default_rng(5)
    vm.set_weights([rng.normal(0, 0.3, w.shape).astype(np.float32) for w in vm.get_weights()])
    vm.save_weights(tmp_path / "ours.weights.h5")
    km.load_weights(tmp_path / "ours.weights.h5")
    np.testing.assert_allclose(km.predict(x, verbose=0), vm.predict(x, verbose=0), atol=1e-5)
    km.set_weights([rng.normal(0, 0.3, w.shape).astype(np.float32) for w in vm.get_weights()])
    km.save_weights(tmp_path / "keras.weights.h5")
    vm.load_weights(tmp_path / "keras.weights.h5")
    np.testing.assert_allclose(vm.predict(x, verbose=0), km.predict(x, verbose=0), atol=1e-5)


def test_config_as_keras_and_project_forms_refused_clearly():
    model = make_model_class(visualnet)(name="mine")
    model.build((None, 5))
    keras_model = make_model_class(keras)(name="mine")
    assert model.get_config() == keras_model.get_config()   # name, trainable, dtype: no other arguments
    with pytest.raises(ValueError, match="MyModel"):
        model.to_graph()


def test_unknown_keyword_is_refused():
    with pytest.raises(TypeError, match="Unrecognized keyword"):
        make_model_class(visualnet)(nmae="x")
