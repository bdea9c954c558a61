"""TrainingSession: exact pause/resume, changes between batches, schedules, early stopping,
NaN stop, prompt stop from another thread, JSON history. No Qt."""

import json
import threading

import numpy as np
import pytest

from visualnet import layers, models
from visualnet.engine import schedules
from visualnet.engine.rng import set_seed
from visualnet.engine.control import TrainingControl
from visualnet.engine.run_config import TrainingConfig, optimizer_defaults
from visualnet.engine.run_history import RunHistory
from visualnet.engine.session import TrainingSession


def make_model(seed=1, dropout=True):
    set_seed(seed)
    stack = [layers.Dense(16, activation="relu", input_shape=(4,))]
    if dropout:
        stack.append(layers.Dropout(0.2))
    stack.append(layers.Dense(3, activation="softmax"))
    return models.Sequential(stack)


def data(n=200, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1, (n, 4)).astype("float32")
    y = (x[:, 0] > 0).astype(int) + (x[:, 1] > 0.5).astype(int)
    return x, y


def config(**kw):
    base = dict(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"], batch_size=16,
                epochs=3, seed=7, validation_split=0.2)
    base.update(kw)
    return TrainingConfig(**base)


def session(cfg=None, callback=None, model_seed=1, **kw):
    x, y = data()
    return TrainingSession(make_model(model_seed, **kw), x, y, cfg or config(), callback=callback)


def weights(s):
    return [w.copy() for w in s.model.get_weights()]


class WaitingControl(TrainingControl):
    """A TrainingControl that tells the test when the run loop waits in it (it is paused)
    and at which step: the test waits on that, not on a sleep."""

    def __init__(self):
        super().__init__()
        self.session = None
        self._seen = threading.Condition()
        self.waits = []       # the session's step_count at each wait

    def wait(self, timeout: float) -> None:
        with self._seen:
            self.waits.append(self.session.step_count)
            self._seen.notify_all()
        super().wait(timeout)

    def waited_at(self, step: int, timeout: float = 60.0) -> bool:
        """Block until the run loop waits with `step` batches trained (False after `timeout`,
        a hang guard)."""
        with self._seen:
            return self._seen.wait_for(lambda: step in self.waits, timeout)


def same(a, b):
    return all(np.array_equal(u, v) for u, v in zip(a, b))


def test_uninterrupted_run_finishes_and_records_curves():
    s = session()
    assert s.run() == "finished"
    h = s.history
    assert len(h.batch["loss"]) == 3 * s.steps_per_epoch == h.batch["step"][-1]
    assert h.epoch["epoch"] == [0, 1, 2]
    assert {"loss", "accuracy", "val_loss", "val_accuracy", "learning_rate"} <= set(h.epoch)
    assert h.final["val_accuracy"] == h.epoch["val_accuracy"][-1]
    assert h.gradients["step"][0] == 1 and set(h.gradients) >= {"step", s.model.layers[0].name}


def test_gradient_norms_are_recorded_every_few_batches_and_about_a_hundred_times_in_a_long_run():
    short = session(config(track_every=2, epochs=3))          # 10 batches an epoch: 30 in all
    short.run()
    assert short.history.gradients["step"] == [1, *range(2, 31, 2)]
    long = session(config(track_every=2, epochs=60, validation_split=0.0))   # 13 batches an epoch: 780
    long.run()
    steps = long.history.gradients["step"]
    assert steps[:3] == [1, 7, 14] and all(b - a == 7 for a, b in zip(steps[1:], steps[2:]))   # 780 // 100
    assert len(steps) == 1 + 780 // 7


