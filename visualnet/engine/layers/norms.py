"""Normalizations within each sample: LayerNormalization, GroupNormalization, UnitNormalization."""

from __future__ import annotations

import numpy as np

from .base import Layer


class _Standardized:
    """(x - mean) / sqrt(var + epsilon) over `axes` (x itself, not centred, with `center=False`:
    Keras's rms_scaling), keeping what the backward pass needs."""

    def __init__(self, x, axes, epsilon, center=True):
        mean = x.mean(axis=axes, keepdims=True)
        self.inv = 1.0 / np.sqrt(x.var(axis=axes, keepdims=True) + x.dtype.type(epsilon))
        self.axes, self.center, self.n = axes, center, x.size // mean.size
        self.centred = x - mean
        self.x = x
        self.y = (self.centred if center else x) * self.inv

    def backward(self, dy):
        axes, inv = self.axes, self.inv
        if self.center:
            mean_d = dy.mean(axis=axes, keepdims=True)
            mean_dy = (dy * self.y).mean(axis=axes, keepdims=True)
            return (dy - mean_d - self.y * mean_dy) * inv
        # y = x * inv: d inv / dx = -inv^3 (x - mean) / n
        return dy * inv - self.centred * inv ** 3 * (dy * self.x).mean(axis=axes, keepdims=True)


class _ScaledNorm(Layer):
    """y = standardized * gamma + beta, gamma and beta along one axis (`_axis()`)."""

    def _broadcast(self, v, ndim):
        shape = [1] * ndim
        shape[self._axis(ndim)] = -1
        return v.reshape(shape)

    def _affine(self, xhat, learn_scale, learn_center):
        self._xhat = xhat
        v = self.values
        y = xhat * self._broadcast(v["gamma"], xhat.ndim) if learn_scale else xhat.copy()
        if learn_center:
            y += self._broadcast(v["beta"], xhat.ndim)
        return y

    def _affine_backward(self, dy, learn_scale, learn_center):
        axis = self._axis(dy.ndim)
        others = tuple(i for i in range(dy.ndim) if i != axis)
        if learn_scale:
            self.grads["gamma"][...] = np.sum(dy * self._xhat, axis=others)
        if learn_center:
            self.grads["beta"][...] = np.sum(dy, axis=others)
        return dy * self._broadcast(self.values["gamma"], dy.ndim) if learn_scale else dy


class LayerNormalization(_ScaledNorm):
    layer_type = "LayerNormalization"
    supports_masking = True

    def _axis(self, ndim):
        return self.config["axis"][0] % ndim

    def _learns(self):
        c = self.config
        return c["scale"] or c["rms_scaling"], c["center"] and not c["rms_scaling"]

    def forward(self, inputs, training):
        x = inputs[0]
        self._norm = _Standardized(x, (self._axis(x.ndim),), self.config["epsilon"],
                                   center=not self.config["rms_scaling"])
        return self._affine(self._norm.y, *self._learns())

    def backward(self, dy, need_dx=True, skip_activation=False):
        dxhat = self._affine_backward(dy, *self._learns())
        return [self._norm.backward(dxhat) if need_dx else None]


class GroupNormalization(_ScaledNorm):
    layer_type = "GroupNormalization"

    def _axis(self, ndim):
        return ndim - 1

    def forward(self, inputs, training):
        x = inputs[0]
        c = self.config
        channels = x.shape[-1]
        groups = channels if c["groups"] == -1 else c["groups"]
        g = x.reshape(*x.shape[:-1], groups, channels // groups)
        self._norm = _Standardized(g, (*range(1, g.ndim - 2), g.ndim - 1), c["epsilon"])
        return self._affine(self._norm.y.reshape(x.shape), c["scale"], c["center"])

    def backward(self, dy, need_dx=True, skip_activation=False):
        c = self.config
        dxhat = self._affine_backward(dy, c["scale"], c["center"])
        if not need_dx:
            return [None]
        return [self._norm.backward(dxhat.reshape(self._norm.y.shape)).reshape(dy.shape)]


class UnitNormalization(Layer):
    """x * min(1 / ||x||, 1e12) along the axis (Keras's ops.normalize with epsilon 1e-12)."""

    layer_type = "UnitNormalization"
    supports_masking = True

    def forward(self, inputs, training):
        x = self._x = inputs[0]
        axis = self.config["axis"]
        inv = 1.0 / np.sqrt(np.sum(x * x, axis=axis, keepdims=True))
        self._capped = inv > 1e12
        self._inv = np.where(self._capped, x.dtype.type(1e12), inv).astype(x.dtype)
        return x * self._inv

    def backward(self, dy, need_dx=True, skip_activation=False):
        x, inv = self._x, self._inv
        along = np.sum(dy * x, axis=self.config["axis"], keepdims=True)
        return [dy * inv - np.where(self._capped, 0, x * inv ** 3 * along).astype(dy.dtype)]
