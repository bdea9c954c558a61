"""`fit`, `evaluate` and `predict` for a model that overrides `train_step`, `test_step` or
`predict_step` (model_steps.py), as Keras's trainers run them: batch by batch, each batch
handed to the step as Keras's `data` (`x`, `(x, y)` or `(x, y, sample_weight)`), the step's
returned logs given to the callbacks and, at an epoch's end, to `History`; `model.metrics`
reset at each epoch's and each evaluation's start. Arrays (shuffled by the global generator
as the engine's loop shuffles), generators and PyDatasets are served.
"""

from __future__ import annotations

import numpy as np

from .callbacks import CallbackList, History, ProgbarLogger, format_logs, keras_logs
from .data_adapter import check_batch_size
from .generator_adapter import EpochIterator, is_batch_source
from .model_steps import overridden, pythonify_logs
from .rng import global_rng
from .tape import as_array


def uses_custom_step(model, name: str) -> bool:
    """Whether `fit` (train_step), `evaluate` (test_step) or `predict` (predict_step) must
    run the model's own step."""
    return overridden(model, name)


# ---------------------------------------------------------------------- batches
def _float32(x):
    """Arrays as Keras converts them (floats to float32), in the same nesting."""
    if isinstance(x, (list, tuple)):
        return type(x)(_float32(v) for v in x)
    if isinstance(x, dict):
        return {k: _float32(v) for k, v in x.items()}
    if x is None:
        return None
    a = np.asarray(as_array(x))
    return a.astype(np.float32) if a.dtype == np.float64 else a


def _rows(x, idx):
    if x is None:
        return None
    if isinstance(x, (list, tuple)):
        return type(x)(_rows(v, idx) for v in x)
    if isinstance(x, dict):
        return {k: _rows(v, idx) for k, v in x.items()}
    return x[idx]


def _count(x) -> int:
    while isinstance(x, (list, tuple, dict)):
        x = next(iter(x.values())) if isinstance(x, dict) else x[0]
    return len(x)


def _pack(x, y, sample_weight):
    """Keras's `pack_x_y_sample_weight`."""
    if y is None:
        return x if not isinstance(x, (list, tuple)) else (x,)
    return (x, y) if sample_weight is None else (x, y, sample_weight)


