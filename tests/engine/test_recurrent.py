"""Embedding, SimpleRNN, LSTM and GRU (issue 22, the layers): backpropagation through time
against central finite differences (float64), Keras's dropout semantics, and real Keras 3
(the oracle) on identical weights: predictions within 1e-5, one epoch of training within
2e-3 per weight, for single layers and a stacked Embedding -> LSTM -> GRU -> Dense model."""

from __future__ import annotations

import numpy as np
import pytest

import visualnet
from visualnet import layers as vl
from visualnet import models as vm
from visualnet.engine.rng import set_seed
from visualnet.graph import ShapeError, get_spec

from .layer_harness import check_layer, numeric_grad

RNNS = ("SimpleRNN", "LSTM", "GRU")
ORDERS = [dict(return_sequences=s, go_backwards=b) for s in (False, True) for b in (False, True)]


# ---------------------------------------------------------------------- gradients through time
@pytest.mark.parametrize("order", ORDERS, ids=lambda o: f"seq{int(o['return_sequences'])}-back{int(o['go_backwards'])}")
@pytest.mark.parametrize("layer_type", RNNS)
def test_bptt_matches_finite_differences(layer_type, order):
    check_layer(layer_type, dict(units=3, **order), (2, 4, 3), seed=1)


@pytest.mark.parametrize("layer_type,kwargs", [
    ("SimpleRNN", dict(units=3, activation="relu", use_bias=False)),
    ("SimpleRNN", dict(units=2, activation=None, return_sequences=True)),
    ("LSTM", dict(units=2, activation="softsign", recurrent_activation="hard_sigmoid", return_sequences=True)),
    ("LSTM", dict(units=3, use_bias=False, go_backwards=True)),
    ("GRU", dict(units=3, reset_after=False, return_sequences=True)),
    ("GRU", dict(units=2, reset_after=False, use_bias=False, go_backwards=True)),
    ("GRU", dict(units=3, use_bias=False, activation="elu")),
])
def test_bptt_options(layer_type, kwargs):
    check_layer(layer_type, kwargs, (2, 5, 3), seed=2)


def test_embedding_gradient_accumulates_repeated_ids():
    layer = check_layer("Embedding", dict(input_dim=6, output_dim=3), (3, 5), ids=6)  # 15 ids: some repeat
    ids = np.array([[1, 1, 4]], np.float32)
    layer.forward([ids], True)
    layer.backward(np.ones((1, 3, 3)), need_dx=False)
    np.testing.assert_array_equal(layer.grads["embeddings"].sum(axis=1), [0, 6, 0, 0, 3, 0])


@pytest.mark.parametrize("layer_type", RNNS)
def test_dropout_is_one_mask_per_sequence_and_differentiable(layer_type):
    """Keras's dropout: while training the same input features are dropped at every step
    (one (batch, features) mask, scaled by 1/keep); its gradient goes through that mask."""
    layer = getattr(vl, layer_type)(3, dropout=0.5, return_sequences=True)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 6, 5)).astype(np.float32)
    layer.build([(None, 6, 5)])
    set_seed(11)
    y = layer.forward([x], True)
    mask = layer._mask
    assert mask.shape == (4, 5) and set(np.unique(mask)) <= {0.0, 2.0} and 0 < mask.mean() < 2
    np.testing.assert_allclose(y, layer.forward([x * mask[:, None, :]], False), atol=1e-6)
    # the gradient with the mask held fixed, in float64
    for w in layer.weight_specs:
        layer.values[w.name] = rng.normal(0, 0.5, w.shape)
        layer.grads[w.name] = np.zeros(w.shape)
    x64, r = x.astype(np.float64)[:2], rng.normal(size=(2, 6, 3))

    def loss():
        set_seed(11)
        return float(np.sum(layer.forward([x64], True) * r))

    loss()
    dx = layer.backward(r.copy())[0]
    np.testing.assert_allclose(dx, numeric_grad(loss, x64), atol=1e-6, rtol=1e-4)
    kernel_grad = layer.grads["kernel"].copy()
    np.testing.assert_allclose(kernel_grad, numeric_grad(loss, layer.values["kernel"]), atol=1e-6, rtol=1e-4)


