"""Normalization and 1-D global pooling with masks (issue 22): BatchNormalization's training
moments over the unmasked positions only (Keras 3's `_moments` with a mask) against finite
differences, and models where a mask reaches BatchNormalization, LayerNormalization (which
passes it on) and the 1-D global poolings, against real Keras 3 on identical weights:
predictions within 1e-5, one epoch of training (shuffle=False) within 2e-3 per weight."""

from __future__ import annotations

import numpy as np
import pytest

import visualnet
from visualnet.engine.layers import LAYER_CLASSES

from .test_masks import MASK, _max_diff, _padded, check_masked


def test_masked_batch_normalization_matches_finite_differences():
    layer, x, _ = check_masked("BatchNormalization", dict(momentum=0.9), shape=(3, 5, 2))
    w = MASK[..., None]
    mean = (x * w).sum(axis=(0, 1)) / (w.sum() + 1e-7)
    var = (np.square(x - mean) * w).sum(axis=(0, 1)) / (w.sum() + 1e-7)
    np.testing.assert_allclose(layer._inv, 1 / np.sqrt(var + 1e-3))
    # masked positions change neither the moments nor the outputs at kept positions
    y = layer.forward([x], True, mask=MASK)
    x2 = np.where(w, x, 100.0)
    np.testing.assert_allclose(layer.forward([x2], True, mask=MASK)[MASK], y[MASK])


def test_masked_batch_normalization_without_scale_and_center():
    check_masked("BatchNormalization", dict(scale=False, center=False), shape=(3, 5, 4), seed=2)


def test_an_all_masked_batch_gives_finite_outputs():
    layer = LAYER_CLASSES["BatchNormalization"]()
    layer.build([(None, 5, 2)])
    y = layer.forward([np.ones((3, 5, 2))], True, mask=np.zeros((3, 5), bool))
    assert np.isfinite(y).all()


def test_a_mask_of_the_wrong_shape_is_refused():
    layer = LAYER_CLASSES["BatchNormalization"](name="bn")
    layer.build([(None, 5, 2)])
    with pytest.raises(ValueError, match="'bn'.*mask shape \\(3, 4\\) for input shape \\(3, 5, 2\\)"):
        layer.forward([np.ones((3, 5, 2))], True, mask=np.ones((3, 4), bool))


def masking_bn_lstm(lib):
    L = lib.layers
    i = L.Input((6, 3))
    x = L.BatchNormalization(momentum=0.8)(L.Masking()(i))
    return lib.models.Model(i, L.Dense(2)(L.LSTM(3)(x)))


def masking_layernorm_pools(lib):
    L = lib.layers
    i = L.Input((6, 3))
    x = L.LayerNormalization()(L.Dense(4, activation="tanh")(L.Masking()(i)))
    x = L.Concatenate()([L.GlobalAveragePooling1D()(x), L.GlobalMaxPooling1D()(x)])
    return lib.models.Model(i, L.Dense(2)(x))


def embedding_bn_pooled(lib):
    L = lib.layers
    i = L.Input((6,))
    x = L.BatchNormalization(center=False)(L.Embedding(12, 3, mask_zero=True)(i))
    return lib.models.Model(i, L.Dense(2)(L.GlobalAveragePooling1D()(x)))


def _same_start(k, v, rng):
    """Random weights, positive where a variance is stored (BatchNormalization's moving_variance)."""
    weights = []
    for w in k.weights:
        value = rng.normal(0, 0.5, w.shape).astype("float32")
        weights.append(np.abs(value) + 0.5 if "variance" in w.path else value)
    k.set_weights(weights)
    v.set_weights(weights)


def _ids(rng, n=32, steps=6, vocab=12):
    x = rng.integers(1, vocab, (n, steps))
    x[rng.random((n, steps)) < 0.3] = 0
    return x.astype("float32")


MODELS = [(masking_bn_lstm, "padded"), (masking_layernorm_pools, "padded"), (embedding_bn_pooled, "ids")]


@pytest.mark.oracle
@pytest.mark.filterwarnings("ignore:.*does not support masking")
@pytest.mark.parametrize("build,data", MODELS, ids=[b.__name__ for b, _ in MODELS])
def test_masked_normalization_predicts_and_trains_like_keras(build, data):
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(7)
    k, v = build(keras), build(visualnet)
    _same_start(k, v, rng)
    x = _ids(rng) if data == "ids" else _padded(rng)
    y = rng.normal(0, 1, (len(x), *k.output_shape[1:])).astype("float32")
    np.testing.assert_allclose(v.predict(x, verbose=0), k.predict(x, verbose=0), atol=1e-5, rtol=0)
    k.compile(keras.optimizers.SGD(learning_rate=0.1), "mse")
    v.compile(visualnet.optimizers.SGD(learning_rate=0.1), "mse")
    hk = k.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    hv = v.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    assert _max_diff(k.get_weights(), v.get_weights()) <= 2e-3  # moving statistics included
    assert hv.history["loss"][0] == pytest.approx(hk.history["loss"][0], rel=1e-4)
    np.testing.assert_allclose(v.predict(x, verbose=0), k.predict(x, verbose=0), atol=1e-4, rtol=0)
