"""Keras 3 losses with analytic gradients for the engine.

Values follow Keras exactly (epsilon clipping 1e-7, probability renormalisation,
`sum_over_batch_size` reduction). `value_and_grad` gives the gradient of the
reduced loss w.r.t. `y_pred`; `fused_value_and_grad` gives the stable gradient
w.r.t. the pre-activation when the last layer is softmax/sigmoid.
"""

import numba
import numpy as np

from visualnet.engine import activations
from visualnet.engine._jit import njit
from visualnet.engine.runtime import jobs

__all__ = [
    "Loss", "MeanSquaredError", "MeanAbsoluteError", "BinaryCrossentropy",
    "CategoricalCrossentropy", "SparseCategoricalCrossentropy",
    "mean_squared_error", "mse", "MSE", "mean_absolute_error", "mae", "MAE",
    "binary_crossentropy", "categorical_crossentropy",
    "sparse_categorical_crossentropy", "get", "serialize", "deserialize",
]

EPSILON = 1e-7
_REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight",
               "none", None)
_F32 = np.float32


def _same_rank(x1, x2, expand_rank_1=True):
    """Keras's `squeeze_or_expand_to_same_rank`: fix a rank gap of one size-1 axis."""
    r1, r2 = x1.ndim, x2.ndim
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = x2[:, None]
        else:
            x1 = x1[..., 0]
    elif r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = x1[:, None]
        else:
            x2 = x2[..., 0]
    return x1, x2


def _both(mask, y_mask):
    """The loss's own mask (ignored labels) and the output's, as Keras combines them."""
    if y_mask is None:
        return mask
    return y_mask if mask is None else mask & y_mask


def _sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e)).astype(_F32)


def _log_softmax(z):
    s = z - z.max(axis=-1, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=-1, keepdims=True))


def _clip(p):
    """Keras's probability clipping and the mask where its gradient passes."""
    lo, hi = _F32(EPSILON), _F32(1.0) - _F32(EPSILON)
    return np.clip(p, lo, hi), (p >= lo) & (p <= hi)


