"""Normalization: adapt() as Keras's (arrays and batches), given statistics, invert, Keras's
non-trainable weights (mean, variance, count) and the files of an adapted Keras model."""

from __future__ import annotations

import numpy as np
import pytest

from visualnet import layers as vl, models as vm

DATA = (np.random.default_rng(0).normal(size=(40, 3, 4)) * [1.0, 2.0, 5.0, 0.5] + [0, 1, -3, 7]).astype("float32")


def test_adapt_learns_the_statistics_per_feature():
    layer = vl.Normalization()
    layer.adapt(DATA)
    assert [w.name for w in layer.weights] == ["mean", "variance", "count"]
    assert not layer.trainable_weights
    np.testing.assert_allclose(layer.get_weights()[0], DATA.mean((0, 1)), rtol=1e-5)
    np.testing.assert_allclose(layer.get_weights()[1], DATA.var((0, 1)), rtol=1e-5)
    y = np.asarray(layer(DATA))
    np.testing.assert_allclose(y.mean((0, 1)), 0, atol=1e-5)
    np.testing.assert_allclose(y.std((0, 1)), 1, atol=1e-4)


def test_batches_combine_as_one_array():
    whole, parts = vl.Normalization(axis=1), vl.Normalization(axis=1)
    whole.adapt(DATA)
    parts.adapt([DATA[:7], DATA[7:25], DATA[25:]])
    for a, b in zip(whole.get_weights()[:2], parts.get_weights()[:2]):
        np.testing.assert_allclose(a, b, rtol=1e-5)


def test_given_statistics_and_invert():
    layer = vl.Normalization(mean=2.0, variance=4.0)
    np.testing.assert_allclose(np.asarray(layer(DATA)), (DATA - 2) / 2, rtol=1e-6)
    assert layer.get_weights() == []
    back = vl.Normalization(mean=2.0, variance=4.0, invert=True)
    np.testing.assert_allclose(np.asarray(back(layer(DATA))), DATA, rtol=1e-5, atol=1e-5)


def test_errors_name_the_layer_and_value():
    with pytest.raises(ValueError, match=r"Normalization.*Received: mean=1.0, variance=None"):
        vl.Normalization(mean=1.0)(DATA)
    with pytest.raises(ValueError, match=r"Normalization.*Received: variance=-1"):
        vl.Normalization(mean=0.0, variance=-1)
    with pytest.raises(ValueError, match=r"Normalization 'n'.*Received: mean=0.0"):
        vl.Normalization(mean=0.0, variance=1.0, name="n").adapt(DATA)
    with pytest.raises(ValueError, match=r"Normalization axis=0"):
        vl.Normalization(axis=0)(DATA)


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


@pytest.mark.oracle
@pytest.mark.parametrize("axis, invert", [(-1, False), (1, True)])
def test_adapted_as_keras(keras, axis, invert):
    """Keras's adapt() needs TensorFlow (absent here): its array branch, np.mean and np.var over
    the other axes, gives the reference; Keras then computes with those weights."""
    ours, theirs = vl.Normalization(axis=axis, invert=invert), keras.layers.Normalization(axis=axis, invert=invert)
    ours.adapt(DATA)
    reduce = tuple(d for d in range(3) if d != axis % 3)
    theirs.build((None, 3, 4))
    theirs.set_weights([DATA.mean(reduce), DATA.var(reduce), np.array(0)])
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(ours(DATA)), keras.ops.convert_to_numpy(theirs(DATA)), rtol=1e-5,
                               atol=1e-5)


@pytest.mark.oracle
@pytest.mark.parametrize("ext", [".keras", ".h5"])
def test_opens_a_keras_model_with_statistics(keras, tmp_path, ext):
    norm = keras.layers.Normalization()
    model = keras.Sequential([keras.Input((3, 4)), norm, keras.layers.Dense(2)])
    norm.set_weights([DATA.mean((0, 1)), DATA.var((0, 1)), np.array(40)])
    model.save(tmp_path / f"m{ext}")
    ours = vm.load_model(tmp_path / f"m{ext}")
    assert [w.shape for w in ours.layers[0].get_weights()] == [(4,), (4,), ()]
    np.testing.assert_allclose(ours.layers[0].get_weights()[1], norm.get_weights()[1], rtol=1e-6)
    np.testing.assert_allclose(ours.predict(DATA, verbose=0), model.predict(DATA, verbose=0), atol=1e-5)
    given = keras.Sequential([keras.Input((3, 4)), keras.layers.Normalization(mean=1.5, variance=2.0)])
    given.save(tmp_path / f"g{ext}")
    ours = vm.load_model(tmp_path / f"g{ext}")
    assert ours.layers[0].get_weights() == []  # given statistics are arguments, not weights, in Keras's files
    np.testing.assert_allclose(ours.predict(DATA, verbose=0), given.predict(DATA, verbose=0), atol=1e-5)
