"""Starting a run does little on the GUI thread (issue 26: the click on Train stalled the
window while three plots were built): the plots a run needs are built while the page is
idle, and a run with other metrics keeps the plots it shares with the last."""

from __future__ import annotations

from visualnet.gui.training import install
from visualnet.gui.training.curves import CurvesView


def test_the_plots_are_ready_before_train_is_clicked(qtbot, window, monkeypatch):
    window.load_template("mnist_mlp")
    page = install(window)
    window.pages.setCurrentWidget(page)
    page.select_dataset("mnist")
    qtbot.waitUntil(lambda: "accuracy" in page.curves.plots)      # built once the page is idle
    built = []
    real = CurvesView._add_plot
    monkeypatch.setattr(CurvesView, "_add_plot", lambda self, *a: built.append(a) or real(self, *a))
    page.data_panel.subset.setValue(256)
    page.settings.epochs.setValue(1)
    assert page.train()
    assert built == []
    qtbot.waitUntil(lambda: page.state not in ("running", "paused", "evaluating"), timeout=60_000)
    assert page.curves.point_count() > 0
    page.curves.prepare(["accuracy", "auc"])                     # points are shown: kept
    assert "auc" not in page.curves.plots


def test_a_reset_keeps_the_plots_it_shares(qtbot):
    view = CurvesView()
    qtbot.addWidget(view)
    view.reset(["accuracy"])
    loss, rate = view.plots["loss"], view.plots["learning_rate"]
    view.reset(["accuracy", "precision"])
    assert list(view.plots) == ["loss", "accuracy", "precision", "learning_rate"]
    assert view.plots["loss"] is loss and view.plots["learning_rate"] is rate
    assert view.layout_widget.ci.getItem(1, 1) is rate.plot             # moved to its new place
    view.reset([])
    assert list(view.plots) == ["loss", "learning_rate"] and view.layout_widget.ci.getItem(0, 1) is rate.plot
