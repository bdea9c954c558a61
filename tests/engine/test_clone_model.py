"""`clone_model` against Keras 3's: the same architecture and config, new freshly
initialized weights (nothing shared with the original), for Sequential, functional and
nested models; `input_tensors` and `clone_function` as Keras takes them."""

import json

import numpy as np
import pytest

import visualnet as vn

keras = pytest.importorskip("keras")
pytestmark = pytest.mark.oracle


def seq(lib):
    L = lib.layers
    return lib.Sequential([L.Input((6,), name="x"), L.Dense(8, activation="relu", name="d1"),
                           L.Dropout(0.5, name="drop"), L.Dense(3, activation="softmax", name="out")], name="seq")


def functional(lib):
    L = lib.layers
    i = L.Input((6,), name="x")
    a = L.Dense(5, activation="relu", name="a")(i)
    b = L.Dense(5, activation="tanh", name="b")(i)
    return lib.Model(i, L.Dense(2, name="out")(L.Add(name="add")([a, b])), name="fun")


def nested(lib):
    L = lib.layers
    inner = lib.Sequential([L.Input((6,), name="inner_x"), L.Dense(4, activation="relu", name="inner_d")],
                           name="inner")
    i = L.Input((6,), name="x")
    return lib.Model(i, L.Dense(2, name="out")(inner(i)), name="outer")


CASES = {"sequential": seq, "functional": functional, "nested": nested}


def _plain(config):
    return json.loads(json.dumps(config))


@pytest.mark.parametrize("name", list(CASES))
def test_clone_has_the_architecture_and_new_weights(name):
    v = CASES[name](vn)
    c = vn.models.clone_model(v)
    k = keras.models.clone_model(CASES[name](keras))
    assert type(c) is type(v) and c is not v
    assert _plain(c.get_config()) == _plain(v.get_config())
    assert [layer.name for layer in c.layers] == [layer.name for layer in k.layers]
    assert [type(layer).__name__ for layer in c.layers if not hasattr(layer, "layers")] == \
        [type(layer).__name__ for layer in k.layers if not hasattr(layer, "layers")]
    assert [w.shape for w in c.get_weights()] == [tuple(w.shape) for w in k.get_weights()]
    for a, b in zip(c.weights, v.weights):
        assert not np.shares_memory(a, b)
    kernels = [(a, b) for a, b in zip(c.get_weights(), v.get_weights()) if a.ndim == 2]
    assert kernels and all(not np.allclose(a, b) for a, b in kernels)  # freshly initialized


@pytest.mark.parametrize("name", list(CASES))
def test_clone_predicts_like_keras_on_the_same_weights_and_trains_alone(name):
    rng = np.random.default_rng(3)
    v, k = CASES[name](vn), CASES[name](keras)
    c, kc = vn.models.clone_model(v), keras.models.clone_model(k)
    weights = [rng.normal(0, 0.5, w.shape).astype("float32") for w in k.get_weights()]
    c.set_weights(weights)
    kc.set_weights(weights)
    x = rng.normal(0, 1, (9, 6)).astype("float32")
    np.testing.assert_allclose(c.predict(x, verbose=0), kc.predict(x, verbose=0), atol=1e-5, rtol=1e-5)
    before = v.get_weights()
    c.compile(optimizer="sgd", loss="mse")
    c.fit(x, rng.normal(0, 1, (9, *c.output_shape[1:])).astype("float32"), epochs=1, verbose=0)
    for a, b in zip(before, v.get_weights()):
        np.testing.assert_array_equal(a, b)  # training the clone leaves the original alone


def test_input_tensors_and_clone_function():
    def wider(layer):
        cfg = layer.get_config()
        if cfg.get("name") == "d1":
            cfg["units"] = 16
        return layer.__class__.from_config(cfg)

    for lib in (vn, keras):
        v = seq(lib)
        new_input = lib.layers.Input((6,), name="fresh")
        c = lib.models.clone_model(v, input_tensors=new_input, clone_function=wider)
        assert c.get_layer("d1").units == 16 and c.inputs[0].name == "fresh"
        assert c.count_params() == 6 * 16 + 16 + 16 * 3 + 3
    with pytest.raises(ValueError, match="clone_function"):
        vn.models.clone_model(seq(vn), clone_function=3)
