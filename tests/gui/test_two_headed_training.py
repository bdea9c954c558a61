"""A model with two outputs on the Train page (issue 23): the "Two-headed table model"
template on the Abalone table, its columns mapped through the Data tab's mapping table,
trained for an epoch with a loss per output, per-output curves by Keras's names, the
per-output evaluation, and the project saved and opened again with its mapping."""

import numpy as np
from PySide6.QtWidgets import QComboBox

from visualnet import data
from visualnet.data.recipe import Recipe, prepare
from visualnet.engine.model import Model
from visualnet.engine.rng import set_seed
from visualnet.graph.templates import load_template

from .test_training import click, wait_state

MEASUREMENTS = ["length", "diameter", "height", "whole_weight", "shucked_weight", "viscera_weight", "shell_weight"]


def choose_abalone_two_headed(qtbot, page):
    page.window.load_template("two_headed_table")
    combo = page.data_panel.combo
    combo.setCurrentIndex(combo.findData("abalone"))
    qtbot.waitUntil(lambda: page.data_panel.mapping.isVisible())


def map_columns(page):
    table = page.data_panel.mapping
    for column in MEASUREMENTS:
        table.choose(column, "→ Input 'measurements'")
    table.choose("sex", "target of 'sex' (class)")
    table.choose("rings", "target of 'rings' (number)")


def test_the_mapping_table_shows_only_for_several_inputs_or_outputs(qtbot, page):
    page.window.load_template("tabular_binary")
    combo = page.data_panel.combo
    combo.setCurrentIndex(combo.findData("abalone"))
    assert page.prepared.recipe.mapping is None and not page.data_panel.mapping.isVisible()
    choose_abalone_two_headed(qtbot, page)
    assert page.data_panel.mapping.columns == ["sex"] + MEASUREMENTS + ["rings"]
    # nothing mapped yet: each node is a problem with the obvious mapping as its fix
    codes = {(p.code, page.window.graph.nodes[p.node_id].name) for p in page.check_problems()}
    assert codes == {("data_unmapped_input", "measurements"), ("data_unmapped_output", "sex"),
                     ("data_unmapped_output", "rings")}
    fix = next(p for p in page.check_problems() if p.code == "data_unmapped_output")
    assert page.apply_fix(fix)
    assert page.prepared.recipe.mapping["outputs"] == {"sex": {"column": "sex", "task": "classification"},
                                                       "rings": {"column": "rings", "task": "regression"}}
    assert page.data_panel.mapping.combo("rings").currentText() == "target of 'rings' (number)"
    assert page.check_problems() == []
    assert page.settings.outputs.values() == {
        "sex": {"loss": "sparse_categorical_crossentropy", "loss_weight": "1", "metrics": ["accuracy"]},
        "rings": {"loss": "mean_squared_error", "loss_weight": "1", "metrics": ["mean_absolute_error"]}}
    # a wrong loss for the class output is a problem on that node, fixed in one click
    page.settings.outputs.rows["sex"][0].setCurrentText("mean_squared_error")
    (problem,) = page.check_problems()
    assert problem.code == "data_loss" and page.window.graph.nodes[problem.node_id].name == "sex"
    page.apply_fix(problem)
    assert page.settings.outputs.values()["sex"]["loss"] == "sparse_categorical_crossentropy"


