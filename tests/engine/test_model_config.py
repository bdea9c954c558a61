"""`get_config` / `from_config` / `to_json` / `model_from_json` against real Keras 3: a
VisualNet JSON loads in Keras and back to the same config, a Keras JSON loads in VisualNet
with the same layer configs, and both predict alike on the same weights (<= 1e-5)."""

import json

import numpy as np
import pytest

import visualnet as vn
from visualnet.io.errors import KerasFileError, UnsupportedLayersError

keras = pytest.importorskip("keras")
pytestmark = pytest.mark.oracle


def mlp(lib):
    L = lib.layers
    return lib.Sequential([L.Input((6,), name="x"), L.Dense(8, activation="relu", name="d1"),
                           L.BatchNormalization(momentum=0.9, name="bn"), L.Dropout(0.25, name="drop"),
                           L.Dense(3, activation="softmax", name="out")], name="mlp")


def cnn(lib):
    L = lib.layers
    return lib.Sequential([L.Input((8, 8, 2), name="img"), L.Conv2D(4, 3, activation="relu", name="c1"),
                           L.MaxPooling2D(name="p1"), L.Flatten(name="flat"), L.Dense(2, name="logits")],
                          name="cnn")


def branches(lib):
    L = lib.layers
    i = L.Input((5,), name="x")
    a = L.Dense(4, activation="tanh", name="a")(i)
    b = L.Dense(4, activation="relu", name="b")(i)
    c = L.Concatenate(name="cat")([a, b, i])
    return lib.Model(i, L.Dense(2, name="out")(c), name="branches")


def two_outputs(lib):
    L = lib.layers
    i = L.Input((5,), name="x")
    h = L.Dense(4, activation="relu", name="h")(i)
    return lib.Model(i, [h, L.Dense(1, activation="sigmoid", name="p")(h)], name="two")


def nested(lib):
    L = lib.layers
    inner = lib.Sequential([L.Input((5,), name="inner_x"), L.Dense(4, activation="relu", name="inner_d")],
                           name="inner")
    i = L.Input((5,), name="x")
    return lib.Model(i, L.Dense(2, name="out")(inner(i)), name="outer")


BUILDERS = {"mlp": (mlp, (6,)), "cnn": (cnn, (8, 8, 2)), "branches": (branches, (5,)),
            "two_outputs": (two_outputs, (5,)), "nested": (nested, (5,))}


def _plain(config):
    """The config as JSON gives it back (tuples become lists)."""
    return json.loads(json.dumps(config))


def _within(mine, theirs) -> bool:
    """Whether every key VisualNet writes is in Keras's config with the same value (Keras
    writes a few more: newer initializer options, quantization_config)."""
    if isinstance(mine, dict):
        return isinstance(theirs, dict) and all(k in theirs and _within(v, theirs[k]) for k, v in mine.items())
    return mine == theirs


def _layer_configs(config):
    """{layer name: (class, config)} of a model config, nested models' layers included."""
    out = {}
    for entry in config["layers"]:
        cfg = entry["config"]
        if entry["class_name"] in ("Sequential", "Functional"):
            out.update(_layer_configs(cfg))
            continue
        out[cfg["name"]] = (entry["class_name"], cfg)
    return out


def _same_predictions(v, k, shape, rng):
    weights = [rng.normal(0, 0.5, w.shape).astype("float32") for w in k.get_weights()]
    weights = [np.abs(w) + 0.5 if "variance" in kw.path else w for w, kw in zip(weights, k.weights)]
    k.set_weights(weights)
    v.set_weights(weights)
    x = rng.normal(0, 1, (7, *shape)).astype("float32")
    for a, b in zip(*(m if isinstance(m, list) else [m] for m in (v.predict(x, verbose=0),
                                                                  k.predict(x, verbose=0)))):
        np.testing.assert_allclose(a, b, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("name", list(BUILDERS))
def test_visualnet_json_loads_in_keras_with_the_same_config(name):
    build, shape = BUILDERS[name]
    v = build(vn)
    k = keras.models.model_from_json(v.to_json())
    assert _plain(k.get_config()) == _plain(build(keras).get_config())  # what Keras itself writes
    vk = {n: c for n, (cls, c) in _layer_configs(_plain(k.get_config())).items()}
    for lname, (cls, cfg) in _layer_configs(_plain(v.get_config())).items():
        assert _within(cfg, vk[lname]), lname
    _same_predictions(v, k, shape, np.random.default_rng(0))


@pytest.mark.parametrize("name", list(BUILDERS))
def test_keras_json_loads_in_visualnet(name):
    build, shape = BUILDERS[name]
    k = build(keras)
    text = k.to_json()
    v = vn.models.model_from_json(text)
    assert type(v) is (vn.Sequential if json.loads(text)["class_name"] == "Sequential" else vn.Model)
    assert [layer.name for layer in v.layers] == [layer.name for layer in k.layers]
    kc = _layer_configs(_plain(k.get_config()))
    for lname, (cls, cfg) in _layer_configs(_plain(v.get_config())).items():
        assert cls == kc[lname][0]
        assert _within(cfg, kc[lname][1]), lname
    assert [w.shape for w in v.get_weights()] == [tuple(w.shape) for w in k.get_weights()]
    _same_predictions(v, k, shape, np.random.default_rng(1))


@pytest.mark.parametrize("name", list(BUILDERS))
def test_from_config_round_trip(name):
    build, _ = BUILDERS[name]
    v = build(vn)
    config = v.get_config()
    json.dumps(config)  # JSON-safe
    cls = vn.Sequential if isinstance(v, vn.Sequential) else vn.Model
    again = cls.from_config(config)
    assert type(again) is type(v) and again.get_config() == config
    assert not any(np.shares_memory(a, b) for a, b in zip(again.get_weights(), v.weights))


def test_keras_from_config_reads_visualnet_get_config():
    v = branches(vn)
    k = keras.Model.from_config(v.get_config())
    assert _plain(k.get_config()) == _plain(branches(keras).get_config())
    s = keras.Sequential.from_config(mlp(vn).get_config())
    assert _plain(s.get_config()) == _plain(mlp(keras).get_config())


def test_trainable_flags_survive():
    v = mlp(vn)
    v.get_layer("d1").trainable = False
    k = keras.models.model_from_json(v.to_json())
    assert not k.get_layer("d1").trainable and k.get_layer("out").trainable
    back = vn.models.model_from_json(k.to_json())
    assert not back.get_layer("d1").trainable and len(back.trainable_weights) == 4


def test_code_and_unknown_classes_are_refused():
    k = keras.Sequential([keras.Input((3,)), keras.layers.Lambda(lambda t: t * 2, name="double"),
                          keras.layers.Dense(2, name="d")])
    with pytest.raises(UnsupportedLayersError, match="'double'.*Lambda"):
        vn.models.model_from_json(k.to_json())
    with pytest.raises(KerasFileError, match="class_name='Foo'"):
        vn.models.model_from_json(json.dumps({"class_name": "Foo", "config": {}}))
    # custom_objects only supplies the caller's classes (issue 23): unused ones change nothing
    assert len(vn.Model.from_config(branches(vn).get_config(), custom_objects={"x": 1}).layers) == \
        len(branches(vn).layers)
    with pytest.raises(ValueError, match="has not been built"):
        vn.Sequential([vn.layers.Dense(2)]).to_json()