class Loss:
    """Base class: subclasses implement `_compute` on standardised arrays."""

    _axis = -1

    def __init__(self, name=None, reduction="sum_over_batch_size"):
        if reduction not in _REDUCTIONS:
            raise ValueError(f"Invalid value for argument `reduction`: {reduction!r}. "
                             f"Expected one of {_REDUCTIONS}")
        self.name = name or type(self).__name__.lower()
        self.reduction = reduction

    # --- hooks -------------------------------------------------------------
    def _compute(self, y_true, y_pred, need_grad):
        """-> (per-sample values, d values / d y_pred or None, mask or None)."""
        raise NotImplementedError

    def _fused_grad(self, y_true, y_pred, activation_name):
        """d values / d z through `activation_name`, or None if not fusable."""
        return None

    def _check(self, y_true, y_pred, orig_true, orig_pred):
        if y_true.shape != y_pred.shape:
            raise ValueError(f"{self.name}: y_true shape {orig_true} does not match "
                             f"y_pred shape {orig_pred}")

    # --- plumbing ----------------------------------------------------------
    def _prepare(self, y_true, y_pred):
        y_pred = np.asarray(y_pred, dtype=_F32)
        y_true = np.asarray(y_true)
        t, p = _same_rank(y_true, y_pred)
        self._check(t, p, y_true.shape, y_pred.shape)
        if self._axis not in (-1, p.ndim - 1):
            t, p = np.moveaxis(t, self._axis, -1), np.moveaxis(p, self._axis, -1)
        return t, p

    def _restore(self, grad, y_pred_shape):
        if self._axis not in (-1, grad.ndim - 1):
            grad = np.moveaxis(grad, -1, self._axis)
        return np.ascontiguousarray(grad.reshape(y_pred_shape), dtype=_F32)

    def _coef(self, values, sample_weight, mask):
        """Weights `w` (values' shape) and divisor `d`: loss = sum(values * w) / d."""
        sw = None if sample_weight is None else np.asarray(sample_weight, dtype=_F32)
        if mask is not None:
            m = mask.astype(_F32)
            if self.reduction in ("mean", "sum_over_batch_size"):
                valid = m.sum()
                m *= _F32(m.size) / valid if valid else _F32(0)
            if sw is None:
                sw = m
            else:
                m, sw = _same_rank(m, sw)
                sw = sw * m
        w = np.ones(values.shape, _F32)
        if sw is not None:
            v, s = _same_rank(values, sw)
            if s.ndim < v.ndim and s.shape != v.shape[v.ndim - s.ndim:]:
                s = s.reshape(s.shape + (1,) * (v.ndim - s.ndim))  # (N,) for (N, T)
            try:
                w = np.broadcast_to(s, v.shape).reshape(values.shape).astype(_F32)
            except ValueError:
                raise ValueError(f"{self.name}: sample_weight shape {sw.shape} does not "
                                 "broadcast to the per-sample losses of shape "
                                 f"{values.shape}") from None
        if self.reduction == "sum" or values.ndim == 0:
            return w, _F32(1)
        if self.reduction == "mean_with_sample_weight" and sample_weight is not None:
            return w, np.sum(sw, dtype=_F32)
        return w, _F32(max(values.size, 1))

    def call(self, y_true, y_pred):
        """Per-sample losses, like the Keras functional form."""
        values, _, _ = self._compute(*self._prepare(y_true, y_pred), False)
        return values

    @staticmethod
    def _reduce(values, w, div):
        return float(np.sum(values * w, dtype=_F32) / div) if div else 0.0

    def __call__(self, y_true, y_pred, sample_weight=None, y_mask=None):
        """`y_mask`: the mask the model's output carries (Keras's), weighting the loss as
        Keras does: the mean over the unmasked entries."""
        t, p = self._prepare(y_true, y_pred)
        values, _, mask = self._compute(t, p, False)
        mask = _both(mask, y_mask)
        w, div = self._coef(values, sample_weight, mask)
        if self.reduction in (None, "none") and values.ndim:
            return values * w
        return self._reduce(values, w, div)

    def _finish(self, values, dvals, mask, sample_weight, shape):
        w, div = self._coef(values, sample_weight, mask)
        scale = (w / div if div else np.zeros_like(w))[..., None]
        return self._reduce(values, w, div), self._restore(dvals * scale, shape)

    def value_and_grad(self, y_true, y_pred, sample_weight=None, y_mask=None):
        """(reduced loss, dL/dy_pred float32 with y_pred's shape).

        Reduction "none" is treated as "sum_over_batch_size" here.
        """
        shape = np.shape(y_pred)
        t, p = self._prepare(y_true, y_pred)
        values, dvals, mask = self._compute(t, p, True)
        return self._finish(values, dvals, _both(mask, y_mask), sample_weight, shape)

    def fused_value_and_grad(self, y_true, y_pred, activation_name, sample_weight=None, y_mask=None):
        """(reduced loss, dL/dz) where `y_pred = activation(z)`, or None when the
        pair (loss, activation) has no fused form. The activation may also be
        given as an `Activation` or one of the `activations` functions."""
        name = activation_name
        if not isinstance(name, str):
            try:
                act = activations.get(name)
            except ValueError:
                return None
            name = act.name if getattr(act, "axis", -1) == -1 else None
        shape = np.shape(y_pred)
        t, p = self._prepare(y_true, y_pred)
        dz = self._fused_grad(t, p, name)
        if dz is None:
            return None
        values, _, mask = self._compute(t, p, False)
        return self._finish(values, dz, _both(mask, y_mask), sample_weight, shape)

    def fused_kernel(self, activation_name, y_pred_shape):
        """A `FusedKernel` computing (loss, dL/dz) in one compiled pass for unweighted
        batches of 2-D predictions, or None when this (loss, activation) has none."""
        return None

    def _kernel_scale_rows(self):
        return self.reduction != "sum"

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


