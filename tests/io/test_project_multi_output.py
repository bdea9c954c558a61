"""A project of a model with several outputs (issue 23): the data recipe's column mapping,
the losses, metrics and loss weights by output name round-trip; a bad per-output loss is a
clean error naming it; the built model compiles with them."""

import pytest

from visualnet.data.recipe import Recipe, prepare
from visualnet.graph.templates import load_template
from visualnet.io.errors import ProjectFileError
from visualnet.io.project import Project, open_project, save_project

MEASUREMENTS = ["length", "diameter", "height", "whole_weight", "shucked_weight", "viscera_weight", "shell_weight"]
TRAINING = {"optimizer": "adam", "loss": {"sex": "sparse_categorical_crossentropy", "rings": "mean_squared_error"},
            "metrics": {"sex": ["accuracy"], "rings": ["mean_absolute_error"]},
            "loss_weights": {"sex": 1.0, "rings": 0.25}}


def recipe():
    return prepare(Recipe.builtin("abalone", mapping={
        "inputs": {"measurements": {"columns": MEASUREMENTS}},
        "outputs": {"sex": {"column": "sex"}, "rings": {"column": "rings", "task": "regression"}}})).recipe


def test_the_mapping_and_per_output_settings_round_trip(tmp_path):
    path = tmp_path / "two.vnet"
    r = recipe()
    save_project(Project(load_template("two_headed_table"), r, dict(TRAINING)), path)
    project = open_project(path)
    assert project.recipe.mapping == r.mapping and project.recipe.fitted["mapping"] == r.fitted["mapping"]
    assert {k: project.training[k] for k in TRAINING} == TRAINING
    model = project.build_model()
    assert model.compiled.outputs.weights == [1.0, 0.25]
    assert project.recipe.is_fitted


def test_a_bad_per_output_loss_is_a_clean_error(tmp_path):
    path = tmp_path / "bad.vnet"
    save_project(Project(load_template("two_headed_table"), recipe(),
                         {**TRAINING, "loss": {"sex": "no_such_loss", "rings": "mse"}}), path)
    with pytest.raises(ProjectFileError, match="no_such_loss"):
        open_project(path)
