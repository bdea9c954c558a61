"""`fit`, `evaluate` and `predict` on batches from a Python generator or a `PyDataset`.

Epochs follow Keras's `EpochIterator` (generator_adapter.py); each batch is checked like
arrays are (its own size and, for inputs shaped (None, ...), its own number of timesteps)
and trained by the general step (`steps.train_step`); logs are averaged over the epoch
weighted by batch size. Arrays keep their own path (training.py, the session's loop).
"""

from __future__ import annotations

import numpy as np

from .callbacks import CallbackList, History, ProgbarLogger
from .data_adapter import as_inputs, as_model_targets, check_batch_size, sample_weights
from .generator_adapter import EpochIterator, is_batch_source
from .loop import Mean, evaluate_batches, logs_of
from .model_outputs import predict_outputs
from .prediction import parallel_layers, predict as predict_arrays
from .rng import global_rng
from .steps import train_step


def _batch(model, batch, class_weight=None, where="x"):
    """(xs, y, weights) of one batch (x,), (x, y) or (x, y, sample_weight)."""
    xs = as_inputs(model, batch[0], where)
    n = len(xs[0])
    y = as_model_targets(model, batch[1] if len(batch) > 1 else None, n, f"the targets of {where}")
    w = sample_weights(y, batch[2] if len(batch) > 2 else None, class_weight)
    return xs, y, w


def _rows(batches, model, where="x"):
    """`loop.evaluate_batches`'s items from the batches of an EpochIterator."""
    for _, batch in batches:
        xs, y, w = _batch(model, batch, where=where)
        yield xs, y, w, slice(0, len(xs[0]))


def evaluate_source(model, it: EpochIterator, prefix="", callbacks=None, should_stop=None):
    """Loss and metrics over one epoch of `it` (reset first, as Keras's evaluate does)."""
    it.reset()
    return evaluate_batches(model, _rows(it, model), prefix, should_stop, callbacks)


def _validator(model, validation_data, steps, batch_size, callbacks):
    """A function of no arguments giving the "val_" logs (the callbacks hear Keras's test
    hooks, validation.py), or None without validation data."""
    from .validation import validation_logs

    if validation_data is None:
        return None
    if is_batch_source(validation_data):
        it = EpochIterator(validation_data, steps)
        return lambda: validation_logs(model, it, 0, callbacks)
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
        raise ValueError("validation_data must be a tuple (x_val, y_val), a generator or a PyDataset.")
    vx = as_inputs(model, validation_data[0], "validation_data x")
    vy = as_model_targets(model, validation_data[1], len(vx[0]), "validation_data y")
    vw = sample_weights(vy, validation_data[2] if len(validation_data) == 3 else None, None)
    size = check_batch_size(batch_size)
    return lambda: validation_logs(model, (vx, vy, vw), size, callbacks)


def fit_source(model, x, *, epochs, verbose, callbacks, validation_data, shuffle, class_weight, initial_epoch,
               steps_per_epoch, validation_steps, validation_batch_size, validation_freq) -> History:
    """Keras's `fit` over a generator or PyDataset `x` (see the module docstring)."""
    c = model.compiled
    it = EpochIterator(x, steps_per_epoch, shuffle, global_rng())
    history = History()
    cbs = CallbackList([*(callbacks or []), history] + ([ProgbarLogger()] if verbose else []))
    validate = _validator(model, validation_data, validation_steps, validation_batch_size, cbs)
    cbs.set_model(model)
    cbs.set_params({"epochs": epochs, "steps": it.num_batches, "verbose": verbose})
    model.stop_training = False
    model.history = history
    _, y, _ = _batch(model, it.peek(), class_weight)   # builds an unbuilt model, and the metrics for y
    c.ensure_optimizer()
    c.resolve_metrics(y)
    it.reset()
    cbs.on_train_begin()
    resumed = getattr(model, "_initial_epoch", None)   # set by BackupAndRestore's on_train_begin, as in Keras
    if resumed:
        model._initial_epoch, initial_epoch = None, resumed
    for epoch in range(initial_epoch, epochs):
        for m in c.metrics:
            m.reset_state()
        cbs.on_epoch_begin(epoch)
        tracker = Mean()
        logs = {}
        with parallel_layers(model):
            for step, batch in it:
                cbs.on_train_batch_begin(step)
                xs, y, w = _batch(model, batch, class_weight)
                tracker.update(train_step(model, xs, y, w), len(xs[0]))
                logs = logs_of(tracker, c.metrics)
                cbs.on_train_batch_end(step, logs)
                if model.stop_training:
                    break
        if validate is not None and (epoch + 1) % validation_freq == 0:
            logs = {**logs, **validate()}
        cbs.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    if epochs > 0:   # Keras's end of fit: with use_ema, the weights become their moving average
        c.optimizer.finalize_variable_values(model._store.trainable)
    cbs.on_train_end()
    return history


def predict_source(model, x, steps=None, callbacks=None):
    """Keras's `predict` over a generator or PyDataset: each batch's inputs (the first item)
    predicted and the results joined (a list of arrays with several outputs)."""
    cbs = CallbackList(callbacks or [])
    cbs.set_model(model)
    it = EpochIterator(x, steps)
    cbs.set_params({"steps": it.num_batches, "verbose": 0})
    cbs.on_predict_begin()
    parts = []
    for step, batch in it:
        cbs.on_predict_batch_begin(step)
        xs = as_inputs(model, batch[0])
        out = predict_outputs(model, xs) if len(model._output_ids) > 1 else \
            predict_arrays(model, xs, batch_size=len(xs[0]), verbose=0)
        parts.append(out)
        cbs.on_predict_batch_end(step, {"outputs": out})
    cbs.on_predict_end()
    if parts and isinstance(parts[0], list):
        return [_join([p[i] for p in parts]) for i in range(len(parts[0]))]
    return _join(parts)


def _join(arrays):
    """Batches joined along the samples; batches of different lengths (timesteps) are
    joined as Keras does only when their other dimensions agree."""
    try:
        return np.concatenate(arrays)
    except ValueError as e:
        shapes = sorted({a.shape[1:] for a in arrays})
        raise ValueError(f"predict cannot join batches whose outputs have the shapes {shapes}.") from e