def test_train_the_two_headed_template_and_reopen_the_project(qtbot, page, tmp_path):
    choose_abalone_two_headed(qtbot, page)
    map_columns(page)
    recipe = page.prepared.recipe
    assert list(recipe.mapping["inputs"]) == ["measurements"] and recipe.mapping["inputs"]["measurements"][
        "columns"] == MEASUREMENTS
    assert set(page.prepared.train.y) == {"sex", "rings"} and page.prepared.train.x["measurements"].shape[1] == 7
    assert page.check_problems() == []
    page.settings.outputs.rows["rings"][1].setText("0.05")      # loss weight of the number output
    page.settings.epochs.setValue(1)
    click(qtbot, page, "train")
    wait_state(qtbot, page, ("finished",))
    history = page.runs[-1]["history"]
    for key in ("loss", "sex_loss", "rings_loss", "sex_accuracy", "rings_mean_absolute_error"):
        assert key in history["epoch"], key
        assert key in page.curves.plots and page.curves.point_count(key, "epoch") == 1
    logs = {k: history["epoch"][k][0] for k in ("loss", "sex_loss", "rings_loss")}
    assert np.isclose(logs["loss"], logs["sex_loss"] + 0.05 * logs["rings_loss"], rtol=1e-4)
    assert history["settings"]["loss_weights"] == {"sex": 1.0, "rings": 0.05}
    qtbot.waitUntil(lambda: page.evaluation.report is not None, timeout=30000)
    report = page.evaluation.report
    assert {"sex_accuracy", "rings_mean_absolute_error", "sex_loss", "rings_loss"} <= set(report.logs)
    assert report.class_names == ["F", "I", "M"] and report.result.matrix.shape == (3, 3)
    assert report.result.matrix.sum() == len(page.prepared.test)
    choice = page.evaluation.findChild(QComboBox, "evaluated_output")     # the output shown: the number one
    assert not choice.isHidden() and choice.currentData() == "sex"
    choice.setCurrentIndex(choice.findData("rings"))
    shown = page.evaluation.report
    assert shown.output == "rings" and shown.task == "regression" and len(shown.result.y_true) == len(page.prepared.test)

    path = tmp_path / "two_heads.vnet"
    assert page.window.files.save_to(path, wait=True)
    page.window.load_template("mnist_mlp")
    page.select_dataset("iris")
    assert page.window.files.open_path(path)
    qtbot.waitUntil(lambda: page.prepared is not None and page.prepared.recipe.mapping is not None)
    assert page.prepared.recipe.mapping == recipe.mapping
    assert page.data_panel.mapping.isVisible()
    assert page.data_panel.mapping.combo("sex").currentText() == "target of 'sex' (class)"
    assert page.settings.outputs.values()["rings"]["loss_weight"] == "0.05"
    assert "sex_accuracy" in page.runs[-1]["history"]["epoch"]
    page.show_run(len(page.runs) - 1)
    assert page.curves.point_count("rings_loss", "epoch") == 1
    # the reopened project's trained weights are evaluated per output again
    page.evaluation.report = None
    page.evaluate()
    qtbot.waitUntil(lambda: page.evaluation.report is not None, timeout=30000)
    assert np.isclose(page.evaluation.report.logs["sex_loss"], report.logs["sex_loss"], rtol=1e-5)


def test_the_page_trains_two_outputs_as_fit_does(qtbot, page):
    """The page's run and `Model.fit` with the same dicts, seed and settings (no shuffling:
    the page draws its order from its own generator) give the same weights and logs."""
    choose_abalone_two_headed(qtbot, page)
    map_columns(page)
    s = page.settings
    s.seed.setValue(5)
    s.shuffle.setChecked(False)
    s.batch_size.setValue(128)
    s.epochs.setValue(2)
    s.outputs.rows["rings"][1].setText("0.1")
    s.outputs.rows["rings"][2].setText("mean_absolute_error, root_mean_squared_error")
    click(qtbot, page, "train")
    assert page.state != "idle", page.log.toPlainText()
    wait_state(qtbot, page, ("finished",))
    config = page.session.config
    prepared = page.prepared

    set_seed(5)
    model = Model.from_graph(page.window.graph)
    model.compile(config.optimizer, config.loss, config.metrics, loss_weights=config.loss_weights)
    model.optimizer.learning_rate = config.optimizer_params["learning_rate"]
    history = model.fit(prepared.train.x, prepared.train.y, batch_size=128, epochs=2, shuffle=False, verbose=0)
    for mine, theirs in zip(page.model.get_weights(), model.get_weights()):
        np.testing.assert_allclose(mine, theirs, rtol=1e-6, atol=1e-7)
    epochs = page.session.history.epoch
    for key, values in history.history.items():
        np.testing.assert_allclose(epochs[key], values, rtol=1e-6, err_msg=key)
    assert set(history.history) == {"loss", "sex_loss", "rings_loss", "sex_accuracy", "rings_mean_absolute_error",
                                    "rings_root_mean_squared_error"}


def test_a_recipe_mapping_prepares_what_the_template_trains_on():
    graph = load_template("two_headed_table")
    recipe = Recipe.builtin("abalone", steps=[data.Standardize().get_config()], mapping={
        "inputs": {"measurements": {"columns": MEASUREMENTS}},
        "outputs": {"sex": {"column": "sex"}, "rings": {"column": "rings", "task": "regression"}}})
    p = prepare(recipe)
    model = Model.from_graph(graph)
    preds = model.predict(p.test.x, verbose=0)
    assert [a.shape for a in preds] == [(len(p.test), 3), (len(p.test), 1)]


def test_the_mapping_table_keeps_keys_it_does_not_show(qtbot):
    from visualnet.gui.training.column_mapping import ColumnMappingTable
    table = ColumnMappingTable()
    qtbot.addWidget(table)
    table.set_model(["a", "b"], ["y"])
    mapping = {"inputs": {"a": {"columns": ["x1", "x2"], "steps": []}, "b": {"columns": ["x3"]}},
               "outputs": {"y": {"column": "t", "task": "regression", "note": "kept"}}, "future": [1, 2]}
    table.set_columns(["x1", "x2", "x3", "t"], mapping)
    assert table.mapping() == mapping
    table.choose("x2", "→ Input 'b'")
    assert table.mapping()["inputs"] == {"a": {"columns": ["x1"], "steps": []}, "b": {"columns": ["x2", "x3"]}}
    table.choose("t", "—")
    assert table.mapping()["outputs"] == {} and table.mapping()["future"] == [1, 2]
