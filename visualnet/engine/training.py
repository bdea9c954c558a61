"""compile / fit / evaluate / predict with Keras's semantics.

Per batch: forward, loss (fused with a softmax or sigmoid output when possible), backward,
one optimizer kernel over the flat weight vector, metric updates. Logs are averaged over
the epoch weighted by batch size, as Keras reports them.
"""

from __future__ import annotations

import contextlib

import numpy as np

from . import losses, metrics as metrics_mod, optimizers
from .runtime.blas import ThreadGovernor
from .runtime import fpmode
from .runtime.split import layer_parallel, layer_parts, serial_layers, split
from .callbacks import CallbackList, History, ProgbarLogger, format_logs
from .data_adapter import as_inputs, as_targets, split_validation
from .steps.fused import FastStep
from .rng import global_rng


@contextlib.contextmanager
def parallel_layers(model):
    """The threading and floating-point mode of a loop over `model`'s batches: denormals
    flushed (runtime/fpmode.py), and `layer_parallel()` when a layer splits its batch over the
    cores (convolutions, large Dense layers; see runtime/split.py), yielding its control; else
    OpenBLAS's own threads, yielding None."""
    with fpmode.flush_denormals():
        if any(getattr(layer, "splits_batch", False) for layer in model._layers_by_id.values()):
            with layer_parallel() as control:
                yield control
        else:
            yield None


class Compiled:
    """What compile() fixed: the optimizer, loss and metric identifiers."""

    def __init__(self, model, optimizer, loss, metrics):
        self.model = model
        self.optimizer = optimizers.get(optimizer)
        self.loss_fn = losses.get(loss)
        self.metric_ids = list(metrics or [])
        self.metrics: list | None = None
        self.reset_optimizer()

    def reset_optimizer(self) -> None:
        """Forget the optimizer's state: the next `ensure_optimizer` builds it afresh."""
        self._stale_builds = self.optimizer._builds if self.optimizer is not None else 0

    @property
    def optimizer_built(self) -> bool:
        """True once the optimizer holds state for the model's weights: built (or loaded by
        `load_state_dict`) for their sizes since compile() or the model's last rebuild."""
        opt = self.optimizer
        return opt._builds > self._stale_builds and opt.variable_sizes == tuple(self.model._store.sizes)

    def ensure_optimizer(self) -> None:
        if not self.optimizer_built:
            self.optimizer.build(self.model._store.sizes)

    def resolve_metrics(self, y: np.ndarray) -> list:
        if self.metrics is None:
            out_shape = (len(y), *self.model.output_shape[1:])
            self.metrics = [metrics_mod.get(m, y_true_shape=y.shape, y_pred_shape=out_shape) for m in self.metric_ids]
        return self.metrics


def compile_model(model, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None, weighted_metrics=None,
                  run_eagerly=False, steps_per_execution=1, jit_compile="auto", auto_scale_loss=True):
    if loss is None:
        raise ValueError("compile() needs a loss, e.g. loss='categorical_crossentropy'; received loss=None.")
    if isinstance(metrics, dict) or isinstance(loss, (dict, list)):
        raise ValueError("VisualNet models have one output: pass a single loss and a list of metrics.")
    if loss_weights is not None or weighted_metrics is not None:
        raise ValueError("loss_weights and weighted_metrics are not supported (one output, no sample weights).")
    model.compiled = Compiled(model, optimizer, loss, metrics)
    model.optimizer = model.compiled.optimizer
    model.loss = loss


def _require_compiled(model):
    if model.compiled is None:
        raise RuntimeError(f"You must call compile() before training or evaluating model '{model.name}'.")
    return model.compiled


def train_step(model, xs, y, sample_weight=None) -> float:
    """One optimizer step on one batch; returns the batch loss. Updates metrics."""
    c = model.compiled
    ex = model._executor
    y_pred = ex.forward(xs, training=True)
    act = model._layers_by_id[model._output_id].output_activation
    fused = c.loss_fn.fused_value_and_grad(y, y_pred, act, sample_weight=sample_weight) if act else None
    if fused is not None:
        loss_value, grad = fused
        ex.backward(grad, fused_activation=True)
    else:
        loss_value, grad = c.loss_fn.value_and_grad(y, y_pred, sample_weight=sample_weight)
        ex.backward(grad)
    c.optimizer.apply(model._store.trainable, model._store.grads)
    for m in c.metrics:
        m.update_state(y, y_pred, sample_weight=sample_weight)
    return float(loss_value)


def _overrides(callbacks, name: str) -> bool:
    """Whether any callback does something in hook `name` (the base class's do nothing)."""
    from .callbacks import Callback

    base = getattr(Callback, name)
    return any(getattr(type(cb), name, None) is not base for cb in callbacks)


