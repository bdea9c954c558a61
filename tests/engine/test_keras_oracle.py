"""VisualNet against real Keras 3 (the oracle): same weights and inputs give the same
predictions (<= 1e-5), and one epoch of SGD gives the same weights (<= 1e-4)."""

import numpy as np
import pytest

from visualnet import layers as vl
from visualnet import models as vm

keras = pytest.importorskip("keras")
pytestmark = pytest.mark.oracle

LAYER_CASES = [
    ("Dense", {"units": 7, "activation": "relu"}, (5,)),
    ("Dense", {"units": 3, "activation": "softmax", "use_bias": False}, (4,)),
    ("Dense", {"units": 3, "activation": "gelu"}, (2, 4)),
    ("Conv1D", {"filters": 4, "kernel_size": 3, "activation": "relu"}, (9, 2)),
    ("Conv1D", {"filters": 3, "kernel_size": 4, "strides": 2, "padding": "same", "use_bias": False}, (9, 3)),
    ("Conv1D", {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "causal", "activation": "tanh"}, (8, 3)),
    ("Conv2D", {"filters": 4, "kernel_size": 3, "activation": "relu"}, (8, 9, 2)),
    ("Conv2D", {"filters": 3, "kernel_size": (3, 2), "strides": 2, "padding": "same"}, (9, 8, 3)),
    ("MaxPooling1D", {"pool_size": 3, "strides": 2, "padding": "same"}, (8, 2)),
    ("MaxPooling1D", {}, (7, 3)),
    ("MaxPooling2D", {"pool_size": 3, "strides": 2, "padding": "same"}, (7, 8, 2)),
    ("AveragePooling1D", {"pool_size": 2, "padding": "same"}, (7, 2)),
    ("AveragePooling1D", {"pool_size": 3, "strides": 1}, (6, 2)),
    ("AveragePooling2D", {"pool_size": 2, "padding": "same"}, (5, 7, 2)),
    ("GlobalAveragePooling1D", {}, (5, 3)),
    ("GlobalMaxPooling1D", {"keepdims": True}, (5, 3)),
    ("GlobalAveragePooling2D", {}, (4, 5, 3)),
    ("GlobalMaxPooling2D", {"keepdims": True}, (4, 5, 3)),
    ("UpSampling1D", {"size": 3}, (4, 3)),
    ("UpSampling2D", {"size": (2, 3)}, (4, 5, 3)),
    ("UpSampling3D", {}, (2, 3, 2, 2)),
    ("ZeroPadding1D", {"padding": (1, 3)}, (4, 3)),
    ("ZeroPadding2D", {"padding": ((1, 2), (0, 3))}, (4, 5, 3)),
    ("ZeroPadding2D", {"padding": (2, 1)}, (4, 5, 3)),
    ("ZeroPadding3D", {}, (2, 3, 2, 2)),
    ("Cropping1D", {"cropping": (0, 2)}, (5, 3)),
    ("Cropping2D", {"cropping": ((1, 2), (0, 3))}, (5, 6, 3)),
    ("Cropping2D", {"cropping": 1}, (4, 5, 3)),
    ("Cropping3D", {"cropping": ((1, 0), 1, (0, 2))}, (3, 4, 5, 2)),
    ("Flatten", {}, (3, 4, 2)),
    ("Reshape", {"target_shape": (4, -1)}, (12,)),
    ("BatchNormalization", {"momentum": 0.9, "epsilon": 0.01}, (6,)),
    ("Dropout", {"rate": 0.3}, (6,)),
    ("Activation", {"activation": "selu"}, (6,)),
    ("Activation", {"activation": "softplus"}, (6,)),
    ("Activation", {"activation": "hard_sigmoid"}, (6,)),
    ("LeakyReLU", {}, (6,)),
    ("Softmax", {}, (6,)),
]


def _randomize(model, rng):
    weights = [rng.normal(0, 0.5, w.shape).astype("float32") for w in model.get_weights()]
    for i, w in enumerate(model.weights):
        if "variance" in getattr(w, "path", getattr(w, "name", "")):
            weights[i] = np.abs(weights[i]) + 0.5
    return weights


