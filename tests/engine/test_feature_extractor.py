"""The feature-extractor pattern of Keras's guides: `Model(inputs=model.inputs,
outputs=[layer.output for layer in model.layers])` and `Model(model.input,
model.get_layer(name).output)` predict the original model's intermediate activations,
as in Keras (<= 1e-5), and share its weights: training one changes the other (one epoch
of SGD, <= 2e-3 from Keras)."""

import numpy as np
import pytest

import visualnet as vn

keras = pytest.importorskip("keras")
pytestmark = pytest.mark.oracle


def mlp(lib):
    L = lib.layers
    return lib.Sequential([L.Input((10,), name="x"), L.Dense(12, activation="relu", name="dense"),
                           L.Dense(8, activation="tanh", name="dense_1"), L.Dense(3, activation="softmax",
                                                                                name="dense_2")], name="mlp")


def cnn(lib):
    """Conv2D(relu) -> MaxPooling2D: the pair VisualNet fuses when predicting."""
    L = lib.layers
    return lib.Sequential([L.Input((8, 8, 1), name="img"), L.Conv2D(4, 3, activation="relu", name="conv"),
                           L.MaxPooling2D(name="pool"), L.Flatten(name="flat"),
                           L.Dense(3, activation="softmax", name="out")], name="cnn")


def _twins(build, rng):
    v, k = build(vn), build(keras)
    weights = [rng.normal(0, 0.4, w.shape).astype("float32") for w in k.get_weights()]
    v.set_weights(weights)
    k.set_weights(weights)
    return v, k


def _close(a, b, tol=1e-5):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        np.testing.assert_allclose(np.asarray(x), np.asarray(y), atol=tol, rtol=tol)


@pytest.mark.parametrize("build,shape", [(mlp, (10,)), (cnn, (8, 8, 1))])
def test_every_layer_output_as_keras(build, shape):
    rng = np.random.default_rng(0)
    v, k = _twins(build, rng)
    ve = vn.Model(inputs=v.inputs, outputs=[layer.output for layer in v.layers])
    ke = keras.Model(inputs=k.inputs, outputs=[layer.output for layer in k.layers])
    x = rng.normal(0, 1, (6, *shape)).astype("float32")
    v.predict(x, verbose=0)  # the original's fused prediction must not leak into the extractor's
    features = ve.predict(x, verbose=0)
    _close(features, ke.predict(x, verbose=0))
    _close([features[-1]], [v.predict(x, verbose=0)])
    _close([t.numpy() for t in ve([x])], [keras.ops.convert_to_numpy(t) for t in ke([x])])
    assert [w.shape for w in ve.get_weights()] == [w.shape for w in v.get_weights()]


def test_model_input_and_intermediate_output():
    rng = np.random.default_rng(1)
    v, k = _twins(mlp, rng)
    vsub = vn.Model(v.input, v.get_layer("dense_1").output)
    ksub = keras.Model(k.inputs[0], k.get_layer("dense_1").output)  # Keras 3's Sequential has no .input
    x = rng.normal(0, 1, (5, 10)).astype("float32")
    _close([vsub.predict(x, verbose=0)], [ksub.predict(x, verbose=0)])
    assert vsub.output_shape == ksub.output_shape == (None, 8)
    assert v.get_layer("dense_1").input is v.get_layer("dense").output


@pytest.mark.parametrize("which", ["original", "extractor"])
def test_weights_are_shared_both_ways(which):
    rng = np.random.default_rng(2)
    v, k = _twins(mlp, rng)
    vsub = vn.Model(v.input, v.get_layer("dense_1").output)
    ksub = keras.Model(k.inputs[0], k.get_layer("dense_1").output)
    x = rng.normal(0, 1, (32, 10)).astype("float32")
    if which == "original":
        y = np.eye(3, dtype="float32")[rng.integers(0, 3, 32)]
        trained = [(v, k, "categorical_crossentropy")]
    else:
        y = rng.normal(0, 1, (32, 8)).astype("float32")
        trained = [(vsub, ksub, "mse")]
    for vm, km, loss in trained:
        vm.compile(optimizer=vn.optimizers.SGD(0.1), loss=loss)
        km.compile(optimizer=keras.optimizers.SGD(0.1), loss=loss)
        vm.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
        km.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    _close(v.get_weights(), [w.numpy() for w in k.weights], tol=2e-3)
    _close([vsub.predict(x, verbose=0)], [ksub.predict(x, verbose=0)], tol=2e-3)
    _close([v.predict(x, verbose=0)], [k.predict(x, verbose=0)], tol=2e-3)
    for a, b in zip(vsub.weights, v.weights):
        np.testing.assert_array_equal(a, b)


def test_errors_name_the_layer():
    with pytest.raises(AttributeError, match="'lonely' has never been called"):
        vn.layers.Dense(2, name="lonely").output
    with pytest.raises(ValueError, match="Graph disconnected"):
        v = mlp(vn)
        vn.Model(vn.layers.Input((10,)), v.get_layer("dense_1").output)
