"""Normal use never ends in a crash dialog (issue 26), with real files: a Keras model or a
project whose input shape differs from the data chosen shows the mismatch with its fixes;
a project whose recipe has an option this version does not know opens, says what was not
understood, and is saved again with nothing lost; quitting after moving a layer and
saving prints no 'already deleted' traceback."""

from __future__ import annotations

import gc
import json

import h5py
import numpy as np
from PySide6.QtCore import QCoreApplication, QEvent, Qt

import visualnet as keras
from visualnet import data, layers
from visualnet.graph.templates import get_template
from visualnet.gui.main_window import MainWindow
from visualnet.gui.training import install
from visualnet.io import project as project_file
from visualnet.io.project import Project, Run, open_project, save_project

LEFT = Qt.MouseButton.LeftButton


def hand_edit(path, name: str, edit) -> None:
    """Change the JSON text `name` of a saved project as a newer version (or a person with
    h5py) would, keeping the file's checksums consistent."""
    with h5py.File(path, "a") as f:
        value = json.loads(f[name][()].decode())
        edit(value)
        del f[name]
        project_file._text(f, name, json.dumps(value))
        project_file._seal(f)


def test_a_keras_model_or_project_for_other_data_shows_the_mismatch_with_its_fix(qtbot, window, tmp_path):
    page = install(window)
    window.files.quiet = True
    window.pages.setCurrentWidget(page)
    page.select_dataset("mnist")
    model = keras.Sequential([keras.Input((20,)), layers.Dense(8, activation="relu"),
                              layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.save(tmp_path / "m20.keras")
    assert window.files.open_path(tmp_path / "m20.keras")
    codes = [p.code for p in page.problems.problems]
    assert "data_input_shape" in codes and not page.problems.ok_label.isVisible()
    assert window.files.save_to(tmp_path / "m20.vnet", wait=True)

    window.new_model()
    page.select_dataset("mnist")
    assert window.files.open_path(tmp_path / "m20.vnet")        # trained weights for (20,), data (28, 28, 1)
    assert page.model is not None and page.prepared is not None
    page.tabs.setCurrentWidget(page.inside)
    qtbot.wait(20)
    box = page.problems
    index = [p.code for p in box.problems].index("data_input_shape")
    button = box.fix_buttons[index]
    assert button.isVisibleTo(box) and "(28, 28, 1)" in button.text()
    qtbot.mouseClick(button, LEFT)
    assert "data_input_shape" not in [p.code for p in page.problems.problems]


def test_a_recipe_option_this_version_does_not_know_opens_and_is_saved_back_whole(qtbot, window, tmp_path):
    page = install(window)
    window.files.quiet = True
    path = tmp_path / "newer.vnet"
    training = {"optimizer": "adam", "loss": "sparse_categorical_crossentropy", "metrics": ["accuracy"],
                "epochs": 7, "batch_size": 16}
    run = Run({"note": "the first run"}, {"epoch/loss": np.array([1.0, 0.5])})
    save_project(Project(get_template("mnist_mlp").load(), data.Recipe.builtin("mnist"), training, runs=[run]), path)
    hand_edit(path, "data_recipe", lambda r: r["source"]["params"].update(future_knob=3))
    hand_edit(path, "training", lambda t: t.update(future_setting={"on": True}))
    with h5py.File(path, "a") as f:                               # and a part of its own
        project_file._text(f, "notes", json.dumps({"text": "from a newer version"}))
        project_file._seal(f)

    assert window.files.open_path(path)                          # no exception from set_recipe
    log = page.log.toPlainText()
    assert "does not understand the recipe" in log and "future_knob" in log
    assert "future_setting" in log
    assert "was not loaded" in page.data_panel.description.text()
    assert len(page.runs) == 1 and page.settings.epochs.value() == 7 and page.settings.batch_size.value() == 16

    assert window.files.save_to(tmp_path / "again.vnet", wait=True)
    again = open_project(tmp_path / "again.vnet")
    assert again.recipe.source["params"] == {"future_knob": 3}
    assert again.training["future_setting"] == {"on": True}
    assert again.training["epochs"] == 7 and again.training["batch_size"] == 16
    assert len(again.runs) == 1 and again.runs[0].info["note"] == "the first run"
    assert json.loads(again.metadata[project_file.KEPT]["/notes"].decode()) == {"text": "from a newer version"}


def test_a_recipe_step_this_version_cannot_read_opens_the_rest_and_is_kept(qtbot, window, tmp_path):
    page = install(window)
    window.files.quiet = True
    path = tmp_path / "newer_step.vnet"
    run = Run({"note": "kept"}, {"epoch/loss": np.array([1.0, 0.5])})
    save_project(Project(get_template("mnist_mlp").load(), data.Recipe.builtin("mnist"), {"epochs": 4}, runs=[run]),
                 path)
    hand_edit(path, "data_recipe", lambda r: r["steps"].append({"step": "denoise", "strength": 2}))
    with h5py.File(path, "r") as f:
        written = json.loads(f["data_recipe"][()].decode())

    assert window.files.open_path(path)
    log = page.log.toPlainText()
    assert "data recipe is invalid" in log and "denoise" in log and "kept in the project" in log
    assert "was not loaded" in page.data_panel.description.text()
    assert len(page.runs) == 1 and page.settings.epochs.value() == 4
    assert not page.train()                                      # nothing to train on until data is chosen

    assert window.files.save_to(tmp_path / "again.vnet", wait=True)
    with h5py.File(tmp_path / "again.vnet", "r") as f:
        assert json.loads(f["data_recipe"][()].decode()) == written
    page.select_dataset("mnist")                                 # a choice of data replaces it
    assert window.files.save_to(tmp_path / "chosen.vnet", wait=True)
    assert isinstance(open_project(tmp_path / "chosen.vnet").recipe, data.Recipe)


def test_quitting_after_moving_a_layer_and_saving_prints_no_traceback(qtbot, qapp, tmp_path):
    MainWindow.ask_before_discarding = False
    window = MainWindow()
    window.files.quiet = True
    window.show()
    qtbot.waitExposed(window)
    window.load_template("mnist_mlp")
    first = next(iter(window.graph.nodes))
    window.scene.select([first])
    window.nudge(20, 0)
    assert window.files.save_to(tmp_path / "moved.vnet", wait=True)
    window.nudge(20, 0)
    assert window.files.save_to(tmp_path / "moved.vnet", wait=True)
    window.close()
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)   # deleted now: pytest-qt sees any traceback
    qapp.processEvents()
    gc.collect()
