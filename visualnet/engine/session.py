"""A resumable training run, one batch at a time: what the GUI's worker (or a script) drives.

`TrainingSession` is a plain object (no Qt, no threads of its own), in the manner of
Orange3's concurrent widgets: `step()` trains one batch with fit()'s step (`FastStep`;
`training.train_step` where that does not apply, as with sample weights),
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
`set_optimizer_params`, `set_optimizer`); each change is a marker in the history with the
step, epoch and batch where it took effect. The effective learning rate of a step is the
base rate times the schedule's factor (step, exponential, cosine; optional linear
warm-up); reduce-on-plateau lowers the base rate (Keras's `ReduceLROnPlateau` does the
bookkeeping), and a user's change sets it. Early stopping is Keras's `EarlyStopping`.
A loss that becomes NaN or infinite stops the run with an explanation of likely causes.
"""

from __future__ import annotations

import contextlib
import copy
from copy import deepcopy as _deepcopy   # RunHistory.from_dict has an argument named copy
import json
import math
import threading
import time
from dataclasses import asdict, dataclass, field

import numpy as np

from . import evaluation, optimizers, schedules
from .callbacks import EarlyStopping, ReduceLROnPlateau
from .data_adapter import as_inputs, as_targets, split_validation
from .steps.fused import FastStep
from .training import (_batch_size, _evaluate_arrays, _logs, _Mean, _sample_weights, compile_model,
                       parallel_layers, train_step)

HISTORY_VERSION = 1
SCHEDULE_KINDS = ("constant", "step", "exponential", "cosine", "plateau")


def optimizer_defaults(name: str) -> dict:
    """Keras's default parameters of optimizer `name` (learning rate, betas, momentum, ...),
    without name and clipping: what a settings form starts from."""
    config = optimizers.get(name).get_config()
    return {k: v for k, v in config.items()
            if k not in ("name", "clipnorm", "clipvalue", "global_clipnorm", "weight_decay")}


@dataclass
class TrainingConfig:
    """The hyper-parameters of a run (JSON-safe; defaults follow Keras's `compile`/`fit`).

    optimizer_params: the optimizer's arguments (learning_rate, beta_1, momentum, ...) and
      gradient clipping (clipnorm, clipvalue or global_clipnorm).
    early_stopping: None, or {"monitor": "val_loss", "patience": 0, "min_delta": 0,
      "mode": "auto", "restore_best_weights": False} (Keras's EarlyStopping arguments).
    lr_schedule: None, or {"kind": one of SCHEDULE_KINDS, "warmup_steps": 0, ...}:
      step: "step_size" (batches), "factor"; exponential: "decay_steps", "decay_rate";
      cosine: "decay_steps", "alpha"; plateau: ReduceLROnPlateau's "monitor", "factor",
      "patience", "min_delta", "cooldown", "min_lr".
    seed: shuffling order (None: a fresh order each run).
    track_every: record per-layer gradient norms every this many batches (0: never).
    """
    optimizer: str = "rmsprop"
    optimizer_params: dict = field(default_factory=dict)
    loss: str = "sparse_categorical_crossentropy"
    metrics: list = field(default_factory=lambda: ["accuracy"])
    batch_size: int = 32
    epochs: int = 1
    validation_split: float = 0.0
    shuffle: bool = True
    seed: "int | None" = None
    early_stopping: "dict | None" = None
    lr_schedule: "dict | None" = None
    track_every: int = 10

    def to_dict(self) -> dict:
        return copy.deepcopy(asdict(self))

    @classmethod
    def from_dict(cls, d: dict) -> "TrainingConfig":
        known = set(cls.__dataclass_fields__)
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown training settings: {', '.join(sorted(unknown))}")
        return cls(**copy.deepcopy(d))


