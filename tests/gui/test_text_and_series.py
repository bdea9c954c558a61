"""Texts and time series on the training page, through its widgets: the raw movie reviews
with their vectorize-text step, the text_classifier template trained and evaluated (text
mistakes, a typed review predicted), the daily temperatures as windows with the
series_forecaster (predicted-vs-true over the test windows), and importing a text folder
and a CSV with a text column."""

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from .test_training import choose, click, wait_state

LEFT = Qt.MouseButton.LeftButton


def train_and_evaluate(qtbot, page):
    assert page.problems.problems == []
    click(qtbot, page, "train")
    wait_state(qtbot, page, "finished", timeout=120000)
    qtbot.waitUntil(lambda: page.evaluation.report is not None, timeout=60000)
    page.tabs.setCurrentWidget(page.evaluation)
    return page.evaluation


def test_movie_reviews_as_text_train_evaluate_and_predict_typed_text(qtbot, page):
    choose(qtbot, page, "movie_reviews_text", "text_classifier", samples=400)
    panel = page.data_panel
    assert panel.vectorize.isVisible() and panel.table.isVisible() and not panel.series.isVisible()
    assert len(panel.table.item(0, 0).text()) > 40 and panel.table.item(0, 1).text() in ("negative", "positive")
    step = page.prepared.recipe.steps[0]
    assert step["step"] == "vectorize_text" and step["max_tokens"] == 10000 and step["output_sequence_length"] == 200
    assert page.prepared.train.x.shape == (1600, 200)
    # editing the step re-prepares the data; a vocabulary the Embedding cannot take is a problem with a fix
    panel.vectorize.length.setValue(120)
    panel.vectorize.length.editingFinished.emit()
    assert page.prepared.train.x.shape == (1600, 120)
    assert any(p.code == "data_input_shape" for p in page.problems.problems)
    panel.vectorize.length.setValue(200)
    panel.vectorize.max_tokens.setValue(12000)
    panel.vectorize.max_tokens.editingFinished.emit()
    assert page.prepared.train.x.shape == (1600, 200)
    assert [p.code for p in page.problems.problems] == ["data_vocabulary"]
    panel.vectorize.max_tokens.setValue(10000)
    panel.vectorize.max_tokens.editingFinished.emit()

    view = train_and_evaluate(qtbot, page)
    assert page.session.step_count == 400 // 32 + 1
    assert view.matrix_total() == len(page.prepared.test) == 400
    assert view.gallery_stack.currentWidget() is view.text_list
    mistakes = int(np.sum(view.report.result.y_true != view.report.result.y_pred))
    assert view.gallery_count() == min(mistakes, 120) > 0
    first = view.text_list.item(0).text()
    assert first.startswith("true ") and "predicted" in first and "%" in first
    assert 50 < len(first.split("\n", 1)[1]) <= 201
    # typed text: vectorized through the recipe and predicted
    assert view.text_input.isVisible() and not view.pad.isVisible() and not view.form_box.isVisible()
    qtbot.mouseClick(view.predict_button, LEFT)
    assert view.prediction_label.text() == "Type a text first."
    view.text_input.setPlainText("A wonderful, moving film: the best performances of the year.")
    qtbot.mouseClick(view.predict_button, LEFT)
    qtbot.waitUntil(lambda: "%" in view.prediction_label.text(), timeout=30000)   # predicted off the GUI thread
    label = view.prediction_label.text()
    assert ("positive" in label or "negative" in label) and "%" in label


def test_daily_temperatures_windows_and_the_series_forecaster(qtbot, page):
    choose(qtbot, page, "daily_temperatures", "series_forecaster", samples=400)
    panel = page.data_panel
    assert panel.series.isVisible() and len(panel.series.lines) == 3 and not panel.vectorize.isVisible()
    assert page.prepared.recipe.steps == [{"step": "standardize", "scope": "global",
                                           "stats": page.prepared.recipe.steps[0]["stats"]}]
    # the window parameters: one window a week, a 14-day window, predicting 2 days ahead
    spins = panel.params.spins
    assert set(spins) == {"window", "horizon", "step"}
    for name, value in (("step", 7), ("window", 14), ("horizon", 2)):
        spins[name].setValue(value)
        spins[name].editingFinished.emit()
    assert page.prepared.recipe.source["params"] == {"window": 14, "horizon": 2, "step": 7}
    assert page.prepared.train.x.shape[1:] == (14, 1) and len(page.prepared.dataset) == (3650 - 15) // 7 + 1
    assert [p.code for p in page.problems.problems] == ["data_input_shape"]
    for name, value in (("step", 1), ("window", 30), ("horizon", 1)):
        spins[name].setValue(value)
        spins[name].editingFinished.emit()
    assert "params" not in page.prepared.recipe.source or page.prepared.recipe.source["params"] == {}
    assert page.prepared.train.x.shape == (2896, 30, 1)

    view = train_and_evaluate(qtbot, page)
    assert view.scatter.isVisible() and view.series_view.isVisible() and not view.matrix.isVisible()
    x_true, y_true = view.series_true.getData()
    x_pred, y_pred = view.series_pred.getData()
    assert len(x_true) == len(y_pred) == len(page.prepared.test) == 724
    assert np.all(np.isfinite(y_pred)) and np.ptp(y_pred) > 0
    # a typed window (30 values) is predicted through the recipe
    assert len(view.form_edits) == 30
    for edit in view.form_edits:
        edit.setText("12.5")
    qtbot.mouseClick(view.predict_button, LEFT)
    qtbot.waitUntil(lambda: "predicted value" in view.prediction_label.text(), timeout=30000)


