"""The paths a machine without AVX-512 takes, run on every machine: with the register
tiles switched off (`gemm.AVAILABLE = False`), the same models give the same predictions and
the same trained weights as with them (float32 tolerances), through predict, fit (the fused
step and, for Dense chains, its compiled-program variant) and evaluate."""

import numpy as np
import pytest

import visualnet as vn
from visualnet.engine.kernels import gemm


def mlp():
    return vn.Sequential([vn.layers.Input((784,)), vn.layers.Dense(512, activation="relu"),
                          vn.layers.Dense(40, activation="tanh"), vn.layers.Dense(10, activation="softmax")])


def cnn():
    return vn.Sequential([vn.layers.Input((12, 12, 3)), vn.layers.Conv2D(16, 3, activation="relu", padding="same"),
                          vn.layers.MaxPooling2D(), vn.layers.Conv2D(32, 3, activation="relu"),
                          vn.layers.GlobalAveragePooling2D(), vn.layers.Dense(10, activation="softmax")])


def run(build, x, y, tiles: bool, monkeypatch):
    monkeypatch.setattr(gemm, "AVAILABLE", tiles)
    vn.utils.set_random_seed(3)
    model = build()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    before = model.predict(x, verbose=0)
    history = model.fit(x, y, batch_size=32, epochs=2, shuffle=True, verbose=0)
    return before, model.get_weights(), history.history["loss"], model.evaluate(x, y, verbose=0)


@pytest.mark.parametrize("build, shape", [(mlp, (784,)), (cnn, (12, 12, 3))], ids=["mlp", "cnn"])
def test_the_fallback_matches_the_tiles(build, shape, monkeypatch):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, *shape)).astype(np.float32)
    y = rng.integers(0, 10, 256)
    fallback = run(build, x, y, False, monkeypatch)
    tiled = run(build, x, y, gemm._target_has_avx512(), monkeypatch)
    np.testing.assert_allclose(fallback[0], tiled[0], rtol=1e-4, atol=1e-5)
    for a, b in zip(fallback[1], tiled[1]):
        np.testing.assert_allclose(a, b, rtol=2e-3, atol=2e-4)
    np.testing.assert_allclose(fallback[2], tiled[2], rtol=1e-3)
    np.testing.assert_allclose(fallback[3], tiled[3], rtol=1e-3)
    assert fallback[2][-1] < fallback[2][0]                 # it trained
    if gemm._target_has_avx512():                          # the two runs took different code
        assert not all(np.array_equal(a, b) for a, b in zip(fallback[1], tiled[1]))
