"""The general training step, run from Python: any loss, sample weights, any metric."""

from __future__ import annotations

import warnings

import numpy as np

from ... import VisualNetWarning
from ..metrics import masked_sample_weight
from ..penalties import activity_penalty, apply_constraints, weight_penalty


def train_step(model, xs, y, sample_weight=None) -> float:
    """One optimizer step on one batch; returns the batch loss. Updates the metrics.
    With several outputs, `y` is a list (one array per output)."""
    c = model.compiled
    if c.outputs is not None:
        return c.outputs.train_step(model, xs, y, sample_weight)
    ex = model._executor
    y_pred = ex.forward(xs, training=True)
    y_mask = ex.output_mask   # Keras weights the loss and the metrics by the output's mask
    out_layer = model._layers_by_id[model._output_id]
    # an activity penalty on the output needs the gradient of the output itself: no fusing
    act = None if out_layer.adds_loss else out_layer.output_activation
    fused = c.loss_fn.fused_value_and_grad(y, y_pred, act, sample_weight=sample_weight, y_mask=y_mask) \
        if act else None
    if fused is not None:
        loss_value, grad = fused
        ex.backward(grad, fused_activation=True)
    else:
        loss_value, grad = c.loss_fn.value_and_grad(y, y_pred, sample_weight=sample_weight, y_mask=y_mask)
        ex.backward(grad)
    loss_value += added_losses(model)   # also adds the weight penalties' gradients
    apply_gradients(model)
    # compile()'s metrics ignore sample weights in Keras 3 (weighted_metrics take them); a mask weights them
    metric_weight = None if y_mask is None else masked_sample_weight(y_mask)
    for m in c.metrics:
        m.update_state(y, y_pred, sample_weight=metric_weight)
    return float(loss_value)


def added_losses(model) -> float:
    """What Keras adds to the loss (`model.losses`): the activity penalties of the last
    forward pass (activity_regularizer, ActivityRegularization) and the weight regularizers'
    penalties, whose gradients this adds to the weights' (call it after backward)."""
    return activity_penalty(model) + weight_penalty(model, gradients=True)


def apply_gradients(model) -> None:
    """The optimizer's step over the trainable weights, then the weights' constraints (as
    Keras's optimizer applies them after the update); without any trainable weight, Keras's
    warning and no step (its iterations stay)."""
    store = model._store
    if store.sizes:
        scale = model.compiled.optimizer.loss_scale_factor
        if scale is not None:   # Keras's `scale_loss`: the gradients of the scaled loss (apply unscales them)
            store.grads *= np.float32(scale)
        model.compiled.optimizer.apply(store.trainable, store.grads)
        apply_constraints(model)
    else:
        warnings.warn("The model does not have any trainable weights.", VisualNetWarning, stacklevel=3)


class PythonStep:
    """`train_step` on the batch's rows (gathered with NumPy's indexing); with `padding`
    (engine/batch_padding.py), the inputs cut to the batch's longest sequence."""

    def __init__(self, model, xs, y, weights, padding=None):
        self.model, self.xs, self.y, self.weights, self.padding = model, xs, y, weights, padding

    def __call__(self, idx, n, ahead=None) -> float:
        y = [t[idx] for t in self.y] if type(self.y) is list else self.y[idx]
        xs = [a[idx] for a in self.xs]
        if self.padding is not None:
            xs = self.padding.trim(xs, idx)
        return train_step(self.model, xs, y, None if self.weights is None else self.weights[idx])

    def close(self) -> None:
        """Nothing runs ahead of this step."""
