"""Models with several outputs: compile()'s per-output losses, weights and metrics, the
targets by output, and their training step and evaluation, as Keras 3 does them.

The total loss is the sum of each output's loss times its weight; the logs hold "loss",
"<output>_loss" (unweighted) and "<output>_<metric>", their keys sorted as Keras's logs
are; `evaluate` lists loss, the outputs' losses, then the metrics sorted by name. An output
is named by its layer, or by its key for `Model(outputs={...})` (model_structure.py), whose
loss dict also orders the outputs' losses in `evaluate` and `metrics_names`, as Keras's.
"""

from __future__ import annotations

import numpy as np

from . import losses, metrics as metrics_mod
from .loop import Mean, logs_of
from .model_structure import has_output_dict, output_names, output_shapes
from .prediction import parallel_layers
from .penalties import penalty_of_pass
from .steps.python import added_losses, apply_gradients


def is_multi_output(model) -> bool:
    """Whether `model` is built with several outputs."""
    return len(getattr(model, "_output_ids", ())) > 1


def _listing(names) -> str:
    return ", ".join(f"'{n}'" for n in names)


def per_output(value, names: list[str], what: str, default=None) -> list:
    """`value` spread over the outputs: one value for all, a list in output order, or a dict
    by output name (outputs it leaves out get `default`)."""
    if isinstance(value, dict):
        unknown = [k for k in value if k not in names]
        if unknown:
            raise ValueError(f"compile() got {what} for {_listing(unknown)}, but the model's outputs are "
                             f"{_listing(names)}.")
        return [value.get(n, default) for n in names]
    if isinstance(value, (list, tuple)):
        if len(value) != len(names):
            raise ValueError(f"compile() got {len(value)} {what} for the {len(names)} outputs {_listing(names)}; "
                             f"pass one per output or a dict by output name. Received {what}={value!r}.")
        return list(value)
    return [value] * len(names)


def check_loss_weights(loss_weights) -> None:
    """Keras 3's check of compile()'s `loss_weights` (trainers/compile_utils.py CompileLoss): a
    bare weight must be a Python float; a list, tuple or dict holds one per output."""
    if loss_weights and not isinstance(loss_weights, (list, tuple, dict, float)):
        raise ValueError("Expected `loss_weights` argument to be a float (single output case) or a list, tuple, or "
                         f"dict (multiple output case). Received instead: loss_weights={loss_weights} "
                         f"of type {type(loss_weights)}")


def single_output_args(model, loss, metrics, loss_weights):
    """compile()'s (loss, metrics, loss weight) for a model with one output, given as Keras
    also takes them: a list of one, or a dict keyed by the output's name (`loss={"dense":
    "mse"}`). The weight (None: unweighted) comes from a float, a list of one or a dict of
    one, as Keras 3 takes it: a dict's key must name the output when the loss is a dict too;
    with a single loss Keras takes the dict's one value whatever its key."""
    names = output_names(model)

    def one(value, what):
        if isinstance(value, dict):
            if list(value) != names:
                raise ValueError(f"Expected keys {names} in {what} dict, but found {what}.keys()={list(value)}")
            return value[names[0]]
        if isinstance(value, (list, tuple)) and what == "loss":
            if len(value) != 1:
                raise ValueError(f"Model '{model.name}' has one output; compile() got {len(value)} losses. "
                                 f"Received loss={value!r}")
            return value[0]
        return value

    if isinstance(loss, dict) and "class_name" in loss and names != ["class_name"]:
        loss = losses.deserialize(loss)   # one loss's config (a project keeps a loss object so), not per output
    loss_dict = isinstance(loss, dict)
    loss = one(loss, "loss")
    if isinstance(metrics, dict):
        metrics = one(metrics, "metrics")
        metrics = None if metrics is None else list(metrics) if isinstance(metrics, (list, tuple)) else [metrics]
    return loss, metrics, one_loss_weight(loss_weights, names, loss_dict)


