"""A resumable training run, one batch at a time: what the GUI's worker, a script and `fit` drive.

`TrainingSession` is a plain object (no Qt, no threads of its own), in the manner of
Orange3's concurrent widgets: `step()` trains one batch through its `TrainingLoop`
(loop.py: the prepared data, the threading context with the governor, the step strategy),
`run_epoch()` and `run(control)` loop over steps and check a `TrainingControl` between
batches for pause, stop, one-step requests and queued changes, and every batch, epoch,
change and the end are reported through `callback(kind, payload)`. Because nothing is
torn down between batches, pausing keeps the optimizer state and shuffling order, and a
paused run continues exactly as an uninterrupted one would.

    session = TrainingSession(model, x, y, TrainingConfig(optimizer="adam", epochs=3,
                              loss="sparse_categorical_crossentropy", metrics=["accuracy"]))
    session.run()                     # or step() / run_epoch() / run(control) from a thread
    session.history.to_dict()         # JSON: curves per batch and per epoch, markers, settings

Between batches the learning rate, batch size, number of epochs and the optimizer's
parameters may change (`set_learning_rate`, `set_batch_size`, `set_epochs`,
`set_optimizer_params`, `set_optimizer`: session_changes.py); each change is a marker in
the history with the step, epoch and batch where it took effect. The effective learning
rate of a step is the base rate times the schedule's factor (step, exponential, cosine;
optional linear warm-up); reduce-on-plateau lowers the base rate (Keras's
`ReduceLROnPlateau` does the bookkeeping), and a user's change sets it. Early stopping is
Keras's `EarlyStopping`. A loss that becomes NaN or infinite stops the run with an
explanation of likely causes.

`TrainingSession.for_fit` is the same run as Keras's `fit` does it: the compiled model as it
is, Keras callbacks called at Keras's points, the global generator's shuffling, no per-batch
record, and a NaN loss does not stop it.
"""

from __future__ import annotations

import copy
import math
import time

import numpy as np

from . import evaluation, optimizers
from .callbacks import CallbackList, EarlyStopping, ReduceLROnPlateau, uses_hook
from .compiled import compile_model
from .control import TrainingControl
from .data_adapter import as_inputs, as_model_targets, check_batch_size
from .loop import Mean, TrainingData, TrainingLoop, evaluate_arrays, logs_of
from .run_config import SCHEDULE_KINDS, TrainingConfig, schedule_factor
from .run_history import RunHistory, json_safe
from .session_changes import SessionChanges
from .validation import validation_logs

# gradient norms are recorded about this many times a run at most (track_every apart or more):
# each reads every gradient, and in a run of small batches one in ten batches cost the
# Train page 1-5% of its speed (benchmarks/RESULTS.md)
TRACKED_RECORDS = 100
_NO_AHEAD = (None, None, None)
CLOCK_SETTLES = 0.5   # seconds of wall time before the rate shown is measured on it (the steps' own rate before)

__all__ = ["SCHEDULE_KINDS", "TrainingConfig", "TrainingControl", "TrainingSession", "RunHistory"]


class _PlateauOnBaseRate(ReduceLROnPlateau):
    """Reduce-on-plateau lowering the session's base rate (the schedule keeps scaling it)."""

    def __init__(self, session, **spec):
        super().__init__(**spec)
        self.session = session

    def _rate(self) -> float:
        return self.session.base_learning_rate

    def _set_rate(self, value: float) -> None:
        self.session._change_base_rate(float(value), "plateau", "reduce on plateau")


