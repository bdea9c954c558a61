"""The worker's reports reach the GUI thread with one wake-up for all that arrived since
the GUI thread last looked: the batch rows together, the other reports in order."""

import threading
from types import SimpleNamespace

from visualnet.gui.training.worker import TrainingWorker


def _recording(worker):
    seen = []
    worker.batches_ready.connect(lambda rows: seen.append(("batches", [r["step"] for r in rows])))
    worker.progress_changed.connect(lambda p: seen.append(("progress", p["step"])))
    worker.epoch_finished.connect(lambda row: seen.append(("epoch", row["epoch"])))
    worker.log_added.connect(lambda text: seen.append(("log", text)))
    worker.finished.connect(lambda result: seen.append(("finished", result["status"])))
    return seen


def _in_another_thread(fn):
    thread = threading.Thread(target=fn)
    thread.start()
    thread.join()


def test_reports_queued_while_the_gui_thread_is_busy_arrive_in_one_wake_up(qapp):
    worker = TrainingWorker(SimpleNamespace(listener=None))
    seen = _recording(worker)

    def run():
        worker.batches([{"step": 1}, {"step": 2}])
        worker.progress({"step": 2})
        worker.batches([{"step": 3}])
        worker.epoch({"epoch": 0})
        worker.log("Epoch 1")
        worker.batches([{"step": 4}])
        worker.progress({"step": 4})
        worker.ended({"status": "finished"})

    _in_another_thread(run)
    assert seen == [] and worker.wakes == 0       # nothing runs in the training thread
    qapp.processEvents()
    assert worker.wakes == 1
    # the batch rows of the wake-up merged, first (the curves draw once); the other reports in
    # order; only the latest progress, before the end
    assert seen == [("batches", [1, 2, 3, 4]), ("epoch", 0), ("log", "Epoch 1"),
                    ("progress", 4), ("finished", "finished")]


def test_a_report_after_a_delivery_wakes_the_gui_thread_again(qapp):
    worker = TrainingWorker(SimpleNamespace(listener=None))
    seen = _recording(worker)
    _in_another_thread(lambda: worker.progress({"step": 1}))
    qapp.processEvents()
    _in_another_thread(lambda: worker.batches([{"step": 2}]))
    qapp.processEvents()
    assert worker.wakes == 2
    assert seen == [("progress", 1), ("batches", [2])]


def test_a_report_from_the_gui_thread_is_delivered_at_once(qapp):
    worker = TrainingWorker(SimpleNamespace(listener=None))
    seen = _recording(worker)
    worker.log("no run goes on")
    assert seen == [("log", "no run goes on")]


def test_a_controller_s_reports_handed_over_together_wake_the_gui_thread_once(qapp):
    """A throttled flush (rows, an ended epoch, its log line, the progress) is one queue
    entry for the GUI thread: it could otherwise wake between two of them."""
    worker = TrainingWorker(SimpleNamespace(listener=None))
    seen = _recording(worker)
    _in_another_thread(lambda: worker.reports([("batches", [{"step": 1}]), ("epoch", {"epoch": 0}),
                                               ("log", "Epoch 1"), ("progress", {"step": 1})]))
    _in_another_thread(lambda: worker.reports([]))
    qapp.processEvents()
    assert worker.wakes == 1
    assert seen == [("batches", [1]), ("epoch", 0), ("log", "Epoch 1"), ("progress", 1)]