def one_loss_weight(loss_weights, names, loss_dict: bool):
    """The loss weight of a one-output model (None: unweighted), as Keras 3's CompileLoss reads it."""
    if loss_weights is None:
        return None
    check_loss_weights(loss_weights)
    if isinstance(loss_weights, dict) and loss_dict and list(loss_weights) != names:
        raise ValueError(f"Expected keys {names} in loss_weights dict, but found "
                         f"loss_weights.keys()={list(loss_weights)}")
    flat = list(loss_weights.values()) if isinstance(loss_weights, dict) else \
        list(loss_weights) if isinstance(loss_weights, (list, tuple)) else [loss_weights]
    if len(flat) != 1:
        raise ValueError(f"`loss_weights` must match the number of losses, got 1 losses and {len(flat)} weights.")
    weight = flat[0]
    if weight is None:
        return None
    if isinstance(weight, (str, bytes)) or not isinstance(weight, (int, float, np.number)):
        raise ValueError(f"A loss weight must be a number. Received: loss_weights={loss_weights!r}")
    return float(weight)


class _OutputMetric:
    """A metric of one output, named "<output>_<metric>" as Keras names it."""

    def __init__(self, metric, name: str, index: int):
        self.metric, self.name, self.index = metric, name, index

    def update_state(self, y_true, y_pred, sample_weight=None):
        self.metric.update_state(y_true, y_pred, sample_weight=sample_weight)

    def result(self):
        return self.metric.result()

    def reset_state(self):
        self.metric.reset_state()


class _OutputLoss(Mean):
    """The mean (by batch size) of one output's unweighted loss: "<output>_loss"."""

    def __init__(self, name: str, index: int):
        super().__init__()
        self.name, self.index = name, index

    def reset_state(self) -> None:
        self.total, self.count = 0.0, 0


class OutputLosses:
    """What compile() fixed for each output of a model with several outputs."""

    def __init__(self, model, loss, loss_weights, metrics):
        self.trackers = self.metrics = None   # made by `resolve`
        self.names = names = output_names(model)
        self.loss_fns = [None if l is None else losses.get(l) for l in per_output(loss, names, "losses")]
        # evaluate()'s order of the outputs' losses: a loss dict's own order for dict outputs
        # (Keras walks that dict), else output order
        with_loss = [n for n, fn in zip(names, self.loss_fns) if fn is not None]
        self.loss_order = [n for n in loss if n in with_loss] if isinstance(loss, dict) and has_output_dict(model) \
            else with_loss
        if isinstance(loss_weights, (list, tuple)) and len(loss_weights) != len(names):
            raise ValueError(f"`loss_weights` must match the number of losses, got {len(names)} losses and "
                             f"{len(loss_weights)} weights.")
        if isinstance(loss_weights, dict) and any(n not in loss_weights for n in names):
            missing = [n for n in names if n not in loss_weights]
            raise ValueError(f"loss_weights has no weight for {_listing(missing)}; give one for each output "
                             f"({_listing(names)}). Received loss_weights={loss_weights!r}.")
        self.weights = [1.0 if w is None else float(w) for w in per_output(loss_weights, names, "loss_weights")]
        if isinstance(metrics, (list, tuple)) and metrics and not all(
                m is None or isinstance(m, (list, tuple)) for m in metrics):
            raise ValueError(f"metrics of a model with several outputs must be a list of lists, one per output, "
                             f"or a dict by output name; the outputs are {_listing(names)}. "
                             f"Received: metrics={metrics!r}")
        per = per_output(metrics if metrics else None, names, "metrics")
        self.metric_ids = [[] if m is None else list(m) if isinstance(m, (list, tuple)) else [m] for m in per]

    def make_metrics(self, ys: list, model) -> tuple[list, list]:
        """(loss trackers, per-output metrics), fresh."""
        trackers = [_OutputLoss(f"{n}_loss", i) for i, (n, fn) in enumerate(zip(self.names, self.loss_fns))
                    if fn is not None]
        shapes = _output_shapes(model)
        out = []
        for i, (name, ids) in enumerate(zip(self.names, self.metric_ids)):
            for m in ids:
                metric = metrics_mod.get(m, y_true_shape=ys[i].shape, y_pred_shape=(len(ys[i]), *shapes[i][1:]))
                out.append(_OutputMetric(metric, f"{name}_{metric.name}", i))
        return trackers, out

    def resolve(self, ys: list, model) -> list:
        """The compiled metrics: loss trackers and metrics, sorted by name as Keras's logs
        (`trackers` and `metrics` keep them for the training step)."""
        self.trackers, self.metrics = self.make_metrics(ys, model)
        return sorted(self.trackers + self.metrics, key=lambda m: m.name)

    def train_step(self, model, xs, ys, sample_weight=None) -> float:
        """`steps.train_step` for this model (see `train_step`)."""
        return train_step(model, xs, ys, sample_weight)

    def evaluate(self, model, batches, prefix="", should_stop=None, callbacks=None):
        """`loop.evaluate_batches` for this model (see `evaluate_batches`)."""
        return evaluate_batches(model, batches, prefix, should_stop, callbacks)

    def losses_and_grads(self, ys, preds, sample_weight, masks, trackers, need_grad=True):
        """(total loss, per-output gradients times their weights, or Nones without `need_grad`);
        `trackers` (one per output with a loss, in output order) take the unweighted losses."""
        total, grads, k = 0.0, [], 0
        for y, p, fn, w, mask in zip(ys, preds, self.loss_fns, self.weights, masks):
            if fn is None:
                grads.append(None)
                continue
            if need_grad:
                value, g = fn.value_and_grad(y, p, sample_weight=sample_weight, y_mask=mask)
                grads.append(g if w == 1.0 else g * np.float32(w))
            else:
                value = fn(y, p, sample_weight=sample_weight, y_mask=mask)
            value = float(value)
            trackers[k].update(value, len(y))
            k += 1
            total += w * value
        return total, grads