@pytest.mark.parametrize("layer_type,kwargs,shape", LAYER_CASES, ids=[c[0] + str(i) for i, c in enumerate(LAYER_CASES)])
def test_layer_predicts_like_keras(layer_type, kwargs, shape):
    rng = np.random.default_rng(1)
    k = keras.Sequential([keras.Input(shape), getattr(keras.layers, layer_type)(**kwargs)])
    v = vm.Sequential([vl.Input(shape), getattr(vl, layer_type)(**kwargs)])
    weights = _randomize(k, rng)
    k.set_weights(weights)
    v.set_weights(weights)
    assert [w.shape for w in v.get_weights()] == [w.shape for w in k.get_weights()]
    x = rng.normal(0, 1, (4, *shape)).astype("float32")
    np.testing.assert_allclose(v.predict(x, verbose=0), k.predict(x, verbose=0), atol=1e-5, rtol=1e-5)
    assert v.output_shape == k.output_shape
    assert v.count_params() == k.count_params()


def mlp(lib):
    L = lib.layers
    return lib.models.Sequential([L.Input((20,)), L.Dense(16, activation="relu"), L.BatchNormalization(),
                                  L.Dense(8, activation="tanh"), L.Dense(3, activation="softmax")])


def cnn(lib):
    L = lib.layers
    return lib.models.Sequential([L.Input((10, 10, 1)), L.Conv2D(4, 3, activation="relu"), L.MaxPooling2D(),
                                  L.Conv2D(6, 3, padding="same", activation="relu"), L.AveragePooling2D(2),
                                  L.Flatten(), L.Dense(5, activation="relu"), L.Dense(3, activation="softmax")])


def cnn1d(lib):
    """'causal' Conv1D(relu) -> MaxPooling1D (the pair the executor fuses in 2-D), strided
    'same' Conv1D, AveragePooling1D and both global 1-D poolings."""
    L = lib.layers
    i = L.Input((24, 3))
    a = L.MaxPooling1D()(L.Conv1D(6, 3, padding="causal", activation="relu")(i))
    c = L.Conv1D(8, 3, strides=2, padding="same", activation="tanh")(a)
    d = L.GlobalAveragePooling1D()(L.AveragePooling1D(2)(c))
    return lib.models.Model(i, L.Dense(3, activation="softmax")(L.Concatenate()([d, L.GlobalMaxPooling1D()(c)])))


def branches(lib):
    L = lib.layers
    i = L.Input((12,))
    a = L.Dense(8, activation="relu")(i)
    b = L.Dense(8, activation="tanh")(i)
    c = L.Dense(8)(L.Add()([a, b]))
    d = L.Concatenate()([c, a, i])
    e = L.Dense(6, activation="relu")(d)
    return lib.models.Model(i, L.Dense(1, activation="sigmoid")(e))


class _Lib:
    def __init__(self, layers, models):
        self.layers, self.models = layers, models


VN = _Lib(vl, vm)
KR = _Lib(keras.layers, keras.models)
WHOLE = {
    "mlp": (mlp, (20,), "categorical_crossentropy", 3),
    "cnn": (cnn, (10, 10, 1), "sparse_categorical_crossentropy", 3),
    "cnn1d": (cnn1d, (24, 3), "sparse_categorical_crossentropy", 3),
    "branches": (branches, (12,), "binary_crossentropy", 1),
}


def _data(name, rng, n=64):
    _, shape, loss, classes = WHOLE[name]
    x = rng.normal(0, 1, (n, *shape)).astype("float32")
    labels = rng.integers(0, max(classes, 2), n)
    if loss == "categorical_crossentropy":
        y = np.eye(classes, dtype="float32")[labels]
    elif loss == "binary_crossentropy":
        y = labels.reshape(-1, 1).astype("float32")
    else:
        y = labels
    return x, y


