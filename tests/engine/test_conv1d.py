"""The 1-D convolution and pooling layers: the 2-D kernels over one-row images, viewed
without copying, weights in Keras's Conv1D layout, Keras's 'causal' padding, never taken
for the executor's 2-D fusion, and a small model that learns."""

import numpy as np
import pytest

from visualnet import layers, models, optimizers, utils
from visualnet.engine.layers import LAYER_CLASSES


def _conv1d_model(activation="relu"):
    return models.Sequential([layers.Input((20, 3)), layers.Conv1D(8, 3, activation=activation),
                              layers.MaxPooling1D(2), layers.Conv1D(8, 3, padding="same", activation="relu"),
                              layers.AveragePooling1D(2), layers.GlobalAveragePooling1D(),
                              layers.Dense(2, activation="softmax")])


def test_conv1d_equals_conv2d_over_one_row_images():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 11, 3)).astype(np.float32)
    for kwargs in ({"kernel_size": 3}, {"kernel_size": 4, "strides": 2, "padding": "same"}, {"kernel_size": 1}):
        c1 = layers.Conv1D(5, activation="tanh", **kwargs)
        c1.build([(None, 11, 3)])
        assert c1.kernel.shape == (kwargs["kernel_size"], 3, 5)  # Keras's (k, in, out)
        c1.set_weights([rng.standard_normal((kwargs["kernel_size"], 3, 5)), rng.standard_normal(5)])
        two = {k: (1, v) if k in ("kernel_size", "strides") else v for k, v in kwargs.items()}
        c2 = layers.Conv2D(5, activation="tanh", **two)
        c2.build([(None, 1, 11, 3)])
        c2.set_weights([w[None] if w.ndim == 3 else w for w in c1.get_weights()])
        np.testing.assert_allclose(c1(x), c2(x[:, None])[:, 0], rtol=1e-6, atol=1e-6)


def test_causal_is_valid_after_kernel_minus_one_zero_steps():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 7, 2)).astype(np.float32)
    causal, valid = layers.Conv1D(4, 3, strides=2, padding="causal"), layers.Conv1D(4, 3, strides=2)
    causal.build([(None, 7, 2)])
    valid.build([(None, 9, 2)])
    valid.set_weights(causal.get_weights())
    assert causal.output_shape == (None, 4, 4)
    padded = np.concatenate([np.zeros((3, 2, 2), np.float32), x], axis=1)
    np.testing.assert_allclose(causal(x), valid(padded), rtol=1e-6, atol=1e-6)
    y = causal.forward([x], training=True).copy()  # a later step never reaches an earlier output
    x2 = x.copy()
    x2[:, 5:] += 1
    y2 = causal.forward([x2], training=False)
    np.testing.assert_array_equal(y2[:, :3], y[:, :3])
    assert not np.allclose(y2[:, 3], y[:, 3])


@pytest.mark.parametrize("layer_type,kwargs", [("Conv1D", {"filters": 4, "kernel_size": 3}),
                                               ("MaxPooling1D", {}), ("AveragePooling1D", {"padding": "same"}),
                                               ("GlobalMaxPooling1D", {}), ("GlobalAveragePooling1D", {})])
def test_1d_layers_view_their_input_and_weights_without_copying(layer_type, kwargs):
    layer = LAYER_CLASSES[layer_type](**kwargs)
    layer.build([(None, 9, 4)])
    x = np.random.default_rng(1).standard_normal((3, 9, 4)).astype(np.float32)
    y = layer.forward([x], training=True)
    ctx = layer._ctx
    if layer_type == "Conv1D":
        assert np.shares_memory(ctx.x, x) and np.shares_memory(ctx.kernel, layer.values["kernel"])
    assert layer._owns(y)  # the output is the layer's own buffer, viewed
    dx = layer.backward(np.ones_like(y))[0]
    assert dx.shape == x.shape and layer._owns(dx)


def test_1d_layers_are_not_fused_as_2d_ones():
    m = _conv1d_model()
    m.compile(optimizer="adam", loss="categorical_crossentropy")
    ex = m._executor
    assert ex._fused == []
    conv, pool = m.layers[0], m.layers[1]
    assert type(conv).__name__ == "Conv1D" and type(pool).__name__ == "MaxPooling1D"
    assert not hasattr(conv, "relu_deferred") and not hasattr(pool, "relu_before")


def test_conv1d_model_trains_end_to_end():
    utils.set_random_seed(0)
    m = _conv1d_model()
    m.compile(optimizer=optimizers.Adam(0.01), loss="categorical_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(0)
    x = rng.standard_normal((96, 20, 3)).astype(np.float32)
    y = utils.to_categorical((x[:, :, 0].mean(axis=1) > x[:, :, 1].mean(axis=1)).astype(int), 2)
    before = m.get_weights()
    h = m.fit(x, y, batch_size=16, epochs=8, verbose=0)
    loss = h.history["loss"]
    assert all(b < a for a, b in zip(loss, loss[1:])) and loss[-1] < 0.7 * loss[0]
    assert h.history["accuracy"][-1] > 0.75
    assert all(np.isfinite(loss))
    assert not any(np.array_equal(a, b) for a, b in zip(before, m.get_weights()))
    p = m.predict(x, verbose=0)
    assert p.shape == (96, 2)
    np.testing.assert_allclose(m.evaluate(x, y, verbose=0)[0], m.evaluate(x, y, batch_size=7, verbose=0)[0],
                               rtol=1e-5)
