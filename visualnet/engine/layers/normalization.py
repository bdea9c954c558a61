"""BatchNormalization over the last axis, with Keras 3's moving averages."""

from __future__ import annotations

import numpy as np

from .base import Layer


class BatchNormalization(Layer):
    layer_type = "BatchNormalization"
    supports_masking = True
    takes_mask = True

    def forward(self, inputs, training, mask=None):
        x = inputs[0]
        c, v = self.config, self.values
        eps = x.dtype.type(c["epsilon"])
        if training and self.trainable:
            if mask is not None:
                raise ValueError(f"BatchNormalization '{self.name}' receives a mask while training; statistics "
                                 "over the unmasked steps only (Keras's) are not supported yet.")
            axes = tuple(range(x.ndim - 1))
            mean = x.mean(axis=axes)
            var = x.var(axis=axes)
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
        n = dy.size // dy.shape[-1]
        mean_d = dxhat.sum(axis=axes) / n
        mean_dx = (dxhat * self._xhat).sum(axis=axes) / n
        return [(dxhat - mean_d - self._xhat * mean_dx) * self._inv]
