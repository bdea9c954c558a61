"""A layer may write its activation's gradient over dy where the executor knows nothing
else reads it (executor.backward's `scratch`): training is then bit for bit what it is
without, including where one gradient reaches two layers (Add gives both the same dy).
The products are large enough for Dense's BLAS path (kernels/dense.SMALL_MACS)."""

import numpy as np
import pytest

from visualnet import layers, models, utils
from visualnet.engine import activations
from visualnet.engine.steps import fused
from visualnet.engine.layers import core


def _sequential():
    return models.Sequential([layers.Input((40,)), layers.Dense(64, activation="relu"),
                              layers.Dense(32, activation="relu"), layers.Dense(3, activation="softmax")])


def _branches():
    x = layers.Input((40,))
    a = layers.Dense(32, activation="relu")(x)
    b = layers.Dense(32, activation="relu")(x)
    return models.Model(x, layers.Dense(3, activation="softmax")(layers.Add()([a, b])))


def _train(build, monkeypatch, scratch: bool):
    monkeypatch.setattr(fused.FusedStep, "programs", False)  # the step run from Python
    if not scratch:
        monkeypatch.setattr(core.Dense, "overwrites_dy", False)
    utils.set_random_seed(0)
    m = build()
    m.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(0)
    x = rng.standard_normal((128, 40)).astype(np.float32)
    y = utils.to_categorical(rng.integers(0, 3, 128), 3)
    h = m.fit(x, y, batch_size=32, epochs=3, verbose=0, shuffle=False)
    monkeypatch.undo()
    return h.history, m.get_weights()


@pytest.mark.parametrize("build, overwritten", [(_sequential, True), (_branches, False)], ids=["sequential", "add"])
def test_training_with_gradients_overwritten_equals_training_without(monkeypatch, build, overwritten):
    calls = []
    real = activations.relu_bwd_bias_in_place
    monkeypatch.setattr(activations, "relu_bwd_bias_in_place", lambda *a: calls.append(1) or real(*a))
    h_scratch, w_scratch = _train(build, monkeypatch, True)
    assert bool(calls) == overwritten  # Dense -> Dense(relu) writes over dy; Add's dy, given twice, is kept
    calls.clear()
    h_kept, w_kept = _train(build, monkeypatch, False)
    assert not calls
    assert h_scratch == h_kept
    for a, b in zip(w_scratch, w_kept):
        np.testing.assert_array_equal(a, b)
