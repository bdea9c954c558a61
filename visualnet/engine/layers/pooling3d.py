"""MaxPooling3D, AveragePooling3D and the global 3-D poolings (channels last), on the 2-D
pooling kernels.

A 3-D window is the product of a (height, width) window and a depth window, and both
poolings separate along it: the max of the maxes, and (with 'same' padding too) the mean of
the means over the real cells, whose count is the product of the counts along each axis.
So the layers pool each depth slice over height and width, (batch * depth, h, w, c), then
pool that over depth, viewed as (batch, depth, oh * ow, c) with a (pd, 1) window; backward
runs the two stages in reverse. The global poolings view (batch, d, h, w, c) as
(batch, d * h, w, c), without copying."""

from __future__ import annotations

import numpy as np

from ..kernels import pool
from .base import Layer


class _Pool3D(Layer):
    positional = ("pool_size", "strides", "padding")

    def _stage(self, name, x4, size, strides, training):
        """One 2-D pooling into the layer's buffer `name` -> (y, ctx); `arg`: where max
        pooling keeps each window's argmax when training."""
        shape = pool.output_shape(x4.shape, size, strides, self.config["padding"])
        arg = self._buffer(name + "_arg", shape, np.int32) if training else None
        return self._forward2d(x4, size, strides, self.config["padding"], self._buffer(name, shape, x4.dtype), arg)

    def forward(self, inputs, training):
        x = inputs[0]
        n, d, h, w, c = x.shape
        (pd, ph, pw), (sd, sh, sw) = self.config["pool_size"], self.config["strides"] or self.config["pool_size"]
        y1, self._ctx1 = self._stage("y1", x.reshape(n * d, h, w, c), (ph, pw), (sh, sw), training)
        oh, ow = y1.shape[1:3]
        y2, self._ctx2 = self._stage("y", y1.reshape(n, d, oh * ow, c), (pd, 1), (sd, 1), training)
        return y2.reshape(n, y2.shape[1], oh, ow, c)

    def backward(self, dy, need_dx=True, skip_activation=False):
        n, od, oh, ow, c = dy.shape
        d1 = self._backward2d(dy.reshape(n, od, oh * ow, c), self._ctx2,
                              self._buffer("d1", self._ctx2[0], dy.dtype))
        dx = self._backward2d(d1.reshape(n * d1.shape[1], oh, ow, c), self._ctx1,
                              self._buffer("dx", self._ctx1[0], dy.dtype))
        return [dx.reshape(n, -1, *dx.shape[1:])]


class MaxPooling3D(_Pool3D):
    layer_type = "MaxPooling3D"

    @staticmethod
    def _forward2d(x, size, strides, padding, out, arg):
        return pool.max_pool2d_forward(x, size, strides, padding, out=out, arg_out=arg, need_arg=arg is not None)

    @staticmethod
    def _backward2d(dy, ctx, out):
        return pool.max_pool2d_backward(dy, ctx, out=out)


class AveragePooling3D(_Pool3D):
    layer_type = "AveragePooling3D"

    @staticmethod
    def _forward2d(x, size, strides, padding, out, arg):
        return pool.avg_pool2d_forward(x, size, strides, padding, out=out)

    @staticmethod
    def _backward2d(dy, ctx, out):
        return pool.avg_pool2d_backward(dy, ctx, out=out)


class _GlobalPool3D(Layer):

    def forward(self, inputs, training):
        x = inputs[0]
        n, d, h, w, c = x.shape
        y, self._ctx = self._forward2d(x.reshape(n, d * h, w, c), out=self._buffer("y", (n, c), x.dtype))
        self._x_shape = x.shape
        return y.reshape(n, 1, 1, 1, c) if self.config["keepdims"] else y

    def backward(self, dy, need_dx=True, skip_activation=False):
        dy = dy.reshape(dy.shape[0], -1)
        dx = self._backward2d(dy, self._ctx, out=self._buffer("dx", self._ctx[0], dy.dtype))
        return [dx.reshape(self._x_shape)]


class GlobalAveragePooling3D(_GlobalPool3D):
    layer_type = "GlobalAveragePooling3D"
    _forward2d = staticmethod(pool.global_avg_pool2d_forward)
    _backward2d = staticmethod(pool.global_avg_pool2d_backward)


class GlobalMaxPooling3D(_GlobalPool3D):
    layer_type = "GlobalMaxPooling3D"
    _forward2d = staticmethod(pool.global_max_pool2d_forward)
    _backward2d = staticmethod(pool.global_max_pool2d_backward)

