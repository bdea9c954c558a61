"""`visualnet train` on a sequence set whose recipe asks for per-batch padding
(`pad_per_batch`): the command gives training the same lengths the Train page's data panel
gives it, so the same seed gives the page's weights (and not those of padding to the longest)."""

import copy

import numpy as np
import pytest

import visualnet
from visualnet import data, layers
from visualnet.cli.settings import settings_of
from visualnet.cli.train import batch_padding
from visualnet.data.sequence_sets import batch_padding as sequence_batch_padding
from visualnet.engine.model import Model
from visualnet.engine.rng import set_seed
from visualnet.engine.run_config import TrainingConfig
from visualnet.engine.session import TrainingSession
from visualnet.io import Project, open_project, save_project
from visualnet.resources import resource_path
from visualnet.workspace.runs import model_weights

CONFIG = TrainingConfig(optimizer="adam", optimizer_params={"learning_rate": 0.01}, loss="binary_crossentropy",
                        metrics=["accuracy"], batch_size=32, epochs=1, seed=5)


def sequence_recipe(**options):
    return data.Recipe({"type": "sequence_files",
                        "path": str(resource_path("datasets", "sequences", "IndoorMovement.zip")),
                        "options": {"targets": "dataset/MovementAAL_target.csv",
                                    "pattern": "dataset/MovementAAL_RSS_*.csv", **options}},
                       split={"test": 0.2, "seed": 0})


def masked_lstm_graph():
    model = visualnet.Sequential([layers.Input((129, 4)), layers.Masking(mask_value=0.0), layers.LSTM(6),
                                  layers.Dense(1, activation="sigmoid")])
    return model.to_graph()


@pytest.fixture
def sequence_project(tmp_path):
    graph = masked_lstm_graph()   # one graph: the same node ids in both projects

    def make(pad_per_batch: bool):
        recipe = data.prepare(sequence_recipe(pad_per_batch=pad_per_batch)).recipe
        path = tmp_path / f"movement_{pad_per_batch}.vnet"
        save_project(Project(graph, recipe, settings_of(CONFIG)), path)
        return path
    return make


def train_as_the_page_does(path):
    """The Train page's session without Qt: its data panel's `batch_padding()` (the recipe's
    lengths of the training samples) given to the session."""
    project = open_project(path)
    prepared = data.prepare(project.recipe)
    set_seed(CONFIG.seed)
    model = Model.from_graph(project.graph)
    padding = sequence_batch_padding(prepared.recipe.source, prepared.dataset.x[prepared.train.indices])
    TrainingSession(model, *prepared.train, copy.deepcopy(CONFIG), batch_padding=padding).run()
    return model_weights(model), padding


def test_the_command_pads_each_batch_as_the_train_page_does(sequence_project, cli):
    path = sequence_project(True)
    expected, padding = train_as_the_page_does(path)
    assert padding is not None and padding.lengths.min() < 30      # most batches are far shorter than 129
    code, _, err = cli("train", path, "--json", "--allow-outside-data")
    assert code == 0, err
    saved = open_project(path).weights
    for nid, arrays in expected.items():
        for name, array in arrays.items():
            np.testing.assert_array_equal(saved[nid][name], array)
    # without the option the same seed trains other numbers (shuffled batches differ): the test can fail
    plain = sequence_project(False)
    assert cli("train", plain, "--json", "--allow-outside-data")[0] == 0
    other = open_project(plain).weights
    assert any(not np.array_equal(other[nid][name], array) for nid, arrays in expected.items()
               for name, array in arrays.items())


def test_the_padding_covers_the_training_samples_and_a_subset():
    prepared = data.prepare(sequence_recipe(pad_per_batch=True))
    x, _ = prepared.train
    assert len(batch_padding(prepared)) == len(x)
    assert len(batch_padding(prepared, 40)) == 40 and batch_padding(prepared, True) is not None
    assert batch_padding(data.prepare(sequence_recipe())) is None
    assert batch_padding(data.prepare(data.Recipe.builtin("iris"))) is None
