"""Models built the same way with Keras and with VisualNet (their APIs match): one builder
per supported layer and architecture, used in both directions of the Keras tests."""

import numpy as np


def _dense_pair(L, x):
    return L.Dense(4, activation="relu")(x), L.Dense(4, activation="tanh")(x)


CASES = {
    # name: (input shape, builder(L, x) -> output)
    "dense": ((5,), lambda L, x: L.Dense(3, activation="sigmoid")(x)),
    "dense_no_bias": ((5,), lambda L, x: L.Dense(3, use_bias=False)(x)),
    "flatten": ((4, 3, 2), lambda L, x: L.Flatten()(x)),
    "reshape": ((12,), lambda L, x: L.Reshape((3, 4))(x)),
    "reshape_minus_one": ((12,), lambda L, x: L.Reshape((-1, 2))(x)),
    "conv2d_valid": ((7, 6, 2), lambda L, x: L.Conv2D(3, (3, 2), strides=(2, 1), activation="elu")(x)),
    "conv2d_same": ((7, 7, 2), lambda L, x: L.Conv2D(4, 3, strides=2, padding="same", use_bias=False)(x)),
    "max_pooling": ((6, 6, 2), lambda L, x: L.MaxPooling2D(2)(x)),
    "max_pooling_same": ((7, 7, 2), lambda L, x: L.MaxPooling2D(3, strides=2, padding="same")(x)),
    "average_pooling": ((6, 6, 2), lambda L, x: L.AveragePooling2D((2, 3), strides=(1, 2))(x)),
    "average_pooling_same": ((6, 6, 2), lambda L, x: L.AveragePooling2D(2, padding="same")(x)),
    "global_average_pooling": ((5, 4, 3), lambda L, x: L.GlobalAveragePooling2D(keepdims=True)(x)),
    "global_max_pooling": ((5, 4, 3), lambda L, x: L.GlobalMaxPooling2D()(x)),
    "batch_normalization": ((4, 4, 3), lambda L, x: L.BatchNormalization(momentum=0.9, epsilon=1e-2)(x)),
    "batch_normalization_no_scale": ((6,), lambda L, x: L.BatchNormalization(scale=False)(x)),
    "dropout": ((5,), lambda L, x: L.Dropout(0.4)(L.Dense(3)(x))),
    "activation": ((5,), lambda L, x: L.Activation("softplus")(x)),
    "leaky_relu": ((5,), lambda L, x: L.LeakyReLU(negative_slope=0.1)(x)),
    "leaky_relu_default": ((5,), lambda L, x: L.LeakyReLU()(x)),
    "softmax": ((5,), lambda L, x: L.Softmax()(x)),
    "concatenate": ((5,), lambda L, x: L.Concatenate()(list(_dense_pair(L, x)))),
    "add": ((5,), lambda L, x: L.Add()(list(_dense_pair(L, x)))),
    "subtract": ((5,), lambda L, x: L.Subtract()(list(_dense_pair(L, x)))),
    "multiply": ((5,), lambda L, x: L.Multiply()(list(_dense_pair(L, x)))),
    "average": ((5,), lambda L, x: L.Average()(list(_dense_pair(L, x)))),
}


def cnn_block(L, x):
    """The functional CNN architecture: Conv2D, BatchNormalization, pooling, Add, Concatenate."""
    x = L.Conv2D(4, 3, padding="same", activation="relu")(x)
    x = L.BatchNormalization()(x)
    a = L.MaxPooling2D(2)(x)
    b = L.AveragePooling2D(2)(x)
    s = L.Add()([a, b])
    c = L.Concatenate()([s, a])
    g = L.GlobalAveragePooling2D()(c)
    f = L.Dense(5, activation="tanh")(L.Flatten()(c))
    return L.Dense(3, activation="softmax")(L.Concatenate()([f, g]))


def random_weights(weights, names, seed=0):
    """Random arrays shaped like `weights`; moving variances (by name) stay positive."""
    rng = np.random.default_rng(seed)
    return [np.abs(rng.normal(size=w.shape)).astype("float32") + 0.5 if "moving_variance" in n
            else (rng.normal(size=w.shape) * 0.5).astype("float32") for w, n in zip(weights, names)]


def sample(shape, n=6, seed=1):
    return np.random.default_rng(seed).normal(size=(n, *shape)).astype("float32")
