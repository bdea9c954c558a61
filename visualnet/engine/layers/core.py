"""Core layers: Input, Dense, Flatten, Reshape, Dropout and the activation layers."""

from __future__ import annotations

import numpy as np

from .. import activations
from ..rng import global_rng
from .base import Layer


class InputLayer(Layer):
    """The graph's entry point; the functional API's `Input()` creates one."""

    layer_type = "Input"

    def forward(self, inputs, training):
        return inputs[0]

    def backward(self, dy, need_dx=True, skip_activation=False):
        return []


class _Activated(Layer):
    """A layer whose last step is an activation the loss may fuse with."""

    def on_build(self):
        self.act = activations.get(self.config.get("activation"))

    @property
    def output_activation(self):
        return self.config.get("activation") or "linear"

    def _activate(self, z):
        self._z = z
        self._y = self.act.forward(z)
        return self._y

    def _activation_grad(self, dy, skip_activation):
        return dy if skip_activation else self.act.backward(self._z, self._y, dy)


class Dense(_Activated):
    layer_type = "Dense"
    unsupported = {"kernel_regularizer": (None,), "bias_regularizer": (None,), "activity_regularizer": (None,),
                   "kernel_constraint": (None,), "bias_constraint": (None,), "lora_rank": (None,)}

    def forward(self, inputs, training):
        x = inputs[0]
        self._x2 = x.reshape(-1, x.shape[-1])
        z = self._x2 @ self.values["kernel"]
        if self.config["use_bias"]:
            z += self.values["bias"]
        return self._activate(z.reshape(*x.shape[:-1], z.shape[-1]))

    def backward(self, dy, need_dx=True, skip_activation=False):
        dz = self._activation_grad(dy, skip_activation)
        dz2 = dz.reshape(-1, dz.shape[-1])
        np.matmul(self._x2.T, dz2, out=self.grads["kernel"])
        if self.config["use_bias"]:
            np.sum(dz2, axis=0, out=self.grads["bias"])
        if not need_dx:
            return [None]
        dx = dz2 @ self.values["kernel"].T
        return [dx.reshape(*dz.shape[:-1], dx.shape[-1])]


class Activation(_Activated):
    layer_type = "Activation"

    def forward(self, inputs, training):
        return self._activate(inputs[0])

    def backward(self, dy, need_dx=True, skip_activation=False):
        return [self._activation_grad(dy, skip_activation)]


class Softmax(Layer):
    layer_type = "Softmax"

    @property
    def output_activation(self):
        return "softmax" if self.config["axis"] == -1 else None

    def forward(self, inputs, training):
        self._y = activations.softmax(inputs[0], axis=self.config["axis"])
        return self._y

    def backward(self, dy, need_dx=True, skip_activation=False):
        if skip_activation:
            return [dy]
        axis = self.config["axis"]
        y = self._y
        return [y * (dy - np.sum(dy * y, axis=axis, keepdims=True))]


class LeakyReLU(Layer):
    layer_type = "LeakyReLU"

    def __init__(self, *args, **kwargs):
        if "alpha" in kwargs:  # Keras 2's name, still accepted by Keras 3
            kwargs["negative_slope"] = kwargs.pop("alpha")
        super().__init__(*args, **kwargs)

    def forward(self, inputs, training):
        self._x = inputs[0]
        return np.where(self._x > 0, self._x, self._x * self.config["negative_slope"]).astype(self._x.dtype)

    def backward(self, dy, need_dx=True, skip_activation=False):
        return [np.where(self._x > 0, dy, dy * self.config["negative_slope"]).astype(dy.dtype)]


class Flatten(Layer):
    layer_type = "Flatten"
    unsupported = {"data_format": (None, "channels_last")}

    def forward(self, inputs, training):
        x = inputs[0]
        self._shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dy, need_dx=True, skip_activation=False):
        return [dy.reshape(self._shape)]


class Reshape(Layer):
    layer_type = "Reshape"

    def forward(self, inputs, training):
        x = inputs[0]
        self._shape = x.shape
        return x.reshape(x.shape[0], *self.output_shape[1:])

    def backward(self, dy, need_dx=True, skip_activation=False):
        return [dy.reshape(self._shape)]


class Dropout(Layer):
    layer_type = "Dropout"
    unsupported = {"noise_shape": (None,)}

    def on_build(self):
        seed = self.config["seed"]
        self._rng = None if seed is None else np.random.default_rng(seed)

    def forward(self, inputs, training):
        x = inputs[0]
        rate = self.config["rate"]
        if not training or rate == 0:
            self._mask = None
            return x
        keep = 1.0 - rate
        rng = self._rng or global_rng()
        self._mask = (rng.random(x.shape, dtype=np.float32) < keep).astype(x.dtype) * x.dtype.type(1 / keep)
        return x * self._mask

    def backward(self, dy, need_dx=True, skip_activation=False):
        return [dy if self._mask is None else dy * self._mask]