def test_pause_and_resume_equal_uninterrupted_training():
    ref = session()
    ref.run()
    control = TrainingControl()

    def pause_at(kind, payload):
        if kind == "batch" and payload["step"] in (5, 13, 22):   # mid-epoch and across epoch ends
            control.request_pause()

    s = session(callback=pause_at)
    statuses = []
    while not s.finished:
        statuses.append(s.run(control, block_when_paused=False))
        control.resume()
    assert statuses.count("paused") == 3
    assert same(weights(s), weights(ref))
    assert s.history.batch["loss"] == ref.history.batch["loss"]
    assert np.array_equal(s.optimizer.get_state()["velocity"], ref.optimizer.get_state()["velocity"])


def test_paused_thread_waits_steps_once_and_resumes_with_a_recorded_lr_change():
    """Pause a run in a thread, step one batch, change the learning rate, resume: same as
    an uninterrupted run that changes the rate at the same step."""
    change_at = 9

    def change(kind, payload, holder):
        if kind == "batch" and payload["step"] == change_at:
            holder[0].set_learning_rate(0.01)

    holder = [None]
    ref = session(callback=lambda k, p: change(k, p, holder))
    holder[0] = ref
    ref.run()
    plain = session()
    plain.run()

    control = WaitingControl()
    s = session(callback=lambda k, p: control.request_pause() if k == "batch" and p["step"] == change_at - 1
                else None)
    control.session = s
    thread = threading.Thread(target=s.run, args=(control,))
    thread.start()
    # paused, waiting: the run loop is in the control's wait, at the step it paused after
    assert control.waited_at(change_at - 1) and thread.is_alive()
    assert s.step_count == change_at - 1
    control.request_step()
    assert control.waited_at(change_at)                              # back in the wait after it
    assert s.step_count == change_at == max(control.waits)          # exactly one batch
    control.submit(lambda sess: sess.set_learning_rate(0.01))
    control.resume()
    thread.join(60)                                                  # a hang guard
    assert not thread.is_alive() and s.status == "finished"
    assert same(weights(s), weights(ref))
    assert not same(weights(s), weights(plain))
    lrs = s.history.batch["learning_rate"]
    assert lrs[change_at - 1] == pytest.approx(0.001) and lrs[change_at] == pytest.approx(0.01)
    marker = s.history.markers[0]
    assert marker["kind"] == "learning_rate" and marker["step"] == change_at
    assert marker["old"] == pytest.approx(0.001) and marker["new"] == 0.01
    assert s.optimizer.iterations == ref.optimizer.iterations


def test_batch_size_change_mid_epoch_covers_each_sample_once():
    s = session(config(epochs=1, validation_split=0.0))
    for _ in range(3):
        s.step()
    s.set_batch_size(50)
    s.run()
    sizes = s.history.batch["batch_size"]
    assert sizes[:3] == [16, 16, 16] and set(sizes[3:-1]) == {50}
    assert sum(sizes) == 200
    assert s.history.markers[0]["kind"] == "batch_size" and s.history.markers[0]["step"] == 3


def test_optimizer_parameter_change_keeps_state_and_adds_new_slots():
    s = session(config(optimizer="sgd", optimizer_params={"learning_rate": 0.05}))
    s.step()
    s.set_optimizer_params(momentum=0.9, clipnorm=1.0)
    assert "momentum" in s.optimizer._state and s.optimizer.momentum == 0.9 and s.optimizer.clipnorm == 1.0
    assert s.history.markers[-1]["kind"] == "optimizer" and "momentum 0.0 -> 0.9" in s.history.markers[-1]["text"]
    with pytest.raises(ValueError, match="momentum"):
        s.set_optimizer_params(momentum=3.0)
    s.run()
    assert s.status == "finished"
    assert optimizer_defaults("adam")["beta_1"] == 0.9


def test_nan_loss_stops_with_an_explanation():
    x, y = data()
    x[37] = np.nan
    s = TrainingSession(make_model(), x, y, config(shuffle=False, validation_split=0.0, batch_size=10))
    assert s.run() == "diverged"
    assert s.step_count == 4                       # the batch holding sample 37
    assert "NaN" in s.history.reason and "learning rate" in s.history.reason and "clipping" in s.history.reason
    json.dumps(s.history.to_dict(), allow_nan=False)   # NaN stored as null
    assert s.history.to_dict()["batch"]["loss"][-1] is None


