"""Issue 26: the engine calls the Train page makes outside a run (the test-set evaluation, a
drawing, an opened image or typed rows to predict, the Inside tab's snapshot) run off the GUI
thread, one at a time, a newer prediction superseding an older one; an opened image appears
on the drawing pad. Counted by events and threads, never timed (the longest stall is
benchmarks/stalls.py's)."""

import threading

import numpy as np
from PIL import Image
from PySide6.QtCore import QPoint, QTimer
from PySide6.QtWidgets import QComboBox, QLineEdit

from visualnet import data

from .test_training import choose, click, wait_state


def trained(qtbot, page, dataset="mnist", template="mnist_mlp", samples=640):
    choose(qtbot, page, dataset, template, samples=samples)
    for _ in range(4):                       # the template's one-click fixes for the data (tables)
        fixes = [p for p in page.check_problems() if p.fix]
        if not fixes:
            break
        page.apply_fix(fixes[0])
    click(qtbot, page, "train")
    # a run's start computes no Inside snapshot in the GUI thread (its first batches do, in the
    # training thread): the run-start stall of issue 26
    assert page.engine_calls.counts["inside:started"] == 0 and not page.engine_calls.busy()
    wait_state(qtbot, page, "finished")
    # nor its end while the Inside tab is not in front (it is computed when the tab is shown)
    assert page.inside.snapshot is None and page.engine_calls.counts["inside:started"] == 0
    qtbot.waitUntil(lambda: page.evaluation.report is not None and not page.engine_calls.busy(), timeout=60000)
    return page.evaluation, page.engine_calls


def draw(pad, x: int = 84) -> None:
    pad.clear()
    for y in range(30, 140, 8):
        pad.stroke(QPoint(x, y), QPoint(x, y + 8))


class Gate:
    """Wraps the trained model's predict: each call waits until the GUI thread opens the gate
    (from a timer, so only while its event loop runs), recording the thread it ran in."""

    def __init__(self, model):
        self.model, self.real = model, model.predict
        self.opened = threading.Event()
        self.threads, self.timed_out = [], False
        model.predict = self

    def __call__(self, *args, **kwargs):
        self.threads.append(threading.get_ident())
        if not self.opened.wait(30):
            self.timed_out = True            # the GUI thread never ran its timer: it was blocked
        return self.real(*args, **kwargs)

    def open_from_gui_thread(self) -> None:
        QTimer.singleShot(0, self.opened.set)

    def remove(self) -> None:
        del self.model.predict


def test_predictions_run_off_the_gui_thread_and_the_newest_wins(qtbot, page, tmp_path):
    view, calls = trained(qtbot, page)
    assert calls.thread_ids["evaluate"] != threading.get_ident()
    page.tabs.setCurrentWidget(view)
    gate = Gate(page.model)
    ticks = []
    timer = QTimer(page)
    timer.setInterval(1)
    timer.timeout.connect(lambda: ticks.append(gate.opened.is_set()))
    timer.start()
    try:
        # a drawing: predicted in another thread while the GUI thread goes on processing events
        draw(view.pad, 60)
        view.pad.drawn.emit()
        assert view.prediction_label.text() == "Predicting…"
        qtbot.waitUntil(lambda: len(gate.threads) == 1, timeout=10000)
        qtbot.waitUntil(lambda: len(ticks) >= 3, timeout=10000)     # ticks while the prediction waits
        assert not any(ticks) and calls.busy("predict")
        # two more requests while it runs: an opened image (waiting), then another drawing replacing it
        path = tmp_path / "bar.png"
        img = np.zeros((40, 40), np.uint8)
        img[5:35, 18:22] = 255
        Image.fromarray(img).save(path)
        assert view.open_image(path)
        draw(view.pad, 100)
        view.pad.drawn.emit()
        assert calls.counts["predict:superseded"] == 1 and calls.counts["predict:started"] == 1
        gate.open_from_gui_thread()
        qtbot.waitUntil(lambda: calls.counts["predict:delivered"] == 1 and not calls.busy(), timeout=30000)
    finally:
        timer.stop()
        gate.remove()
    assert not gate.timed_out and len(gate.threads) == 2
    assert threading.get_ident() not in gate.threads
    # the waiting image replaced, the first drawing's result dropped
    assert calls.counts["predict:started"] == 2 and calls.counts["predict:superseded"] == 2
    assert "%" in view.prediction_label.text()
    # the shown result is the last drawing's: the same pixels predicted again give the same label
    shown = view.prediction_label.text()
    view.pad.drawn.emit()
    qtbot.waitUntil(lambda: calls.counts["predict:delivered"] == 2, timeout=30000)
    assert view.prediction_label.text() == shown


