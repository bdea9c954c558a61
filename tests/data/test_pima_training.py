"""The Keras tutorials' Pima example, trained through VisualNet's API on the imported CSV,
reaches the accuracy real Keras reaches on the same split (within 2 points).

Dense(12, relu, input_dim=8) -> Dense(8, relu) -> Dense(1, sigmoid), binary cross-entropy,
Adam. To fit the test budget it trains 60 epochs of batch 64 (the tutorial: 150 epochs of
batch 10) on standardized inputs (statistics from the training split only), and compares
the mean test accuracy over three seeds; each seed gives both models the same initial
weights, so only the batch order differs between them.
"""

import warnings

import numpy as np
import pytest

from visualnet.data import Recipe, SplitSpec, Standardize, prepare

from .helpers import UCI

keras = pytest.importorskip("keras")
pytestmark = [pytest.mark.oracle, pytest.mark.slow]

EPOCHS, BATCH, SEEDS = 60, 64, 3


def _model(lib):
    model = lib.models.Sequential([
        lib.layers.Dense(12, activation="relu", input_dim=8),
        lib.layers.Dense(8, activation="relu"),
        lib.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def test_pima_matches_keras_within_two_points():
    recipe = Recipe.from_file("csv", UCI / "pima-indians-diabetes.csv",
                              split=SplitSpec(test=0.2, seed=0, stratify=True), steps=[Standardize().get_config()])
    data = prepare(recipe)
    (x_train, y_train), (x_test, y_test) = data.train, data.test
    assert x_train.shape == (614, 8) and x_test.shape == (154, 8) and data.recipe.fitted["task"] == "binary"

    import torch
    threads = torch.get_num_threads()
    torch.set_num_threads(1)              # a net this small trains several times faster on one thread
    try:
        ours, theirs = _train_both(x_train, y_train, x_test, y_test)
    finally:
        torch.set_num_threads(threads)
    assert np.mean(theirs) > 0.70, theirs                     # the majority class alone gives 0.65
    assert abs(np.mean(ours) - np.mean(theirs)) <= 0.02, (ours, theirs)


def _train_both(x_train, y_train, x_test, y_test):
    import visualnet.layers  # noqa: F401
    import visualnet.models  # noqa: F401
    import visualnet.utils

    ours, theirs = [], []
    for seed in range(SEEDS):
        visualnet.utils.set_random_seed(seed)
        keras.utils.set_random_seed(seed)
        model = _model(visualnet)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)     # Keras 3 frowns on input_dim, but takes it
            oracle = _model(keras)
        oracle.set_weights(model.get_weights())
        model.fit(x_train, y_train, epochs=EPOCHS, batch_size=BATCH, verbose=0)
        ours.append(model.evaluate(x_test, y_test, verbose=0)[1])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)   # Keras's torch backend, once per batch
            oracle.fit(x_train, y_train, epochs=EPOCHS, batch_size=BATCH, verbose=0)
            theirs.append(float(oracle.evaluate(x_test, y_test, verbose=0)[1]))
    return ours, theirs
