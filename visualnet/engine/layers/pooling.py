"""Pooling layers (channels last)."""

from __future__ import annotations

from ..ops import pool
from .base import Layer


class _Pool2D(Layer):
    positional = ("pool_size", "strides", "padding")
    unsupported = {"data_format": (None, "channels_last")}
    _forward = _backward = None

    def forward(self, inputs, training):
        c = self.config
        y, self._ctx = type(self)._forward(inputs[0], c["pool_size"], c["strides"] or c["pool_size"], c["padding"])
        return y

    def backward(self, dy, need_dx=True, skip_activation=False):
        return [type(self)._backward(dy, self._ctx)]


class MaxPooling2D(_Pool2D):
    layer_type = "MaxPooling2D"
    _forward = staticmethod(pool.max_pool2d_forward)
    _backward = staticmethod(pool.max_pool2d_backward)


class AveragePooling2D(_Pool2D):
    layer_type = "AveragePooling2D"
    _forward = staticmethod(pool.avg_pool2d_forward)
    _backward = staticmethod(pool.avg_pool2d_backward)


class _GlobalPool2D(Layer):
    unsupported = {"data_format": (None, "channels_last")}

    def forward(self, inputs, training):
        x = inputs[0]
        y, self._ctx = type(self)._forward(x)
        return y.reshape(x.shape[0], 1, 1, x.shape[3]) if self.config["keepdims"] else y

    def backward(self, dy, need_dx=True, skip_activation=False):
        return [type(self)._backward(dy.reshape(dy.shape[0], -1), self._ctx)]


class GlobalAveragePooling2D(_GlobalPool2D):
    layer_type = "GlobalAveragePooling2D"
    _forward = staticmethod(pool.global_avg_pool2d_forward)
    _backward = staticmethod(pool.global_avg_pool2d_backward)


class GlobalMaxPooling2D(_GlobalPool2D):
    layer_type = "GlobalMaxPooling2D"
    _forward = staticmethod(pool.global_max_pool2d_forward)
    _backward = staticmethod(pool.global_max_pool2d_backward)
