"""The app opens what `visualnet train` saved: the run in its history, the trained weights
and optimizer state to continue from, the data recipe loaded."""


def test_the_app_opens_the_trained_project_with_its_run(iris_project, cli, qtbot):
    from visualnet.gui.app import build_window

    assert cli("train", iris_project, "--json")[0] == 0
    window = build_window()
    window.ask_before_discarding = False
    qtbot.addWidget(window)
    assert window.files.open_path(iris_project)
    page = window.training_page
    assert page.prepared is not None and page.prepared.recipe.source["name"] == "iris"
    assert [run["history"]["status"] for run in page.runs] == ["finished"] and page.runs_table.rowCount() == 1
    assert page.model is not None and page.workspace.saved_optimizer is not None
    assert page.continue_check.isChecked() and page.continue_check.isEnabled()
