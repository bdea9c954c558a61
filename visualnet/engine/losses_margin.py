"""Margin (hinge) losses as Keras 3 computes them, with d values / d y_pred."""

import numpy as np

from visualnet.engine import loss_kernels_more as fk
from visualnet.engine.loss_base import Loss, _F32


def hinge_labels(y_true):
    """Keras's `convert_binary_labels_to_hinge`: labels all 0 or 1 become -1 or 1; any other
    labels (already -1/1) stay as they are. Decided over the whole batch, as Keras does."""
    t = np.asarray(y_true, dtype=_F32)
    if np.all((t == 0) | (t == 1)):
        return _F32(2) * t - _F32(1)
    return t


class Hinge(Loss):
    """`mean(maximum(1 - y_true * y_pred, 0), axis=-1)` per sample; labels -1/1 (or 0/1)."""

    def __init__(self, reduction="sum_over_batch_size", name="hinge"):
        super().__init__(name, reduction)

    def _compute(self, y_true, y_pred, need_grad):
        t = hinge_labels(y_true)
        margin = np.maximum(_F32(1) - t * y_pred, _F32(0))
        values = np.mean(margin, axis=-1, dtype=_F32)
        grad = np.where(margin > 0, -t, _F32(0)) / _F32(t.shape[-1]) if need_grad else None
        return values, grad, None

    def fused_kernel(self, activation_name, y_pred_shape):
        return fk.fused_kernel(self, fk.hinge_kernel, activation_name, y_pred_shape)


class SquaredHinge(Loss):
    """`mean(square(maximum(1 - y_true * y_pred, 0)), axis=-1)` per sample."""

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge"):
        super().__init__(name, reduction)

    def _compute(self, y_true, y_pred, need_grad):
        t = hinge_labels(y_true)
        margin = np.maximum(_F32(1) - t * y_pred, _F32(0))
        values = np.mean(margin * margin, axis=-1, dtype=_F32)
        grad = _F32(-2) * t * margin / _F32(t.shape[-1]) if need_grad else None
        return values, grad, None

    def fused_kernel(self, activation_name, y_pred_shape):
        return fk.fused_kernel(self, fk.squared_hinge_kernel, activation_name, y_pred_shape)


class CategoricalHinge(Loss):
    """`maximum(neg - pos + 1, 0)` per sample with `pos = sum(y_true * y_pred)` and
    `neg = max((1 - y_true) * y_pred)` over the last axis (one-hot labels)."""

    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge"):
        super().__init__(name, reduction)

    def _compute(self, y_true, y_pred, need_grad):
        t = y_true.astype(_F32)
        pos = np.sum(t * y_pred, axis=-1, dtype=_F32)
        others = (_F32(1) - t) * y_pred
        top = np.argmax(others, axis=-1)[..., None]
        neg = np.take_along_axis(others, top, -1)[..., 0]
        values = np.maximum(neg - pos + _F32(1), _F32(0)).astype(_F32)
        grad = None
        if need_grad:
            grad = -t
            np.put_along_axis(grad, top, np.take_along_axis(grad + _F32(1) - t, top, -1), -1)
            grad = np.where((values > 0)[..., None], grad, _F32(0)).astype(_F32)
        return values, grad, None

    def fused_kernel(self, activation_name, y_pred_shape):
        return fk.fused_kernel(self, fk.categorical_hinge_kernel, activation_name, y_pred_shape)
