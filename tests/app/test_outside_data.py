"""A project whose data recipe names a file outside the project's folder does not read it
silently on open: the app asks, and a No keeps the recipe in the project unread."""

import numpy as np
from PySide6.QtWidgets import QMessageBox

from visualnet.gui.training import install
from visualnet.io.project import open_project

YES, NO = QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No


def saved_project(make_window, folder, data_folder):
    """A project in `folder` trained on a CSV table in `data_folder`."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 3))
    data_folder.mkdir(exist_ok=True)
    csv = data_folder / "secret.csv"
    csv.write_text("a,b,c,label\n" + "".join(f"{r[0]:.4f},{r[1]:.4f},{r[2]:.4f},{int(r[0] > 0)}\n" for r in x))
    window = make_window()
    page = install(window)
    assert page.data_panel.import_file(csv)
    folder.mkdir(exist_ok=True)
    path = folder / "p.vnet"
    assert window.files.save_to(path, wait=True)
    return path, page.prepared.recipe.to_dict()


def test_data_outside_the_folder_is_read_only_after_a_yes(make_window, answers, tmp_path):
    path, recipe = saved_project(make_window, tmp_path / "project", tmp_path / "elsewhere")

    declined = make_window()
    page = install(declined)
    answers.replies.append(NO)
    assert declined.files.open_path(path)
    title, text = answers.questions[-1]
    assert "outside the project" in title and "secret.csv" in text
    assert page.prepared is None and "reading it was declined" in page.log.toPlainText()
    assert declined.files.save_to(tmp_path / "project" / "again.vnet", wait=True)
    assert open_project(tmp_path / "project" / "again.vnet").recipe.to_dict() == recipe    # kept, unread

    agreed = make_window()
    page = install(agreed)
    answers.replies.append(YES)
    assert agreed.files.open_path(path)
    assert page.prepared is not None and page.prepared.recipe.to_dict() == recipe


def test_data_in_the_project_folder_opens_without_a_question(make_window, answers, tmp_path):
    path, recipe = saved_project(make_window, tmp_path, tmp_path / "data")
    window = make_window()
    page = install(window)
    assert window.files.open_path(path)          # Answers raises on any question
    assert not answers.questions and page.prepared.recipe.to_dict() == recipe
