"""Closing a window while it trains (what quitting mid-training does): the window hides at
once, the run stops, the close completes when the threads have ended (none outlives it), the
window is deleted, and another window then trains."""

import threading

from PySide6.QtCore import QCoreApplication, QEvent, QThread, Qt

from visualnet.engine.session import TrainingSession
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

    assert not first.close()                         # hidden at once, closed when the thread ends
    assert not first.isVisible()
    qtbot.waitUntil(lambda: not thread.isRunning(), timeout=60_000)
    # the run's end, queued, arrives (the page leaves "running"), and the close completes
    qtbot.waitUntil(lambda: page.state not in ("running", "paused") and not first._closing, timeout=60_000)
    assert "evaluating" not in states, states        # before the fix: an evaluation thread, the page's child
    assert not [t for t in page.findChildren(QThread) if t.isRunning()]
    deleted = []
    first.destroyed.connect(lambda *_: deleted.append(True))
    first.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)   # before the fix: abort here
    qtbot.waitUntil(lambda: bool(deleted), timeout=60_000)                 # the window is deleted

    second = app_window()
    page2 = start(qtbot, second, epochs=2, samples=320)
    qtbot.waitUntil(lambda: page2.state not in ("running", "paused", "evaluating"), timeout=120_000)
    assert page2.state == "finished" and len(page2.runs) == 1


def test_closing_hides_the_window_at_once_while_a_batch_runs(app_window, qtbot, monkeypatch):
    """A long batch (a big model) ends before the stop takes effect: the window must not
    freeze until then. The batch here waits for the test, after the close has returned."""
    entered, release = threading.Event(), threading.Event()
    step = TrainingSession.step

    def held_step(self):
        if threading.current_thread() is not threading.main_thread() and not release.is_set():
            entered.set()
            release.wait(30)
        return step(self)

    monkeypatch.setattr(TrainingSession, "step", held_step)
    window = app_window()
    page = start(qtbot, window, epochs=5, samples=320)
    thread = page.thread
    qtbot.waitUntil(entered.is_set, timeout=60_000)

    closed = window.close()
    running_after_close = thread.isRunning()     # before: the close returned only after the batch
    release.set()
    assert not closed and running_after_close and not window.isVisible() and window._closing
    qtbot.waitUntil(lambda: not thread.isRunning(), timeout=60_000)
    qtbot.waitUntil(lambda: not window._closing, timeout=10_000)   # the close completed
    assert page.state != "evaluating"
