"""Nothing on the Train page belongs to other data or another model (issue 26): switching
the data or the model clears the evaluation, the prediction and the run's progress; a
model edited while a run trains is said to be no longer the one training (the run goes on
with, and records, the model as it was when Train was pressed)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt

from visualnet.gui.commands import MoveNodesCommand, SetParamsCommand

LEFT = Qt.MouseButton.LeftButton


def train_and_predict(qtbot, page):
    page.window.load_template("mnist_mlp")
    page.select_dataset("mnist")
    page.data_panel.subset.setValue(600)
    assert page.train()
    qtbot.waitUntil(lambda: page.state == "finished" and page.evaluation.report is not None, timeout=120000)
    page.tabs.setCurrentWidget(page.evaluation)
    pad = page.evaluation.pad
    qtbot.mousePress(pad, LEFT, pos=QPoint(80, 30))
    for y in range(30, 140, 10):
        qtbot.mouseMove(pad, QPoint(84, y))
    qtbot.mouseRelease(pad, LEFT, pos=QPoint(84, 140))
    qtbot.waitUntil(lambda: "%" in page.evaluation.prediction_label.text(), timeout=30000)
    assert page.evaluation.matrix.rowCount() == 10 and "epoch 1/1" in page.progress.format()


def assert_cleared(page) -> None:
    ev = page.evaluation
    assert ev.report is None and ev.matrix.rowCount() == 0 and ev.class_table.rowCount() == 0
    assert ev.gallery_count() == 0 and ev.prediction_label.text() == ""
    assert "Test set" not in ev.summary.text()
    assert page.progress.format() == "" and page.progress.value() <= 0


def test_switching_the_data_clears_the_evaluation_prediction_and_progress(qtbot, page):
    train_and_predict(qtbot, page)
    page.select_dataset("iris")
    assert_cleared(page)
    assert page.evaluation.summary.text() == "Not evaluated on this data yet."


def test_switching_the_model_clears_them_too(qtbot, page):
    train_and_predict(qtbot, page)
    page.window.load_template("mnist_cnn")
    assert_cleared(page)


def test_editing_the_model_during_a_run_is_said_and_the_run_keeps_its_model(qtbot, page):
    window = page.window
    window.load_template("mnist_mlp")
    page.select_dataset("mnist")
    page.data_panel.subset.setValue(3000)
    page.settings.epochs.setValue(50)
    assert page.train()
    qtbot.waitUntil(lambda: page.session.step_count >= 2, timeout=60000)
    box = page.problems
    assert box.ok_label.isVisibleTo(box)
    dense = next(n for n in window.graph.nodes.values() if n.type == "Dense")
    window.document.push(MoveNodesCommand(window.graph, {dense.id: (dense.position[0] + 40, dense.position[1])}))
    assert box.ok_label.isVisibleTo(box)                     # moving a layer changes no maths
    units = dense.params["units"]
    window.document.push(SetParamsCommand(window.graph, dense.id, {"units": units + 8}))
    assert [p.code for p in box.problems] == ["run_on_previous_model"] and not box.ok_label.isVisibleTo(box)
    assert "edited during the run" in page.log.toPlainText()
    page.stop()
    qtbot.waitUntil(lambda: page.state not in ("running", "paused", "evaluating"), timeout=60000)
    assert box.problems == [] and box.ok_label.isVisibleTo(box)
    trained = next(n for n in page.runs[-1]["graph"]["nodes"] if n["id"] == dense.id)
    assert trained["params"]["units"] == units                # the run's record: the model it trained
