"""Regression losses as Keras 3 computes them: mean squared/absolute (percentage, logarithmic)
errors, Huber, log-cosh and cosine similarity, each with d values / d y_pred."""

import numpy as np

from visualnet.engine import loss_kernels_more as fk
from visualnet.engine.loss_base import EPSILON, Loss, _F32

_LOG2 = _F32(np.log(2.0))


class MeanSquaredError(Loss):
    """`mean(square(y_true - y_pred), axis=-1)` per sample."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error"):
        super().__init__(name, reduction)

    def _compute(self, y_true, y_pred, need_grad):
        d = y_pred - y_true.astype(_F32)
        values = np.mean(np.square(d), axis=-1, dtype=_F32)
        grad = d * _F32(2.0 / d.shape[-1]) if need_grad else None
        return values, grad, None

    def fused_kernel(self, activation_name, y_pred_shape):
        return fk.fused_kernel(self, fk.mse_kernel, activation_name, y_pred_shape)


class MeanAbsoluteError(Loss):
    """`mean(abs(y_true - y_pred), axis=-1)` per sample."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error"):
        super().__init__(name, reduction)

    def _compute(self, y_true, y_pred, need_grad):
        d = y_pred - y_true.astype(_F32)
        values = np.mean(np.abs(d), axis=-1, dtype=_F32)
        grad = np.sign(d) * _F32(1.0 / d.shape[-1]) if need_grad else None
        return values, grad, None

    def fused_kernel(self, activation_name, y_pred_shape):
        return fk.fused_kernel(self, fk.mae_kernel, activation_name, y_pred_shape)


class MeanAbsolutePercentageError(Loss):
    """`100 * mean(abs((y_true - y_pred) / max(abs(y_true), epsilon)), axis=-1)` per sample."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_percentage_error"):
        super().__init__(name, reduction)

    def _compute(self, y_true, y_pred, need_grad):
        t = y_true.astype(_F32)
        scale = _F32(100.0) / np.maximum(np.abs(t), _F32(EPSILON))
        d = y_pred - t
        values = _F32(100.0) * np.mean(np.abs(d / np.maximum(np.abs(t), _F32(EPSILON))), axis=-1, dtype=_F32)
        grad = np.sign(d) * scale / _F32(d.shape[-1]) if need_grad else None
        return values, grad, None

    def fused_kernel(self, activation_name, y_pred_shape):
        return fk.fused_kernel(self, fk.mape_kernel, activation_name, y_pred_shape)


class MeanSquaredLogarithmicError(Loss):
    """`mean(square(log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)), axis=-1)` per sample."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_logarithmic_error"):
        super().__init__(name, reduction)

    def _compute(self, y_true, y_pred, need_grad):
        eps = _F32(EPSILON)
        p = np.maximum(y_pred, eps)
        d = np.log(p + _F32(1)) - np.log(np.maximum(y_true.astype(_F32), eps) + _F32(1))
        values = np.mean(np.square(d), axis=-1, dtype=_F32)
        grad = None
        if need_grad:
            grad = np.where(y_pred > eps, _F32(2.0 / d.shape[-1]) * d / (p + _F32(1)), _F32(0))
        return values, grad, None

    def fused_kernel(self, activation_name, y_pred_shape):
        return fk.fused_kernel(self, fk.msle_kernel, activation_name, y_pred_shape)


class Huber(Loss):
    """Mean over the last axis of `0.5 * e**2` where `|e| <= delta`, else
    `delta * |e| - 0.5 * delta**2`, with `e = y_pred - y_true`."""

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss"):
        super().__init__(name, reduction)
        if not delta >= 0:
            raise ValueError(f"Huber: `delta` must be >= 0. Received: delta={delta!r}")
        self.delta = float(delta)

    def _compute(self, y_true, y_pred, need_grad):
        e = y_pred - y_true.astype(_F32)
        a, delta = np.abs(e), _F32(self.delta)
        inner = a <= delta
        values = np.mean(np.where(inner, _F32(0.5) * e * e, delta * a - _F32(0.5) * delta * delta),
                         axis=-1, dtype=_F32)
        grad = np.where(inner, e, delta * np.sign(e)) / _F32(e.shape[-1]) if need_grad else None
        return values, grad, None

    def fused_kernel(self, activation_name, y_pred_shape):
        delta = _F32(self.delta)
        return fk.fused_kernel(self, lambda t, p, dz, scale: fk.huber_kernel(t, p, dz, scale, delta),
                               activation_name, y_pred_shape)

    def get_config(self):
        return {**super().get_config(), "delta": self.delta}


class LogCosh(Loss):
    """`mean(log(cosh(y_pred - y_true)), axis=-1)` per sample, computed stably as Keras does
    (`x + softplus(-2x) - log(2)`)."""

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh"):
        super().__init__(name, reduction)

    def _compute(self, y_true, y_pred, need_grad):
        x = y_pred - y_true.astype(_F32)
        z = _F32(-2) * x
        softplus = np.maximum(z, _F32(0)) + np.log1p(np.exp(-np.abs(z)))
        values = np.mean(x + softplus - _LOG2, axis=-1, dtype=_F32)
        grad = np.tanh(x) / _F32(x.shape[-1]) if need_grad else None
        return values, grad, None

    def fused_kernel(self, activation_name, y_pred_shape):
        return fk.fused_kernel(self, fk.log_cosh_kernel, activation_name, y_pred_shape)


class CosineSimilarity(Loss):
    """`-sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)` per sample: -1 for the same
    direction, 0 when orthogonal or when either is a zero vector."""

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity"):
        super().__init__(name, reduction)
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise ValueError(f"CosineSimilarity: `axis` must be an int. Received: axis={axis!r}")
        self.axis = self._axis = int(axis)

    @staticmethod
    def _inverse_norm(x):
        """Keras's `normalize`: x * min(rsqrt(sum(x**2)), 1/epsilon); also says where the cap holds."""
        with np.errstate(divide="ignore"):
            inv = _F32(1) / np.sqrt(np.sum(x * x, axis=-1, keepdims=True, dtype=_F32))
        capped = inv > _F32(1 / EPSILON)
        return np.where(capped, _F32(1 / EPSILON), inv), capped

    def _compute(self, y_true, y_pred, need_grad):
        t = y_true.astype(_F32)
        inv_t, _ = self._inverse_norm(t)
        inv_p, capped = self._inverse_norm(y_pred)
        nt, np_ = t * inv_t, y_pred * inv_p
        values = -np.sum(nt * np_, axis=-1, dtype=_F32)
        grad = None
        if need_grad:
            free = -inv_p * (nt - np_ * np.sum(nt * np_, axis=-1, keepdims=True))
            grad = np.where(capped, -nt * inv_p, free).astype(_F32)
        return values, grad, None

    def fused_kernel(self, activation_name, y_pred_shape):
        return fk.fused_kernel(self, fk.cosine_similarity_kernel, activation_name, y_pred_shape,
                               axis_ok=self.axis in (-1, len(y_pred_shape) - 1))

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
