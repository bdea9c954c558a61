"""BatchNormalization over the last axis, with Keras 3's moving averages.

With a mask (one axis fewer than the input, as from Embedding(mask_zero=True) or Masking)
training takes the moments over the unmasked positions only, as Keras 3 does: sums over
the kept positions divided by their count plus Keras's epsilon (1e-7); every position,
masked or not, is then normalized with those moments."""

from __future__ import annotations

import numpy as np

from .base import Layer

_KERAS_EPSILON = 1e-7  # keras.backend.epsilon(), added to the count of unmasked positions


class BatchNormalization(Layer):
    layer_type = "BatchNormalization"
    supports_masking = True
    takes_mask = True

    def forward(self, inputs, training, mask=None):
        x = inputs[0]
        c, v = self.config, self.values
        eps = x.dtype.type(c["epsilon"])
        if training and self.trainable:
            axes = tuple(range(x.ndim - 1))
            self._w = None if mask is None else self._mask_weights(x, mask)
            if self._w is None:
                mean = x.mean(axis=axes)
                var = x.var(axis=axes)
            else:
                mean, var = self._masked_moments(x, self._w, axes)
            m = c["momentum"]
            v["moving_mean"][...] = v["moving_mean"] * m + mean * (1 - m)
            v["moving_variance"][...] = v["moving_variance"] * m + var * (1 - m)
        else:
            mean, var = v["moving_mean"], v["moving_variance"]
        self._training = training and self.trainable
        self._inv = (1.0 / np.sqrt(var + eps)).astype(x.dtype)
        self._xhat = (x - mean) * self._inv
        y = self._xhat * v["gamma"] if c["scale"] else self._xhat.copy()
        if c["center"]:
            y += v["beta"]
        return y

    def backward(self, dy, need_dx=True, skip_activation=False):
        c = self.config
        axes = tuple(range(dy.ndim - 1))
        if c["scale"]:
            self.grads["gamma"][...] = np.sum(dy * self._xhat, axis=axes)
        if c["center"]:
            self.grads["beta"][...] = np.sum(dy, axis=axes)
        if not need_dx:
            return [None]
        g = self.values["gamma"] if c["scale"] else 1.0
        dxhat = dy * g
        if not self._training:
            return [dxhat * self._inv]
        if self._w is not None:
            return [self._masked_dx(dxhat, axes)]
        n = dy.size // dy.shape[-1]
        mean_d = dxhat.sum(axis=axes) / n
        mean_dx = (dxhat * self._xhat).sum(axis=axes) / n
        return [(dxhat - mean_d - self._xhat * mean_dx) * self._inv]

    def _mask_weights(self, x, mask):
        """The mask as 0/1 weights of shape (..., 1), broadcasting over the features."""
        mask = np.asarray(mask)
        if mask.shape != x.shape[:-1]:
            raise ValueError(f"BatchNormalization '{self.name}': the mask must have the input's shape without its "
                             f"last axis; received mask shape {mask.shape} for input shape {x.shape}.")
        return mask.astype(x.dtype)[..., None]

    def _masked_moments(self, x, w, axes):
        """Keras's `_moments` with a mask: weighted sums over `count + 1e-7`."""
        self._count = w.sum(axis=axes) + x.dtype.type(_KERAS_EPSILON)
        mean = (x * w).sum(axis=axes) / self._count
        self._dev_sum = ((x - mean) * w).sum(axis=axes)  # not exactly 0: the count carries the epsilon
        var = (np.square(x - mean) * w).sum(axis=axes) / self._count
        return mean, var

    def _masked_dx(self, dxhat, axes):
        """d/dx of (x - mean) / sqrt(var + eps) where mean and var weigh x by w over `count`:
        inv * (dxhat - w / count * (sum dxhat + sum(dxhat * xhat) * (xhat - inv * dev_sum / count)))."""
        s_d = dxhat.sum(axis=axes)
        s_dx = (dxhat * self._xhat).sum(axis=axes)
        shift = self._xhat - self._inv * self._dev_sum / self._count
        return (dxhat - self._w / self._count * (s_d + s_dx * shift)) * self._inv
