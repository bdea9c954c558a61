"""TrainingController without Qt: calls into the training thread return futures whose result
belongs to one state between batches; requests and reports work from plain threads."""

import threading

import numpy as np

import visualnet as vn
from visualnet.engine.run_config import TrainingConfig
from visualnet.engine.session import TrainingSession
from visualnet.workspace.controller import Listener, TrainingController


class Recorder(Listener):
    def __init__(self):
        self.rows, self.logs, self.results, self.crashes = [], [], [], []
        self.batch_seen = threading.Event()

    def batches(self, rows):
        self.rows += rows
        self.batch_seen.set()

    def log(self, text):
        self.logs.append(text)

    def ended(self, result):
        self.results.append(result)

    def crashed(self, message, details):
        self.crashes.append(message)


def session(epochs=50, n=2000):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 8)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    model = vn.Sequential([vn.layers.Input((8,)), vn.layers.Dense(16, activation="relu"),
                           vn.layers.Dense(2, activation="softmax")])
    return TrainingSession(model, x, y, TrainingConfig(optimizer="adam", epochs=epochs, batch_size=16, seed=1))


def test_calls_during_a_run_see_one_state_between_batches_and_stop_ends_it():
    s = session()
    rec = Recorder()
    ctl = TrainingController(s, rec, throttle=0.0)
    thread = threading.Thread(target=ctl.run)
    thread.start()
    assert rec.batch_seen.wait(60)
    ctl.pause()
    snapshot = ctl.call(lambda ss: (ss.step_count, [w.copy() for w in ss.model.get_weights()])).result(timeout=60)
    again = ctl.call(lambda ss: (ss.step_count, [w.copy() for w in ss.model.get_weights()])).result(timeout=60)
    assert snapshot[0] == again[0] > 0                      # paused: nothing trained between the two calls
    assert all(np.array_equal(a, b) for a, b in zip(snapshot[1], again[1]))
    ctl.change(lambda ss: ss.set_learning_rate(-1.0))      # refused, said in the log
    ctl.step()
    ctl.call(lambda ss: None).result(timeout=60)
    ctl.stop()
    thread.join(60)
    assert not thread.is_alive() and rec.results[-1]["status"] == "stopped"
    assert any(line.startswith("Change refused: the learning rate must be a positive number") for line in rec.logs)
    assert s.step_count <= snapshot[0] + 2                  # the one step requested, at most one more
    assert ctl.call(lambda ss: ss.status).result(timeout=1) == "stopped"   # after the run: at once


def test_a_call_before_the_run_runs_at_once_and_errors_come_back_in_the_future():
    ctl = TrainingController(session(epochs=1))
    assert ctl.call(lambda ss: ss.status).result(timeout=1) == "ready"
    future = ctl.call(lambda ss: 1 / 0)
    assert isinstance(future.exception(timeout=1), ZeroDivisionError)


def test_a_failure_in_the_training_thread_is_reported_not_raised():
    s = session(epochs=1)
    rec = Recorder()
    ctl = TrainingController(s, rec)
    ctl.change(lambda ss: (_ for _ in ()).throw(RuntimeError("boom")))
    ctl.run()
    assert rec.crashes == ["Training failed (RuntimeError): boom"] and s.status == "failed"


def test_snapshots_are_taken_only_while_someone_looks_the_end_s_too():
    for wanted in (False, True):
        s = session(epochs=1, n=320)
        seen = []

        class Snapshots(Listener):
            def inspected(self, snapshot):
                seen.append(snapshot)

        ctl = TrainingController(s, Snapshots(), inspect=lambda ss: ss.step_count, throttle=0.0, inspect_every=0.0,
                                 inspect_wanted=lambda: wanted)
        ctl.run()
        assert len(seen) == (21 if wanted else 0)            # one per report and the end's, while wanted
        assert not wanted or seen[-1] == s.step_count == 20


def test_ended_epochs_are_reported_with_the_throttled_batch_rows_in_order():
    """Short epochs do not wake the listener at their own pace: an epoch's row and log line
    wait for the next throttled report (or the end), after the batch rows before them."""
    for throttle in (0.0, 3600.0):
        s = session(epochs=5, n=64)          # 4 batches an epoch

        class Reports(Listener):
            def __init__(self):
                self.seen, self.at = [], []   # what was reported; the run's step count at each report

            def batches(self, rows):
                self.at.append(s.step_count)
                self.seen += [("batch", r["step"]) for r in rows]

            def epoch(self, row):
                self.at.append(s.step_count)
                self.seen.append(("epoch", row["step"]))

            def log(self, text):
                self.seen.append(("log", text[:7]))

        listener = Reports()
        TrainingController(s, listener, throttle=throttle).run()
        expected = []
        for epoch in range(5):
            expected += [("batch", 4 * epoch + b) for b in range(1, 5)] + [("epoch", 4 * epoch + 4),
                                                                              ("log", f"Epoch {epoch + 1}")]
        assert listener.seen == expected
        # throttle 0: each batch and epoch reported at once; an hour: the first batch, then the rest at the end
        if throttle == 0:
            assert listener.at == [step for what, step in expected if what != "log"]
        else:
            assert listener.at[0] == 1 and set(listener.at[1:]) == {20}
