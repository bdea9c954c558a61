"""Pooling layers (channels last).

The 1-D layers run the 2-D kernels over one-row images: (batch, steps, channels) is viewed
as (batch, 1, steps, channels), without copying, and a window k as (1, k). They are not
subclasses of the 2-D ones: the executor's ReLU/pooling fusion takes MaxPooling2D only."""

from __future__ import annotations

import numpy as np

from .. import activations
from ..kernels import pool
from .base import Layer

_RELU = activations.get("relu")


class _Pool2D(Layer):
    """Output and input-gradient buffers are the layer's own, reused batch after batch."""

    positional = ("pool_size", "strides", "padding")

    def _geometry(self, x):
        c = self.config
        strides = c["strides"] or c["pool_size"]
        return c["pool_size"], strides, c["padding"], pool.output_shape(x.shape, c["pool_size"], strides, c["padding"])


class MaxPooling2D(_Pool2D):
    layer_type = "MaxPooling2D"
    relu_before = False  # set by the executor: the producer's ReLU is deferred to this layer
    pooled_before = False  # set by the executor: when predicting, the producer pools (and applies the ReLU)
    fused = False  # set by the executor for each forward pass: whether the deferral is in force

    def forward(self, inputs, training):
        x = inputs[0]
        if self.fused and self.pooled_before and not training:
            return x
        size, strides, padding, shape = self._geometry(x)
        y, self._ctx = pool.max_pool2d_forward(x, size, strides, padding, out=self._buffer("y", shape, x.dtype),
                                               arg_out=self._buffer("arg", shape, np.int32) if training else None,
                                               need_arg=training)
        self._relu = self.fused and self.relu_before
        if self._relu:  # relu(maxpool(z)) == maxpool(relu(z)), on a quarter of the data
            _RELU.forward_into(y, y)
            self._y = y
        return y

    def backward(self, dy, need_dx=True, skip_activation=False):
        shape = self._ctx[0]
        return [pool.max_pool2d_backward(dy, self._ctx, out=self._buffer("dx", shape, dy.dtype),
                                         relu_output=self._y if self._relu else None)]


class AveragePooling2D(_Pool2D):
    layer_type = "AveragePooling2D"

    def forward(self, inputs, training):
        x = inputs[0]
        size, strides, padding, shape = self._geometry(x)
        y, self._ctx = pool.avg_pool2d_forward(x, size, strides, padding, out=self._buffer("y", shape, x.dtype))
        return y

    def backward(self, dy, need_dx=True, skip_activation=False):
        shape = self._ctx[0]
        return [pool.avg_pool2d_backward(dy, self._ctx, out=self._buffer("dx", shape, dy.dtype))]


class _GlobalPool2D(Layer):

    def forward(self, inputs, training):
        x = inputs[0]
        y, self._ctx = type(self)._forward(x, out=self._buffer("y", (x.shape[0], x.shape[3]), x.dtype))
        return y.reshape(x.shape[0], 1, 1, x.shape[3]) if self.config["keepdims"] else y

    def backward(self, dy, need_dx=True, skip_activation=False):
        dy = dy.reshape(dy.shape[0], -1)
        return [type(self)._backward(dy, self._ctx, out=self._buffer("dx", self._ctx[0], dy.dtype))]


class GlobalAveragePooling2D(_GlobalPool2D):
    layer_type = "GlobalAveragePooling2D"
    _forward = staticmethod(pool.global_avg_pool2d_forward)
    _backward = staticmethod(pool.global_avg_pool2d_backward)


class GlobalMaxPooling2D(_GlobalPool2D):
    layer_type = "GlobalMaxPooling2D"
    _forward = staticmethod(pool.global_max_pool2d_forward)
    _backward = staticmethod(pool.global_max_pool2d_backward)


def _rows(a):
    """(batch, steps, channels) as (batch, 1, steps, channels): a view when `a` is contiguous."""
    return a.reshape(a.shape[0], 1, *a.shape[1:])


def _steps(a):
    """(batch, 1, steps, channels) as (batch, steps, channels), a view."""
    return a.reshape(a.shape[0], *a.shape[2:])


class _Pool1D(Layer):
    """Output and input-gradient buffers are the layer's own, reused batch after batch."""

    positional = ("pool_size", "strides", "padding")

    def _geometry(self, x4):
        c = self.config
        size, strides = (1, *c["pool_size"]), (1, *(c["strides"] or c["pool_size"]))
        return size, strides, c["padding"], pool.output_shape(x4.shape, size, strides, c["padding"])


class MaxPooling1D(_Pool1D):
    layer_type = "MaxPooling1D"

    def forward(self, inputs, training):
        x = _rows(inputs[0])
        size, strides, padding, shape = self._geometry(x)
        y, self._ctx = pool.max_pool2d_forward(x, size, strides, padding, out=self._buffer("y", shape, x.dtype),
                                               arg_out=self._buffer("arg", shape, np.int32) if training else None,
                                               need_arg=training)
        return _steps(y)

    def backward(self, dy, need_dx=True, skip_activation=False):
        shape = self._ctx[0]
        return [_steps(pool.max_pool2d_backward(_rows(dy), self._ctx, out=self._buffer("dx", shape, dy.dtype)))]


class AveragePooling1D(_Pool1D):
    layer_type = "AveragePooling1D"

    def forward(self, inputs, training):
        x = _rows(inputs[0])
        size, strides, padding, shape = self._geometry(x)
        y, self._ctx = pool.avg_pool2d_forward(x, size, strides, padding, out=self._buffer("y", shape, x.dtype))
        return _steps(y)

    def backward(self, dy, need_dx=True, skip_activation=False):
        shape = self._ctx[0]
        return [_steps(pool.avg_pool2d_backward(_rows(dy), self._ctx, out=self._buffer("dx", shape, dy.dtype)))]


class _GlobalPool1D(Layer):

    def forward(self, inputs, training):
        x = _rows(inputs[0])
        n, c = x.shape[0], x.shape[3]
        y, self._ctx = type(self)._forward(x, out=self._buffer("y", (n, c), x.dtype))
        return y.reshape(n, 1, c) if self.config["keepdims"] else y

    def backward(self, dy, need_dx=True, skip_activation=False):
        dy = dy.reshape(dy.shape[0], -1)
        return [_steps(type(self)._backward(dy, self._ctx, out=self._buffer("dx", self._ctx[0], dy.dtype)))]


class GlobalAveragePooling1D(_GlobalPool1D):
    """With a mask (Keras's), the mean over the unmasked steps; the mask stops here."""

    layer_type = "GlobalAveragePooling1D"
    takes_mask = True
    _forward = staticmethod(pool.global_avg_pool2d_forward)
    _backward = staticmethod(pool.global_avg_pool2d_backward)

    def forward(self, inputs, training, mask=None):
        self._weights = None
        if mask is None:
            return super().forward(inputs, training)
        x = inputs[0]
        w = mask.astype(x.dtype)[:, :, None]
        w /= w.sum(axis=1, keepdims=True)  # a fully masked sample gives NaN, as in Keras
        self._weights = w
        y = (x * w).sum(axis=1)
        return y[:, None] if self.config["keepdims"] else y

    def backward(self, dy, need_dx=True, skip_activation=False):
        if self._weights is None:
            return super().backward(dy, need_dx, skip_activation)
        return [dy.reshape(dy.shape[0], 1, -1) * self._weights]


class GlobalMaxPooling1D(_GlobalPool1D):
    layer_type = "GlobalMaxPooling1D"
    _forward = staticmethod(pool.global_max_pool2d_forward)
    _backward = staticmethod(pool.global_max_pool2d_backward)
