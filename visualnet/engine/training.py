"""compile / fit / evaluate / predict with Keras's semantics.

`fit` is a `TrainingSession` (session.py) run to the end with Keras callbacks attached; the
session trains through the one `TrainingLoop` (loop.py), whose step strategy (steps/) does
per batch: forward, loss (fused with a softmax or sigmoid output when possible), backward,
one optimizer kernel over the flat weight vector, metric updates. Logs are averaged over
the epoch weighted by batch size, as Keras reports them. Python generators and `PyDataset`s
train batch by batch (generator_training.py); several outputs are multi_output.py's.
"""

from __future__ import annotations

from . import custom_fit
from .callbacks import CallbackList, History, ProgbarLogger, keras_logs
from .custom_fit import uses_custom_step
from .data_adapter import (as_inputs, as_model_targets, as_targets, check_batch_size, clipped, is_dataset,
                           sample_weights, unpack_dataset)
from .generator_adapter import EpochIterator, check_source_args, is_batch_source
from .generator_training import evaluate_source, fit_source, predict_source
from .loop import TrainingData, evaluate_arrays
from .compiled import compile_model, require_compiled
from .model_outputs import predict_outputs
from .multi_output import results_in_order
from .prediction import predict as predict_arrays
from .progress_line import FinishedLine
from .rng import global_rng
from .session import TrainingSession