# ---------------------------------------------------------------------- declarations and messages
def test_lstm_starts_its_forget_bias_at_one():
    layer = vl.LSTM(4)
    layer.build([(None, 3, 2)])
    np.testing.assert_array_equal(layer.values["bias"], [0] * 4 + [1] * 4 + [0] * 8)
    layer.build([(None, 3, 2)])  # building again keeps trained values
    assert vl.LSTM(4, unit_forget_bias=False)(np.zeros((1, 3, 2))).shape == (1, 4)


def test_weight_shapes_follow_keras():
    spec = get_spec("GRU")
    shapes = [w.shape for w in spec.weights(spec.normalize({"units": 5}), [(None, 7, 3)])]
    assert shapes == [(3, 15), (5, 15), (2, 15)]
    shapes = [w.shape for w in spec.weights(spec.normalize({"units": 5, "reset_after": False}), [(None, 7, 3)])]
    assert shapes == [(3, 15), (5, 15), (15,)]
    spec = get_spec("LSTM")
    assert [w.shape for w in spec.weights(spec.normalize({"units": 2}), [(None, None, 3)])] == [(3, 8), (2, 8), (8,)]


def test_shape_errors_say_what_to_add():
    spec = get_spec("LSTM")
    with pytest.raises(ShapeError, match=r"LSTM needs \(timesteps, features\) per sample; it receives \(None, 32\)\. "
                                         r"Add an Embedding or a Reshape before it\."):
        spec.output_shape(spec.normalize({"units": 4}), [(None, 32)])
    assert spec.output_shape(spec.normalize({"units": 4, "return_sequences": True}), [(None, None, 3)]) == (None, None, 4)
    emb = get_spec("Embedding")
    assert emb.output_shape(emb.normalize({"input_dim": 9, "output_dim": 2}), [(None, 5)]) == (None, 5, 2)


def test_embedding_refuses_ids_out_of_range():
    layer = vl.Embedding(1000, 4, name="emb")
    x = np.zeros((5, 9), np.float32)
    x[3, 7] = 1204
    with pytest.raises(ValueError, match=r"Embedding 'emb': sample 3, position 7 holds id 1204, outside 0\.\.999 "
                                         r"\(input_dim=1000\)"):
        layer(x)
    x[3, 7] = -2
    with pytest.raises(ValueError, match="holds id -2"):
        layer(x)
    x[3, 7] = np.nan
    with pytest.raises(ValueError, match="holds id nan"):
        layer(x)


def test_embedding_takes_keras_spellings():
    layer = vl.Embedding(10, 3, "uniform", input_length=7)
    assert layer.get_config()["embeddings_initializer"] == "random_uniform"
    assert vl.Embedding(input_dim=10, output_dim=3, embeddings_initializer="normal").config[
        "embeddings_initializer"] == "random_normal"


@pytest.mark.parametrize("kwargs", [dict(stateful=True), dict(unroll=True),
                                    dict(recurrent_dropout=0.2)])
def test_options_not_supported_yet_are_refused(kwargs):
    key = next(iter(kwargs))
    with pytest.raises(ValueError, match=f"supports only {key}="):
        vl.LSTM(3, **kwargs)


@pytest.mark.parametrize("kwargs,why", [
    (dict(units=3, activation="relu"), "activation='relu'"),
    (dict(units=3, dropout=0.1), "dropout=0.1"),
])
def test_torch_export_refuses_what_pytorch_computes_otherwise(tmp_path, kwargs, why):
    from visualnet.io.code_export import export_torch_script

    i = vl.Input((4, 2))
    model = vm.Model(i, vl.LSTM(**kwargs)(i))
    with pytest.raises(ValueError, match=f"LSTM cannot be exported to PyTorch faithfully: {why}"):
        export_torch_script(model, tmp_path / "m.py", weights="npz")


