"""The Keras-compatible façade `visualnet.models`: the engine's models plus Keras's file
methods; the engine's own models know no files."""

import numpy as np
import pytest

from visualnet import layers, models
from visualnet.engine.model import Model as EngineModel
from visualnet.engine.sequential import Sequential as EngineSequential


def _sequential():
    model = models.Sequential([layers.Input((4,)), layers.Dense(5, activation="relu", name="h"),
                               layers.Dense(2, name="out")], name="seq")
    model.compile(optimizer="adam", loss="mse")
    return model


def _x():
    return np.random.default_rng(0).normal(size=(6, 4)).astype(np.float32)


def test_the_facade_adds_files_to_the_engine_models():
    assert issubclass(models.Model, EngineModel) and issubclass(models.Sequential, EngineSequential)
    assert not hasattr(EngineModel, "save") and not hasattr(EngineModel, "load_weights")


@pytest.mark.parametrize("ext", [".keras", ".h5"])
def test_load_model_gives_a_model_that_saves_again(tmp_path, ext):
    model, x = _sequential(), _x()
    model.fit(x, np.ones((6, 2), np.float32), epochs=1, verbose=0)
    model.save(tmp_path / f"m{ext}")
    loaded = models.load_model(tmp_path / f"m{ext}")
    assert type(loaded) is models.Sequential and loaded.optimizer is not None
    loaded.save(tmp_path / f"again{ext}")
    again = models.load_model(tmp_path / f"again{ext}")
    np.testing.assert_array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))


def test_functional_models_and_weights_files(tmp_path):
    inp = layers.Input((4,))
    model = models.Model(inp, layers.Dense(3)(layers.Dense(5)(inp)))
    model.save(tmp_path / "f.keras")
    assert type(models.load_model(tmp_path / "f.keras")) is models.Model
    model.save_weights(tmp_path / "f.weights.h5")
    other = models.Model.from_graph(model.to_graph())
    other.load_weights(tmp_path / "f.weights.h5")
    np.testing.assert_array_equal(other.predict(_x(), verbose=0), model.predict(_x(), verbose=0))


def test_from_graph_honours_the_class_and_keeps_node_ids():
    model = _sequential()
    graph = model.to_graph()
    functional = models.Model.from_graph(graph)
    sequential = models.Sequential.from_graph(graph, name="again")
    assert type(functional) is models.Model and type(sequential) is models.Sequential
    assert sequential.to_graph().nodes.keys() == graph.nodes.keys()
    assert [l.name for l in sequential.layers] == ["h", "out"]
    sequential.add(layers.Dense(1))  # still a working Sequential
    assert sequential.output_shape == (None, 1)


def test_sequential_from_graph_refuses_a_branching_graph():
    inp = layers.Input((4,))
    a, b = layers.Dense(3)(inp), layers.Dense(3)(inp)
    with pytest.raises(ValueError, match="not a linear stack"):
        models.Sequential.from_graph(models.Model(inp, layers.Add()([a, b])).to_graph())
