"""The data panel's Target choice (the labels / the input itself): picking the input trains
the convolutional autoencoder template to reproduce its images, the choice is saved with the
recipe in the project and comes back on open, and the data checks then hold the output's
shape against the input's, with a fix."""

import numpy as np

from visualnet.gui.commands import SetParamsCommand
from visualnet.io.project import open_project

from .test_training import choose, click, wait_state


def pick(target_combo, text):
    """Choose an item as a user does (a choice by the user emits `activated`)."""
    index = target_combo.findText(text)
    assert index >= 0, text
    target_combo.setCurrentIndex(index)
    target_combo.activated.emit(index)


def test_the_input_as_target_trains_the_conv_autoencoder_and_is_saved(qtbot, page, tmp_path):
    choose(qtbot, page, "mnist", "conv_autoencoder", samples=320)
    target = page.data_panel.target
    assert target.value() == "labels" and page.prepared.recipe.target == "labels"
    assert any(p.code.startswith("data_") for p in page.problems.problems)   # 10 classes vs a 28x28x1 image
    pick(target, "the input itself")
    assert page.prepared.recipe.target == "input"
    np.testing.assert_array_equal(page.prepared.train.y, page.prepared.train.x)
    assert [p for p in page.problems.problems if p.code.startswith("data_")] == []
    page.settings.set_loss("binary_crossentropy")
    page.settings.epochs.setValue(1)
    click(qtbot, page, "train")
    wait_state(qtbot, page, "finished", timeout=240000)
    losses = page.project_runs()[0].curves["batch/loss"]
    assert len(losses) == 10 and np.all(np.isfinite(losses))
    assert losses[-3:].mean() < losses[:3].mean()          # it learns to reproduce its input

    path = tmp_path / "autoencoder.vnet"
    assert page.window.files.save_to(path, wait=True)
    assert open_project(path).recipe.target == "input"
    pick(target, "the labels")
    assert page.prepared.recipe.target == "labels"
    assert page.data_panel.set_recipe(open_project(path).recipe)
    assert target.value() == "input" and page.prepared.recipe.target == "input"


def test_an_output_of_another_shape_than_the_input_is_a_problem_with_a_fix(qtbot, page):
    choose(qtbot, page, "mnist", "conv_autoencoder", samples=320)
    pick(page.data_panel.target, "the input itself")
    graph = page.document.graph
    last = graph.output_nodes()[0]
    page.document.push(SetParamsCommand(graph, last.id, {"filters": 3}))
    qtbot.waitUntil(lambda: any(p.code == "data_reconstruction_shape" for p in page.problems.problems), timeout=10000)
    problem = next(p for p in page.problems.problems if p.code == "data_reconstruction_shape")
    assert "(28, 28, 1)" in problem.message and "(28, 28, 3)" in problem.message
    assert problem.fix == "set_params" and problem.detail["params"] == {"filters": 1}
