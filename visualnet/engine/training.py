"""compile / fit / evaluate / predict with Keras's semantics.

`fit` is a `TrainingSession` (session.py) run to the end with Keras callbacks attached; the
session trains through the one `TrainingLoop` (loop.py), whose step strategy (steps/) does
per batch: forward, loss (fused with a softmax or sigmoid output when possible), backward,
one optimizer kernel over the flat weight vector, metric updates. Logs are averaged over
the epoch weighted by batch size, as Keras reports them.
"""

from __future__ import annotations

from .callbacks import CallbackList, History, ProgbarLogger, format_logs
from .data_adapter import (as_inputs, as_targets, check_batch_size, clipped, is_dataset, sample_weights,
                           unpack_dataset)
from .loop import TrainingData, evaluate_arrays
from .compiled import compile_model, require_compiled
from .prediction import predict
from .rng import global_rng
from .session import TrainingSession


def fit(model, x, y, batch_size=None, epochs=1, verbose="auto", callbacks=None, validation_split=0.0,
        validation_data=None, shuffle=True, class_weight=None, sample_weight=None, initial_epoch=0,
        steps_per_epoch=None, validation_batch_size=None, validation_freq=1):
    c = require_compiled(model)
    if steps_per_epoch is not None:
        raise ValueError("steps_per_epoch is only meaningful for generators, which VisualNet does not take; "
                         "pass arrays.")
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
    verbose = 1 if verbose == "auto" else int(verbose)
    history = History()
    cbs = CallbackList([*(callbacks or []), history] + ([ProgbarLogger()] if verbose else []))
    cbs.set_model(model)
    cbs.set_params({"epochs": epochs, "steps": steps, "verbose": verbose, "samples": data.n})
    model.stop_training = False
    model.history = history
    session = TrainingSession.for_fit(model, data, batch_size=batch_size, epochs=epochs, shuffle=shuffle,
                                      rng=global_rng(), callbacks=cbs, initial_epoch=initial_epoch,
                                      validation_batch_size=validation_batch_size, validation_freq=validation_freq)
    cbs.on_train_begin()
    if initial_epoch < epochs:
        session.run()
    cbs.on_train_end()
    return history


def evaluate(model, x, y, batch_size=None, verbose="auto", sample_weight=None, callbacks=None, return_dict=False):
    """[loss, *metrics] (a scalar without metrics), or a dict with return_dict."""
    require_compiled(model)
    x, y, batch_size = unpack_dataset(x, y, batch_size)
    xs = as_inputs(model, x)
    y = as_targets(y, len(xs[0]))
    batch_size = check_batch_size(batch_size)
    cbs = CallbackList(callbacks or [])
    cbs.set_model(model)
    cbs.set_params({"steps": -(-len(y) // clipped(batch_size, len(y))), "verbose": verbose})
    cbs.on_test_begin()
    logs = evaluate_arrays(model, xs, y, batch_size, weights=sample_weights(y, sample_weight, None), callbacks=cbs)
    cbs.on_test_end(logs)
    if verbose:
        print(format_logs(logs))
    if return_dict:
        return logs
    values = list(logs.values())
    return values[0] if len(values) == 1 else values


__all__ = ["compile_model", "evaluate", "fit", "predict"]
