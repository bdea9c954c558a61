"""Probabilistic losses as Keras 3 computes them: Kullback-Leibler divergence, Poisson, and
the focal crossentropies (binary and categorical), each with d values / d y_pred."""

import numpy as np

from visualnet.engine import loss_kernels_more as fk
from visualnet.engine.loss_base import EPSILON, Loss, _F32, _clip, _sigmoid
from visualnet.engine.losses_crossentropy import BinaryCrossentropy, CategoricalCrossentropy


class KLDivergence(Loss):
    """`sum(y_true * log(y_true / y_pred), axis=-1)` per sample, both clipped to [epsilon, 1]."""

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence"):
        super().__init__(name, reduction)

    def _compute(self, y_true, y_pred, need_grad):
        eps, one = _F32(EPSILON), _F32(1)
        t = np.clip(y_true.astype(_F32), eps, one)
        p = np.clip(y_pred, eps, one)
        values = np.sum(t * np.log(t / p), axis=-1, dtype=_F32)
        grad = np.where((y_pred >= eps) & (y_pred <= one), -t / p, _F32(0)) if need_grad else None
        return values, grad, None

    def fused_kernel(self, activation_name, y_pred_shape):
        return fk.fused_kernel(self, fk.kl_divergence_softmax_kernel, activation_name, y_pred_shape,
                               activation="softmax")


class Poisson(Loss):
    """`mean(y_pred - y_true * log(y_pred + epsilon), axis=-1)` per sample."""

    def __init__(self, reduction="sum_over_batch_size", name="poisson"):
        super().__init__(name, reduction)

    def _compute(self, y_true, y_pred, need_grad):
        t, q = y_true.astype(_F32), y_pred + _F32(EPSILON)
        values = np.mean(y_pred - t * np.log(q), axis=-1, dtype=_F32)
        grad = (_F32(1) - t / q) / _F32(t.shape[-1]) if need_grad else None
        return values, grad, None

    def fused_kernel(self, activation_name, y_pred_shape):
        return fk.fused_kernel(self, fk.poisson_kernel, activation_name, y_pred_shape)


def _power_and_slope(base, gamma):
    """`base ** gamma` and its derivative w.r.t. base (0 where base is 0 and gamma > 1)."""
    g = _F32(gamma)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = g * np.power(base, g - _F32(1)) if gamma != 0 else np.zeros_like(base)
    return np.power(base, g), np.where(np.isfinite(slope), slope, _F32(0)).astype(_F32)


class BinaryFocalCrossentropy(BinaryCrossentropy):
    """Binary crossentropy scaled by `(1 - p_t) ** gamma` (`p_t` the probability of the true
    label), and by `alpha` / `1 - alpha` on the positives / negatives with
    `apply_class_balancing`; the mean over `axis` per sample."""

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_focal_crossentropy"):
        super().__init__(from_logits, label_smoothing, axis, reduction, name)
        if not gamma >= 0:
            raise ValueError(f"{name}: `gamma` must be >= 0. Received: gamma={gamma!r}")
        self.apply_class_balancing = bool(apply_class_balancing)
        self.alpha, self.gamma = float(alpha), float(gamma)

    def _compute(self, y_true, y_pred, need_grad):
        t = self._targets(y_true)
        p = _sigmoid(y_pred) if self.from_logits else y_pred
        pc, ok = _clip(p)
        bce = -(t * np.log(pc) + (1 - t) * np.log(1 - pc))
        sign = _F32(2) * t - _F32(1)                # d p_t / d p
        factor, slope = _power_and_slope(_F32(1) - (t * p + (1 - t) * (1 - p)), self.gamma)
        weight = _F32(1)
        if self.apply_class_balancing:
            weight = t * _F32(self.alpha) + (1 - t) * _F32(1 - self.alpha)
        n = _F32(p.shape[-1])
        values = np.mean(weight * factor * bce, axis=-1, dtype=_F32)
        grad = None
        if need_grad:
            dbce = np.where(ok, (pc - t) / (pc * (1 - pc)), _F32(0))
            grad = weight * (-slope * sign * bce + factor * dbce) / n
            if self.from_logits:
                grad = grad * p * (1 - p)
            grad = grad.astype(_F32)
        return values, grad, None

    def _fused_grad(self, y_true, y_pred, activation_name):
        return None

    def fused_kernel(self, activation_name, y_pred_shape):
        return None

    def get_config(self):
        return {**super().get_config(), "apply_class_balancing": self.apply_class_balancing,
                "alpha": self.alpha, "gamma": self.gamma}


class CategoricalFocalCrossentropy(CategoricalCrossentropy):
    """Categorical crossentropy of each class scaled by `alpha * (1 - p) ** gamma`, summed over
    `axis` per sample (probabilities renormalised and clipped as Keras does)."""

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_focal_crossentropy"):
        super().__init__(from_logits, label_smoothing, axis, reduction, name)
        if not gamma >= 0:
            raise ValueError(f"{name}: `gamma` must be >= 0. Received: gamma={gamma!r}")
        self.alpha, self.gamma = float(alpha), float(gamma)

    def _compute(self, y_true, y_pred, need_grad):
        t = self._targets(y_true)
        if self.from_logits:
            e = np.exp(y_pred - y_pred.max(axis=-1, keepdims=True))
            p = (e / e.sum(axis=-1, keepdims=True)).astype(_F32)
        else:
            p = y_pred
        s = p.sum(axis=-1, keepdims=True)
        q = p / s
        qc, ok = _clip(q)
        cce = -t * np.log(qc)
        factor, slope = _power_and_slope(_F32(1) - qc, self.gamma)
        alpha = _F32(self.alpha)
        values = np.sum(alpha * factor * cce, axis=-1, dtype=_F32)
        grad = None
        if need_grad:
            g = np.where(ok, alpha * (-slope * cce - factor * t / qc), _F32(0))   # d values / d q
            grad = (g - np.sum(g * q, axis=-1, keepdims=True)) / s               # through q = p / sum(p)
            if self.from_logits:                                                   # through the softmax
                grad = p * (grad - np.sum(grad * p, axis=-1, keepdims=True))
            grad = grad.astype(_F32)
        return values, grad, None

    def _fused_grad(self, y_true, y_pred, activation_name):
        return None

    def fused_kernel(self, activation_name, y_pred_shape):
        return None

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha, "gamma": self.gamma}
