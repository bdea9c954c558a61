"""Small models and projects shared by the io tests."""

from __future__ import annotations

import numpy as np

from visualnet import layers, models
from visualnet.engine.rng import set_seed


def randomize(model, seed: int = 0, scale: float = 0.5) -> None:
    """Give every weight random values (moving variances stay positive)."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if layer.weight_specs:
            layer.set_weights([
                np.abs(rng.normal(size=w.shape)).astype("float32") + 0.5 if w.name in ("moving_variance", "variance")
                else (rng.normal(size=w.shape) * scale).astype("float32")
                for w in layer.weight_specs])


def mlp(seed: int = 1, compile: bool = True):
    set_seed(seed)
    inp = layers.Input((6,), name="features")
    x = layers.Dense(8, activation="relu", name="hidden")(inp)
    x = layers.BatchNormalization(name="bn")(x)
    x = layers.Dropout(0.25, name="drop")(x)
    out = layers.Dense(3, activation="softmax", name="probs")(x)
    model = models.Model(inp, out, name="mlp")
    if compile:
        model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def cnn(seed: int = 2):
    """Functional CNN with Conv2D, BatchNormalization, pooling, Add and Concatenate."""
    set_seed(seed)
    inp = layers.Input((8, 8, 3), name="image")
    x = layers.Conv2D(4, 3, padding="same", activation="relu", name="conv")(inp)
    x = layers.BatchNormalization(name="bn")(x)
    a = layers.MaxPooling2D(2, name="maxpool")(x)
    b = layers.AveragePooling2D(2, name="avgpool")(x)
    s = layers.Add(name="sum")([a, b])
    c = layers.Concatenate(name="cat")([s, a])
    g = layers.GlobalAveragePooling2D(name="gap")(c)
    f = layers.Dense(5, activation="tanh", name="dense")(layers.Flatten(name="flat")(c))
    j = layers.Concatenate(name="join")([f, g])
    out = layers.Dense(3, activation="softmax", name="probs")(j)
    model = models.Model(inp, out, name="cnn")
    model.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
    randomize(model, seed)
    return model


def data(n: int = 48, shape=(6,), classes: int = 3, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, *shape)).astype("float32")
    y = np.eye(classes, dtype="float32")[rng.integers(0, classes, n)]
    return x, y
