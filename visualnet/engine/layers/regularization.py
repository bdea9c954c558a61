"""SpatialDropout1D/2D, GaussianNoise, GaussianDropout, AlphaDropout (noise while training, the
identity when predicting) and ActivityRegularization (the identity plus a penalty on the loss)."""

from __future__ import annotations

import math

import numpy as np

from .. import regularizers
from ..rng import global_rng
from .base import Layer

_SELU_ALPHA_P = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946


class _Noise(Layer):
    """y = x * factor + shift while training (`noise(x, rng)` gives them), y = x otherwise."""

    supports_masking = True

    def on_build(self):
        seed = self.config["seed"]
        self._rng = None if seed is None else np.random.default_rng(seed)

    def active(self) -> bool:
        return self.config["rate"] > 0

    def forward(self, inputs, training):
        x = inputs[0]
        self._factor = None
        if not training or not self.active():
            return x
        factor, shift = self.noise(x, self._rng or global_rng())
        self._factor = np.asarray(factor, x.dtype)
        return (x * self._factor + shift).astype(x.dtype)

    def backward(self, dy, need_dx=True, skip_activation=False):
        if self._factor is None:
            return [dy]
        return [np.broadcast_to(dy * self._factor, dy.shape).astype(dy.dtype)]


class _SpatialDropout(_Noise):
    def noise(self, x, rng):
        keep = 1.0 - self.config["rate"]
        shape = (x.shape[0], *(1,) * (x.ndim - 2), x.shape[-1])
        return (rng.random(shape, dtype=np.float32) < keep) / np.float32(keep), 0.0


class SpatialDropout1D(_SpatialDropout):
    layer_type = "SpatialDropout1D"


class SpatialDropout2D(_SpatialDropout):
    layer_type = "SpatialDropout2D"


class GaussianNoise(_Noise):
    layer_type = "GaussianNoise"

    def active(self):
        return self.config["stddev"] > 0

    def noise(self, x, rng):
        return 1.0, rng.standard_normal(x.shape, dtype=np.float32) * np.float32(self.config["stddev"])


class GaussianDropout(_Noise):
    layer_type = "GaussianDropout"

    def noise(self, x, rng):
        rate = self.config["rate"]
        std = math.sqrt(rate / (1.0 - rate))
        return 1.0 + rng.standard_normal(x.shape, dtype=np.float32) * np.float32(std), 0.0


class AlphaDropout(_Noise):
    """Keras's: dropped inputs become SELU's saturation alpha_p, then a * x + b keeps the
    mean and variance."""

    layer_type = "AlphaDropout"

    def noise(self, x, rng):
        rate = self.config["rate"]
        shape = self.config["noise_shape"] or x.shape
        kept = (rng.random(shape, dtype=np.float32) >= rate).astype(np.float32)
        a = ((1 - rate) * (1 + rate * _SELU_ALPHA_P ** 2)) ** -0.5
        b = -a * _SELU_ALPHA_P * rate
        return a * kept, a * _SELU_ALPHA_P * (1 - kept) + b


class ActivityRegularization(Layer):
    """The identity with Keras's activity_regularizer L1L2(l1, l2) on its output (Keras builds
    the layer so): its `added_loss` is (l1 * sum|x| + l2 * sum x^2) / batch size, computed and
    differentiated by the mechanism every layer's activity_regularizer uses (base.py)."""

    layer_type = "ActivityRegularization"
    supports_masking = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._activity = regularizers.L1L2(self.config["l1"], self.config["l2"])
        self._bind_activity()

    def forward(self, inputs, training):
        return inputs[0]

    def backward(self, dy, need_dx=True, skip_activation=False):
        return [dy]