# ---------------------------------------------------------------------- against real Keras
keras_cases = [
    ("SimpleRNN", dict(units=4, activation="relu")),
    ("SimpleRNN", dict(units=3, return_sequences=True, go_backwards=True, use_bias=False)),
    ("LSTM", dict(units=4)),
    ("LSTM", dict(units=3, return_sequences=True, go_backwards=True)),
    ("LSTM", dict(units=3, activation="relu", recurrent_activation="hard_sigmoid", unit_forget_bias=False)),
    ("GRU", dict(units=4)),
    ("GRU", dict(units=3, return_sequences=True, go_backwards=True)),
    ("GRU", dict(units=3, reset_after=False, use_bias=False)),
    ("GRU", dict(units=3, reset_after=False, return_sequences=True)),
]


def _same_start(k, v, rng):
    weights = [rng.normal(0, 0.5, w.shape).astype("float32") for w in k.get_weights()]
    k.set_weights(weights)
    v.set_weights(weights)
    assert [w.shape for w in v.get_weights()] == [w.shape for w in k.get_weights()]


def _max_diff(a, b) -> float:
    return max(float(np.abs(x - y).max()) for x, y in zip(a, b))


@pytest.mark.oracle
@pytest.mark.parametrize("layer_type,kwargs", keras_cases, ids=[f"{t}{i}" for i, (t, _) in enumerate(keras_cases)])
def test_layer_predicts_and_trains_like_keras(layer_type, kwargs):
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(5)

    def build(lib):
        L = lib.layers
        return lib.models.Sequential([L.Input((6, 3)), getattr(L, layer_type)(**kwargs), L.Flatten(), L.Dense(2)])

    k, v = build(keras), build(visualnet)
    _same_start(k, v, rng)
    x = rng.normal(0, 1, (48, 6, 3)).astype("float32")
    y = rng.normal(0, 1, (48, 2)).astype("float32")
    np.testing.assert_allclose(v.predict(x, verbose=0), k.predict(x, verbose=0), atol=1e-5, rtol=0)
    k.compile(keras.optimizers.SGD(learning_rate=0.05), "mse")
    v.compile(visualnet.optimizers.SGD(learning_rate=0.05), "mse")
    hk = k.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    hv = v.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    assert _max_diff(k.get_weights(), v.get_weights()) <= 2e-3
    assert hv.history["loss"][0] == pytest.approx(hk.history["loss"][0], rel=1e-4)


def stacked(lib):
    L = lib.layers
    i = L.Input((7,))
    x = L.Embedding(20, 5)(i)
    x = L.LSTM(6, return_sequences=True)(x)
    x = L.GRU(4)(x)
    return lib.models.Model(i, L.Dense(3, activation="softmax")(x))


@pytest.mark.oracle
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_stacked_model_predicts_and_trains_like_keras(optimizer):
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(9)
    k, v = stacked(keras), stacked(visualnet)
    assert [type(layer).__name__ for layer in v.layers] == [type(layer).__name__ for layer in k.layers]
    _same_start(k, v, rng)
    x = rng.integers(0, 20, (64, 7)).astype("float32")
    y = rng.integers(0, 3, 64)
    np.testing.assert_allclose(v.predict(x, verbose=0), k.predict(x, verbose=0), atol=1e-5, rtol=0)

    def make(mod):
        return mod.SGD(learning_rate=0.1) if optimizer == "sgd" else mod.Adam(learning_rate=0.01)

    k.compile(make(keras.optimizers), "sparse_categorical_crossentropy")
    v.compile(make(visualnet.optimizers), "sparse_categorical_crossentropy")
    k.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    v.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    assert _max_diff(k.get_weights(), v.get_weights()) <= 2e-3
    np.testing.assert_allclose(v.predict(x, verbose=0), k.predict(x, verbose=0), atol=1e-4, rtol=0)
