"""The training page as part of the app: installed by the app itself (`--screenshot` shows a
"Train" tab), the start page's card leads to a running training, and what was trained is
saved in the project file and comes back when it is opened in a fresh window (recipe,
settings, weights, optimizer state, runs with their curves), driven through real widgets."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, QTimer

from visualnet.gui.commands import InsertLayerCommand, SetParamsCommand
from visualnet.gui.training import install
from visualnet.workspace.runs import model_weights
from visualnet.io.project import open_project

ROOT = Path(__file__).resolve().parents[2]
LEFT = Qt.MouseButton.LeftButton


def let_queued_calls_run(qtbot) -> None:
    """Wait for the zero-delay calls queued so far (QTimer.singleShot(0, ...)) to have run:
    they run in order, so once this one queued after them has, they have."""
    ran = []
    QTimer.singleShot(0, lambda: ran.append(True))
    qtbot.waitUntil(lambda: bool(ran), timeout=60_000)


def click(qtbot, widget):
    assert widget.isEnabled() and widget.isVisible(), widget.objectName()
    qtbot.mouseClick(widget, LEFT)


def settle(qtbot, page, timeout=120_000):
    """Until the run has ended and its evaluation is done."""
    qtbot.waitUntil(lambda: page.state not in ("running", "paused", "evaluating"), timeout=timeout)


def mlp_page(window):
    """The window's training page, shown, on the MNIST MLP template and the MNIST data."""
    page = install(window)
    window.pages.setCurrentWidget(page)
    window.load_template("mnist_mlp")
    page.select_dataset("mnist")
    return page


def train_mlp(qtbot, window, samples=320, **settings):
    page = mlp_page(window)
    page.data_panel.subset.setValue(samples)
    s = page.settings
    s.validation_split.setValue(10)
    s.batch_size.setValue(settings.get("batch_size", 32))
    s.optimizer_editors["learning_rate"].setText(settings.get("lr", "0.002"))
    click(qtbot, page.buttons["train"])
    assert page.state == "running"
    settle(qtbot, page)
    return page