def write_text_folder(root):
    words = {"good": "a great fun lovely film, I loved it", "bad": "a dull boring awful film, I hated it"}
    for label, text in words.items():
        (root / label).mkdir(parents=True)
        for i in range(12):
            (root / label / f"{i}.txt").write_text(f"{text} {i}", encoding="utf-8")
    return root


def test_import_a_text_folder(qtbot, page, tmp_path):
    folder = write_text_folder(tmp_path / "reviews")
    panel = page.data_panel
    assert panel.import_file(folder)
    assert page.prepared.recipe.source["type"] == "text_folder"
    assert panel.vectorize.isVisible() and page.prepared.recipe.steps[0]["step"] == "vectorize_text"
    assert page.prepared.train.x.shape[1:] == (200,)
    assert panel.table.item(0, 1).text() in ("bad", "good") and "film" in panel.table.item(0, 0).text()
    assert panel.combo.currentText() == "reviews (imported)"
    # the step is editable: multi-hot rows of the vocabulary size
    panel.vectorize.mode.setCurrentText("multi_hot")
    assert page.prepared.recipe.steps[0]["output_mode"] == "multi_hot"
    assert page.prepared.train.x.shape[1] == len(page.prepared.recipe.steps[0]["stats"]["vocabulary"])
    assert not panel.vectorize.length.isEnabled()


def test_import_a_csv_with_a_text_column(qtbot, page, tmp_path):
    path = tmp_path / "opinions.csv"
    rows = ["id,review,stars"] + [f"{i},\"{'so good, loved it' if i % 2 else 'bad, hated it'} {i}\","
                                  f"{'high' if i % 2 else 'low'}" for i in range(30)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    panel = page.data_panel
    errors = []
    panel.failed.connect(errors.append)
    dialog = panel.ask_text_columns(path)
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.text_column.currentText() == "review" and [dialog.text_column.itemText(i) for i in range(3)] == \
        ["id", "review", "stars"]
    dialog.target.setCurrentText("review")
    assert not dialog.ok_button.isEnabled()          # the same column twice
    dialog.target.setCurrentText("stars")
    qtbot.mouseClick(dialog.ok_button, LEFT)
    qtbot.waitUntil(lambda: page.prepared.recipe.source["type"] == "text_csv")
    assert not errors
    assert page.prepared.recipe.source["options"] == {"text_column": "review", "target": "stars"}
    assert page.prepared.dataset.class_names == ["high", "low"] and page.prepared.recipe.steps[0]["step"] == \
        "vectorize_text"
    assert "loved" in panel.table.item(0, 0).text() or "hated" in panel.table.item(0, 0).text()
    # a file that is not a table: a message, no dialog
    bad = tmp_path / "one.csv"
    bad.write_text("comment\nhello\nworld\n", encoding="utf-8")
    assert panel.ask_text_columns(bad) is None and "Cannot import one.csv" in errors[-1]
    assert not [w for w in QApplication.topLevelWidgets() if w.isVisible() and w.windowTitle().startswith("Import")]


def test_a_saved_text_recipe_and_series_parameters_come_back_in_the_panel(qtbot):
    from visualnet import data
    from visualnet.gui.training.data_panel import DataPanel
    panel = DataPanel()
    qtbot.addWidget(panel)
    panel.hold = True
    step = data.VectorizeText(max_tokens=5000, output_sequence_length=80, standardize="lower").get_config()
    fitted = data.prepare(data.Recipe.builtin("movie_reviews_text", steps=[step, data.OneHot().get_config()])).recipe
    assert panel.set_recipe(fitted)
    assert not panel.vectorize.isHidden() and panel.vectorize.max_tokens.value() == 5000
    assert panel.vectorize.standardize.currentData() == "lower" and panel.one_hot.isChecked()
    assert panel.prepared.train.x.shape == (1600, 80)
    assert [c["step"] for c in panel.recipe().steps] == ["vectorize_text", "one_hot"]
    series = data.prepare(data.Recipe.builtin("daily_temperatures", params={"window": 10, "step": 3})).recipe
    assert panel.set_recipe(series)
    assert panel.vectorize.isHidden() and panel.params.spins["window"].value() == 10
    assert panel.recipe().source["params"] == {"window": 10, "step": 3}
    assert panel.prepared.train.x.shape[1:] == (10, 1)
