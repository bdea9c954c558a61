"""Closing a window while it trains (what quitting mid-training does): the run stops, no
thread outlives the close, the window is deleted, and another window then trains."""

import time

from PySide6.QtCore import QCoreApplication, QEvent, QThread, Qt

from visualnet.gui.app import build_window


def start(qtbot, window, epochs, samples):
    page = window.training_page
    window.pages.setCurrentWidget(page)
    window.load_template("mnist_mlp")
    page.select_dataset("mnist")
    page.data_panel.subset.setValue(samples)
    page.settings.epochs.setValue(epochs)
    qtbot.mouseClick(page.buttons["train"], Qt.MouseButton.LeftButton)
    assert page.state == "running"
    return page


def test_closing_a_window_mid_training_stops_its_threads_and_the_next_window_trains(app_window, qtbot):
    first = build_window()
    first.ask_before_discarding = False
    first.resize(1200, 800)
    first.show()
    qtbot.waitExposed(first)
    page = start(qtbot, first, epochs=1000, samples=2000)
    qtbot.waitUntil(lambda: page.curves.point_count("loss") >= 3, timeout=60_000)
    thread, states = page.thread, []
    page.state_changed.connect(states.append)

    began = time.perf_counter()
    assert first.close()
    # before the fix: the wait timed out after 5 s with the thread still in its event loop
    # (the quit was queued to the GUI thread, blocked in that wait)
    assert not thread.isRunning(), f"the training thread outlived the close ({time.perf_counter() - began:.1f} s)"
    qtbot.wait(300)                                  # the run's end, queued, arrives
    assert "evaluating" not in states, states        # before the fix: an evaluation thread, the page's child
    assert not [t for t in page.findChildren(QThread) if t.isRunning()]
    first.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)   # before the fix: abort here
    qtbot.wait(100)

    second = app_window()
    page2 = start(qtbot, second, epochs=2, samples=320)
    qtbot.waitUntil(lambda: page2.state not in ("running", "paused", "evaluating"), timeout=120_000)
    assert page2.state == "finished" and len(page2.runs) == 1
