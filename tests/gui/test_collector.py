"""Garbage collection stays in the GUI thread while background threads run Python
(visualnet/gui/collector.py): a collection in the training thread that met a closed
window's widgets froze the GUI tests (each thread waiting for what the other held)."""

import gc
import threading

import pytest
from PySide6.QtCore import QObject, QThread, Qt, Slot

from visualnet.gui import collector


@pytest.fixture
def collections():
    """(thread name, generation) of each collection started while the test runs, with low
    thresholds: any thread allocating a few containers would collect."""
    started = []
    threshold = gc.get_threshold()
    gc.set_threshold(10, 10, 10)

    def record(phase, info):
        if phase == "start":
            started.append((threading.current_thread().name, info["generation"]))

    gc.callbacks.append(record)
    yield started
    gc.callbacks.remove(record)
    gc.set_threshold(*threshold)



class _Litter(QObject):
    """In the GUI thread: leaves cycles behind at each of the worker's batch reports."""

    def __init__(self):
        super().__init__()
        self.reports = 0

    @Slot(list)
    def batches(self, rows):
        self.reports += 1
        for _ in range(20):
            cycle = []
            cycle.append(cycle)
            del cycle


def test_while_a_model_trains_every_collection_runs_in_the_gui_thread(qtbot, page, collections):
    assert gc.isenabled()
    page.window.load_template("mnist_mlp")
    page.select_dataset("mnist")
    page.data_panel.subset.setValue(2000)
    page.settings.epochs.setValue(2)
    qtbot.mouseClick(page.buttons["train"], Qt.MouseButton.LeftButton)
    assert not gc.isenabled()  # from before the thread starts
    litter = _Litter()  # cycles the GUI thread leaves behind during the run, at each batch report
    page.worker.batches_ready.connect(litter.batches)
    qtbot.waitUntil(lambda: page.state not in ("running", "evaluating"), timeout=120_000)
    qtbot.waitUntil(gc.isenabled, timeout=60_000)  # back on after the threads have ended
    assert litter.reports > 0
    assert collections, "nothing was collected during the run"
    assert {name for name, _ in collections} == {threading.main_thread().name}


class _Job(QThread):
    def run(self):
        self.saw_enabled = gc.isenabled()


def test_collection_comes_back_as_it_was_after_the_last_job(qtbot):
    first, second = _Job(), _Job()
    collector.start_off_gui_thread(first)
    collector.start_off_gui_thread(second)
    for job in (first, second):
        qtbot.waitUntil(job.isFinished, timeout=60_000)
    assert not first.saw_enabled and not second.saw_enabled
    qtbot.waitUntil(gc.isenabled, timeout=60_000)
    gc.disable()  # switched off by someone else: it stays off
    try:
        third = _Job()
        collector.start_off_gui_thread(third)
        qtbot.waitUntil(third.isFinished, timeout=60_000)
        # the collector's tick after the job's end has run: its timer stopped, and then it
        # would have turned collection back on
        qtbot.waitUntil(lambda: not collector._collector()._timer.isActive(), timeout=60_000)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_timer_runs_a_full_collection_at_most_every_few_seconds(qtbot, collections):
    """A full collection walks every object (58 ms in the app, 300 ms beside PyTorch): the
    GUI thread's timer spaces them out, where these thresholds alone would ask for one
    every few ticks."""
    gc.set_threshold(10, 1, 1)  # restored by the fixture
    with collector.held():
        for _ in range(20):
            for _ in range(200):  # cycles: they stay counted until collected
                cycle = []
                cycle.append(cycle)
            before = len(collections)
            qtbot.waitUntil(lambda: len(collections) > before, timeout=60_000)  # the timer's next collection
    full = [name for name, generation in collections if generation == 2]
    assert len(collections) >= 20 and len(full) <= 1
