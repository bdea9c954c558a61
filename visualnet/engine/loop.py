"""The one training loop's parts: prepared data, the threading context, the step.

`TrainingData.prepare` checks and converts what `fit` (or a session) was given: inputs,
targets, per-sample weights, validation data or split. A `TrainingLoop` trains batches of
one model on that data with the step `steps.choose_step` picks for the batch size; while
open (`with loop.open():`) it holds the threading and floating-point context of
`prediction.parallel_layers` and a `ThreadGovernor` that moves to one thread when the
machine is contended, and the step may gather the next batch ahead on a worker.
`TrainingSession` (session.py) drives a loop epoch by epoch; `fit` is a session run to the
end with Keras callbacks attached.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import numpy as np

from . import metrics as metrics_mod
from .batch_padding import BatchPadding
from .data_adapter import as_inputs, as_model_targets, clipped, sample_weights, split_validation
from .penalties import has_penalties, penalty_of_pass
from .prediction import forward_predict, parallel_layers, prediction_chunk
from .runtime.blas import ThreadGovernor
from .steps import PythonStep, choose_step


@dataclass
class TrainingData:
    """Checked arrays of a run: inputs `xs` (one per model input), targets `y` (a list, one
    per output, for several outputs), per-sample `weights` or None, and `validation` (xs, y)
    or None."""

    xs: list
    y: "np.ndarray | list"
    weights: np.ndarray | None = None
    validation: tuple | None = None
    padding: BatchPadding | None = None  # per-batch padding of sequences (batch_padding.py)

    @classmethod
    def prepare(cls, model, x, y, sample_weight=None, class_weight=None, validation_data=None,
                validation_split: float = 0.0, batch_padding=None) -> "TrainingData":
        xs = as_inputs(model, x)
        n_given = len(xs[0])
        y = as_model_targets(model, y, len(xs[0]))
        weights = sample_weights(y, sample_weight, class_weight)
        validation = None
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
                raise ValueError("validation_data must be a tuple (x_val, y_val).")
            vx = as_inputs(model, validation_data[0], "validation_data x")
            validation = (vx, as_model_targets(model, validation_data[1], len(vx[0]), "validation_data y"))
        elif validation_split:
            n_all = len(xs[0])
            xs, y, vx, vy = split_validation(xs, y, validation_split)
            validation = (vx, vy)
            if weights is not None and len(weights) == n_all:
                weights = weights[:len(xs[0])]
        if batch_padding is not None:
            if len(batch_padding) != n_given:
                raise ValueError(f"batch_padding has {len(batch_padding)} sequence lengths for {n_given} samples")
            batch_padding = batch_padding.head(len(xs[0]))   # a validation split keeps Keras's last samples
        return cls(xs, y, weights, validation, batch_padding)

    def epoch_order(self, rng, batch_size: int) -> np.ndarray:
        """A shuffled epoch's sample order: a permutation, or in length buckets with per-batch
        padding (batch_padding.py)."""
        return rng.permutation(self.n) if self.padding is None else self.padding.epoch_order(rng, batch_size)

    @property
    def n(self) -> int:
        return len(self.xs[0])


class Mean:
    """Sample-weighted running mean (Keras's loss tracker)."""

    def __init__(self):
        self.total, self.count = 0.0, 0

    def update(self, value: float, n: int) -> None:
        self.total += value * n
        self.count += n

    def result(self) -> float:
        return self.total / self.count if self.count else 0.0


def logs_of(loss: Mean, metrics: list, prefix: str = "") -> dict[str, float]:
    logs = {prefix + "loss": loss.result()}
    for m in metrics:
        logs[prefix + m.name] = float(m.result())
    return logs


def evaluate_arrays(model, xs, y, batch_size, prefix="", weights=None, should_stop=None,
                    callbacks=None) -> dict[str, float] | None:
    """Loss and metrics over (xs, y) in batches of `batch_size` (see `evaluate_batches`)."""
    n = len(xs[0])
    step = clipped(batch_size, n)
    batches = ((xs, y, weights, slice(start, min(start + step, n))) for start in range(0, n, step))
    return evaluate_batches(model, batches, prefix, should_stop, callbacks)


def evaluate_batches(model, batches, prefix="", should_stop=None, callbacks=None) -> dict[str, float] | None:
    """Loss and metrics over `batches` of (xs, y, weights or None, rows: a slice of them),
    the metrics' state reset first; None if `should_stop()` turned true between batches.
    `callbacks` (a CallbackList) hear each batch's begin and end."""
    c = model.compiled
    if c.outputs is not None:
        return c.outputs.evaluate(model, batches, prefix, should_stop, callbacks)
    metrics = None
    tracker = Mean()
    chunk = prediction_chunk(model)
    penalized = has_penalties(model)
    for batch, (xs, y, weights, idx) in enumerate(batches):
        if should_stop is not None and should_stop():
            return None
        if metrics is None:
            metrics = [metrics_mod.get(m, y_true_shape=y.shape, y_pred_shape=(len(y), *model.output_shape[1:]))
                       for m in c.metric_ids]
            for m in metrics:        # a metric object given to compile is shared: Keras resets it here
                m.reset_state()
        if callbacks is not None:
            callbacks.on_test_batch_begin(batch)
        yb = y[idx]
        wb = None if weights is None else weights[idx]
        y_mask = None
        if model._executor.makes_masks or penalized:  # one pass: its output mask, its layers' penalties
            y_pred = model._executor.forward([a[idx] for a in xs], training=False)
            y_mask = model._executor.output_mask
        else:
            with parallel_layers(model, predicting=True):
                y_pred = forward_predict(model, xs, idx.start, idx.stop, chunk)
        loss = float(c.loss_fn(yb, y_pred, sample_weight=wb, y_mask=y_mask))
        tracker.update(loss + penalty_of_pass(model) if penalized else loss, len(yb))   # Keras's adds model.losses
        # compile()'s metrics ignore sample weights in Keras 3 (weighted_metrics take them); a mask weights them
        metric_weight = None if y_mask is None else metrics_mod.masked_sample_weight(y_mask)
        for m in metrics:
            m.update_state(yb, y_pred, sample_weight=metric_weight)
        if callbacks is not None:
            callbacks.on_test_batch_end(batch, logs_of(tracker, metrics, prefix))
    return logs_of(tracker, metrics or [], prefix)


class TrainingLoop:
    """Trains batches of `model` (compiled, its optimizer built) on `data`."""

    def __init__(self, model, data: TrainingData, batch_size: int):
        self.model, self.data = model, data
        self.batch_size = clipped(batch_size, data.n)
        self.step = None          # the step for `batch_size`, made on first use
        self.governor = None      # while open
        self.is_open = False

    def set_batch_size(self, batch_size: int) -> None:
        batch_size = clipped(batch_size, self.data.n)
        if batch_size != self.batch_size:
            self.settle()
            self.batch_size, self.step = batch_size, None

    @contextlib.contextmanager
    def open(self):
        """The threading context of a run of batches (see the module docstring)."""
        with parallel_layers(self.model) as control:   # None: OpenBLAS governs its own threads
            self.governor = ThreadGovernor(control)
            self.is_open = True
            try:
                yield self
            finally:
                self.is_open = False
                self.settle()
                self.governor.close()
                self.governor = None

    def train(self, idx, n: int, ahead=None) -> float:
        """Train on rows `idx` (n of them); `ahead`: the next batch's rows (gathered on a worker
        meanwhile, inside `open`). Returns the batch's loss."""
        if not self.is_open:
            with self.open():
                return self.train(idx, n)
        if self.step is None:
            d = self.data
            self.step = choose_step(self.model, d.xs, d.y, d.weights, self.batch_size) if d.padding is None \
                else PythonStep(self.model, d.xs, d.y, d.weights, d.padding)   # batches of varying length
        self.governor.step_started()
        loss = self.step(idx, n, ahead)
        self.governor.step_finished(n == self.batch_size)
        return loss

    def settle(self) -> None:
        """Wait for a batch still being gathered ahead (the loop pauses or ends)."""
        if self.step is not None:
            self.step.close()
