"""The crossentropies: binary, categorical and sparse categorical (Keras 3), with the fused
gradients w.r.t. the pre-activation of a sigmoid/softmax output and their compiled kernels."""

import numpy as np

from visualnet.engine.loss_base import Loss, _F32, _clip, _log_softmax, _same_rank, _sigmoid
from visualnet.engine.loss_kernels import FusedKernel, _bce_sigmoid_kernel, _cce_softmax_kernel, \
    _scce_softmax_kernel


class BinaryCrossentropy(Loss):
    """Elementwise binary crossentropy, averaged over `axis`."""

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy"):
        super().__init__(name, reduction)
        self.from_logits = bool(from_logits)
        self.label_smoothing = float(label_smoothing)
        self.axis = self._axis = axis

    def _check(self, y_true, y_pred, orig_true, orig_pred):
        super()._check(y_true, y_pred, orig_true, orig_pred)
        if y_true.size and (y_true.min() < 0 or y_true.max() > 1):
            bad = y_true[(y_true < 0) | (y_true > 1)].flat[0].item()
            raise ValueError(
                f"{self.name}: labels must be in [0, 1], got {bad!r}. For integer "
                "class ids use sparse_categorical_crossentropy.")

    def _targets(self, y_true):
        t = y_true.astype(_F32)
        if self.label_smoothing:
            t = t * _F32(1.0 - self.label_smoothing) + _F32(0.5 * self.label_smoothing)
        return t

    def _compute(self, y_true, y_pred, need_grad):
        t, n = self._targets(y_true), _F32(y_pred.shape[-1])
        if self.from_logits:
            z = y_pred
            el = np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z)))
            grad = (_sigmoid(z) - t) / n if need_grad else None
        else:
            p, ok = _clip(y_pred)
            el = -(t * np.log(p) + (1 - t) * np.log(1 - p))
            grad = np.where(ok, (p - t) / (p * (1 - p)), 0) / n if need_grad else None
        return np.mean(el, axis=-1, dtype=_F32), grad, None

    def _fused_grad(self, y_true, y_pred, activation_name):
        if self.from_logits or activation_name != "sigmoid":
            return None
        return (y_pred - self._targets(y_true)) / _F32(y_pred.shape[-1])

    def fused_kernel(self, activation_name, y_pred_shape):
        if self.from_logits or self.label_smoothing or activation_name != "sigmoid" or len(y_pred_shape) != 2 \
                or self._axis not in (-1, 1):
            return None
        return FusedKernel(self, _bce_sigmoid_kernel, sparse=False)

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing, "axis": self.axis}


class CategoricalCrossentropy(Loss):
    """Crossentropy between one-hot (or soft) labels and class scores."""

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy"):
        super().__init__(name, reduction)
        self.from_logits = bool(from_logits)
        self.label_smoothing = float(label_smoothing)
        self.axis = self._axis = axis

    def _check(self, y_true, y_pred, orig_true, orig_pred):
        if y_true.shape == y_pred.shape:
            return
        if (len(orig_true) == len(orig_pred) - 1 or orig_true[-1:] == (1,)) and \
                orig_pred[-1:] != (1,):
            raise ValueError(
                f"{self.name}: expected one-hot labels of shape {orig_pred}, got y_true "
                f"of shape {orig_true}, which looks like integer class ids. Use "
                "sparse_categorical_crossentropy, or one-hot encode the labels.")
        super()._check(y_true, y_pred, orig_true, orig_pred)

    def _targets(self, y_true):
        t = y_true.astype(_F32)
        if self.label_smoothing:
            ls = self.label_smoothing
            t = t * _F32(1.0 - ls) + _F32(ls / t.shape[-1])
        return t

    def _compute(self, y_true, y_pred, need_grad):
        t = self._targets(y_true)
        if self.from_logits:
            logp = _log_softmax(y_pred)
            values = -np.sum(t * logp, axis=-1)
            grad = np.exp(logp) * t.sum(-1, keepdims=True) - t if need_grad else None
            return values, grad, None
        s = y_pred.sum(axis=-1, keepdims=True)
        q = y_pred / s
        qc, ok = _clip(q)
        values = -np.sum(t * np.log(qc), axis=-1)
        grad = None
        if need_grad:
            g = np.where(ok, -t / qc, _F32(0))
            grad = (g - np.sum(g * q, axis=-1, keepdims=True)) / s
        return values, grad, None

    def _fused_grad(self, y_true, y_pred, activation_name):
        if self.from_logits or activation_name != "softmax" or self.axis != -1:
            return None
        t = self._targets(y_true)
        return y_pred * t.sum(-1, keepdims=True) - t

    def fused_kernel(self, activation_name, y_pred_shape):
        if self.from_logits or self.label_smoothing or activation_name != "softmax" or self.axis != -1 \
                or len(y_pred_shape) != 2:
            return None
        return FusedKernel(self, _cce_softmax_kernel, sparse=False)

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing, "axis": self.axis}