def test_huge_learning_rate_diverges():
    x, y = data()
    s = TrainingSession(make_model(), x * 1e3, y,
                        config(optimizer="sgd", optimizer_params={"learning_rate": 1e6}, epochs=20))
    assert s.run() == "diverged"
    assert "not scaled" in s.history.reason


def test_early_stopping_restores_the_best_weights():
    snapshots = {}
    holder = []

    def keep(kind, payload):
        if kind == "epoch":
            snapshots[payload["epoch"]] = weights(holder[0])

    cfg = config(epochs=20, early_stopping={"monitor": "val_loss", "patience": 2, "min_delta": 100.0,
                                            "restore_best_weights": True})
    s = session(cfg, callback=keep)
    holder.append(s)
    assert s.run() == "early_stopped"
    assert s.history.epoch["epoch"] == [0, 1, 2]   # epoch 0 is best; 2 more without improvement
    assert "epoch 1" in s.history.reason
    assert same(weights(s), snapshots[0]) and not same(snapshots[2], snapshots[0])


def test_monitoring_validation_without_validation_data_is_refused():
    with pytest.raises(ValueError, match="no validation data"):
        session(config(validation_split=0.0, early_stopping={"monitor": "val_loss"}))


@pytest.mark.parametrize("spec, reference", [
    ({"kind": "exponential", "decay_steps": 7, "decay_rate": 0.5},
     schedules.ExponentialDecay(0.01, 7, 0.5)),
    ({"kind": "step", "step_size": 10, "factor": 0.1},
     schedules.ExponentialDecay(0.01, 10, 0.1, staircase=True)),
    ({"kind": "cosine", "decay_steps": 25, "alpha": 0.1},
     schedules.CosineDecay(0.01, 25, alpha=0.1)),
])
def test_schedules_follow_keras(spec, reference):
    s = session(config(optimizer_params={"learning_rate": 0.01}, lr_schedule=spec))
    s.run()
    lrs = s.history.batch["learning_rate"]
    expected = [float(reference(i)) for i in range(len(lrs))]
    np.testing.assert_allclose(lrs, expected, rtol=1e-6)
    assert lrs[-1] < lrs[0]


def test_warmup_ramps_linearly_then_follows_the_schedule():
    s = session(config(optimizer_params={"learning_rate": 0.01},
                       lr_schedule={"kind": "cosine", "decay_steps": 20, "warmup_steps": 5}))
    s.run()
    lrs = s.history.batch["learning_rate"]
    np.testing.assert_allclose(lrs[:5], [0.002, 0.004, 0.006, 0.008, 0.01], rtol=1e-6)
    np.testing.assert_allclose(lrs[5:10], [float(schedules.CosineDecay(0.01, 20)(i)) for i in range(5)], rtol=1e-6)


def test_reduce_on_plateau_lowers_the_base_rate_and_marks_it():
    cfg = config(epochs=4, optimizer_params={"learning_rate": 0.01},
                 lr_schedule={"kind": "plateau", "monitor": "val_loss", "patience": 1, "factor": 0.5,
                              "min_delta": 100.0})
    s = session(cfg)
    s.run()
    assert s.history.epoch["learning_rate"] == pytest.approx([0.01, 0.005, 0.0025, 0.00125])
    assert [m["kind"] for m in s.history.markers] == ["plateau"] * 3