class FusedKernel:
    """The training loop's fast path for a (loss, output activation) pair.

    `targets(y)` checks and converts all of a fit's targets once (same errors as the
    per-batch path); `(t, y_pred, dz) -> loss` then works on batches of those targets,
    writing dL/dz into `dz` and returning the reduced loss, with the same formulas as
    `fused_value_and_grad` (sum_over_batch_size, or sum)."""

    def __init__(self, loss, kernel, sparse):
        self.loss, self.kernel, self.sparse = loss, kernel, sparse
        self.per_row = loss._kernel_scale_rows()

    def targets(self, y_true, y_pred_shape):
        zeros = np.broadcast_to(_F32(0), y_pred_shape)  # the shapes, without memory
        t, _ = self.loss._prepare(y_true, zeros)
        if self.sparse:
            labels, _ = self.loss._labels(t, y_pred_shape[-1])
            return np.ascontiguousarray(labels.reshape(len(labels)), dtype=np.int64)
        return np.ascontiguousarray(t.reshape(y_pred_shape), dtype=_F32)

    def __call__(self, t, y_pred, dz, rows=None):
        """`rows`: the whole batch's sample count when y_pred is a piece of it (the mean
        is over the batch); by default y_pred's."""
        scale = self.scale(y_pred.shape[0] if rows is None else rows)
        return self.reduce(self.kernel(t, y_pred, dz, scale), scale)

    def scale(self, rows):
        """dz's factor for a batch of `rows` samples."""
        return _F32(1) / _F32(max(rows, 1)) if self.per_row else _F32(1)

    def reduce(self, total, scale) -> float:
        """The loss from the kernel's sum."""
        return float(total * scale) if self.per_row else float(total)

    def fill(self, slots, t, y_pred, dz, scalars) -> None:
        """Write the kernel as a compiled job (runtime/program.py): its sum goes to scalars[1],
        its scale is read from scalars[0] (float32). Slots[0] stays 0 where it cannot be
        (the softmax crossentropies have jobs; a sigmoid output has no compiled forward)."""
        arrays = (y_pred, dz, t, scalars)
        targets = (t.dtype == np.int64 and t.shape == y_pred.shape[:1]) if self.sparse else \
            (t.dtype == _F32 and t.shape == y_pred.shape)
        if all(a.flags.c_contiguous for a in arrays) and y_pred.dtype == dz.dtype == scalars.dtype == _F32 \
                and y_pred.ndim == 2 and dz.shape == y_pred.shape and targets and self.kernel in _JOBS:
            L = JOB_SLOTS
            slots[L.targets], slots[L.y_pred], slots[L.dz] = t.ctypes.data, y_pred.ctypes.data, dz.ctypes.data
            slots[L.rows], slots[L.cols], slots[L.scalars] = y_pred.shape[0], y_pred.shape[1], scalars.ctypes.data
            slots[0] = _JOBS[self.kernel]()


class MeanSquaredError(Loss):
    """`mean(square(y_true - y_pred), axis=-1)` per sample."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error"):
        super().__init__(name, reduction)

    def _compute(self, y_true, y_pred, need_grad):
        d = y_pred - y_true.astype(_F32)
        values = np.mean(np.square(d), axis=-1, dtype=_F32)
        grad = d * _F32(2.0 / d.shape[-1]) if need_grad else None
        return values, grad, None


class MeanAbsoluteError(Loss):
    """`mean(abs(y_true - y_pred), axis=-1)` per sample."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error"):
        super().__init__(name, reduction)

    def _compute(self, y_true, y_pred, need_grad):
        d = y_pred - y_true.astype(_F32)
        values = np.mean(np.abs(d), axis=-1, dtype=_F32)
        grad = np.sign(d) * _F32(1.0 / d.shape[-1]) if need_grad else None
        return values, grad, None


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


