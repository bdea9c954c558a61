"""A small trained-from-scratch project: the tabular template reshaped for the built-in iris
data (4 features, 3 classes), with Adam and a seed; `cli(...)` runs a command in-process."""

from __future__ import annotations

import pytest

from visualnet import data
from visualnet.cli.settings import settings_of
from visualnet.engine.run_config import TrainingConfig
from visualnet.graph.templates import load_template
from visualnet.io import Project, save_project

CONFIG = TrainingConfig(optimizer="adam", optimizer_params={"learning_rate": 0.01},
                        loss="sparse_categorical_crossentropy", metrics=["accuracy"], batch_size=16, epochs=3,
                        seed=7)


def iris_graph():
    graph = load_template("tabular_binary")
    for node in graph.nodes.values():
        if node.type == "Input":
            node.params["shape"] = (4,)
        if node.name == "dense_2":
            node.params.update(units=3, activation="softmax")
    return graph


@pytest.fixture
def iris_project(tmp_path):
    recipe = data.prepare(data.Recipe.builtin("iris", steps=[data.Standardize().get_config()])).recipe
    path = tmp_path / "iris.vnet"
    save_project(Project(iris_graph(), recipe, settings_of(CONFIG)), path)
    return path


@pytest.fixture
def cli(capsys):
    """cli(*args) -> (exit status, stdout, stderr) of `visualnet *args`, run in this process."""
    from visualnet.__main__ import main

    def run(*args):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:       # argparse: --version, bad arguments
            code = exc.code
        out, err = capsys.readouterr()
        return code, out, err

    return run
