"""Built-in losses on the tape: `keras.losses.MeanSquaredError()(y, y_pred)` and the
functional forms (`keras.losses.mean_squared_error(y, y_pred)`) called on a prediction made
inside a `GradientTape` (a custom `train_step`) give a tracked tensor whose rule is the
loss's own gradient (`value_and_grad`), so the tape reaches the model's weights."""

from __future__ import annotations

import copy

import numpy as np

from .tape import TapeTensor, as_array, lift


def loss_on_tape(loss, y_true, y_pred, sample_weight=None, y_mask=None):
    """`loss(y_true, y_pred, sample_weight)` reduced as the loss reduces, tracked."""
    if loss.reduction in (None, "none"):
        values = values_on_tape(loss, y_true, y_pred)
        if sample_weight is None:
            return values
        sw = np.asarray(sample_weight, np.float32)
        return values * sw.reshape(sw.shape + (1,) * (values.ndim - sw.ndim))
    p = lift(y_pred)
    value, grad = loss.value_and_grad(as_array(y_true), p.value, sample_weight=sample_weight, y_mask=y_mask)
    return TapeTensor(np.asarray(value, np.float32), (p,), lambda g: (np.float32(g) * grad,), tracked=True)


def values_on_tape(loss, y_true, y_pred):
    """The per-sample values (`loss.call`), tracked: the rule weights each sample's gradient
    by the upstream gradient of its value."""
    p = lift(y_pred)
    t = as_array(y_true)
    values = np.asarray(loss.call(t, p.value), np.float32)
    summed = copy.copy(loss)
    summed.reduction = "sum"

    def rule(g):
        weights = np.broadcast_to(np.asarray(g, np.float32), values.shape)
        return (summed.value_and_grad(t, p.value, sample_weight=weights)[1],)
    return TapeTensor(values, (p,), rule, tracked=True)