# ------------------------------------------------------------ fused kernels
# (t, p, dz, scale) -> sum of the per-sample losses; dz = dL/dz * scale. Float32 throughout.

@njit(error_model="numpy")
def _cce_softmax_kernel(t, p, dz, scale):
    lo = np.float32(EPSILON)
    hi = np.float32(1.0) - lo
    total = np.float32(0.0)
    for r in range(p.shape[0]):
        s = np.float32(0.0)
        ts = np.float32(0.0)
        for j in range(p.shape[1]):
            s += p[r, j]
            ts += t[r, j]
        v = np.float32(0.0)
        for j in range(p.shape[1]):
            q = min(max(p[r, j] / s, lo), hi)
            v += t[r, j] * np.log(q)
            dz[r, j] = (p[r, j] * ts - t[r, j]) * scale
        total -= v
    return total


@njit(error_model="numpy")
def _scce_softmax_kernel(labels, p, dz, scale):
    lo = np.float32(EPSILON)
    hi = np.float32(1.0) - lo
    total = np.float32(0.0)
    for r in range(p.shape[0]):
        s = np.float32(0.0)
        for j in range(p.shape[1]):
            s += p[r, j]
            dz[r, j] = p[r, j] * scale
        k = labels[r]
        dz[r, k] = (p[r, k] - np.float32(1.0)) * scale
        total -= np.log(min(max(p[r, k] / s, lo), hi))
    return total


@njit(error_model="numpy")
def _bce_sigmoid_kernel(t, p, dz, scale):
    lo = np.float32(EPSILON)
    hi = np.float32(1.0) - lo
    one = np.float32(1.0)
    k = np.float32(p.shape[1])
    total = np.float32(0.0)
    for r in range(p.shape[0]):
        v = np.float32(0.0)
        for j in range(p.shape[1]):
            q = min(max(p[r, j], lo), hi)
            v -= t[r, j] * np.log(q) + (one - t[r, j]) * np.log(one - q)
            dz[r, j] = (p[r, j] - t[r, j]) / k * scale
        total += v / k
    return total


# ------------------------------------------------------------ functional forms

def mean_squared_error(y_true, y_pred):
    """Per-sample mean squared error over the last axis."""
    return MeanSquaredError().call(y_true, y_pred)


def mean_absolute_error(y_true, y_pred):
    """Per-sample mean absolute error over the last axis."""
    return MeanAbsoluteError().call(y_true, y_pred)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0,
                        axis=-1):
    """Per-sample binary crossentropy (mean over `axis`)."""
    return BinaryCrossentropy(from_logits, label_smoothing, axis).call(y_true, y_pred)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0,
                             axis=-1):
    """Per-sample categorical crossentropy."""
    return CategoricalCrossentropy(from_logits, label_smoothing, axis).call(
        y_true, y_pred)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False,
                                    ignore_class=None, axis=-1):
    """Per-sample sparse categorical crossentropy (0 where `ignore_class`)."""
    return SparseCategoricalCrossentropy(from_logits, ignore_class, axis).call(
        y_true, y_pred)


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error

_CLASSES = {c.__name__: c for c in (
    MeanSquaredError, MeanAbsoluteError, BinaryCrossentropy,
    CategoricalCrossentropy, SparseCategoricalCrossentropy)}
_FUNCTIONS = {
    sparse_categorical_crossentropy: SparseCategoricalCrossentropy,
    categorical_crossentropy: CategoricalCrossentropy,
    binary_crossentropy: BinaryCrossentropy,
    mean_squared_error: MeanSquaredError, mean_absolute_error: MeanAbsoluteError,
}
# Every loss by its name, in the order the app offers them: the one table the engine, the
# files, the GUI and the code exporters read (aliases such as 'mse' resolve to these).
LOSSES = {f.__name__: c for f, c in _FUNCTIONS.items()}
_NAMES = dict(LOSSES)
_NAMES.update({"mse": MeanSquaredError, "MSE": MeanSquaredError,
               "mae": MeanAbsoluteError, "MAE": MeanAbsoluteError,
               "bce": BinaryCrossentropy, "BCE": BinaryCrossentropy})


