"""Issue 27: Keras files with NaN or infinite weights are refused on reading, as projects
refuse them, naming the layer and the weight."""

import numpy as np
import pytest

from visualnet.io import KerasFileError
from visualnet.io.keras_files import import_keras_model, load_model, load_weights, save_model, save_weights

from .helpers import mlp, randomize


def _poisoned(value):
    model = mlp()
    randomize(model)
    layer = model.get_layer("hidden")
    kernel, bias = layer.get_weights()
    kernel[2, 3] = value
    layer.set_weights([kernel, bias])
    return model


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_load_model_refuses_nonfinite_weights(tmp_path, suffix, value):
    path = tmp_path / f"m{suffix}"
    save_model(_poisoned(value), path)
    with pytest.raises(KerasFileError, match=r"weight 'kernel' of layer 'hidden' holds NaN or infinite"):
        load_model(path)
    with pytest.raises(KerasFileError, match=r"weight 'kernel' of layer 'hidden' holds NaN or infinite"):
        import_keras_model(path)


def test_load_weights_refuses_nonfinite_and_leaves_model_unchanged(tmp_path):
    path = tmp_path / "m.weights.h5"
    save_weights(_poisoned(np.nan), path)
    target = mlp()
    randomize(target, seed=5)
    before = [w.copy() for w in target.get_weights()]
    with pytest.raises(KerasFileError, match=r"weight 'kernel' of layer 'hidden'"):
        load_weights(target, path)
    for a, b in zip(before, target.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_finite_weights_still_load(tmp_path):
    model = mlp()
    randomize(model)
    save_model(model, tmp_path / "m.keras")
    again = load_model(tmp_path / "m.keras")
    for a, b in zip(model.get_weights(), again.get_weights()):
        np.testing.assert_array_equal(a, b)