# ---------------------------------------------------------------------- the app has the page
def test_the_app_launched_for_a_screenshot_has_a_train_page(tmp_path):
    """`python -m visualnet --screenshot OUT.png mnist_cnn`, with the window's pages listed
    just before it is grabbed."""
    out = tmp_path / "shot.png"
    script = ("import sys, visualnet.gui.app as a\n"
              "grab = a._screenshot\n"
              "def listed(app, window, out):\n"
              "    tabs = [window.pages.tabText(i) for i in range(window.pages.count())]\n"
              "    print('pages:', '|'.join(tabs), flush=True)\n"
              "    return grab(app, window, out)\n"
              "a._screenshot = listed\n"
              "from visualnet.__main__ import main\n"
              "sys.exit(main(sys.argv[1:]))\n")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "VISUALNET_SETTINGS_FILE": str(tmp_path / "s.ini"),
           "VISUALNET_RECOVERY_DIR": str(tmp_path / "r"), "VISUALNET_LOG_DIR": str(tmp_path / "l")}
    proc = subprocess.run([sys.executable, "-c", script, "--screenshot", str(out), "mnist_cnn"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "pages: Model|Train" in proc.stdout, proc.stdout + proc.stderr
    assert out.exists() and out.stat().st_size > 1000


def test_the_start_page_card_leads_to_live_curves_in_three_clicks(app_window, qtbot):
    window = app_window()
    page = window.training_page
    assert page is not None and window.pages.indexOf(page) == 1
    qtbot.waitUntil(lambda: window.start_page.first_run_button is not None, timeout=3000)  # the app offers it
    card = window.start_page.first_run_button
    assert card.isVisible()
    click(qtbot, card)                                                    # click 1: template + MNIST
    assert window.pages.currentWidget() is page and page.prepared is not None
    page.settings.epochs.setValue(50)  # still running at click 3 (the template's epoch can end in 0.1 s)
    click(qtbot, page.buttons["train"])                                   # click 2: Train
    qtbot.waitUntil(lambda: page.curves.point_count("loss") >= 3 and page.progress.value() > 0, timeout=60_000)
    assert page.state == "running"
    click(qtbot, page.buttons["stop"])                                    # click 3: Stop
    settle(qtbot, page)
    assert page.state == "stopped" and len(page.runs) == 1
    assert page.runs[0]["history"]["status"] == "stopped"
    assert window.isWindowModified()                                      # the trained weights are unsaved


# ---------------------------------------------------------------------- save and open
def test_training_is_saved_in_the_project_and_restored_in_a_fresh_window(make_window, answers, qtbot, tmp_path):
    window = make_window()
    page = mlp_page(window)
    page.data_panel.subset.setValue(320)
    s = page.settings
    s.validation_split.setValue(10)
    s.batch_size.setValue(32)
    s.seed.setValue(7)
    s.optimizer_editors["learning_rate"].setText("0.002")
    s.optimizer_editors["beta_1"].setText("0.85")
    s.schedule.setCurrentIndex(s.schedule.findData("cosine"))
    s.decay_steps.setValue(400)
    s.clipping.setCurrentIndex(s.clipping.findData("clipnorm"))
    s.clip_value.setText("2.5")
    s.early.setChecked(True)
    s.patience.setValue(3)
    settings = s.state()
    assert not window.isWindowModified()
    click(qtbot, page.buttons["train"])
    settle(qtbot, page)
    assert page.state == "finished"
    assert window.isWindowModified()                       # training finished: unsaved changes
    steps = -(-288 // 32)
    assert page.curves.point_count("loss") == steps

    recipe = page.prepared.recipe.to_dict()
    weights = model_weights(page.model)
    optimizer = page.session.optimizer.get_state()
    assert int(optimizer["iterations"]) == steps
    curves = page.project_runs()[0].curves
    x = page.prepared.test.x[:50]
    predicted = page.model.predict(x, verbose=0)

    path = tmp_path / "trained.vnet"
    answers.save_names.append(path)
    window.actions["save_as"].trigger()
    window.files.wait()
    assert path.exists() and not window.isWindowModified(), answers.warnings
    assert open_project(path).weights                      # the file itself holds them

    fresh = make_window()
    restored = install(fresh)
    answers.open_names.append(path)
    fresh.actions["open"].trigger()
    assert fresh.document.path == path and not fresh.isWindowModified(), answers.warnings
    # data: the same dataset, recipe (fitted statistics included) and number of samples
    assert restored.data_panel.combo.currentData() == "mnist"
    assert restored.prepared.recipe.to_dict() == recipe
    assert restored.data_panel.subset.value() == 320
    # settings: the form as it was
    assert restored.settings.state() == settings
    assert restored.settings.schedule.currentData() == "cosine" and restored.settings.clip_value.text() == "2.5"
    # weights: the same arrays and predictions
    got = model_weights(restored.model)
    assert got.keys() == weights.keys()
    for nid, arrays in weights.items():
        for name, value in arrays.items():
            np.testing.assert_array_equal(got[nid][name], value)
    np.testing.assert_array_equal(restored.model.predict(x, verbose=0), predicted)
    # optimizer state
    saved = fresh.files.parts.optimizer
    assert saved is not None and sorted(saved.arrays) == sorted(optimizer)
    for k, v in optimizer.items():
        np.testing.assert_array_equal(saved.arrays[k], v)
    # runs: the table, the curves drawn and the curves kept
    assert len(restored.runs) == 1 and restored.runs_table.rowCount() == 1
    assert restored.runs_table.item(0, 0).text() == "finished"
    assert restored.curves.point_count("loss") == steps and restored.curves.plots["loss"].series["val"].n == 1
    back = restored.project_runs()[0].curves
    assert back.keys() == curves.keys()
    for k, v in curves.items():
        np.testing.assert_array_equal(back[k], v)
    assert len(back["batch/loss"]) == steps and len(back["epoch/val_loss"]) == 1
    # evaluation uses the restored weights
    fresh.pages.setCurrentWidget(restored)
    click(qtbot, restored.buttons["evaluate"])
    qtbot.waitUntil(lambda: restored.evaluation.report is not None, timeout=30_000)

    # the next Train continues: optimizer iterations go on, and it starts where the first run ended
    assert restored.continue_check.isChecked() and restored.continue_check.isEnabled()
    settle(qtbot, restored)
    click(qtbot, restored.buttons["train"])
    settle(qtbot, restored)
    assert restored.state == "finished" and len(restored.runs) == 2
    assert restored.session.optimizer.iterations == 2 * steps
    first, second = (r["history"]["batch"]["loss"] for r in restored.runs)
    assert second[0] < first[0] - 0.5                      # not fresh weights again
    assert fresh.isWindowModified()


def test_a_project_opened_while_training_stops_the_run_and_keeps_nothing_of_it(make_window, answers, qtbot,
                                                                                tmp_path):
    window = train_mlp(qtbot, make_window()).window
    path = tmp_path / "a.vnet"
    assert window.files.save_to(path, wait=True)
    page = window.training_page
    page.data_panel.subset.setValue(0)
    page.settings.epochs.setValue(50)
    page.continue_check.setChecked(False)
    click(qtbot, page.buttons["train"])
    qtbot.waitUntil(lambda: page.curves.point_count("loss") > 0, timeout=30_000)
    window.ask_before_discarding = False
    assert window.files.open_path(path)
    settle(qtbot, page)
    assert len(page.runs) == 1 and page.runs[0]["history"]["status"] == "finished"   # the saved run only
    assert page.runs_table.rowCount() == 1 and page.model is not None
    assert not window.isWindowModified()


def test_weights_that_no_longer_fit_the_edited_model_are_left_out(make_window, qtbot, tmp_path):
    page = train_mlp(qtbot, make_window())
    window = page.window
    graph = window.graph
    dense, out = (n.id for n in graph.nodes.values() if n.type == "Dense")
    # a new Dense(512) after the first: every saved shape still fits, but the optimizer state
    # (one vector over all weights) does not
    edge = next(e for e in graph.edges.values() if e.src == dense)
    window.document.push(InsertLayerCommand(graph, edge.id, "Dense", {"units": 512}))
    assert window.files.save_to(tmp_path / "added.vnet", wait=True)
    added = open_project(tmp_path / "added.vnet")
    assert set(added.weights) == {dense, out} and added.optimizer is None
    assert added.runs and added.recipe is not None
    # the first Dense made smaller: its weights and the next one's no longer fit
    window.document.undo_stack.undo()
    qtbot.waitUntil(page.continue_check.isEnabled, timeout=3000)
    window.document.push(SetParamsCommand(graph, dense, {"units": 64}))
    qtbot.waitUntil(lambda: not page.continue_check.isEnabled(), timeout=3000)
    assert window.files.save_to(tmp_path / "edited.vnet", wait=True)
    edited = open_project(tmp_path / "edited.vnet")
    assert edited.weights == {} and edited.optimizer is None and len(edited.runs) == 1


def test_a_diverged_run_saves_no_weights_and_the_file_opens(make_window, qtbot, tmp_path):
    window = make_window()
    page = mlp_page(window)
    page.data_panel.subset.setValue(640)
    page.settings.optimizer.setCurrentIndex(page.settings.optimizer.findData("sgd"))
    page.settings.optimizer_editors["learning_rate"].setText("1e12")
    click(qtbot, page.buttons["train"])
    settle(qtbot, page)
    assert page.state == "diverged" and not page.continue_check.isEnabled()
    assert window.files.save_to(tmp_path / "nan.vnet", wait=True)
    project = open_project(tmp_path / "nan.vnet")
    assert project.weights == {} and project.optimizer is None
    assert project.runs[0].info["status"] == "diverged"


def test_saving_while_it_trains_keeps_the_unfinished_run_with_matching_optimizer_state(make_window, qtbot, tmp_path):
    window = make_window()
    page = mlp_page(window)
    page.settings.epochs.setValue(20)
    click(qtbot, page.buttons["train"])
    qtbot.waitUntil(lambda: page.curves.point_count("loss") >= 5, timeout=60_000)
    assert page.state == "running"
    window.files.background_bytes = 0            # written on the worker thread, as autosave does
    assert window.files.save_to(tmp_path / "running.vnet", wait=True)
    assert page.state == "running"               # the run goes on
    click(qtbot, page.buttons["stop"])
    settle(qtbot, page)
    project = open_project(tmp_path / "running.vnet")
    run = project.runs[-1]
    assert run.info["status"] == "unfinished"
    done = len(run.curves["batch/loss"])
    assert done >= 5 and int(project.optimizer.arrays["iterations"]) == done
    assert project.weights and all(np.isfinite(a).all() for w in project.weights.values() for a in w.values())


def test_imported_data_comes_back_and_a_project_whose_data_is_gone_keeps_its_recipe(make_window, qtbot, tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(80, 3))
    csv = tmp_path / "table.csv"
    csv.write_text("a,b,c,label\n" + "".join(f"{r[0]:.4f},{r[1]:.4f},{r[2]:.4f},{int(r[0] > 0)}\n" for r in x))
    window = make_window()
    page = install(window)
    window.pages.setCurrentWidget(page)
    assert page.data_panel.import_file(csv)
    page.data_panel.validation.setValue(20)
    page.data_panel.validation.editingFinished.emit()
    recipe = page.prepared.recipe.to_dict()
    assert recipe["split"]["validation"] == 0.2 and recipe["steps"][0]["step"] == "standardize"
    path = tmp_path / "table.vnet"
    assert window.files.save_to(path, wait=True)

    fresh = make_window()
    restored = install(fresh)
    assert fresh.files.open_path(path)
    panel = restored.data_panel
    assert restored.prepared.recipe.to_dict() == recipe
    assert panel.combo.currentData() == "__imported__" and "table.csv" in panel.combo.currentText()
    assert panel.standardize.isChecked() and panel.validation.value() == 20
    assert len(restored.prepared.train) == len(page.prepared.train)

    csv.unlink()                                            # the data file is gone
    third = make_window()
    missing = install(third)
    assert third.files.open_path(path)                      # the project still opens
    assert missing.prepared is None and "Cannot load the project's data" in missing.log.toPlainText()
    third.pages.setCurrentWidget(missing)
    let_queued_calls_run(qtbot)      # the data panel's default choice, queued when it was shown, has run
    assert missing.prepared is None                          # no default dataset slipped in
    assert third.files.save_to(tmp_path / "again.vnet", wait=True)
    assert open_project(tmp_path / "again.vnet").recipe.to_dict() == recipe