class TrainingSession(SessionChanges):
    """One training run of `model` on (x, y) with `config`, advanced batch by batch.

    validation_data: (x_val, y_val), else `config.validation_split` takes Keras's last
    fraction of (x, y). `callback(kind, payload)` receives "batch", "epoch", "marker",
    "log" and "finished" reports (called in the thread that trains; `progress()` tells
    where the run is).
    batch_padding: a `BatchPadding` (batch_padding.py): each batch cut to its longest
    sequence, a shuffled epoch drawn in length buckets.
    Status: "ready" -> "running" -> "finished" | "early_stopped" | "stopped" | "diverged".
    """

    def __init__(self, model, x, y, config: "TrainingConfig | None" = None, validation_data=None,
                 sample_weight=None, class_weight=None, callback=None, batch_padding=None):
        config = copy.deepcopy(config) if config is not None else TrainingConfig()
        optimizer = optimizers.get({"class_name": config.optimizer, "config": dict(config.optimizer_params)})
        metrics = dict(config.metrics) if isinstance(config.metrics, dict) else list(config.metrics)  # by output
        compile_model(model, optimizer, config.loss, metrics, loss_weights=config.loss_weights)
        data = TrainingData.prepare(model, x, y, sample_weight, class_weight, validation_data,
                                    config.validation_split, batch_padding)
        if data.n == 0:
            raise ValueError("there are no training samples")
        if not isinstance(config.epochs, int) or config.epochs < 1:
            raise ValueError(f"epochs must be a positive integer; received epochs={config.epochs!r}")
        self._setup(model, data, config, np.random.default_rng(config.seed), callback)
        kind = (config.lr_schedule or {}).get("kind", "constant")
        monitors = []
        if config.early_stopping:
            es = dict(config.early_stopping)
            self._early = EarlyStopping(**{k: v for k, v in es.items() if k != "verbose"})
            self._early.set_model(model)
            monitors.append(self._early.monitor)
        if kind == "plateau":
            spec = {k: v for k, v in config.lr_schedule.items()
                    if k in ("monitor", "factor", "patience", "min_delta", "cooldown", "min_lr", "mode")}
            self._plateau = _PlateauOnBaseRate(self, **spec)
            monitors.append(self._plateau.monitor)
        for m in monitors:
            if m.startswith("val_") and self.validation is None:
                raise ValueError(f"'{m}' is monitored but there is no validation data: set a validation split "
                                 f"or monitor '{m[4:]}'.")

    @classmethod
    def for_fit(cls, model, data: TrainingData, *, batch_size: int, epochs: int, shuffle: bool, rng,
                callbacks: CallbackList, initial_epoch: int = 0, validation_batch_size=None,
                validation_freq: int = 1, validation_source=None) -> "TrainingSession":
        """Keras's `fit` as a session (see the module docstring); `model` is compiled;
        `validation_source`: a generator's or PyDataset's `EpochIterator` to validate on."""
        self = cls.__new__(cls)
        config = TrainingConfig(batch_size=batch_size, epochs=epochs, shuffle=shuffle, track_every=0)
        self._setup(model, data, config, rng, None)
        self.fit_mode = True
        self.epoch = initial_epoch
        self.callbacks = callbacks
        self._batch_begin = uses_hook(callbacks.callbacks, "on_train_batch_begin")
        self._batch_end = uses_hook(callbacks.callbacks, "on_train_batch_end")
        self.validation_batch_size = check_batch_size(validation_batch_size, self.batch_size)
        self.validation_freq = validation_freq
        if validation_source is not None:
            self.validation = validation_source
        return self

    def _setup(self, model, data: TrainingData, config: TrainingConfig, rng, callback) -> None:
        self.config, self.model, self.callback = config, model, callback
        self.optimizer = model.compiled.optimizer
        self.base_learning_rate = float(self.optimizer.learning_rate)
        self._factor = schedule_factor(config.lr_schedule)
        self.data = data
        self.validation = data.validation
        self.batch_size = check_batch_size(config.batch_size)
        self.loop = TrainingLoop(model, data, self.batch_size)
        self.epochs = config.epochs
        model.compiled.ensure_optimizer()
        self.metrics = model.compiled.resolve_metrics(data.y)
        self._rng = rng
        self._early = self._plateau = None
        self.fit_mode = False            # see for_fit; else per-batch records, the rate set per batch, NaN stops
        self.callbacks = None            # Keras callbacks (fit's)
        self._batch_begin = self._batch_end = False
        self.validation_batch_size = None  # None: the batch size
        self.validation_freq = 1
        self.history = RunHistory(settings=config.to_dict())
        self.status = "ready"
        self.epoch = 0            # the epoch being trained (0-based)
        self.batch = 0            # batches done in this epoch
        self.step_count = 0       # batches done in the run
        self._pos = 0             # samples done in this epoch
        self._in_epoch = False    # the epoch has begun (its order is drawn)
        self._order = None        # this epoch's sample order (None: in order)
        self._ahead = _NO_AHEAD   # (start, stop, rows) of the batch being gathered ahead
        self._tracker = Mean()
        self._smoothed = None
        self._train_time = 0.0    # seconds spent training (pauses excluded)
        self._epoch_time = 0.0
        self._rate = None         # samples per second (moving average of the steps alone)
        self._clock = None        # (perf_counter, samples done) when the run last started or resumed
        self._should_stop = None

    # ------------------------------------------------------------------ state
    @property
    def xs(self) -> list:
        return self.data.xs

    @property
    def y(self) -> np.ndarray:
        return self.data.y

    @property
    def n_samples(self) -> int:
        return self.data.n

    @property
    def steps_per_epoch(self) -> int:
        return -(-self.n_samples // self.batch_size)

    @property
    def finished(self) -> bool:
        return self.status in ("finished", "early_stopped", "stopped", "diverged", "failed")

    @property
    def learning_rate(self) -> float:
        """The rate the next batch will use (base rate times the schedule's factor)."""
        return float(np.float32(self.base_learning_rate * self._factor(self.optimizer.iterations)))

    def progress(self) -> dict:
        """Where the run is: epoch, batch, fraction done, samples per second, ETA (s)."""
        total = self.epochs * self.n_samples
        done = total if self.status == "finished" else min(self.epoch * self.n_samples + self._pos, total)
        left = max(total - done, 0)
        rate = self._rate
        if self._clock is not None:      # wall time since the run (re)started: validation and reports included
            t0, d0 = self._clock
            seconds = time.perf_counter() - t0
            if seconds > CLOCK_SETTLES and done > d0:
                rate = (done - d0) / seconds
        return {"epoch": self.epoch, "epochs": self.epochs, "batch": self.batch,
                "steps_per_epoch": self.steps_per_epoch, "step": self.step_count,
                "fraction": done / total if total else 1.0, "samples_per_second": rate or 0.0,
                "eta": left / rate if rate else None, "elapsed": self._train_time}

    # ------------------------------------------------------------------ training
    def _report(self, kind: str, payload: dict) -> None:
        if self.callback is not None:
            self.callback(kind, payload)

    def _begin_epoch(self) -> None:
        if self.callbacks is not None:
            self.callbacks.on_epoch_begin(self.epoch)
        self._order = self.data.epoch_order(self._rng, self.batch_size) if self.config.shuffle else None
        self._ahead = _NO_AHEAD
        self._in_epoch = True
        self._pos = self.batch = 0
        self._tracker = Mean()
        self._epoch_time = 0.0
        for m in self.metrics:
            m.reset_state()

    def _rows(self, start: int, stop: int):
        return slice(start, stop) if self._order is None else self._order[start:stop]

    def _start(self) -> None:
        self.model.stop_training = False
        self.status = "running"
        self.history.status = "running"
        self.history.started_at = time.time()
        for cb in (self._early, self._plateau):
            if cb is not None:
                cb.on_train_begin()

    def step(self) -> "dict | None":
        """Train one batch (beginning or ending an epoch as needed); returns the batch's
        record (None in fit mode), or None when the run is over."""
        if self.status != "running":
            if self.finished:
                return None
            if self.status == "ready":
                self._start()
        if not self._in_epoch:
            self._begin_epoch()
        if self._batch_begin:
            self.callbacks.on_train_batch_begin(self.batch)
        fit, loop, pos, total = self.fit_mode, self.loop, self._pos, self.data.n
        end = min(pos + self.batch_size, total)
        n = end - pos
        lr = None
        if not fit:              # fit leaves the rate to the optimizer and the callbacks, and times nothing
            t0 = time.perf_counter()
            lr = self.learning_rate
            if self.optimizer.learning_rate != lr:    # checked and set only when it changes
                self.optimizer.learning_rate = lr
        start, stop, rows = self._ahead
        if start != pos or stop != end:
            rows = self._rows(pos, end)
        if loop.is_open and end < total:   # the next batch, gathered meanwhile (passed again next time,
            after = min(end + self.batch_size, total)   # the same object: no comparison of indices)
            self._ahead = (end, after, self._rows(end, after))
        else:
            self._ahead = _NO_AHEAD
        loss = float(loop.train(rows, n, self._ahead[2]))
        self._tracker.update(loss, n)
        self._pos = end
        self.batch += 1
        self.step_count += 1
        row = None
        if not fit:
            dt = time.perf_counter() - t0
            self._train_time += dt
            self._epoch_time += dt
            if dt > 0:
                self._rate = n / dt if self._rate is None else 0.9 * self._rate + 0.1 * n / dt
            row = self._record(loss, lr, n)
            if not math.isfinite(loss):
                self._finish("diverged", self._divergence_reason(loss, lr))
                return row
        if self._batch_end:
            self.callbacks.on_train_batch_end(self.batch - 1, logs_of(self._tracker, self.metrics))
        if end >= total or self.model.stop_training:
            self._end_epoch()
        return row

    def _record(self, loss: float, lr: float, n: int) -> dict:
        logs = logs_of(self._tracker, self.metrics)
        self._smoothed = loss if self._smoothed is None or not math.isfinite(self._smoothed) else \
            0.9 * self._smoothed + 0.1 * loss
        row = {"step": self.step_count, "epoch": self.epoch, "batch": self.batch - 1, "loss": loss,
               "loss_smoothed": self._smoothed, **{k: v for k, v in logs.items() if k != "loss"},
               "learning_rate": lr, "batch_size": n}
        self.history.append("batch", row)
        every = self.config.track_every
        if every and (self.step_count % max(every, self.epochs * self.steps_per_epoch // TRACKED_RECORDS) == 0
                      or self.step_count == 1):
            norms = evaluation.gradient_norms(self.model)
            self.history.append("gradients", {"step": self.step_count, **norms})
        self._report("batch", row)
        return row

    def _end_epoch(self) -> None:
        logs = logs_of(self._tracker, self.metrics)
        if self.validation is not None and (self.epoch + 1) % self.validation_freq == 0:
            val = validation_logs(self.model, self.validation, self.validation_batch_size or self.batch_size,
                                  self.callbacks, self._should_stop)   # validation.py: Keras's test hooks
            if val is None:      # interrupted by a stop: the epoch ends without validation
                self._record_epoch(logs)
                return
            logs.update(val)
        if self._plateau is not None:
            self._plateau.on_epoch_end(self.epoch, logs)
        if not self.fit_mode:
            logs["learning_rate"] = self.learning_rate
        self._record_epoch(logs)
        epoch = self.epoch
        self.epoch += 1
        self._in_epoch = False
        if self.callbacks is not None:
            self.callbacks.on_epoch_end(epoch, logs)
            if self.model.stop_training:
                self._finish("stopped", f"Stopped by a callback after epoch {epoch + 1}.")
                return
        if self._early is not None:
            self._early.on_epoch_end(epoch, logs)
            if self.model.stop_training:
                self.model.stop_training = False
                best = self._early.best_epoch + 1
                self._end_with_best_weights("early_stopped", f"Early stopping: {self._early.monitor} did not improve "
                                            f"for {self._early.patience} epoch(s) (best: epoch {best}).")
                return
        if self.epoch >= self.epochs:
            self._end_with_best_weights("finished", f"Finished {self.epochs} epoch(s).")

    def _record_epoch(self, logs: dict) -> None:
        if self.fit_mode:
            return
        row = {"epoch": self.epoch, "step": self.step_count, **logs, "duration": self._epoch_time}
        self.history.append("epoch", row)
        self._report("epoch", {**row, "logs": dict(logs)})

    def _end_with_best_weights(self, status: str, reason: str) -> None:
        if self._early is not None and self._early.restore_best_weights and self._early.best_weights is not None:
            self._early.on_train_end()
            reason += f" Restored the weights of epoch {self._early.best_epoch + 1}."
        self._finish(status, reason)

    def _divergence_reason(self, loss: float, lr: float) -> str:
        what = "NaN" if math.isnan(loss) else "infinite"
        hints = [f"the learning rate ({lr:.3g}) is too high for this model: try 10 times lower"]
        opt = self.optimizer
        if not (opt.clipnorm or opt.clipvalue or opt.global_clipnorm):
            hints.append("gradients exploded: turn on gradient clipping (e.g. clipnorm=1.0)")
        scale = max(float(np.max(np.abs(a[:1000]))) if a.size else 0.0 for a in self.xs)
        if scale > 10:
            hints.append(f"the inputs are not scaled (values up to {scale:.3g}): add a Rescale or Standardize step")
        if "crossentropy" in str(self.config.loss) and not isinstance(self.y, list) and self.y.dtype.kind == "f" and \
                (float(self.y.min()) < 0 or float(self.y.max()) > 1):
            hints.append("the targets are outside [0, 1] for a cross-entropy loss: check the task and loss")
        hints.append("the data contain NaN or infinite values")
        listing = "; ".join(f"({i + 1}) {h}" for i, h in enumerate(hints))
        return (f"Training stopped: the loss became {what} at epoch {self.epoch + 1}, batch {self.batch}. "
                f"Likely causes: {listing}. The weights now hold invalid values: train again from fresh weights.")

    def stop(self, reason: str = "Stopped by the user.") -> None:
        """End the run now, keeping the current weights."""
        if not self.finished:
            self._finish("stopped", reason)

    def fail(self, reason: str) -> None:
        """End the run as failed (an error in the training thread), keeping the weights."""
        if not self.finished:
            self._finish("failed", reason)

    def _finish(self, status: str, reason: str) -> None:
        self.status = status
        h = self.history
        h.status, h.reason, h.duration = status, reason, self._train_time
        final = {}
        if h.epoch:
            for key, values in h.epoch.items():
                if key not in ("epoch", "step", "duration") and values:
                    final[key] = values[-1]
        elif h.batch:
            final["loss"] = h.batch["loss"][-1]
        h.final = json_safe(final)
        h.settings = json_safe({**self.config.to_dict(), "batch_size": self.batch_size, "epochs": self.epochs})
        self._report("finished", {"status": status, "reason": reason, "final": h.final})

    def run_epoch(self, control: "TrainingControl | None" = None) -> str:
        """Train to the end of the current epoch (or a pause/stop request)."""
        epoch = self.epoch
        return self.run(control, until=lambda: self.epoch > epoch, block_when_paused=False)

    def run(self, control: "TrainingControl | None" = None, until=None, block_when_paused: bool = True) -> str:
        """Train until the run ends (or `until()` holds). With a `control`: queued changes
        are applied and stop/pause requests honoured between batches; while paused this
        waits (serving one-step requests and changes) unless `block_when_paused` is False,
        in which case it returns "paused". Returns the status."""
        control = control or TrainingControl()
        self._should_stop = lambda: control.stop_requested
        self._clock = None
        try:
            with self.loop.open():   # once for the run: threads, governor, batches gathered ahead
                while not self.finished and not (until is not None and until()):
                    control.apply_changes(self)
                    if control.stop_requested:
                        self.stop()
                        break
                    if control.pause_requested:
                        if not block_when_paused:
                            return "paused"
                        self._clock = None       # the rate restarts when the run resumes
                        if control.take_step():
                            self.step()
                        else:
                            self.loop.settle()
                            control.wait(0.1)
                        continue
                    if self._clock is None:
                        self._clock = (time.perf_counter(), self.epoch * self.n_samples + self._pos)
                    self.step()
                return self.status
        finally:
            self._should_stop = None

    def evaluate(self, x, y, batch_size: "int | None" = None) -> dict:
        """Loss and metrics on other data (e.g. the test split)."""
        xs = as_inputs(self.model, x)
        y = as_model_targets(self.model, y, len(xs[0]))
        return evaluate_arrays(self.model, xs, y, batch_size or self.batch_size)
