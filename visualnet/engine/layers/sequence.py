"""Masking and RepeatVector."""

from __future__ import annotations

import numpy as np

from .base import Layer


class Masking(Layer):
    """Keras's: a step whose features all equal mask_value is masked, and its output zeroed."""

    layer_type = "Masking"
    positional = ("mask_value",)
    supports_masking = True
    makes_mask = True

    def forward(self, inputs, training):
        x = inputs[0]
        self._keep = (x != x.dtype.type(self.config["mask_value"])).any(axis=-1, keepdims=True)
        return x * self._keep

    def compute_mask(self, inputs, masks):
        x = inputs[0]   # from the inputs (not forward's record), so that Keras's compute_mask(x) works alone
        return (x != x.dtype.type(self.config["mask_value"])).any(axis=-1)

    def backward(self, dy, need_dx=True, skip_activation=False):
        return [dy * self._keep]


class RepeatVector(Layer):
    """(batch, features) -> (batch, n, features)."""

    layer_type = "RepeatVector"

    def forward(self, inputs, training):
        x = inputs[0]
        return np.repeat(x[:, None, :], self.config["n"], axis=1)

    def backward(self, dy, need_dx=True, skip_activation=False):
        return [dy.sum(axis=1)]
