"""The File menu with real widgets: save, modify, revert, reopen, the unsaved-changes prompt,
broken files, large saves on the worker thread, Keras import/export and code export."""

import ast
import os

import numpy as np
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox

from visualnet.graph import to_dict
from visualnet.io.project import Project, open_project, save_project

B = QMessageBox.StandardButton


def modify(window):
    """One undoable edit: duplicate the first layer."""
    window.scene.select([next(iter(window.graph.nodes))])
    window.actions["duplicate"].trigger()
    assert window.isWindowModified()


def test_save_modify_revert_and_reopen(window, answers, tmp_path):
    window.load_template("mnist_cnn")
    saved_nodes = len(window.graph.nodes)
    answers.save_names.append(tmp_path / "cnn")          # Save As appends .vnet
    window.actions["save"].trigger()                       # untitled: Save asks for a name
    path = tmp_path / "cnn.vnet"
    assert path.exists() and window.document.path == path
    assert window.windowTitle() == "cnn.vnet[*] — VisualNet" and not window.isWindowModified()
    assert not window.actions["revert"].isEnabled()

    modify(window)
    assert len(window.graph.nodes) == saved_nodes + 1
    assert window.actions["revert"].isEnabled()
    answers.replies.append(B.Discard)                      # "Revert to saved?" -> yes
    window.actions["revert"].trigger()
    assert answers.questions[-1][0] == "Revert to saved?"
    assert len(window.graph.nodes) == saved_nodes and not window.isWindowModified()

    modify(window)
    answers.replies.append(B.Save)                         # closing: "Save changes?" -> Save
    window.actions["close"].trigger()
    assert answers.questions[-1][0] == "Save changes?"
    assert not window.graph.nodes and window.windowTitle() == "Untitled[*] — VisualNet"
    assert len(open_project(path).graph.nodes) == saved_nodes + 1
    assert (tmp_path / "cnn.vnet.bak").exists()            # the previous version is kept

    # reopen through File > Open Recent
    window.files.recent_menu.aboutToShow.emit()
    entries = [a for a in window.files.recent_menu.actions() if a.toolTip() == str(path)]
    assert len(entries) == 1
    entries[0].trigger()
    assert len(window.graph.nodes) == saved_nodes + 1 and window.document.path == path
    assert not window.isWindowModified()


def test_unsaved_changes_prompt_cancel_and_discard(window, answers):
    window.load_template("tabular_binary")
    modify(window)
    before = to_dict(window.graph)
    answers.replies.append(B.Cancel)
    window.actions["new"].trigger()
    assert to_dict(window.graph) == before and window.isWindowModified()
    answers.replies.append(B.Cancel)
    window.close()
    assert window.isVisible()                               # closing was cancelled
    answers.replies.append(B.Cancel)
    window.load_template("mnist_mlp")
    assert to_dict(window.graph) == before
    answers.replies.append(B.Discard)
    window.close()
    assert not window.isVisible()
    assert [q[0] for q in answers.questions] == ["Save changes?"] * 4


def test_save_in_the_prompt_that_fails_keeps_the_window_open(window, answers, tmp_path):
    window.load_template("tabular_binary")
    modify(window)
    answers.replies.append(B.Save)
    answers.save_names.append(tmp_path / "no such folder" / "m.vnet")
    window.close()
    assert window.isVisible() and window.isWindowModified()
    assert answers.warnings and "could not be written" in answers.warnings[-1][1]


@pytest.mark.parametrize("content", [b"", b"not a project at all", b"\x89HDF\r\n\x1a\n" + b"\0" * 100])
def test_a_broken_file_gives_a_message_and_changes_nothing(window, answers, tmp_path, content):
    window.load_template("two_branch")
    modify(window)
    before = to_dict(window.graph)
    path = tmp_path / "broken.vnet"
    path.write_bytes(content)
    assert window.files.open_path(path) is False
    assert to_dict(window.graph) == before and window.isWindowModified()
    title, text = answers.warnings[-1]
    assert title == "Open Project" and "broken.vnet" in text and "Traceback" not in text
    assert answers.questions == []                          # nothing was about to be discarded


def test_a_newer_format_version_is_refused_with_a_message(window, answers, tmp_path):
    import h5py

    path = tmp_path / "future.vnet"
    window.load_template("mnist_mlp")
    window.files.save_to(path)
    with h5py.File(path, "r+") as f:
        f.attrs["format_version"] = 99
    window.files.close_project()
    assert not window.files.open_path(path)
    assert "newer VisualNet" in answers.warnings[-1][1]
    assert not window.graph.nodes


