"""`visualnet train`: the Train page's numbers for the same seed, the run saved as the app
saves it, `--json` lines, overrides, and Ctrl+C stopping after a batch and saving."""

import copy
import json
import os
import signal
import subprocess
import sys

import numpy as np

from visualnet import data
from visualnet.engine.model import Model
from visualnet.engine.rng import set_seed
from visualnet.engine.session import TrainingSession
from visualnet.graph import to_dict
from visualnet.io import open_project
from visualnet.workspace.controller import TrainingController
from visualnet.workspace.runs import model_weights, record_from_run
from visualnet.workspace.training import TrainingWorkspace

from .conftest import CONFIG


def train_as_the_page_does(project_path):
    """The Train page's `train()` without Qt: seed, model, session, controller, record."""
    project = open_project(project_path)
    prepared = data.prepare(project.recipe)
    workspace = TrainingWorkspace()
    set_seed(CONFIG.seed)
    model = Model.from_graph(project.graph)
    session = TrainingSession(model, *prepared.train, copy.deepcopy(CONFIG))
    workspace.begin_run(model, session, None, to_dict(project.graph), prepared.recipe.to_dict())
    workspace.controller = TrainingController(session)
    workspace.controller.run()
    workspace.record_run()
    return model_weights(model), workspace


def test_same_seed_gives_the_train_pages_weights_and_the_run_is_saved_as_the_app_saves_it(iris_project, cli):
    expected, workspace = train_as_the_page_does(iris_project)
    code, out, err = cli("train", iris_project, "--json")
    assert code == 0, err
    saved = open_project(iris_project)
    assert saved.weights.keys() == expected.keys()
    for nid, arrays in expected.items():
        for name, array in arrays.items():
            np.testing.assert_array_equal(saved.weights[nid][name], array)
    assert saved.optimizer is not None and int(saved.optimizer.arrays["iterations"]) == 3 * 8
    record = record_from_run(saved.runs[-1])         # what the app's Runs tab reads back
    assert record["history"]["status"] == "finished" and record["test"]["accuracy"] >= 0
    assert record["history"]["epoch"]["loss"] == workspace.runs[0]["history"]["epoch"]["loss"]
    lines = [json.loads(line) for line in out.splitlines()]
    assert [row["epoch"] for row in lines] == [1, 2, 3] and all(row["epochs"] == 3 for row in lines)
    assert lines[-1]["loss"] == record["history"]["epoch"]["loss"][-1] and "accuracy" in lines[-1]


def test_overrides_output_and_continuing_from_the_trained_weights(iris_project, tmp_path, cli):
    out = tmp_path / "more.vnet"
    assert cli("train", iris_project, "--epochs", 1, "--batch-size", 40, "--learning-rate", 0.05, "--seed", 3,
               "-o", out, "--json")[0] == 0
    first = open_project(out)
    assert len(first.runs) == 1 and int(first.optimizer.arrays["iterations"]) == 3
    settings = first.runs[0].info["settings"]
    assert settings["batch_size"] == 40 and settings["optimizer_params"]["learning_rate"] == 0.05
    code, _, err = cli("train", out, "--epochs", 1, "--batch-size", 40, "--json")
    assert code == 0 and "continues from iteration 3" in err
    again = open_project(out)
    assert len(again.runs) == 2 and int(again.optimizer.arrays["iterations"]) == 6
    assert not open_project(iris_project).runs                  # the input is left as it was


def test_ctrl_c_stops_after_the_batch_and_saves_a_stopped_run(iris_project, tmp_path):
    out = tmp_path / "stopped.vnet"
    proc = subprocess.Popen([sys.executable, "-m", "visualnet", "train", str(iris_project), "--epochs", "100000",
                             "--json", "-o", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        first = json.loads(proc.stdout.readline())
        assert first["epoch"] == 1
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    saved = open_project(out)
    assert saved.runs[-1].info["status"] == "stopped" and saved.weights and saved.optimizer is not None
    assert "Traceback" not in err


def test_a_diverging_run_exits_1_and_is_recorded_without_its_weights(iris_project, cli):
    code, _, err = cli("train", iris_project, "--learning-rate", 1e30, "--json")
    assert code == 1 and "the loss became" in err
    saved = open_project(iris_project)
    assert saved.runs[-1].info["status"] == "diverged" and not saved.weights
