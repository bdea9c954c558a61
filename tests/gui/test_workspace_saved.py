"""File ▸ Save writes the training workspace (issue 28): the workspace, not the page, is the
File controller's contributor, and every edit of the page's forms reaches it at once."""

from __future__ import annotations

from .test_training import choose


def test_the_file_controller_saves_the_workspace_as_the_forms_show_it(qtbot, page):
    files = page.window.files
    assert page.workspace.contribute in files.contributors
    choose(qtbot, page, "iris", "tabular_binary", samples=90)
    page.settings.epochs.setValue(7)
    page.settings.optimizer_editors["learning_rate"].setText("0.0125")
    page.settings.early.setChecked(True)
    project = files.snapshot()
    assert project.recipe is page.prepared.recipe
    assert project.training["epochs"] == 7 and project.training["training_samples"] == 90
    assert project.training["form"]["optimizer_params"]["learning_rate"] == "0.0125"
    assert project.training["form"]["early_stopping"]["enabled"] is True
    page.settings.optimizer.setCurrentIndex(page.settings.optimizer.findData("sgd"))   # new editors, watched too
    page.settings.optimizer_editors["momentum"].setText("0.5")
    form = files.snapshot().training["form"]
    assert form["optimizer"] == "sgd" and form["optimizer_params"]["momentum"] == "0.5"