def test_what_the_canvas_does_not_show_survives_open_and_save(window, tmp_path):
    """Weights, optimizer state and runs of an opened project are saved again unchanged."""
    from visualnet.engine.model import Model
    from visualnet.graph.templates import load_template

    graph = load_template("tabular_binary")
    model = Model.from_graph(graph)
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    x = np.random.default_rng(0).normal(size=(64, 8)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    history = model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    from visualnet.io.project import Run
    path = tmp_path / "trained.vnet"
    save_project(Project.from_model(model, runs=[Run.from_history(history)], graph=graph), path)

    assert window.files.open_path(path)
    other = tmp_path / "copy.vnet"
    assert window.files.save_to(other)
    copy = open_project(other)
    assert copy.optimizer is not None and len(copy.runs) == 1
    np.testing.assert_allclose(copy.build_model().predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)


def test_a_large_save_runs_on_the_worker_thread_and_edits_during_it_stay_unsaved(window, qtbot, tmp_path):
    window.load_template("mnist_mlp")
    window.files.background_bytes = 0
    # big weights so the write takes a while
    dense = next(n for n in window.graph.nodes.values() if n.type == "Dense")
    window.files.parts.weights = {}
    from visualnet.engine.model import Model
    model = Model.from_graph(window.graph)
    window.files.parts = Project.from_model(model, graph=window.graph)
    assert dense.id in window.files.parts.weights
    ticks = []
    timer = QTimer(interval=5, timeout=lambda: ticks.append(1))
    timer.start()
    path = tmp_path / "big.vnet"
    assert window.files.save_to(path) is True             # returns at once: the worker writes
    assert window.files.busy and not window.actions["save"].isEnabled()
    modify(window)                                        # an edit while the file is written
    qtbot.waitUntil(lambda: not window.files.busy, timeout=20000)
    timer.stop()
    assert path.exists() and window.document.path == path
    assert window.isWindowModified()                      # the edit is not in the file
    assert len(open_project(path).graph.nodes) == len(window.graph.nodes) - 1
    assert window.actions["save"].isEnabled()
    window.files.save(wait=True)
    assert not window.isWindowModified()


def test_keras_export_import_and_code_export(window, answers, tmp_path):
    window.load_template("mnist_cnn")
    keras_path, h5_path = tmp_path / "cnn.keras", tmp_path / "cnn.h5"
    answers.save_names += [keras_path, h5_path, tmp_path / "cnn_keras.py", tmp_path / "cnn_torch.py"]
    window.actions["export_keras"].trigger()
    window.actions["export_keras"].trigger()
    window.actions["export_keras_code"].trigger()
    window.actions["export_torch_code"].trigger()
    assert answers.warnings == []
    for script in ("cnn_keras.py", "cnn_torch.py"):
        ast.parse((tmp_path / script).read_text())        # valid Python
    types = sorted(n.type for n in window.graph.nodes.values())
    window.files.close_project()
    for path in (keras_path, h5_path):
        assert window.files.open_path(path)               # Open takes Keras files too (import)
        assert sorted(n.type for n in window.graph.nodes.values()) == types
        assert all(n.position is not None for n in window.graph.nodes.values())   # laid out
        assert window.isWindowModified() and window.document.path is None
        assert window.files.parts.weights                 # the file's weights came along
        answers.replies.append(B.Discard)
        window.files.close_project()


def test_importing_a_broken_keras_file_says_why(window, answers, tmp_path):
    window.load_template("mnist_mlp")
    path = tmp_path / "model.keras"
    path.write_bytes(b"PK\x03\x04 this is no zip")
    assert not window.files.import_keras(path)
    assert answers.warnings[-1][0] == "Import Keras Model" and "model.keras" in answers.warnings[-1][1]
    assert len(window.graph.nodes) == 5


def test_export_of_an_invalid_model_is_refused_with_the_problems(window, answers, tmp_path):
    window.add_layer("Dense")                              # a Dense without an input
    assert not window.files.export_keras(tmp_path / "x.keras")
    assert "Fix the model's problems first" in answers.warnings[-1][1]
    assert not (tmp_path / "x.keras").exists()


def test_recent_projects_on_the_start_page_and_settings(window, qtbot, tmp_path):
    paths = []
    for name in ("a", "b"):
        window.load_template("mnist_mlp")
        paths.append(tmp_path / f"{name}.vnet")
        window.files.save_to(paths[-1])
    window.files.close_project()
    assert window.start_page.isVisible()
    buttons = window.start_page.recent_buttons
    assert [b.toolTip() for b in buttons] == [str(paths[1]), str(paths[0])]
    buttons[1].click()
    assert window.document.path == paths[0]
    settings = window.files.settings
    assert settings.recent_files() == [paths[0], paths[1]]
    os.remove(paths[1])
    assert settings.recent_files() == [paths[0]]        # missing files are left out


def test_window_title_shows_file_name_and_modified_marker(window, tmp_path):
    window.load_template("mnist_mlp")
    window.files.save_to(tmp_path / "title.vnet")
    assert window.windowTitle() == "title.vnet[*] — VisualNet" and not window.isWindowModified()
    window.document.mark_changed()                        # e.g. training changed the weights
    assert window.isWindowModified() and window.actions["revert"].isEnabled()
    window.files.save()
    assert not window.isWindowModified()