def _sample_weights(y: np.ndarray, sample_weight, class_weight) -> np.ndarray | None:
    """Per-sample weights from `sample_weight` or `class_weight` (Keras takes one, not both)."""
    if sample_weight is not None and class_weight is not None:
        raise ValueError("You cannot use class_weight and sample_weight at the same time.")
    weights = None
    if sample_weight is not None:
        weights = np.asarray(sample_weight, dtype=np.float32).reshape(-1)
        if len(weights) != len(y):
            raise ValueError(f"sample_weight has {len(weights)} values for {len(y)} samples.")
    if class_weight is not None:
        if not isinstance(class_weight, dict):
            raise ValueError(f"class_weight must be a dict {{class: weight}}; received {type(class_weight).__name__}.")
        labels = np.argmax(y, axis=-1) if y.ndim > 1 and y.shape[-1] > 1 else np.rint(y.reshape(len(y))).astype(int)
        table = np.ones(max(int(labels.max()) + 1, max(class_weight) + 1), np.float32)
        for k, v in class_weight.items():
            table[int(k)] = v
        weights = table[labels]
    return weights


class _Mean:
    """Sample-weighted running mean (Keras's loss tracker)."""

    def __init__(self):
        self.total, self.count = 0.0, 0

    def update(self, value: float, n: int) -> None:
        self.total += value * n
        self.count += n

    def result(self) -> float:
        return self.total / self.count if self.count else 0.0


def _logs(loss: _Mean, metrics: list, prefix: str = "") -> dict[str, float]:
    logs = {prefix + "loss": loss.result()}
    for m in metrics:
        logs[prefix + m.name] = float(m.result())
    return logs


def _batches(n: int, batch_size: int, order: np.ndarray | None):
    for start in range(0, n, batch_size):
        if order is None:
            yield slice(start, min(start + batch_size, n))
        else:
            yield order[start:start + batch_size]


def _batch_size(value, default=32) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"batch_size must be a positive integer; received batch_size={value!r}.")
    return int(value)


def _clipped(batch_size: int, n: int) -> int:
    """The batch size used for `n` samples: at most `n`, as Keras clips it to the data (so a
    huge batch_size allocates nothing beyond the data's size)."""
    return max(1, min(batch_size, n))