def test_an_opened_image_appears_on_the_pad_and_is_predicted(qtbot, page, tmp_path):
    view, calls = trained(qtbot, page)
    page.tabs.setCurrentWidget(view)
    path = tmp_path / "seven.png"
    img = np.zeros((56, 28), np.uint8)          # taller than wide: scaled to the pad's height, centred
    img[6:10, 4:24] = 255
    img[10:50, 18:22] = 255
    Image.fromarray(img).save(path)
    view.pad.clear()
    assert view.open_image(path)
    pad = view.pad.pixels(view.pad.width())
    side = view.pad.width()
    ink = np.argwhere(pad > 127)
    assert ink[:, 0].min() < side * 0.2 and ink[:, 0].max() > side * 0.8     # the bar runs down the pad
    assert ink[:, 1].min() > side * 0.25 and ink[:, 1].max() < side * 0.75   # centred, aspect kept
    assert not view.pad_input.pixmap().isNull()
    qtbot.waitUntil(lambda: calls.counts["predict:delivered"] == 1, timeout=30000)
    assert "%" in view.prediction_label.text()
    # not an image: said, nothing predicted, the pad unchanged
    bad = tmp_path / "notes.png"
    bad.write_text("not an image")
    assert not view.open_image(bad)
    assert "Cannot read" in view.prediction_label.text() and str(bad) in view.prediction_label.text()
    assert np.array_equal(view.pad.pixels(side), pad) and calls.counts["predict:started"] == 1


def test_the_inside_tab_looks_at_a_sample_off_the_gui_thread(qtbot, page):
    trained(qtbot, page)
    calls = page.engine_calls
    page.tabs.setCurrentWidget(page.inside)           # the ended run's snapshot, computed now
    assert calls.counts["inside:started"] == 1
    qtbot.waitUntil(lambda: page.inside.snapshot is not None and not calls.busy(), timeout=30000)
    page.tabs.setCurrentWidget(page.curves)
    page.tabs.setCurrentWidget(page.inside)           # shown again: nothing new to compute
    assert calls.counts["inside:started"] == 1
    page.tabs.setCurrentWidget(page.curves)
    page.inside.sample_spin.setValue(page.inside.sample_spin.value() + 1)   # unseen: computed when shown
    assert calls.counts["inside:started"] == 1
    page.tabs.setCurrentWidget(page.inside)
    assert calls.counts["inside:started"] == 2
    qtbot.waitUntil(lambda: not calls.busy(), timeout=30000)
    before = page.inside.snapshot
    started = calls.counts["inside:started"]
    page.inside.sample_spin.setValue(page.inside.sample_spin.value() + 3)
    assert calls.busy("inside")
    qtbot.waitUntil(lambda: calls.counts["inside:delivered"] > 0 and not calls.busy(), timeout=30000)
    assert calls.counts["inside:started"] == started + 1
    assert calls.thread_ids["inside"] != threading.get_ident()
    assert page.inside.snapshot is not before and page.inside.snapshot.activations


def test_a_table_form_offers_the_categories_and_predicts_off_the_gui_thread(qtbot, page):
    view, calls = trained(qtbot, page, "abalone", "tabular_binary", samples=600)
    page.tabs.setCurrentWidget(view)
    fields = dict(zip([view.form.itemAt(i, view.form.ItemRole.LabelRole).widget().text()
                       for i in range(view.form.rowCount())], view.form_edits))
    assert list(fields) == ["sex", "length", "diameter", "height", "whole_weight", "shucked_weight",
                            "viscera_weight", "shell_weight"]
    sex = fields["sex"]
    assert isinstance(sex, QComboBox) and [sex.itemText(i) for i in range(sex.count())] == ["F", "I", "M"]
    assert all(isinstance(e, QLineEdit) for name, e in fields.items() if name != "sex")
    sex.setCurrentText("M")
    for name, value in (("length", "0.5"), ("diameter", "0.4"), ("height", "0.14"), ("whole_weight", "0.8"),
                        ("shucked_weight", "0.35"), ("viscera_weight", "0.18"), ("shell_weight", "0.24")):
        fields[name].setText(value)
    row = view.form_values()
    assert row == ["M", "0.5", "0.4", "0.14", "0.8", "0.35", "0.18", "0.24"]
    x = data.transform_for_prediction(page.prepared.recipe, [row])
    assert x.shape == (1, 10)
    view.predict_button.click()
    qtbot.waitUntil(lambda: calls.counts["predict:delivered"] == 1, timeout=30000)
    assert calls.thread_ids["predict"] != threading.get_ident()
    expected = float(page.model.predict(x, verbose=0).reshape(-1)[0])
    assert view.prediction_label.text() == f"predicted value: <b>{expected:.4g}</b>"
