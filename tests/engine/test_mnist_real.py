"""Real data: the Keras MNIST MLP reaches Keras's accuracy on the same 8,000/2,000 split."""

import pytest

import visualnet
from visualnet import layers, models, utils

keras = pytest.importorskip("keras")
pytestmark = [pytest.mark.oracle, pytest.mark.slow]

EPOCHS = 3  # accuracy measured after 3 epochs, batch 128, on the 8,000/2,000 split


def load():
    with pytest.warns(visualnet.VisualNetWarning):
        (x, y), (xt, yt) = visualnet.datasets.mnist.load_data()
    x = x.reshape(-1, 784).astype("float32") / 255
    xt = xt.reshape(-1, 784).astype("float32") / 255
    return x, utils.to_categorical(y, 10), xt, utils.to_categorical(yt, 10)


def train(lib_layers, lib_models):
    x, y, xt, yt = load()
    m = lib_models.Sequential([lib_layers.Input((784,)), lib_layers.Dense(512, activation="relu"),
                               lib_layers.Dense(10, activation="softmax")])
    m.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    m.fit(x, y, epochs=EPOCHS, batch_size=128, verbose=0)
    return m.evaluate(xt, yt, verbose=0)[1]


def test_mlp_reaches_keras_accuracy(monkeypatch, tmp_path):
    # The 8,000/2,000 split of the shipped digits, even where the full MNIST is installed.
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.delenv("VISUALNET_MNIST_DIR", raising=False)
    import visualnet.datasets.mnist  # noqa: F401

    utils.set_random_seed(0)
    ours = train(layers, models)
    keras.utils.set_random_seed(0)
    theirs = train(keras.layers, keras.models)
    assert ours > 0.9
    assert abs(ours - theirs) <= 0.01, f"VisualNet {ours:.4f} vs Keras {theirs:.4f}"