def fit(model, x, y, batch_size=None, epochs=1, verbose="auto", callbacks=None, validation_split=0.0,
        validation_data=None, shuffle=True, class_weight=None, sample_weight=None, initial_epoch=0,
        steps_per_epoch=None, validation_steps=None, validation_batch_size=None, validation_freq=1):
    c = require_compiled(model)
    verbose = 1 if verbose == "auto" else int(verbose)
    if uses_custom_step(model, "train_step"):    # the model's own train_step (custom_fit.py)
        if class_weight is not None and not is_batch_source(x):
            sample_weight = sample_weights(as_targets(y, len(y), "y"), sample_weight, class_weight)
        return custom_fit.fit(model, x, y, batch_size=batch_size, epochs=epochs, verbose=verbose,
                              callbacks=callbacks, validation_split=validation_split,
                              validation_data=validation_data, shuffle=shuffle, sample_weight=sample_weight,
                              initial_epoch=initial_epoch, steps_per_epoch=steps_per_epoch,
                              validation_steps=validation_steps, validation_batch_size=validation_batch_size,
                              validation_freq=validation_freq)
    if is_batch_source(x):
        check_source_args(x, "x", y, sample_weight, validation_split, class_weight)
        return fit_source(model, x, epochs=epochs, verbose=verbose, callbacks=callbacks,
                          validation_data=validation_data, shuffle=shuffle, class_weight=class_weight,
                          initial_epoch=initial_epoch, steps_per_epoch=steps_per_epoch,
                          validation_steps=validation_steps, validation_batch_size=validation_batch_size or batch_size,
                          validation_freq=validation_freq)
    if steps_per_epoch is not None:
        raise ValueError("steps_per_epoch is for generators and PyDatasets; with arrays an epoch covers all "
                         f"samples. Received steps_per_epoch={steps_per_epoch!r}.")
    source = None
    if is_batch_source(validation_data):
        source, validation_data, validation_split = EpochIterator(validation_data, validation_steps), None, 0.0
    if is_dataset(x):            # Keras: a dataset keeps its own order (shuffle applies to arrays)
        x, y, batch_size = unpack_dataset(x, y, batch_size)
        shuffle = False
    if is_dataset(validation_data):
        validation_data = validation_data.arrays()
    batch_size = check_batch_size(batch_size)
    data = TrainingData.prepare(model, x, y, sample_weight, class_weight, validation_data, validation_split)
    c.ensure_optimizer()
    c.resolve_metrics(data.y)
    steps = -(-data.n // clipped(batch_size, data.n))
    history = History()
    cbs = CallbackList([*(callbacks or []), history] + ([ProgbarLogger()] if verbose else []))
    cbs.set_model(model)
    cbs.set_params({"epochs": epochs, "steps": steps, "verbose": verbose, "samples": data.n})
    model.stop_training = False
    model.history = history
    session = TrainingSession.for_fit(model, data, batch_size=batch_size, epochs=epochs, shuffle=shuffle,
                                      rng=global_rng(), callbacks=cbs, initial_epoch=initial_epoch,
                                      validation_batch_size=validation_batch_size, validation_freq=validation_freq,
                                      validation_source=source)
    cbs.on_train_begin()
    resumed = getattr(model, "_initial_epoch", None)   # set by BackupAndRestore's on_train_begin, as in Keras
    if resumed:
        model._initial_epoch = None
        session.epoch = initial_epoch = resumed
    if initial_epoch < epochs:
        session.run()
    if epochs > 0:   # Keras's end of fit: with use_ema, the weights become their moving average
        c.optimizer.finalize_variable_values(model._store.trainable)
    cbs.on_train_end()
    return history


def evaluate(model, x, y, batch_size=None, verbose="auto", sample_weight=None, steps=None, callbacks=None,
             return_dict=False):
    """[loss, *metrics] (a scalar without metrics), or a dict with return_dict. With
    several outputs the list is Keras's: loss, each output's loss, then the metrics."""
    c = require_compiled(model)
    if uses_custom_step(model, "test_step"):     # the model's own test_step (custom_fit.py)
        return custom_fit.evaluate(model, x, y, batch_size=batch_size, verbose=verbose,
                                   sample_weight=sample_weight, steps=steps, callbacks=callbacks,
                                   return_dict=return_dict)
    cbs = CallbackList(callbacks or [])
    cbs.set_model(model)
    progress = FinishedLine(verbose)   # Keras's finished line (progress_line.py)
    if is_batch_source(x):
        check_source_args(x, "x", y, sample_weight)
        it = EpochIterator(x, steps)
        steps = it.num_batches
        cbs.set_params({"steps": steps, "verbose": verbose})
        cbs.on_test_begin()
        logs = evaluate_source(model, it, callbacks=cbs)
    else:
        x, y, batch_size = unpack_dataset(x, y, batch_size)
        xs = as_inputs(model, x)
        n = len(xs[0])
        y = as_model_targets(model, y, n)
        batch_size = check_batch_size(batch_size)
        steps = -(-n // clipped(batch_size, n))
        cbs.set_params({"steps": steps, "verbose": verbose})
        cbs.on_test_begin()
        logs = evaluate_arrays(model, xs, y, batch_size, weights=sample_weights(y, sample_weight, None),
                               callbacks=cbs)
    cbs.on_test_end(logs)
    progress.finish(steps or 0, logs)
    if return_dict:
        return keras_logs(logs)   # keys sorted, as Keras's; the list below keeps loss first
    values = list(logs.values()) if c.outputs is None else results_in_order(model, logs)
    return values[0] if len(values) == 1 else values


def predict(model, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
    """Keras's `predict` (prediction.py) for arrays and datasets, a list of arrays for a
    model with several outputs; generators and PyDatasets batch by batch."""
    if uses_custom_step(model, "predict_step"):  # the model's own predict_step (custom_fit.py)
        return custom_fit.predict(model, x, batch_size=batch_size, steps=steps, callbacks=callbacks)
    if is_batch_source(x):
        return predict_source(model, x, steps, callbacks)
    if len(model._output_ids) > 1:
        x, _, _ = unpack_dataset(x, None, batch_size)
        return predict_outputs(model, x)
    progress = FinishedLine(verbose)   # Keras's finished line (progress_line.py)
    out = predict_arrays(model, x, batch_size=batch_size, verbose=verbose, callbacks=callbacks)
    progress.finish(-(-len(out) // (batch_size or 32)))
    return out


__all__ = ["compile_model", "evaluate", "fit", "predict"]
