"""Layer attributes live, as Keras 3 has them: constructor arguments (`units`, `filters`,
`kernel_size`, `rate`, `activation` as the function), weights as variables (`kernel`,
`bias`: `.numpy()`, `.shape`, `.assign()`), `weights`, `built`, `dtype`; and calling a
layer or model on arrays returns an array-like with `.numpy()`, `training=` honoured."""

import numpy as np
import pytest

import visualnet as vn

keras = pytest.importorskip("keras")
pytestmark = pytest.mark.oracle

ARGUMENTS = [
    ("Dense", {"units": 7, "activation": "relu"}, ("units", "use_bias")),
    ("Conv2D", {"filters": 4, "kernel_size": 3, "strides": 2, "padding": "same"},
     ("filters", "kernel_size", "strides", "padding")),
    ("Conv1D", {"filters": 3, "kernel_size": 5}, ("filters", "kernel_size")),
    ("Dropout", {"rate": 0.3}, ("rate",)),
    ("MaxPooling2D", {"pool_size": 3}, ("pool_size", "padding")),
    ("LSTM", {"units": 5, "return_sequences": True}, ("units", "return_sequences")),
    ("Embedding", {"input_dim": 20, "output_dim": 4}, ("input_dim", "output_dim")),
    ("BatchNormalization", {"momentum": 0.9}, ("momentum", "epsilon", "axis")),
]


@pytest.mark.parametrize("layer_type,kwargs,names", ARGUMENTS, ids=[a[0] for a in ARGUMENTS])
def test_constructor_arguments_read_as_in_keras(layer_type, kwargs, names):
    v, k = getattr(vn.layers, layer_type)(**kwargs), getattr(keras.layers, layer_type)(**kwargs)
    for name in names:
        mine, theirs = getattr(v, name), getattr(k, name)
        assert mine == (tuple(theirs) if isinstance(theirs, list) else theirs), name


def test_activation_is_the_function_keras_names():
    for name in ("relu", "tanh", "softmax", "sigmoid", "linear", "gelu", "swish"):
        v, k = vn.layers.Dense(2, activation=name), keras.layers.Dense(2, activation=name)
        assert callable(v.activation) and v.activation.__name__ == k.activation.__name__
    assert vn.layers.Dense(2).activation.__name__ == keras.layers.Dense(2).activation.__name__ == "linear"
    x = np.linspace(-2, 2, 12, dtype="float32").reshape(3, 4)
    np.testing.assert_allclose(vn.layers.Dense(2, activation="gelu").activation(x),
                               keras.ops.convert_to_numpy(keras.activations.gelu(x)), atol=1e-6)


def test_weights_are_live_variables_as_in_keras():
    rng = np.random.default_rng(0)
    v = vn.Sequential([vn.layers.Input((4,)), vn.layers.Dense(3, activation="tanh", name="d")])
    k = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="tanh", name="d")])
    vd, kd = v.get_layer("d"), k.get_layer("d")
    assert vd.built and kd.built and vd.dtype == kd.dtype == "float32"
    assert vd.kernel.shape == tuple(kd.kernel.shape) == (4, 3) and vd.bias.shape == (3,)
    assert [w.name for w in vd.weights] == [w.name for w in kd.weights] == ["kernel", "bias"]
    assert len(vd.trainable_weights) == 2 and vd.non_trainable_weights == []
    kernel, bias = rng.normal(0, 1, (4, 3)).astype("float32"), rng.normal(0, 1, 3).astype("float32")
    for layer in (vd, kd):
        layer.kernel.assign(kernel)
        layer.bias.assign(bias)
    np.testing.assert_array_equal(vd.kernel.numpy(), kernel)
    assert np.shares_memory(np.asarray(vd.kernel), v.weights[0])  # the model's own array
    x = rng.normal(0, 1, (5, 4)).astype("float32")
    np.testing.assert_allclose(v.predict(x, verbose=0), k.predict(x, verbose=0), atol=1e-5)
    np.testing.assert_allclose(x @ vd.kernel + vd.bias, x @ kernel + bias, atol=1e-6)  # NumPy interop
    with pytest.raises(ValueError, match="'d/kernel' has shape \\(4, 3\\).*\\(2, 2\\)"):
        vd.kernel.assign(np.zeros((2, 2)))
    with pytest.raises(AttributeError, match="'Dense' object has no attribute 'filters'"):
        vd.filters


def test_batch_normalization_weights_split_as_keras():
    v, k = vn.layers.BatchNormalization(), keras.layers.BatchNormalization()
    v.build([(None, 5)])
    k.build((None, 5))
    assert [w.name for w in v.trainable_weights] == [w.name for w in k.trainable_weights]
    assert [w.name for w in v.non_trainable_weights] == [w.name for w in k.non_trainable_weights]
    assert v.moving_variance.numpy().tolist() == [1.0] * 5


def test_layer_and_model_calls_return_array_likes():
    rng = np.random.default_rng(1)
    x = rng.normal(0, 1, (6, 4)).astype("float32")
    v, k = vn.layers.Dense(3, activation="relu"), keras.layers.Dense(3, activation="relu")
    y = v(x)
    k(x)
    k.set_weights(v.get_weights())
    assert y.shape == (6, 3) and y.dtype == np.float32 and isinstance(y.numpy(), np.ndarray)
    np.testing.assert_allclose(y.numpy(), keras.ops.convert_to_numpy(k(x)), atol=1e-6)
    np.testing.assert_allclose(np.maximum(y, 0), y)  # NumPy functions take it as an array
    model = vn.Sequential([vn.layers.Input((4,)), vn.layers.Dropout(0.5, name="drop")])
    np.testing.assert_array_equal(model(x).numpy(), x)  # inference: Dropout passes through
    np.testing.assert_array_equal(model(x, training=False), x)
    dropped = model(np.ones((200, 4), "float32"), training=True).numpy()
    assert set(np.unique(dropped)) == {0.0, 2.0} and 0.3 < (dropped == 0).mean() < 0.7  # Keras scales by 1/(1-rate)
    layer = vn.layers.Dropout(0.5)
    np.testing.assert_array_equal(layer(x), x)
    assert (layer(np.ones((50, 4)), training=True).numpy() == 0).any()