class SparseCategoricalCrossentropy(Loss):
    """Crossentropy between integer class ids and class scores."""

    def __init__(self, from_logits=False, ignore_class=None, axis=-1,
                 reduction="sum_over_batch_size", name="sparse_categorical_crossentropy"):
        super().__init__(name, reduction)
        self.from_logits = bool(from_logits)
        self.ignore_class = ignore_class
        self.axis = self._axis = axis

    def _prepare(self, y_true, y_pred):
        y_pred = np.asarray(y_pred, dtype=_F32)
        y_true = np.asarray(y_true)
        t, p = _same_rank(y_true, y_pred)
        if p.ndim < 1:
            raise ValueError(f"{self.name}: y_pred must have a class axis, got shape "
                             f"{y_pred.shape}")
        p = np.moveaxis(p, self.axis, -1)
        rest = p.shape[:-1]
        if t.shape == p.shape and p.shape[-1] > 1:
            raise ValueError(
                f"{self.name}: expected integer class ids of shape {rest}, got y_true "
                f"of shape {y_true.shape}, which looks one-hot. Use "
                "categorical_crossentropy for one-hot labels.")
        if t.shape not in (rest, rest + (1,)):
            raise ValueError(f"{self.name}: y_true shape {y_true.shape} does not match "
                             f"y_pred shape {y_pred.shape} (expected {rest})")
        return t.reshape(rest), p

    def _labels(self, y, classes):
        """Validated int labels (ignored ones set to 0) and the valid mask."""
        if y.dtype.kind == "f":
            frac = y != np.floor(y)
            if frac.any():
                raise ValueError(f"{self.name}: labels must be integer class ids, got "
                                 f"{y[frac].flat[0].item()!r}")
        y = y.astype(np.int64)
        mask = None if self.ignore_class is None else y != self.ignore_class
        check = y if mask is None else y[mask]
        bad = (check < 0) | (check >= classes)
        if bad.any():
            raise ValueError(f"{self.name}: labels must be in [0, {classes}) for "
                             f"y_pred with {classes} classes, got {check[bad].flat[0].item()}")
        if mask is not None:
            y = np.where(mask, y, 0)
        return y, mask

    def _compute(self, y_true, y_pred, need_grad):
        y, mask = self._labels(y_true, y_pred.shape[-1])
        idx = y[..., None]
        grad = None
        if self.from_logits:
            logp = _log_softmax(y_pred)
            values = -np.take_along_axis(logp, idx, -1)[..., 0]
            if need_grad:
                grad = np.exp(logp)
                np.put_along_axis(grad, idx, np.take_along_axis(grad, idx, -1) - 1, -1)
        else:
            s = y_pred.sum(axis=-1, keepdims=True)
            q_y = np.take_along_axis(y_pred, idx, -1) / s
            qc, ok = _clip(q_y)
            values = -np.log(qc)[..., 0]
            if need_grad:
                g = np.where(ok, -1 / qc, _F32(0))
                grad = np.broadcast_to(-g * q_y / s, y_pred.shape).copy()
                np.put_along_axis(grad, idx, (g - g * q_y) / s, -1)
        values = values.astype(_F32)
        if mask is not None:
            values = np.where(mask, values, _F32(0))
            if grad is not None:
                grad = np.where(mask[..., None], grad, _F32(0))
        return values, grad, mask

    def _fused_grad(self, y_true, y_pred, activation_name):
        if self.from_logits or activation_name != "softmax" or self.axis != -1:
            return None
        y, _ = self._labels(y_true, y_pred.shape[-1])
        grad = y_pred.copy()
        idx = y[..., None]
        np.put_along_axis(grad, idx, np.take_along_axis(grad, idx, -1) - 1, -1)
        return grad

    def fused_kernel(self, activation_name, y_pred_shape):
        if self.from_logits or self.ignore_class is not None or activation_name != "softmax" \
                or self.axis != -1 or len(y_pred_shape) != 2:
            return None
        return FusedKernel(self, _scce_softmax_kernel, sparse=True)

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits,
                "ignore_class": self.ignore_class}