class ArrayBatches:
    """Batches of arrays (x, y, sample weights) in Keras's order: shuffled per epoch with the
    global generator when asked, the last batch smaller."""

    def __init__(self, x, y=None, sample_weight=None, batch_size=None, shuffle=False):
        self.x, self.y, self.sample_weight = _float32(x), _float32(y), sample_weight
        self.n = _count(self.x)
        self.batch_size = max(1, min(check_batch_size(batch_size), self.n or 1))
        self.shuffle = shuffle

    @property
    def num_batches(self) -> int:
        return -(-self.n // self.batch_size)

    def __iter__(self):
        order = global_rng().permutation(self.n) if self.shuffle else None
        for step, start in enumerate(range(0, self.n, self.batch_size)):
            idx = slice(start, start + self.batch_size) if order is None else order[start:start + self.batch_size]
            yield step, _pack(_rows(self.x, idx), _rows(self.y, idx), _rows(self.sample_weight, idx))


def _source_batches(it: EpochIterator):
    it.reset()
    for step, batch in it:
        yield step, batch[0] if len(batch) == 1 else tuple(batch)


def _split(x, y, sample_weight, fraction: float):
    """Keras's validation_split: the last `fraction` of the samples, before shuffling."""
    if not 0.0 <= fraction < 1.0:
        raise ValueError(f"validation_split must be in [0, 1); received validation_split={fraction}.")
    n = _count(x)
    cut = int(n * (1.0 - fraction))
    head, tail = slice(0, cut), slice(cut, n)
    return (_rows(x, head), _rows(y, head), _rows(sample_weight, head)), \
        (_rows(x, tail), _rows(y, tail), _rows(sample_weight, tail))


def _prepare_model(model, first_batch) -> None:
    """Build a subclassed model from its first batch, and the optimizer for its weights."""
    x = first_batch[0] if isinstance(first_batch, tuple) else first_batch
    if not model.built and callable(getattr(type(model), "call", None)) and hasattr(model, "_build_from_data"):
        model._build_from_data(np.asarray(as_array(x[0] if isinstance(x, (list, tuple)) else x)))
    c = model.compiled
    if model.built and c is not None and c.optimizer is not None:
        c.ensure_optimizer()


def _reset(model) -> None:
    for m in model.metrics:
        m.reset_state()


# ---------------------------------------------------------------------- loops
def run_test_steps(model, batches, callbacks=None) -> dict:
    """The logs of `test_step` over `batches` (metrics reset first)."""
    _reset(model)
    logs = {}
    for step, data in batches:
        if callbacks is not None:
            callbacks.on_test_batch_begin(step)
        logs = pythonify_logs(model.test_step(data))
        if callbacks is not None:
            callbacks.on_test_batch_end(step, logs)
    return logs


def fit(model, x, y, *, batch_size, epochs, verbose, callbacks, validation_split, validation_data, shuffle,
        sample_weight, initial_epoch, steps_per_epoch, validation_steps, validation_batch_size,
        validation_freq) -> History:
    """Keras's `fit` through the model's `train_step` (and `test_step` for validation)."""
    if is_batch_source(x):
        train = EpochIterator(x, steps_per_epoch, shuffle, global_rng())
        batches, steps = (lambda: _source_batches(train)), train.num_batches
        peeked = train.peek()
        first = peeked[0] if len(peeked) == 1 else tuple(peeked)
    else:
        if validation_split and validation_data is None:
            (x, y, sample_weight), validation_data = _split(x, y, sample_weight, validation_split)
        train = ArrayBatches(x, y, sample_weight, batch_size, shuffle)
        batches, steps = (lambda: iter(train)), train.num_batches
        first = _pack(_rows(train.x, slice(0, 1)), None, None)
    validate = _validation(model, validation_data, validation_steps, validation_batch_size or batch_size)
    history = History()
    cbs = CallbackList([*(callbacks or []), history] + ([ProgbarLogger()] if verbose else []))
    cbs.set_model(model)
    cbs.set_params({"epochs": epochs, "steps": steps, "verbose": verbose})
    model.stop_training = False
    model.history = history
    _prepare_model(model, first)
    cbs.on_train_begin()
    resumed = getattr(model, "_initial_epoch", None)   # set by BackupAndRestore's on_train_begin, as in Keras
    if resumed:
        model._initial_epoch = None
        initial_epoch = resumed
    for epoch in range(initial_epoch, epochs):
        _reset(model)
        cbs.on_epoch_begin(epoch)
        logs = {}
        for step, data in batches():
            cbs.on_train_batch_begin(step)
            logs = pythonify_logs(model.train_step(data))
            cbs.on_train_batch_end(step, logs)
            if model.stop_training:
                break
        epoch_logs = dict(logs)
        if validate is not None and (epoch + 1) % validation_freq == 0:
            cbs.on_test_begin()
            val = run_test_steps(model, validate(), cbs)
            cbs.on_test_end(val)
            epoch_logs.update({f"val_{k}": v for k, v in val.items()})
        cbs.on_epoch_end(epoch, epoch_logs)
        if model.stop_training:
            break
    if epochs > 0:
        _finalize(model)
    cbs.on_train_end()
    return history


def _finalize(model) -> None:
    """Keras's end of fit: with `use_ema`, `model.optimizer`'s moving averages become the
    trainable weights (those it stepped: the model's, in their order; another optimizer's,
    a GAN's two say, are the step's own business, as in Keras)."""
    c = getattr(model, "compiled", None)
    optimizer = getattr(c, "optimizer", None)
    if optimizer is None or not optimizer.built or not optimizer.use_ema:
        return
    store = getattr(model, "_store", None)
    if store is not None and optimizer.variable_sizes == tuple(store.sizes):
        optimizer.finalize_variable_values(store.trainable)


def _validation(model, validation_data, steps, batch_size):
    """A function giving one pass of validation batches, or None."""
    if validation_data is None:
        return None
    if is_batch_source(validation_data):
        it = EpochIterator(validation_data, steps)
        return lambda: _source_batches(it)
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
        raise ValueError("validation_data must be a tuple (x_val, y_val), a generator or a PyDataset.")
    batches = ArrayBatches(*validation_data, batch_size=batch_size)
    return lambda: iter(batches)


def evaluate(model, x, y, *, batch_size, verbose, sample_weight, steps, callbacks, return_dict):
    """Keras's `evaluate` through the model's `test_step`."""
    cbs = CallbackList(callbacks or [])
    cbs.set_model(model)
    if is_batch_source(x):
        it = EpochIterator(x, steps)
        batches, n = _source_batches(it), it.num_batches
    else:
        arrays = ArrayBatches(x, y, sample_weight, batch_size)
        batches, n = iter(arrays), arrays.num_batches
    cbs.set_params({"steps": n, "verbose": verbose})
    cbs.on_test_begin()
    logs = run_test_steps(model, batches, cbs)
    cbs.on_test_end(logs)
    if verbose:
        print(format_logs(logs))
    if return_dict:
        return keras_logs(logs)   # keys sorted, as Keras's
    values = list(logs.values())
    return values[0] if len(values) == 1 else values


def predict(model, x, *, batch_size, steps, callbacks):
    """Keras's `predict` through the model's `predict_step`: the batches' outputs joined
    (a list or dict of arrays for a step that returns several)."""
    cbs = CallbackList(callbacks or [])
    cbs.set_model(model)
    if is_batch_source(x):
        it = EpochIterator(x, steps)
        batches, n = _source_batches(it), it.num_batches
    else:
        arrays = ArrayBatches(x, None, None, batch_size)
        batches, n = iter(arrays), arrays.num_batches
    cbs.set_params({"steps": n, "verbose": 0})
    cbs.on_predict_begin()
    parts = []
    for step, data in batches:
        cbs.on_predict_batch_begin(step)
        out = model.predict_step(data)
        parts.append(out)
        cbs.on_predict_batch_end(step, {"outputs": out})
    cbs.on_predict_end()
    return _join(parts)


def _join(parts):
    if not parts:
        return np.empty((0,), np.float32)
    first = parts[0]
    if isinstance(first, dict):
        return {k: _join([p[k] for p in parts]) for k in first}
    if isinstance(first, (list, tuple)):
        return [_join([p[i] for p in parts]) for i in range(len(first))]
    return np.concatenate([np.asarray(as_array(p)) for p in parts])