class TrainingControl:
    """Thread-safe requests to a running session: pause, resume, stop, one step while paused,
    and changes to apply between batches (`submit(fn)`: fn(session) runs in the training
    thread). The session checks it between batches, so a stop takes effect after at most
    one batch (validation is interrupted too)."""

    def __init__(self):
        self._cond = threading.Condition()
        self._stop = False
        self._pause = False
        self._steps = 0
        self._queue: list = []

    def request_stop(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()

    def request_pause(self) -> None:
        with self._cond:
            self._pause = True
            self._cond.notify_all()

    def resume(self) -> None:
        with self._cond:
            self._pause = False
            self._cond.notify_all()

    def request_step(self) -> None:
        """Train one batch (while paused)."""
        with self._cond:
            self._steps += 1
            self._cond.notify_all()

    def submit(self, fn) -> None:
        with self._cond:
            self._queue.append(fn)
            self._cond.notify_all()

    @property
    def stop_requested(self) -> bool:
        return self._stop

    @property
    def pause_requested(self) -> bool:
        return self._pause

    def apply_changes(self, session) -> None:
        with self._cond:
            queue, self._queue = self._queue, []
        for fn in queue:
            fn(session)

    def take_step(self) -> bool:
        with self._cond:
            if self._steps:
                self._steps -= 1
                return True
            return False

    def wait(self, timeout: float) -> None:
        """Sleep until a request arrives (or `timeout` seconds)."""
        with self._cond:
            if not (self._stop or self._steps or self._queue or not self._pause):
                self._cond.wait(timeout)


def _finite_or_none(v):
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def _json_safe(obj):
    if isinstance(obj, dict):
        return {str(k): _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    if isinstance(obj, (np.floating, float)):
        return _finite_or_none(float(obj))
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj


@dataclass
class RunHistory:
    """Everything a run produced, JSON-serializable (`to_dict`/`from_dict`; NaN and inf
    are stored as null).

    batch: per batch: "step" (1-based global), "epoch", "batch", "loss" (the batch's loss),
      "loss_smoothed" (exponential moving average, 0.9), each metric (Keras's running
      epoch average), "learning_rate", "batch_size".
    epoch: per epoch: "epoch" (0-based), "step" (global step at its end), "loss", metrics,
      "val_..." when validating, "learning_rate", "duration".
    markers: changes during the run: {"kind", "step", "epoch", "batch", "old", "new", "text"}.
    gradients: {"step": [...], layer name: [norm, ...]} every `track_every` batches.
    graph: the model description (`visualnet.graph.to_dict`) at the run's start, or None.
    recipe: the data recipe's JSON (`Recipe.to_dict`), or None (histories saved before
      these keys existed load with None).
    """
    settings: dict = field(default_factory=dict)
    batch: dict = field(default_factory=dict)
    epoch: dict = field(default_factory=dict)
    markers: list = field(default_factory=list)
    gradients: dict = field(default_factory=dict)
    status: str = "ready"
    reason: str = ""
    started_at: "float | None" = None
    duration: float = 0.0
    final: dict = field(default_factory=dict)
    graph: "dict | None" = None
    recipe: "dict | None" = None
    version: int = HISTORY_VERSION

    def append(self, table: str, row: dict) -> None:
        target = getattr(self, table)
        n = len(next(iter(target.values()))) if target else 0
        for key, value in row.items():
            column = target.get(key)
            if column is None:
                column = target[key] = [None] * n
            column.append(value)
        for key, column in target.items():
            if len(column) == n:
                column.append(None)

    def to_dict(self) -> dict:
        return _json_safe(asdict(self))

    def to_json(self, indent: "int | None" = None) -> str:
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    @classmethod
    def from_dict(cls, d: dict, copy: bool = True) -> "RunHistory":
        """From `to_dict()`'s form; `copy=False` takes `d`'s lists and dicts as they are
        (for a caller that made them just for this)."""
        d = dict(d)
        if d.get("version", 0) > HISTORY_VERSION:
            raise ValueError(f"this run history has version {d.get('version')}, newer than this VisualNet "
                             f"reads ({HISTORY_VERSION})")
        take = _deepcopy if copy else (lambda v: v)
        return cls(**{k: take(v) for k, v in d.items() if k in cls.__dataclass_fields__})

    def to_csv(self, table: str = "batch") -> str:
        """One table ('batch', 'epoch' or 'gradients') as CSV text, a column per series
        (empty cells for missing values)."""
        data = getattr(self, table)
        keys = list(data)
        lines = [",".join(keys)]
        n = len(data[keys[0]]) if keys else 0
        for i in range(n):
            cells = []
            for k in keys:
                v = data[k][i]
                cells.append("" if v is None or (isinstance(v, float) and not math.isfinite(v)) else repr(v)
                             if isinstance(v, float) else str(v))
            lines.append(",".join(cells))
        return "\n".join(lines) + "\n"

    def curves(self) -> dict:
        """Name -> float64 array ('batch/loss', 'epoch/val_accuracy', 'gradients/dense', ...)
        for the project file's run record (None becomes NaN)."""
        out = {}
        for prefix, table in (("batch", self.batch), ("epoch", self.epoch), ("gradients", self.gradients)):
            for key, values in table.items():
                if all(v is None or isinstance(v, (int, float)) for v in values):
                    out[f"{prefix}/{key}"] = np.array([np.nan if v is None else v for v in values], np.float64)
        return out


class _BaseRate:
    """What ReduceLROnPlateau sees as `model.optimizer`: its rate is the session's base rate."""

    def __init__(self, session):
        self._session = session

    @property
    def learning_rate(self):
        return self._session.base_learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self._session._change_base_rate(float(value), "plateau", "reduce on plateau")


class _ModelView:
    def __init__(self, session):
        self.optimizer = _BaseRate(session)
        self.stop_training = False


def _schedule_factor(spec: "dict | None"):
    """factor(iteration) for the schedule `spec` (Keras's schedules at rate 1.0)."""
    spec = dict(spec or {})
    kind = spec.get("kind", "constant") or "constant"
    if kind not in SCHEDULE_KINDS:
        raise ValueError(f"lr_schedule kind must be one of {SCHEDULE_KINDS}; received kind={kind!r}")
    warmup = int(spec.get("warmup_steps", 0) or 0)
    if warmup < 0:
        raise ValueError(f"warmup_steps must be >= 0; received warmup_steps={warmup}")
    if kind == "step":
        sched = schedules.ExponentialDecay(1.0, int(spec.get("step_size", 1000)), float(spec.get("factor", 0.5)),
                                           staircase=True)
    elif kind == "exponential":
        sched = schedules.ExponentialDecay(1.0, int(spec.get("decay_steps", 1000)),
                                           float(spec.get("decay_rate", 0.96)))
    elif kind == "cosine":
        sched = schedules.CosineDecay(1.0, int(spec.get("decay_steps", 1000)), alpha=float(spec.get("alpha", 0.0)))
    else:
        sched = None

    def factor(iteration: int) -> float:
        f = 1.0 if sched is None else float(sched(max(iteration - warmup, 0)))
        if iteration < warmup:
            f *= (iteration + 1) / warmup
        return f

    return factor


class TrainingSession:
    """One training run of `model` on (x, y) with `config`, advanced batch by batch.

    validation_data: (x_val, y_val), else `config.validation_split` takes Keras's last
    fraction of (x, y). `callback(kind, payload)` receives "batch", "epoch", "marker",
    "log" and "finished" reports (called in the thread that trains).
    Status: "ready" -> "running" -> "finished" | "early_stopped" | "stopped" | "diverged".
    """

    def __init__(self, model, x, y, config: "TrainingConfig | None" = None, validation_data=None,
                 sample_weight=None, class_weight=None, callback=None):
        self.config = config = copy.deepcopy(config) if config is not None else TrainingConfig()
        self.model = model
        self.callback = callback
        self._factor = _schedule_factor(config.lr_schedule)
        kind = (config.lr_schedule or {}).get("kind", "constant")
        optimizer = optimizers.get({"class_name": config.optimizer, "config": dict(config.optimizer_params)})
        compile_model(model, optimizer, config.loss, list(config.metrics))
        self.optimizer = model.compiled.optimizer
        self.base_learning_rate = float(self.optimizer.learning_rate)
        xs = as_inputs(model, x)
        y = as_targets(y, len(xs[0]))
        weights = _sample_weights(y, sample_weight, class_weight)
        self.validation = None
        if validation_data is not None:
            vx = as_inputs(model, validation_data[0], "validation_data x")
            self.validation = (vx, as_targets(validation_data[1], len(vx[0]), "validation_data y"))
        elif config.validation_split:
            n_all = len(y)
            xs, y, vx, vy = split_validation(xs, y, config.validation_split)
            self.validation = (vx, vy)
            if weights is not None and len(weights) == n_all:
                weights = weights[:len(y)]
        if len(y) == 0:
            raise ValueError("there are no training samples")
        self.xs, self.y, self.weights = xs, y, weights
        self.batch_size = _batch_size(config.batch_size)
        if not isinstance(config.epochs, int) or config.epochs < 1:
            raise ValueError(f"epochs must be a positive integer; received epochs={config.epochs!r}")
        self.epochs = config.epochs
        model.compiled.ensure_optimizer()
        self.metrics = model.compiled.resolve_metrics(y)
        self._rng = np.random.default_rng(config.seed)
        self._early = self._plateau = None
        monitors = []
        if config.early_stopping:
            es = dict(config.early_stopping)
            self._early = EarlyStopping(**{k: v for k, v in es.items() if k != "verbose"})
            self._early.set_model(model)
            monitors.append(self._early.monitor)
        if kind == "plateau":
            spec = {k: v for k, v in config.lr_schedule.items()
                    if k in ("monitor", "factor", "patience", "min_delta", "cooldown", "min_lr", "mode")}
            self._plateau = ReduceLROnPlateau(**spec)
            self._plateau.set_model(_ModelView(self))
            monitors.append(self._plateau.monitor)
        for m in monitors:
            if m.startswith("val_") and self.validation is None:
                raise ValueError(f"'{m}' is monitored but there is no validation data: set a validation split "
                                 f"or monitor '{m[4:]}'.")
        self.history = RunHistory(settings=config.to_dict())
        self.status = "ready"
        self.epoch = 0            # the epoch being trained (0-based)
        self.batch = 0            # batches done in this epoch
        self.step_count = 0       # batches done in the run
        self._pos = 0             # samples done in this epoch
        self._order = None        # this epoch's sample order (None: the epoch has not begun)
        self._tracker = _Mean()
        self._smoothed = None
        self._train_time = 0.0    # seconds spent training (pauses excluded)
        self._epoch_time = 0.0
        self._rate = None         # samples per second (moving average)
        self._samples_done = 0
        self._should_stop = None
        self._fast = (None, None)  # (batch size, its FastStep or None where it does not apply)
        self._looping = False     # inside run()'s loop: its `parallel_layers` is open, batches gather ahead

    # ------------------------------------------------------------------ state
    @property
    def n_samples(self) -> int:
        return len(self.y)

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
        return {"epoch": self.epoch, "epochs": self.epochs, "batch": self.batch,
                "steps_per_epoch": self.steps_per_epoch, "step": self.step_count,
                "fraction": done / total if total else 1.0, "samples_per_second": self._rate or 0.0,
                "eta": left / self._rate if self._rate else None, "elapsed": self._train_time}

    # ------------------------------------------------------------------ changes between batches
    def _marker(self, kind: str, old, new, text: str) -> dict:
        marker = {"kind": kind, "step": self.step_count, "epoch": self.epoch, "batch": self.batch,
                  "old": old, "new": new, "text": text}
        self.history.markers.append(_json_safe(marker))
        self._report("marker", marker)
        return marker

    def _change_base_rate(self, value: float, kind: str, why: str) -> None:
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
            raise ValueError(f"the learning rate must be a positive number; received learning_rate={value!r}")
        old = self.base_learning_rate
        if value == old:
            return
        self.base_learning_rate = float(value)
        self._marker(kind if kind == "plateau" else "learning_rate", old, float(value),
                     f"learning rate {old:.3g} -> {value:.3g} ({why})")

    def set_learning_rate(self, value: float) -> None:
        """The base learning rate from the next batch on (a schedule keeps scaling it)."""
        self._change_base_rate(value, "learning_rate", "changed by the user")

    def set_batch_size(self, value: int) -> None:
        value = _batch_size(value)
        if value != self.batch_size:
            old, self.batch_size = self.batch_size, value
            self._marker("batch_size", old, value, f"batch size {old} -> {value}")

    def set_epochs(self, value: int) -> None:
        """Train for `value` epochs in all; raising it after the end lets the run go on."""
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"epochs must be a positive integer; received epochs={value!r}")
        if value < self.epoch + (1 if self._order is not None else 0):
            raise ValueError(f"epoch {self.epoch + 1} is already under way; epochs must be at least that")
        if value != self.epochs:
            old, self.epochs = self.epochs, value
            self._marker("epochs", old, value, f"epochs {old} -> {value}")
            if self.status == "finished" and self.epoch < value:
                self.status = "paused"

    def set_optimizer_params(self, **params) -> None:
        """Change the optimizer's arguments (beta_1, momentum, clipnorm, ...; learning_rate
        sets the base rate); its state is kept (slots that appear start at their initial
        value, slots that are no longer used are dropped)."""
        params = dict(params)
        if "learning_rate" in params:
            self.set_learning_rate(params.pop("learning_rate"))
        if not params:
            return
        opt = self.optimizer
        config = {**opt.get_config(), **params, "learning_rate": float(self.base_learning_rate)}
        checked = type(opt).from_config(config)      # validates: raises with Keras's messages
        old = {k: getattr(opt, k, None) for k in params}
        for k in params:
            setattr(opt, k, getattr(checked, k))
        n = int(opt._offsets[-1])
        slots = opt._slots()
        opt._state = {k: opt._state[k] if k in opt._state else np.full(n, v, np.float32) for k, v in slots.items()}
        changed = {k: (old[k], getattr(opt, k)) for k in params if old[k] != getattr(opt, k)}
        if changed:
            text = ", ".join(f"{k} {a} -> {b}" for k, (a, b) in changed.items())
            self._marker("optimizer", {k: a for k, (a, _) in changed.items()},
                         {k: b for k, (_, b) in changed.items()}, text)
        self.config.optimizer_params.update(params)

    def set_optimizer(self, name: str, params: "dict | None" = None) -> None:
        """Switch to another optimizer (its state starts fresh; the weights are kept)."""
        params = dict(params or {})
        params.setdefault("learning_rate", self.base_learning_rate)
        new = optimizers.get({"class_name": name, "config": params})
        new.build(self.model._store.sizes)
        new.iterations = self.optimizer.iterations
        old = self.optimizer
        self.model.compiled.optimizer = self.model.optimizer = self.optimizer = new
        self.base_learning_rate = float(new.learning_rate)
        self.config.optimizer, self.config.optimizer_params = name, params
        self._marker("optimizer", old.name, new.name, f"optimizer {old.name} -> {new.name} (state reset)")

    # ------------------------------------------------------------------ training
    def _report(self, kind: str, payload: dict) -> None:
        if self.callback is not None:
            self.callback(kind, payload)

    def _begin_epoch(self) -> None:
        self._order = self._rng.permutation(self.n_samples) if self.config.shuffle else np.arange(self.n_samples)
        self._pos = self.batch = 0
        self._tracker = _Mean()
        self._epoch_time = 0.0
        for m in self.metrics:
            m.reset_state()

    def step(self) -> "dict | None":
        """Train one batch (beginning or ending an epoch as needed); returns the batch's
        record, or None when the run is over."""
        if self.finished:
            return None
        if self.status == "ready":
            self.status = "running"
            self.history.status = "running"
            self.history.started_at = time.time()
            if self._early is not None:
                self._early.on_train_begin()
            if self._plateau is not None:
                self._plateau.on_train_begin()
        if self._order is None:
            self._begin_epoch()
        t0 = time.perf_counter()
        idx = self._order[self._pos:self._pos + self.batch_size]
        lr = self.learning_rate
        self.optimizer.learning_rate = lr
        fast = self._fast_step()
        with contextlib.nullcontext() if self._looping else parallel_layers(self.model):
            if fast is not None:
                end = self._pos + len(idx)
                ahead = self._order[end:end + self.batch_size] if self._looping and end < self.n_samples else None
                loss = float(fast(idx, len(idx), ahead))
            else:
                loss = train_step(self.model, [a[idx] for a in self.xs], self.y[idx],
                                  None if self.weights is None else self.weights[idx])
        self._tracker.update(loss, len(idx))
        self._pos += len(idx)
        self.batch += 1
        self.step_count += 1
        dt = time.perf_counter() - t0
        self._train_time += dt
        self._epoch_time += dt
        rate = len(idx) / dt if dt > 0 else None
        if rate is not None:
            self._rate = rate if self._rate is None else 0.9 * self._rate + 0.1 * rate
        logs = _logs(self._tracker, self.metrics)
        self._smoothed = loss if self._smoothed is None or not math.isfinite(self._smoothed) else \
            0.9 * self._smoothed + 0.1 * loss
        row = {"step": self.step_count, "epoch": self.epoch, "batch": self.batch - 1, "loss": loss,
               "loss_smoothed": self._smoothed, **{k: v for k, v in logs.items() if k != "loss"},
               "learning_rate": lr, "batch_size": len(idx)}
        self.history.append("batch", row)
        every = self.config.track_every
        if every and (self.step_count % every == 0 or self.step_count == 1):
            norms = evaluation.gradient_norms(self.model)
            self.history.append("gradients", {"step": self.step_count, **norms})
        self._report("batch", {**row, "logs": logs, "progress": self.progress()})
        if not math.isfinite(loss):
            self._finish("diverged", self._divergence_reason(loss, lr))
            return row
        if self._pos >= self.n_samples:
            self._end_epoch()
        return row

    def _fast_step(self) -> "FastStep | None":
        """fit()'s step for the current batch size, built once per size."""
        size, fast = self._fast
        if size != self.batch_size:
            self._settle()
            fast = FastStep.build(self.model, self.xs, self.y, self.weights, self.batch_size)
            self._fast = (self.batch_size, fast)
        return fast

    def _settle(self) -> None:
        """Wait for a batch still being gathered ahead (the loop pauses or ends)."""
        if self._fast[1] is not None:
            self._fast[1].close()

    def _end_epoch(self) -> None:
        logs = _logs(self._tracker, self.metrics)
        if self.validation is not None:
            val = _evaluate_arrays(self.model, self.validation[0], self.validation[1], self.batch_size,
                                   prefix="val_", should_stop=self._should_stop)
            if val is None:      # interrupted by a stop: the epoch ends without validation
                self._record_epoch(logs)
                return
            logs.update(val)
        if self._plateau is not None:
            self._plateau.on_epoch_end(self.epoch, logs)
        logs["learning_rate"] = self.learning_rate
        self._record_epoch(logs)
        epoch = self.epoch
        self.epoch += 1
        self._order = None
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
        row = {"epoch": self.epoch, "step": self.step_count, **logs, "duration": self._epoch_time}
        self.history.append("epoch", row)
        self._report("epoch", {**row, "logs": dict(logs), "progress": self.progress()})

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
        if "crossentropy" in str(self.config.loss) and self.y.dtype.kind == "f" and \
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
        h.final = _json_safe(final)
        h.settings = _json_safe({**self.config.to_dict(), "batch_size": self.batch_size, "epochs": self.epochs})
        self._report("finished", {"status": status, "reason": reason, "final": h.final,
                                  "progress": self.progress()})

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
        try:
            with parallel_layers(self.model):  # once for the loop, not per batch
                self._looping = True
                while not self.finished and not (until is not None and until()):
                    control.apply_changes(self)
                    if control.stop_requested:
                        self.stop()
                        break
                    if control.pause_requested:
                        if not block_when_paused:
                            return "paused"
                        if control.take_step():
                            self.step()
                        else:
                            self._settle()
                            control.wait(0.1)
                        continue
                    self.step()
                return self.status
        finally:
            self._looping = False
            self._settle()
            self._should_stop = None

    def evaluate(self, x, y, batch_size: "int | None" = None) -> dict:
        """Loss and metrics on other data (e.g. the test split)."""
        xs = as_inputs(self.model, x)
        return _evaluate_arrays(self.model, xs, as_targets(y, len(xs[0])), batch_size or self.batch_size)