def test_stop_from_another_thread_is_prompt_and_keeps_weights():
    """The stop is honoured between batches: at most the batch running when it was requested
    ends after it (not the rest of the 2500-batch epoch). The batches are counted; the stop
    latency in milliseconds is a benchmark goal (benchmarks/RESULTS.md)."""
    x = np.random.default_rng(0).normal(size=(20000, 4)).astype("float32")
    y = (x[:, 0] > 0).astype(int)
    control = TrainingControl()
    running = threading.Event()
    after_stop = []      # steps of the batches that ended with the stop already requested

    def report(kind, payload):
        if kind == "batch":
            if control.stop_requested:
                after_stop.append(payload["step"])
            if payload["step"] == 25:
                running.set()

    s = TrainingSession(make_model(), x, y, config(epochs=50, batch_size=8), callback=report)
    thread = threading.Thread(target=s.run, args=(control,))
    thread.start()
    assert running.wait(60)                                       # a hang guard
    control.request_stop()
    thread.join(60)                                               # a hang guard
    assert not thread.is_alive()
    assert len(after_stop) <= 1, after_stop
    assert s.epoch == 0 and s.step_count < s.steps_per_epoch      # stopped mid-epoch
    assert s.history.batch["step"][-1] == s.step_count
    assert s.status == "stopped" and s.history.reason
    before = weights(s)
    assert s.step() is None and same(weights(s), before)


def test_history_round_trips_through_json_and_gives_curves():
    s = session(config(epochs=1))
    s.run()
    text = s.history.to_json()
    back = RunHistory.from_dict(json.loads(text))
    assert back.to_dict() == s.history.to_dict()
    curves = back.curves()
    assert curves["batch/loss"].shape == (s.steps_per_epoch,) and "epoch/val_loss" in curves
    assert back.settings["optimizer"] == "adam" and back.status == "finished"


def test_more_epochs_after_the_end_continue_the_run():
    s = session(config(epochs=1))
    s.run()
    s.set_epochs(2)
    assert s.run() == "finished" and s.history.epoch["epoch"] == [0, 1]


def test_history_as_csv():
    s = session(config(epochs=1))
    s.run()
    lines = s.history.to_csv("epoch").splitlines()
    assert lines[0].split(",")[:3] == ["epoch", "step", "loss"] and len(lines) == 2
    assert len(s.history.to_csv("batch").splitlines()) == s.steps_per_epoch + 1


def test_history_keeps_graph_snapshot_and_recipe_and_old_histories_load_without_them():
    s = session(config(epochs=1))
    s.history.graph = {"format_version": 1, "nodes": [{"id": "n1", "type": "Dense", "name": "d",
                                                         "params": {"units": 4}}], "edges": []}
    s.history.recipe = {"source": {"name": "digits"}, "split": {"validation": 0.1}}
    s.run()
    back = RunHistory.from_dict(json.loads(s.history.to_json()))
    assert back.graph == s.history.graph and back.recipe == s.history.recipe
    old = s.history.to_dict()
    del old["graph"], old["recipe"]
    legacy = RunHistory.from_dict(old)
    assert legacy.graph is None and legacy.recipe is None and legacy.final == s.history.final


def test_the_rate_shown_is_samples_over_wall_time_with_what_happens_between_steps(monkeypatch):
    """Issue 26's honest status line: the rate (and ETA) come from the wall time since the run
    started, not from the steps alone; a pause restarts the measure."""
    from visualnet.engine import session as session_mod

    clock = {"now": 100.0}

    class FakeTime:
        @staticmethod
        def perf_counter():
            return clock["now"]

        @staticmethod
        def time():
            return clock["now"]

    monkeypatch.setattr(session_mod, "time", FakeTime)
    seen = []

    def report(kind, payload):
        if kind == "batch":
            clock["now"] += 1.0                 # a second passes outside the step (reports, drawing...)
            seen.append(s.progress())

    s = session(config(epochs=1, batch_size=20), callback=report)
    s.run()
    later = seen[5:]                            # once the measure has settled
    assert later and all(p["samples_per_second"] == pytest.approx(20.0, rel=0.2) for p in later)
    for p in later:                             # 160 training samples (validation_split=0.2)
        assert p["eta"] == pytest.approx((1 - p["fraction"]) * 160 / p["samples_per_second"], rel=1e-6)