def fit(model, x, y, batch_size=None, epochs=1, verbose="auto", callbacks=None, validation_split=0.0,
        validation_data=None, shuffle=True, class_weight=None, sample_weight=None, initial_epoch=0,
        steps_per_epoch=None, validation_batch_size=None, validation_freq=1):
    c = _require_compiled(model)
    if steps_per_epoch is not None:
        raise ValueError("steps_per_epoch is only meaningful for generators, which VisualNet does not take; "
                         "pass arrays.")
    batch_size = _batch_size(batch_size)
    xs = as_inputs(model, x)
    y = as_targets(y, len(xs[0]))
    weights = _sample_weights(y, sample_weight, class_weight)
    val = None
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
            raise ValueError("validation_data must be a tuple (x_val, y_val).")
        vx = as_inputs(model, validation_data[0], "validation_data x")
        val = (vx, as_targets(validation_data[1], len(vx[0]), "validation_data y"))
    elif validation_split:
        n_all = len(y)
        xs, y, vx, vy = split_validation(xs, y, validation_split)
        val = (vx, vy)
        if weights is not None and len(weights) == n_all:
            weights = weights[:len(y)]
    c.ensure_optimizer()
    metrics = c.resolve_metrics(y)
    n = len(y)
    batch_size = _clipped(batch_size, n)
    steps = -(-n // batch_size)
    verbose = 1 if verbose == "auto" else int(verbose)
    history = History()
    cbs = CallbackList([*(callbacks or []), history] + ([ProgbarLogger()] if verbose else []))
    cbs.set_model(model)
    cbs.set_params({"epochs": epochs, "steps": steps, "verbose": verbose, "samples": n})
    model.stop_training = False
    model.history = history
    cbs.on_train_begin()
    fast = FastStep.build(model, xs, y, weights, batch_size)
    batch_begin = _overrides(cbs.callbacks, "on_train_batch_begin")
    batch_end = _overrides(cbs.callbacks, "on_train_batch_end")
    with parallel_layers(model) as control:  # None: OpenBLAS governs its own threads
        governor = ThreadGovernor(control)
        try:
            for epoch in range(initial_epoch, epochs):
                cbs.on_epoch_begin(epoch)
                tracker = _Mean()
                for m in metrics:
                    m.reset_state()
                order = global_rng().permutation(n) if shuffle else None
                batches = [slice(start, min(start + batch_size, n)) for start in range(0, n, batch_size)]
                if order is not None:
                    batches = [order[b] for b in batches]
                for step in range(steps):
                    start = step * batch_size
                    stop = min(start + batch_size, n)
                    idx = batches[step]
                    if batch_begin:
                        cbs.on_train_batch_begin(step)
                    governor.step_started()
                    if fast is not None:
                        loss_value = fast(idx, stop - start, batches[step + 1] if step + 1 < steps else None)
                    else:
                        loss_value = train_step(model, [a[idx] for a in xs], y[idx],
                                                None if weights is None else weights[idx])
                    governor.step_finished(stop - start == batch_size)
                    tracker.total += loss_value * (stop - start)
                    tracker.count += stop - start
                    if batch_end:
                        cbs.on_train_batch_end(step, _logs(tracker, metrics))
                    if model.stop_training:
                        break
                logs = _logs(tracker, metrics)
                if val is not None and (epoch + 1) % validation_freq == 0:
                    val_batch = _batch_size(validation_batch_size, batch_size)
                    logs.update(_evaluate_arrays(model, val[0], val[1], val_batch, prefix="val_"))
                cbs.on_epoch_end(epoch, logs)
                if model.stop_training:
                    break
        finally:
            if fast is not None:
                fast.close()
            governor.close()
    cbs.on_train_end()
    return history


def _evaluate_arrays(model, xs, y, batch_size, prefix="", weights=None, should_stop=None) -> dict[str, float] | None:
    """Loss and metrics over (xs, y); None if `should_stop()` turned true between batches."""
    c = model.compiled
    metrics = [metrics_mod.get(m, y_true_shape=y.shape, y_pred_shape=(len(y), *model.output_shape[1:]))
               for m in c.metric_ids]
    tracker = _Mean()
    chunk = _prediction_chunk(model)
    for idx in _batches(len(y), _clipped(batch_size, len(y)), None):
        if should_stop is not None and should_stop():
            return None
        yb = y[idx]
        with parallel_layers(model):
            y_pred = _forward_predict(model, xs, idx.start, idx.stop, chunk)
        wb = None if weights is None else weights[idx]
        tracker.update(float(c.loss_fn(yb, y_pred, sample_weight=wb)), len(yb))
        for m in metrics:
            m.update_state(yb, y_pred, sample_weight=wb)
    return _logs(tracker, metrics, prefix)


def evaluate(model, x, y, batch_size=None, verbose="auto", sample_weight=None, callbacks=None, return_dict=False):
    """[loss, *metrics] (a scalar without metrics), or a dict with return_dict."""
    _require_compiled(model)
    xs = as_inputs(model, x)
    y = as_targets(y, len(xs[0]))
    logs = _evaluate_arrays(model, xs, y, _batch_size(batch_size), weights=_sample_weights(y, sample_weight, None))
    if verbose:
        print(format_logs(logs))
    if return_dict:
        return logs
    values = list(logs.values())
    return values[0] if len(values) == 1 else values


_CACHE_BYTES = 8 << 20  # the largest activation of a prediction chunk stays about this size (measured)


def _prediction_chunk(model) -> int:
    """Samples per forward pass when predicting: as many as keep the largest layer output
    within a few MB, so each layer's output is still in cache when the next reads it.
    Prediction is per sample (no layer mixes samples when not training), so the batch
    size only changes speed: the results are those of the requested batches."""
    largest = max((int(np.prod([d for d in l.output_shape[1:] if d])) for l in model._layers_by_id.values()
                   if l.output_shape is not None), default=1)
    return max(8, _CACHE_BYTES // (4 * max(largest, 1)))


def _forward_predict(model, xs, start, stop, chunk, out=None):
    """The outputs for samples start:stop, computed `chunk` samples at a time into `out`
    (allocated when None) or, in one piece, returned as the executor's buffer. Inside
    `layer_parallel`, with `out` given, each part runs whole chunks on its own replica of
    the executor (no hand-over between layers, each core's data in its own cache)."""
    ex = model._executor
    if stop - start <= chunk and out is None:
        return ex.forward([a[start:stop] for a in xs], training=False, fuse=True)
    runners = _prediction_runners(ex) if out is not None else [ex]
    step = chunk * len(runners)
    for s0 in range(start, stop, step):
        s1 = min(s0 + step, stop)
        if len(runners) == 1:
            y = ex.forward([a[s0:s1] for a in xs], training=False, fuse=True)
            if out is None:
                out = np.empty((stop - start, *y.shape[1:]), dtype=np.float32)
            out[s0 - start:s1 - start] = y
            continue

        def part(lo, hi, i, s0=s0):
            with serial_layers():
                y = runners[i].forward([a[s0 + lo:s0 + hi] for a in xs], training=False, fuse=True)
            out[s0 - start + lo:s0 - start + hi] = y

        split(s1 - s0, part, len(runners))
    return out


def _prediction_runners(ex):
    """`ex` and, inside `layer_parallel` with several parts, a replica per further part
    (made once per executor)."""
    return [ex] + ex.replicas((layer_parts() or 1) - 1)


def predict(model, x, batch_size=None, verbose="auto"):
    xs = as_inputs(model, x)
    _batch_size(batch_size)  # checked as Keras does; the results do not depend on it
    n = len(xs[0])
    if n == 0:
        return np.empty((0, *model.output_shape[1:]), dtype=np.float32)
    out = np.empty((n, *model.output_shape[1:]), dtype=np.float32) if None not in model.output_shape[1:] else None
    with parallel_layers(model):  # chunks of _prediction_chunk samples, whatever the batch size
        return _forward_predict(model, xs, 0, n, _prediction_chunk(model), out)