@pytest.mark.parametrize("name", WHOLE)
def test_whole_model_predicts_and_trains_like_keras(name):
    build, _, loss, _ = WHOLE[name]
    rng = np.random.default_rng(7)
    k, v = build(KR), build(VN)
    assert [type(l).__name__ for l in v.layers] == [type(l).__name__ for l in k.layers]
    assert [w.shape for w in v.get_weights()] == [w.shape for w in k.get_weights()]
    weights = _randomize(k, rng)
    k.set_weights(weights)
    v.set_weights(weights)
    x, y = _data(name, rng)
    np.testing.assert_allclose(v.predict(x, verbose=0), k.predict(x, verbose=0), atol=1e-5, rtol=1e-5)
    for model in (k, v):
        model.compile(optimizer=(keras.optimizers if model is k else __import__("visualnet").optimizers)
                      .SGD(learning_rate=0.05), loss=loss, metrics=["accuracy"])
    hk = k.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    hv = v.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    for wk, wv in zip(k.get_weights(), v.get_weights()):
        np.testing.assert_allclose(wv, wk, atol=1e-4)
    for key in ("loss", "accuracy"):
        assert hv.history[key][0] == pytest.approx(hk.history[key][0], abs=1e-4)
    assert v.evaluate(x, y, verbose=0) == pytest.approx(k.evaluate(x, y, verbose=0), abs=1e-4)


@pytest.mark.parametrize("opt", ["adam", "rmsprop", "adagrad", "sgd_nesterov"])
def test_optimizers_train_like_keras(opt):
    import visualnet

    def make(mod):
        if opt == "sgd_nesterov":
            return mod.SGD(learning_rate=0.05, momentum=0.9, nesterov=True)
        return {"adam": mod.Adam, "rmsprop": mod.RMSprop, "adagrad": mod.Adagrad}[opt](learning_rate=0.01)

    rng = np.random.default_rng(3)
    k, v = mlp(KR), mlp(VN)
    weights = _randomize(k, rng)
    k.set_weights(weights)
    v.set_weights(weights)
    x, y = _data("mlp", rng, 96)
    k.compile(make(keras.optimizers), "categorical_crossentropy")
    v.compile(make(visualnet.optimizers), "categorical_crossentropy")
    k.fit(x, y, epochs=2, batch_size=32, shuffle=False, verbose=0)
    v.fit(x, y, epochs=2, batch_size=32, shuffle=False, verbose=0)
    for wk, wv in zip(k.get_weights(), v.get_weights()):
        np.testing.assert_allclose(wv, wk, atol=1e-4)


def test_summary_matches_keras_columns_and_counts(capsys):
    k, v = branches(KR), branches(VN)
    lines = []
    v.summary(print_fn=lines.append)
    text = lines[0]
    for layer in v.layers:
        assert layer.name in text
    assert f"Total params: {k.count_params():,}" in text
    assert "Connected to" in text
    k2, v2 = mlp(KR), mlp(VN)
    v2.summary()
    out = capsys.readouterr().out
    assert f"Total params: {k2.count_params():,}" in out and "Non-trainable params: 32 (128.00 B)" in out


def test_graph_round_trip_keeps_keras_order_and_predictions():
    v = branches(VN)
    rng = np.random.default_rng(0)
    x = rng.normal(0, 1, (5, 12)).astype("float32")
    again = vm.Model.from_graph(v.to_graph())
    again.set_weights(v.get_weights())
    assert [l.name for l in again.layers] == [l.name for l in v.layers]
    np.testing.assert_array_equal(again.predict(x, verbose=0), v.predict(x, verbose=0))


@pytest.mark.parametrize("kind", ["sample_weight", "class_weight"])
def test_class_and_sample_weights_train_like_keras(kind):
    import visualnet

    rng = np.random.default_rng(11)
    k, v = mlp(KR), mlp(VN)
    weights = _randomize(k, rng)
    k.set_weights(weights)
    v.set_weights(weights)
    x, y = _data("mlp", rng, 48)
    sw = rng.uniform(0.5, 2.0, 48).astype("float32")
    k.compile(keras.optimizers.SGD(0.05), "categorical_crossentropy", metrics=["accuracy"])
    v.compile(visualnet.optimizers.SGD(0.05), "categorical_crossentropy", metrics=["accuracy"])
    extra = {"sample_weight": sw} if kind == "sample_weight" else {"class_weight": {0: 1.0, 1: 3.0, 2: 0.5}}
    hk = k.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0, **extra)
    hv = v.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0, **extra)
    for wk, wv in zip(k.get_weights(), v.get_weights()):
        np.testing.assert_allclose(wv, wk, atol=1e-4)
    assert hv.history["loss"][0] == pytest.approx(hk.history["loss"][0], abs=1e-4)
