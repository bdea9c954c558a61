"""compile()'s loss_weights kept by the files: `.keras` and `.h5` write them as Keras's
compile_config does (real Keras evaluates the loaded model to the same weighted loss), reading
a file compiles with them, and a project made from a compiled model keeps them."""

from __future__ import annotations

import numpy as np
import pytest

import visualnet
from visualnet.io.project import Project

keras = pytest.importorskip("keras")

RNG = np.random.default_rng(0)
X = RNG.normal(size=(16, 4)).astype("float32")
Y = RNG.normal(size=(16, 1)).astype("float32")


def _model(loss_weights):
    visualnet.utils.set_random_seed(0)
    model = visualnet.Sequential([visualnet.Input((4,)), visualnet.layers.Dense(1, name="out")])
    model.compile(optimizer="sgd", loss="mean_squared_error", loss_weights=loss_weights)
    return model


@pytest.mark.parametrize("loss_weights", [0.5, [0.25], {"out": 2.0}], ids=["float", "list", "dict"])
@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_a_weighted_loss_survives_the_file_both_ways(loss_weights, suffix, tmp_path):
    model = _model(loss_weights)
    path = tmp_path / f"m{suffix}"
    model.save(path)
    expected = float(model.evaluate(X, Y, verbose=0))
    unweighted = float(np.mean((model.predict(X, verbose=0) - Y) ** 2))
    assert expected != pytest.approx(unweighted)                  # the weight changes the loss
    assert float(keras.models.load_model(path).evaluate(X, Y, verbose=0)) == pytest.approx(expected, rel=1e-5)
    assert float(visualnet.models.load_model(path).evaluate(X, Y, verbose=0)) == pytest.approx(expected, rel=1e-6)


def test_a_project_made_from_a_compiled_model_keeps_its_loss_weights():
    model = _model([0.25])
    project = Project.from_model(model)
    assert project.training["loss_weights"] == [0.25]
    rebuilt = project.build_model()
    assert float(rebuilt.evaluate(X, Y, verbose=0)) == pytest.approx(float(model.evaluate(X, Y, verbose=0)), rel=1e-6)


def test_a_weighted_loss_object_is_written_as_the_loss_it_weights(tmp_path):
    model = visualnet.Sequential([visualnet.Input((4,)), visualnet.layers.Dense(1, name="out")])
    model.compile(optimizer="sgd", loss=visualnet.losses.Huber(delta=0.5), loss_weights=0.5)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert float(loaded.evaluate(X, Y, verbose=0)) == pytest.approx(float(model.evaluate(X, Y, verbose=0)), rel=1e-5)
    assert Project.from_model(model).build_model().compiled.loss_weights == 0.5


def test_a_project_of_a_model_compiled_with_a_loss_object_builds_again():
    model = visualnet.Sequential([visualnet.Input((4,)), visualnet.layers.Dense(1, name="out")])
    model.compile(optimizer="sgd", loss=visualnet.losses.Huber(delta=0.5))
    rebuilt = Project.from_model(model).build_model()   # the loss kept as its config
    assert rebuilt.compiled.loss_fn.get_config()["delta"] == 0.5
    assert float(rebuilt.evaluate(X, Y, verbose=0)) == pytest.approx(float(model.evaluate(X, Y, verbose=0)), rel=1e-6)
