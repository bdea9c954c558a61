"""Regularizers and constraints in Keras files (issue 24), both dialects, both ways, with
real Keras 3 as the oracle: Keras writes, VisualNet reads the same arguments (and evaluates
the same loss, penalties included); VisualNet writes, Keras loads the same arguments."""

import numpy as np
import pytest

import visualnet as vn
from visualnet import models as vm

keras = pytest.importorskip("keras")


def _build(ns):
    r, c = ns.regularizers, ns.constraints
    inp = ns.Input((6, 6, 2))
    x = ns.layers.Conv2D(3, 3, kernel_regularizer=r.L1L2(0.01, 0.02), bias_constraint=c.NonNeg(),
                         activity_regularizer=r.L2(0.001))(inp)
    x = ns.layers.BatchNormalization(gamma_regularizer=r.L2(0.1), beta_constraint=c.MaxNorm(2.0))(x)
    x = ns.layers.PReLU(alpha_regularizer=r.L1(0.05))(x)
    x = ns.layers.SeparableConv2D(2, 3, depthwise_regularizer=r.L2(0.01),
                                  pointwise_constraint=c.UnitNorm(axis=[0, 1, 2]))(x)
    x = ns.layers.Flatten()(x)
    out = ns.layers.Dense(3, activation="softmax", kernel_regularizer=r.OrthogonalRegularizer(0.1, "columns"),
                          kernel_constraint=c.MinMaxNorm(0.1, 0.9, rate=0.5, axis=0))(x)
    return ns.Model(inp, out)


def _build_text(ns):
    r, c = ns.regularizers, ns.constraints
    inp = ns.Input((5,))
    x = ns.layers.Embedding(10, 4, embeddings_regularizer=r.L2(0.01), embeddings_constraint=c.MaxNorm(1.5))(inp)
    x = ns.layers.LSTM(3, recurrent_regularizer=r.L1(0.01), kernel_constraint=c.NonNeg(),
                       activity_regularizer=r.L1L2(0.01, 0.01))(x)
    return ns.Model(inp, ns.layers.Dense(1, bias_regularizer=r.L2(0.3))(x))


MODELS = {"image": (_build, (6, 6, 2), lambda rng: (rng.normal(size=(8, 6, 6, 2)), rng.integers(0, 3, 8)),
                    "sparse_categorical_crossentropy"),
          "text": (_build_text, (5,), lambda rng: (rng.integers(0, 10, (8, 5)), rng.normal(size=(8, 1))), "mse")}
ARGS = ("regularizer", "constraint")


def _arguments(model) -> dict:
    """{(layer index, argument): Keras config without module fields} of every set regularizer/constraint."""
    out = {}
    for i, layer in enumerate(model.layers):
        for key, value in layer.get_config().items():
            if key.endswith(ARGS) and value is not None:
                out[(i, key)] = {"class_name": value["class_name"], "config": value["config"]}
    return out


def _assert_same(got: dict, expected: dict) -> None:
    assert len(expected) >= 5
    assert set(got) == set(expected)
    for key, value in expected.items():
        assert got[key]["class_name"] == value["class_name"], key
        assert set(got[key]["config"]) == set(value["config"]), key
        for arg, v in value["config"].items():   # Keras keeps L1's and the orthogonal factor in float32
            assert got[key]["config"][arg] == (pytest.approx(v, rel=1e-6) if isinstance(v, float) else v), key


def _same_weights(ours, theirs, seed=0):
    rng = np.random.default_rng(seed)
    weights = [rng.normal(0, 0.4, w.shape).astype("float32") for w in theirs.get_weights()]
    for i, w in enumerate(theirs.weights):
        if "variance" in w.path:
            weights[i] = np.abs(weights[i]) + 0.5
    theirs.set_weights(weights)
    ours.set_weights(weights)


@pytest.mark.parametrize("ext", [".keras", ".h5"])
@pytest.mark.parametrize("name", sorted(MODELS))
def test_keras_writes_visualnet_reads(tmp_path, name, ext):
    build, shape, data, loss = MODELS[name]
    km = build(keras)
    km.set_weights([np.random.default_rng(1).normal(0, 0.4, w.shape).astype("float32") + ("variance" in w.path)
                    for w in km.weights])
    km.save(tmp_path / f"m{ext}")
    model = vm.load_model(tmp_path / f"m{ext}")
    _assert_same(_arguments(model), _arguments(km))
    x, y = (a.astype("float32") for a in data(np.random.default_rng(2)))
    km.compile(loss=loss)
    model.compile(loss=loss)
    assert model.evaluate(x, y, verbose=0) == pytest.approx(km.evaluate(x, y, verbose=0), rel=1e-4)


@pytest.mark.parametrize("ext", [".keras", ".h5"])
@pytest.mark.parametrize("name", sorted(MODELS))
def test_visualnet_writes_keras_loads(tmp_path, name, ext):
    build, shape, data, loss = MODELS[name]
    model = build(vn)
    _same_weights(model, build(keras))
    model.save(tmp_path / f"m{ext}")
    km = keras.models.load_model(tmp_path / f"m{ext}", compile=False)
    _assert_same(_arguments(model), _arguments(km))
    for layer in km.layers:   # Keras made its own objects of them
        for key, value in layer.get_config().items():
            if key.endswith(ARGS) and value is not None:
                assert getattr(layer, key) is not None and type(getattr(layer, key)).__name__ == value["class_name"]
    x, y = (a.astype("float32") for a in data(np.random.default_rng(2)))
    km.compile(loss=loss)
    model.compile(loss=loss)
    assert km.evaluate(x, y, verbose=0) == pytest.approx(model.evaluate(x, y, verbose=0), rel=1e-4)


def test_a_regularizer_visualnet_does_not_have_is_reported(tmp_path):
    from visualnet.io import KerasFileError
    inp = keras.Input((3,))
    km = keras.Model(inp, keras.layers.Dense(2, kernel_regularizer=_Custom())(inp))
    km.save(tmp_path / "m.keras")
    with pytest.raises((KerasFileError, ValueError), match="kernel_regularizer"):
        vm.load_model(tmp_path / "m.keras")


@keras.saving.register_keras_serializable("tests")
class _Custom(keras.regularizers.Regularizer):
    def __call__(self, x):
        return keras.ops.sum(x) * 0.0

    def get_config(self):
        return {}