def get(identifier):
    """A `Loss` from a name, alias, class name, config dict, function of this
    module or `Loss` (returned as is); None gives None."""
    if identifier is None:
        return identifier
    if isinstance(identifier, Loss):   # a user subclass that writes call(): on the tape (issue 23)
        from .custom_loss import wrap
        return wrap(identifier) or identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if isinstance(identifier, str):
        if identifier in _NAMES:
            return _NAMES[identifier](name=identifier)
        if identifier in _CLASSES:
            return _CLASSES[identifier]()
        known = ", ".join(sorted(set(_NAMES) | set(_CLASSES)))
        raise ValueError(f"Could not interpret loss identifier: {identifier!r}. "
                         f"Known: {known}")
    if callable(identifier) and identifier in _FUNCTIONS:
        return _FUNCTIONS[identifier]()
    if callable(identifier) and not isinstance(identifier, type):  # a user function of ops (issue 23)
        from .custom_loss import wrap
        return wrap(identifier)
    raise ValueError(f"Could not interpret loss identifier: {identifier!r}.")


def canonical_name(identifier) -> str:
    """The LOSSES name of any loss identifier ('mse', 'MeanSquaredError', a config, ...)."""
    cls = type(get(identifier))
    return next(name for name, c in LOSSES.items() if c is cls)


def serialize(loss):
    """`{"class_name": ..., "config": ...}` for a loss."""
    loss = get(loss)
    if hasattr(loss, "keras_entry"):  # a user's function or Loss subclass: named as Keras names it
        return loss.keras_entry()
    return {"class_name": type(loss).__name__, "config": loss.get_config()}


def deserialize(config):
    """Inverse of `serialize` (also accepts a plain name)."""
    if isinstance(config, str):
        return get(config)
    name = config.get("class_name")
    cls = _CLASSES.get(name)
    if cls is None:
        raise ValueError(f"Could not interpret loss identifier: {name!r}. Known: "
                         f"{', '.join(_CLASSES)}")
    return cls.from_config(config.get("config", {}))


# ------------------------------------------------------------ the fused kernels as compiled jobs
# the jobs' slots (runtime/jobs.py): targets, y_pred and dz (rows, cols), float32 (scale, sum)
JOB_SLOTS = jobs.layout("loss", "targets", "y_pred", "dz", "rows", "cols", "scalars")

@njit(inline="always")
def _job_arrays(slots_pointer):
    s = numba.carray(slots_pointer, jobs.SLOTS)
    L = JOB_SLOTS
    rows, cols = s[L.rows], s[L.cols]
    return jobs.matrix(s[L.y_pred], rows, cols), jobs.matrix(s[L.dz], rows, cols), jobs.vector(s[L.scalars], 2), s


def _cce_softmax_job(slots_pointer):
    p, dz, scalars, s = _job_arrays(slots_pointer)
    L = JOB_SLOTS
    scalars[1] = _cce_softmax_kernel(jobs.matrix(s[L.targets], s[L.rows], s[L.cols]), p, dz, scalars[0])


def _scce_softmax_job(slots_pointer):
    p, dz, scalars, s = _job_arrays(slots_pointer)
    L = JOB_SLOTS
    scalars[1] = _scce_softmax_kernel(jobs.int64_vector(s[L.targets], s[L.rows]), p, dz, scalars[0])


_JOBS = {_cce_softmax_kernel: jobs.cfunc(_cce_softmax_job), _scce_softmax_kernel: jobs.cfunc(_scce_softmax_job)}
