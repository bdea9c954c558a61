"""Attention and AdditiveAttention against Keras (every score mode, 2 or 3 inputs, causal,
masks from Embedding's mask_zero and passed to the call), gradients by finite differences
(masks included), dropout while training, weights in Keras's order, use_causal_mask in files."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

import visualnet
from visualnet import layers as vl, models as vm

from .layer_harness import check_layer, numeric_grad

RNG = np.random.default_rng(0)
Q, V, K = (RNG.normal(size=s).astype("float32") for s in ((2, 3, 4), (2, 5, 2), (2, 5, 4)))
QM = np.array([[True, True, False], [True, False, True]])
VM = np.array([[True, True, True, False, False], [False, True, True, True, True]])

VARIANTS = [("Attention", {}), ("Attention", {"use_scale": True}), ("Attention", {"score_mode": "concat"}),
            ("Attention", {"score_mode": "concat", "use_scale": True}), ("AdditiveAttention", {}),
            ("AdditiveAttention", {"use_scale": False})]


def _weights(layer):
    rng = np.random.default_rng(1)
    return [rng.normal(1, 0.3, w.shape).astype("float32") for w in layer.weight_specs]


@pytest.mark.parametrize("n", [2, 3])
@pytest.mark.parametrize("name, kwargs", VARIANTS)
def test_gradients(name, kwargs, n):
    shapes = [(2, 3, 4), (2, 5, 4)] if n == 2 else [(2, 3, 4), (2, 5, 2), (2, 5, 4)]
    check_layer(name, kwargs, shapes)
    check_layer(name, {**kwargs, "use_causal_mask": True}, shapes)


@pytest.mark.parametrize("name, kwargs", VARIANTS[:1] + VARIANTS[4:5])
def test_gradients_with_masks(name, kwargs):
    layer = getattr(vl, name)(**kwargs)
    xs = [Q.astype(np.float64), V.astype(np.float64), K.astype(np.float64)]
    layer.build([(None, *x.shape[1:]) for x in xs])
    r = RNG.normal(size=(2, 3, 2))

    def loss():
        return float((layer.forward(xs, False, mask=[QM, VM]) * r).sum())

    layer.forward(xs, False, mask=[QM, VM])
    dxs = layer.backward(r.copy())
    for x, dx in zip(xs, dxs):
        np.testing.assert_allclose(dx, numeric_grad(loss, x), atol=1e-6, rtol=1e-4)


def test_dropout_while_training():
    layer = vl.Attention(dropout=0.5, seed=3)
    ys = [np.asarray(layer([Q, K], training=True)) for _ in range(2)]
    again = vl.Attention(dropout=0.5, seed=3)
    assert np.array_equal(np.asarray(again([Q, K], training=True)), ys[0]) and not np.array_equal(*ys)
    many = np.repeat(Q[:1], 3000, 0), np.repeat(K[:1], 3000, 0)
    mean = np.asarray(vl.Attention(dropout=0.3, seed=0)(list(many), training=True)).mean(0)
    np.testing.assert_allclose(mean, np.asarray(layer([Q[:1], K[:1]]))[0], atol=0.05)


def test_weights_in_keras_order():
    layer = vl.Attention(use_scale=True, score_mode="concat")
    layer([Q, K])
    assert [(w.name, w.shape) for w in layer.weights] == [("scale", ()), ("concat_score_weight", ())]
    layer = vl.AdditiveAttention()
    layer([Q, K])
    assert [(w.name, w.shape) for w in layer.weights] == [("scale", (4,))]
    assert vl.AdditiveAttention(use_scale=False).weights == []


def test_errors_name_the_layer():
    with pytest.raises(ValueError, match="Attention takes between 2 and 3 inputs; it has 1"):
        vl.Attention()([vl.Input((3, 4))])
    with pytest.raises(ValueError, match="AdditiveAttention's query and key need the same number of features"):
        vl.AdditiveAttention()([vl.Input((3, 4)), vl.Input((5, 2))])
    with pytest.raises(ValueError, match=r"Attention.*Received: score_mode='general'"):
        vl.Attention(score_mode="general")


def test_use_causal_mask_is_a_call_argument_in_files(tmp_path):
    q, v = vl.Input((3, 4)), vl.Input((5, 4))
    model = vm.Model([q, v], vl.Attention(name="att")([q, v], use_causal_mask=True))
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as z:
        layer = next(l for l in json.loads(z.read("config.json"))["config"]["layers"] if l["name"] == "att")
    assert "use_causal_mask" not in layer["config"]
    assert layer["inbound_nodes"][0]["kwargs"] == {"use_causal_mask": True}
    assert vm.load_model(tmp_path / "m.keras").get_layer("att").use_causal_mask is True


# ---------------------------------------------------------------------- against Keras
@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


@pytest.mark.oracle
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("n", [2, 3])
@pytest.mark.parametrize("name, kwargs", VARIANTS)
def test_as_keras(keras, name, kwargs, n, causal):
    xs = [Q, K] if n == 2 else [Q, V, K]
    ours, theirs = getattr(vl, name)(**kwargs), getattr(keras.layers, name)(**kwargs)
    y = np.asarray(ours(xs, use_causal_mask=causal))
    theirs.build([x.shape for x in xs])
    assert [w.name for w in theirs.weights] == [w.name for w in ours.weights]
    weights = _weights(ours)
    ours.set_weights(weights)
    theirs.set_weights(weights)
    y = np.asarray(ours(xs))
    np.testing.assert_allclose(y, keras.ops.convert_to_numpy(theirs(xs, use_causal_mask=causal)), atol=1e-5)
    masked = np.asarray(ours(xs, mask=[QM, VM]))
    expected = keras.ops.convert_to_numpy(theirs(xs, mask=[QM, VM], use_causal_mask=causal))
    np.testing.assert_allclose(masked, expected, atol=1e-5)


@pytest.mark.oracle
@pytest.mark.parametrize("name", ["Attention", "AdditiveAttention"])
def test_masks_from_embeddings_as_keras(keras, name):
    """A query and a value of token ids (0: padding) through Embedding(mask_zero=True): the model passes
    both masks, as Keras does."""
    def build(lib):
        q, v = lib.Input((4,)), lib.Input((6,))
        embed_q = lib.layers.Embedding(9, 3, mask_zero=True, name="embed_q")
        embed_v = lib.layers.Embedding(9, 3, mask_zero=True, name="embed_v")
        out = getattr(lib.layers, name)(name="att")([embed_q(q), embed_v(v)])
        return lib.Model([q, v], lib.layers.GlobalAveragePooling1D()(out))

    import visualnet

    ours, theirs = build(visualnet), build(keras)
    theirs.set_weights(ours.get_weights())
    ids = [np.array([[1, 2, 0, 0], [3, 0, 0, 0]], "float32"), np.array([[4, 5, 6, 0, 0, 0], [7, 8, 0, 0, 0, 0]],
                                                                       "float32")]
    np.testing.assert_allclose(ours.predict(ids, verbose=0), theirs.predict(ids, verbose=0), atol=1e-5)


@pytest.mark.oracle
@pytest.mark.parametrize("name, kwargs", VARIANTS)
def test_an_epoch_of_training_as_keras(keras, name, kwargs):
    """Several batches: a weight's gradient is each batch's own (it once piled up across batches)."""
    def build(lib):
        q, v = lib.Input((4, 3)), lib.Input((5, 3))
        y = getattr(lib.layers, name)(**kwargs)([q, v])
        return lib.Model([q, v], lib.layers.Dense(1)(lib.layers.GlobalAveragePooling1D()(y)))

    ours, theirs = build(visualnet), build(keras)
    theirs.set_weights(ours.get_weights())
    rng = np.random.default_rng(5)
    x, y = [rng.normal(size=(32, 4, 3)).astype("float32"), rng.normal(size=(32, 5, 3)).astype("float32")], \
        rng.normal(size=(32, 1)).astype("float32")
    for model in (ours, theirs):
        model.compile(optimizer="sgd", loss="mse")
        model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, keras.ops.convert_to_numpy(b), atol=2e-3)
