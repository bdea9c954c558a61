"""Parametrised activation layers: ReLU, ELU and PReLU."""

from __future__ import annotations

import numpy as np

from .. import activations
from .base import Layer


class _ActivationLayer(Layer):
    """Applies the `Activation` that `make_activation()` builds from the config."""

    supports_masking = True

    def on_build(self):
        self.act = self.make_activation()

    def forward(self, inputs, training):
        self._x = inputs[0]
        self._y = self.act.forward(self._x)
        return self._y

    def backward(self, dy, need_dx=True, skip_activation=False):
        return [self.act.backward(self._x, self._y, dy) if need_dx else None]


class ReLU(_ActivationLayer):
    layer_type = "ReLU"

    def make_activation(self):
        c = self.config
        return activations.relu_activation(c["negative_slope"], c["max_value"], c["threshold"])


class ELU(_ActivationLayer):
    layer_type = "ELU"

    def make_activation(self):
        return activations.elu_activation(self.config["alpha"])


class PReLU(Layer):
    """relu(x) - alpha * relu(-x), alpha broadcast along the shared axes."""

    layer_type = "PReLU"
    supports_masking = True

    def forward(self, inputs, training):
        x = self._x = inputs[0]
        return np.maximum(x, 0) - self.values["alpha"] * np.maximum(-x, 0)

    def backward(self, dy, need_dx=True, skip_activation=False):
        x, alpha = self._x, self.values["alpha"]
        d_alpha = -dy * np.maximum(-x, 0)
        shared = tuple(i for i in range(d_alpha.ndim) if i == 0 or (alpha.shape[i - 1] == 1 and x.shape[i] != 1))
        self.grads["alpha"][...] = d_alpha.sum(axis=shared, keepdims=True)[0]
        if not need_dx:
            return [None]
        return [np.where(x > 0, dy, np.where(x < 0, dy * alpha, 0)).astype(dy.dtype)]
