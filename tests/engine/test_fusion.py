"""The executor's Conv2D(relu) -> MaxPooling2D fusion trains exactly as the layers do
unfused, and applies only where it is exact."""

import numpy as np

from visualnet import layers, models, utils
from visualnet.engine import executor


def _model(activation="relu", padding="valid"):
    m = models.Sequential([layers.Input((9, 9, 2)), layers.Conv2D(4, 3, activation=activation, padding=padding),
                           layers.MaxPooling2D(2), layers.Flatten(), layers.Dense(3, activation="softmax")])
    m.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return m


def _train(monkeypatch, fuse, activation="relu", padding="valid"):
    if not fuse:
        monkeypatch.setattr(executor.Executor, "_fuse_relu_into_pooling", lambda self, graph: None)
    utils.set_random_seed(0)
    m = _model(activation, padding)
    monkeypatch.undo()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 9, 9, 2)).astype(np.float32)
    y = utils.to_categorical(rng.integers(0, 3, 40), 3)
    h = m.fit(x, y, batch_size=8, epochs=3, verbose=0, shuffle=False)
    return m, h.history, m.predict(x, verbose=0)


def test_fused_training_equals_unfused(monkeypatch):
    fused, h1, p1 = _train(monkeypatch, True)
    assert fused.layers[0].relu_deferred and fused.layers[1].relu_before
    assert fused.layers[0].pools_2x2 and fused.layers[1].pooled_before  # prediction pools in the conv
    plain, h2, p2 = _train(monkeypatch, False)
    assert not plain.layers[0].relu_deferred
    for a, b in zip(fused.get_weights(), plain.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(p1, p2, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(h1["loss"], h2["loss"], rtol=1e-6)
    assert h1["accuracy"] == h2["accuracy"]


def test_plain_forward_keeps_every_layer_output(monkeypatch):
    """Callers that read intermediate outputs (the GUI's activation views) get them unfused."""
    m, _, _ = _train(monkeypatch, True)
    ex = m._executor
    x = np.random.default_rng(1).standard_normal((5, 9, 9, 2)).astype(np.float32)
    ex.forward([x], training=False)
    conv_id = next(n for n, layer, _ in ex._forward_plan if layer is m.layers[0])
    assert (ex.outputs[conv_id] >= 0).all()
    fused = m.predict(x, verbose=0)
    np.testing.assert_allclose(ex.forward([x], training=False), fused, rtol=1e-6)


def test_not_fused_where_not_exact():
    for activation in ("tanh", "linear"):
        m = _model(activation)
        assert not m.layers[0].relu_deferred and not m.layers[1].relu_before
    # A ReLU output that another layer also reads keeps its ReLU.
    i = layers.Input((9, 9, 2))
    c = layers.Conv2D(4, 3, activation="relu")(i)
    p = layers.Flatten()(layers.MaxPooling2D(2)(c))
    q = layers.Flatten()(c)
    m = models.Model(i, layers.Dense(2)(layers.Concatenate()([p, q])))
    conv = [l for l in m.layers if type(l).__name__ == "Conv2D"][0]
    assert not conv.relu_deferred


def test_prediction_in_cache_sized_chunks_equals_whole_batches(monkeypatch):
    from visualnet.engine import prediction as training

    utils.set_random_seed(0)
    m = _model()
    x = np.random.default_rng(2).standard_normal((37, 9, 9, 2)).astype(np.float32)
    whole = m.predict(x, batch_size=37, verbose=0)
    monkeypatch.setattr(training, "CACHE_BYTES", 1)  # 8 samples per forward pass
    assert training.prediction_chunk(m) == 8
    np.testing.assert_allclose(m.predict(x, batch_size=16, verbose=0), whole, rtol=1e-6, atol=1e-7)
    y = utils.to_categorical(np.arange(37) % 3, 3)
    chunked = m.evaluate(x, y, batch_size=16, verbose=0)
    monkeypatch.undo()
    np.testing.assert_allclose(chunked, m.evaluate(x, y, batch_size=16, verbose=0), rtol=1e-6)


def test_parallel_prediction_on_executor_replicas_equals_serial():
    """Inside layer_parallel with two parts, predict runs whole chunks on a replica of the
    executor in the second thread; replicas share the weights, not the buffers."""
    from visualnet.engine import prediction as training
    from visualnet.engine.runtime.split import layer_parallel

    utils.set_random_seed(0)
    m = _model()
    x = np.random.default_rng(3).standard_normal((37, 9, 9, 2)).astype(np.float32)

    def predict_in_two_parts():
        out = np.empty((37, 3), np.float32)
        with layer_parallel() as control:
            control.set(2)
            return training.forward_predict(m, [x], 0, 37, 8, out)

    serial = m._executor.forward([x], training=False).copy()  # the executor reuses its buffers
    np.testing.assert_allclose(predict_in_two_parts(), serial, rtol=1e-6, atol=1e-7)
    (replica,) = m._executor._replicas
    for n in m._executor.order:
        twin, layer = replica.layers[n], m._executor.layers[n]
        assert twin is not layer and twin.values is layer.values
        assert not any(b is c for b in twin._buffers.values() for c in layer._buffers.values())
    m.set_weights([w * 0.5 for w in m.get_weights()])  # reaches the replica too
    halved = m._executor.forward([x], training=False).copy()
    np.testing.assert_allclose(predict_in_two_parts(), halved,
                               rtol=1e-6, atol=1e-7)
