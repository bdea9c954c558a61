"""What keeps a visible Train page cheap during a run (issue 28): the curves draw new points
together at a capped rate, the value axes stay put while the points stay inside them, and
the progress text never lays the page out again."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from visualnet.gui.training import curves as curves_mod
from visualnet.gui.training.controls import RunControls
from visualnet.gui.training.curves import WHOLE_RUN_UNDER, CurvesView


def _rows(start: int, n: int, loss: float = 0.5) -> list:
    return [{"step": s, "epoch": 0, "batch": s - 1, "loss": loss, "loss_smoothed": loss, "accuracy": 0.5,
             "learning_rate": 1e-3, "batch_size": 32} for s in range(start, start + n)]


@pytest.fixture
def view(qtbot):
    view = CurvesView()
    qtbot.addWidget(view)
    view.resize(900, 500)
    view.show()
    return view


def test_a_live_run_draws_new_points_together_and_everything_when_it_pauses(view):
    view.reset(["accuracy"], steps=10_000)
    drawn = view.redraws
    for i in range(50):                                  # 50 reports arriving faster than a redraw
        view.add_batches(_rows(1 + 10 * i, 10))
    assert view.point_count() == 500                     # every point is kept at once...
    assert view.redraws == drawn                         # ...and drawn later, together
    x, _ = view.plots["loss"].items["train"].getData()
    assert x is None or len(x) == 0
    view.set_live(False)                                 # paused or ended: drawn now
    assert view.redraws == drawn + 1
    assert len(view.plots["loss"].items["train"].getData()[0]) > 0
    view.add_batches(_rows(501, 1))                      # not live: at once
    assert view.redraws == drawn + 2


def _step_span(view) -> float:
    view.redraw()
    lo, hi = view.plots["loss"].plot.vb.viewRange()[0]
    return hi - lo


def test_the_step_axis_spans_a_short_run_at_once_and_widens_a_long_one_by_doubling(view, monkeypatch):
    clock = SimpleNamespace(now=0.0)
    monkeypatch.setattr(curves_mod, "time", SimpleNamespace(perf_counter=lambda: clock.now))
    view.reset(["accuracy"], steps=10_000)
    clock.now = 1.0                                      # 100 steps a second: the run lasts 100 s
    assert 10_000 / 100 > WHOLE_RUN_UNDER
    view.add_batches(_rows(1, 100))
    assert _step_span(view) == pytest.approx(1250, rel=0.05)      # an eighth of the run
    clock.now = 13.0
    view.add_batches(_rows(101, 1200))                   # past the axis's end
    assert _step_span(view) == pytest.approx(2500, rel=0.05)      # doubled
    view.reset(["accuracy"], steps=10_000)
    clock.now = 14.0                                     # 1,000 steps a second: the run lasts 10 s
    view.add_batches(_rows(1, 1000))
    assert _step_span(view) == pytest.approx(10_000, rel=0.05)    # the whole run at once


def test_a_live_redraw_is_left_to_the_run_s_end_when_that_comes_sooner(view, monkeypatch):
    clock = SimpleNamespace(now=0.0)
    monkeypatch.setattr(curves_mod, "time", SimpleNamespace(perf_counter=lambda: clock.now))
    view.reset(["accuracy"], steps=1_000)
    clock.now = 0.5
    view.add_batches(_rows(1, 500))                      # half the run in 0.5 s: 0.5 s left
    drawn = view.redraws
    view.redraw()                                        # the timer's redraw
    assert view.redraws == drawn                         # left to the end, which comes first
    view.set_live(False)                                 # the end (or a pause): drawn now
    assert view.redraws == drawn + 1 and len(view.plots["loss"].items["train"].getData()[0]) == 500
    view.reset(["accuracy"], steps=1_000)
    clock.now = 10.5
    view.add_batches(_rows(1, 100))                      # a tenth in 10 s: 90 s left
    drawn = view.redraws
    view.redraw()
    assert view.redraws == drawn + 1


def test_a_live_run_redraws_on_a_timer(view, qtbot):
    view.reset(["accuracy"], steps=10_000)
    drawn = view.redraws
    view.add_batches(_rows(1, 10))
    qtbot.waitUntil(lambda: view.redraws == drawn + 1, timeout=5_000)
    assert view.plots["loss"].items["train"].xData[-1] == 10


def test_a_hidden_view_draws_a_live_run_when_it_is_shown_again(view, qtbot):
    view.reset(["accuracy"], steps=10_000)
    view.hide()                                          # another tab in front of the curves
    drawn = view.redraws
    view.add_batches(_rows(1, 10))
    view.redraw()                                        # the timer's redraw finds it hidden
    assert view.redraws == drawn and view.point_count() == 10
    view.show()
    assert view.redraws == drawn + 1
    assert view.plots["loss"].items["train"].xData[-1] == 10
    view.hide()
    view.set_live(False)                                 # a run that ends is drawn at once, seen or not
    assert view.redraws == drawn + 2


def test_the_value_axis_changes_only_when_the_points_leave_it_or_shrink_well_inside(view):
    view.reset(["accuracy"], steps=10_000)
    view.add_batches(_rows(1, 5, loss=1.0) + _rows(6, 5, loss=0.5))
    view.redraw()
    first = view.plots["loss"].y_span
    assert first[0] < 0.5 and first[1] > 1.0
    view.add_batches(_rows(11, 10, loss=0.7))            # inside, and the points still fill the range
    view.redraw()
    assert view.plots["loss"].y_span == first
    view.add_batches(_rows(21, 10, loss=3.0))            # outside: the axis follows
    view.redraw()
    assert view.plots["loss"].y_span[1] > 3.0
    view.plots["loss"].plot.vb.sigRangeChangedManually.emit([True, True])   # the person zooms
    span = view.plots["loss"].y_span
    assert span is False
    view.add_batches(_rows(31, 10, loss=9.0))
    view.redraw()
    assert view.plots["loss"].y_span is False            # their zoom is left alone
    view.set_live(False)                                 # after the run the axis fits the points again
    assert view.plots["loss"].y_span is None


def test_reset_with_the_same_metrics_keeps_the_plots(view):
    view.reset(["accuracy"], steps=100)
    plots = dict(view.plots)
    view.add_batches(_rows(1, 10))
    view.reset(["accuracy"], steps=100)
    assert view.plots == plots and view.point_count() == 0
    view.reset(["accuracy", "auc"], steps=100)
    assert set(view.plots) == {"loss", "accuracy", "auc", "learning_rate"}


def test_the_progress_text_never_asks_the_page_for_more_room(qtbot):
    controls = RunControls({k: (lambda: None) for k in RunControls.ACTIONS})
    qtbot.addWidget(controls)
    controls.show()
    hint = controls.minimumSizeHint().width(), controls.sizeHint().width()
    for epochs in (1, 10, 100_000):
        controls.show_progress({"fraction": 0.5, "epoch": epochs // 2, "epochs": epochs, "batch": 12_345,
                                "steps_per_epoch": 99_999, "samples_per_second": 1.5e6, "eta": 3600.0 * epochs})
        assert (controls.minimumSizeHint().width(), controls.sizeHint().width()) == hint
    tip = controls.progress.toolTip()           # the bar shows what fits on one line; the tooltip all
    assert "epoch 50001/100000" in tip and "ETA 100000:00:00" in tip and controls.progress.format().startswith("50%")


def test_log_scale_labels_stay_apart_and_keep_their_digits(view, qtbot):
    """A constant learning rate's log axis spans less than a decade: pyqtgraph labelled
    0.0005 ... 0.0009 on top of each other near 0.001 (issue 26)."""
    import math

    from visualnet.gui.training.log_axis import MIN_GAP, spaced_log_ticks

    view.reset(["accuracy"])
    view.add_batches(_rows(1, 400))
    vb = view.plots["learning_rate"].plot.vb
    qtbot.waitUntil(lambda: vb.viewRange()[1][0] < -3 < vb.viewRange()[1][1] < -2)   # around 1e-3, once drawn
    axis = view.plots["learning_rate"].plot.getAxis("left")
    low, high = view.plots["learning_rate"].plot.vb.viewRange()[1]
    pixels = axis.geometry().height()
    (_, values), = axis.tickValues(low, high, pixels)
    assert math.log10(1e-3) in values and len(values) >= 2
    apart = [(b - a) * pixels / (high - low) for a, b in zip(values, values[1:])]
    assert min(apart) >= MIN_GAP
    # a range under 2x still gets labels, with the digits that tell them apart
    ticks = spaced_log_ticks(math.log10(9e-4), math.log10(1.25e-3), 120)
    assert axis.logTickStrings(ticks, 1, None) == ["0.0009", "0.001", "0.0012"]
    assert axis.logTickStrings([math.log10(1.5e-3)], 1, None) == ["0.0015"]     # pyqtgraph's read 0.002
    assert spaced_log_ticks(math.log10(1e-7), 0.0, 120) == [-7.0, -5.0, -3.0, -1.0]   # every other decade fits


def test_the_inside_tab_s_gradient_norms_have_the_spaced_log_axis(qtbot):
    from visualnet.gui.training.inside_view import InsideView
    from visualnet.gui.training.log_axis import SpacedLogAxis

    view = InsideView()
    qtbot.addWidget(view)
    assert isinstance(view.grad_plot.getAxis("left"), SpacedLogAxis) and view.grad_plot.getAxis("left").logMode