def _output_shapes(model) -> list:
    return output_shapes(model)


def _metric_weight(mask):
    return None if mask is None else metrics_mod.masked_sample_weight(mask)


def train_step(model, xs, ys, sample_weight=None) -> float:
    """One optimizer step of a model with several outputs; returns the total loss."""
    c, ex = model.compiled, model._executor
    ex.forward(xs, training=True)
    preds = ex.results()
    masks = ex.output_masks
    spec = c.outputs
    total, grads = spec.losses_and_grads(ys, preds, sample_weight, masks, spec.trackers)
    ex.backward(grads)
    total += added_losses(model)   # Keras's model.losses (regularizers), their gradients added
    apply_gradients(model)
    _update_metrics(spec.metrics, ys, preds, masks)
    return total


def _update_metrics(metrics, ys, preds, masks) -> None:
    for m in metrics:
        m.update_state(ys[m.index], preds[m.index], sample_weight=_metric_weight(masks[m.index]))


def evaluate_batches(model, batches, prefix="", should_stop=None, callbacks=None):
    """`loop.evaluate_batches` for a model with several outputs (each `y` a list)."""
    spec, ex = model.compiled.outputs, model._executor
    trackers = metrics = ordered = None
    total = Mean()
    with parallel_layers(model):
        for batch, (xs, ys, weights, idx) in enumerate(batches):
            if should_stop is not None and should_stop():
                return None
            yb = [y[idx] for y in ys]
            if trackers is None:
                trackers, metrics = spec.make_metrics(yb, model)
                for m in metrics:        # a metric object given to compile is shared: Keras resets it here
                    m.reset_state()
                ordered = sorted(trackers + metrics, key=lambda m: m.name)
            if callbacks is not None:
                callbacks.on_test_batch_begin(batch)
            ex.forward([a[idx] for a in xs], training=False)
            preds = ex.results()
            masks = ex.output_masks
            loss, _ = spec.losses_and_grads(yb, preds, None if weights is None else weights[idx], masks, trackers,
                                            need_grad=False)
            total.update(loss + penalty_of_pass(model), len(yb[0]))
            _update_metrics(metrics, yb, preds, masks)
            if callbacks is not None:
                callbacks.on_test_batch_end(batch, logs_of(total, ordered, prefix))
    return logs_of(total, ordered or [], prefix)


def results_in_order(model, logs: dict) -> list:
    """evaluate()'s list as Keras 3 orders it: loss, each output's loss, then the other
    metrics sorted by name."""
    spec = model.compiled.outputs
    names = ["loss"] + [f"{n}_loss" for n in spec.loss_order]
    return [logs[k] for k in names if k in logs] + [logs[k] for k in sorted(logs) if k not in names]
