"""The base of the Keras 3 losses: the `Loss` class (reduction, sample weights, masks, the
gradient of the reduced loss w.r.t. `y_pred`) and the helpers the losses share.

Subclasses implement `_compute(y_true, y_pred, need_grad)` on standardised arrays: the
per-sample values over the last axis and, when asked, d values / d y_pred elementwise.
"""

import numpy as np

from visualnet.engine import activations
from visualnet.engine.tape import is_tracked

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
        if is_tracked(y_pred):   # inside a GradientTape: differentiable (tape_losses.py)
            from .tape_losses import values_on_tape
            return values_on_tape(self, y_true, y_pred)
        values, _, _ = self._compute(*self._prepare(y_true, y_pred), False)
        return values

    @staticmethod
    def _reduce(values, w, div):
        return float(np.sum(values * w, dtype=_F32) / div) if div else 0.0

    def __call__(self, y_true, y_pred, sample_weight=None, y_mask=None):
        """`y_mask`: the mask the model's output carries (Keras's), weighting the loss as
        Keras does: the mean over the unmasked entries."""
        if is_tracked(y_pred):   # inside a GradientTape: differentiable (tape_losses.py)
            from .tape_losses import loss_on_tape
            return loss_on_tape(self, y_true, y_pred, sample_weight, y_mask)
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
        """From `get_config()`'s dict, or Keras's (whose `dtype`, float32 here, is dropped)."""
        return cls(**{k: v for k, v in config.items() if k != "dtype"})

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"
