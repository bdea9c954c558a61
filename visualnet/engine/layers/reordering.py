"""Identity and Permute."""

from __future__ import annotations

import numpy as np

from .base import Layer


class Identity(Layer):
    layer_type = "Identity"
    supports_masking = True

    def forward(self, inputs, training):
        return inputs[0]

    def backward(self, dy, need_dx=True, skip_activation=False):
        return [dy]


class Permute(Layer):
    layer_type = "Permute"

    def forward(self, inputs, training):
        return np.ascontiguousarray(inputs[0].transpose(0, *self.config["dims"]))

    def backward(self, dy, need_dx=True, skip_activation=False):
        return [np.ascontiguousarray(dy.transpose(np.argsort((0, *self.config["dims"]))))]
