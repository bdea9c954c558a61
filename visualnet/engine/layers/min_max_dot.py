"""Maximum, Minimum (element-wise) and Dot (Keras's batch_dot, optionally of L2-normalized inputs)."""

from __future__ import annotations

import numpy as np

from ...graph.layer_types.min_max_dot import dot_axes
from .base import Layer
from .merging import _or_masks


class Maximum(Layer):
    """The gradient goes to the input holding the extreme (the first one on ties)."""

    layer_type = "Maximum"
    supports_masking = True
    pick = staticmethod(np.argmax)

    def compute_mask(self, inputs, masks):
        return _or_masks(masks)

    def forward(self, inputs, training):
        stacked = np.stack(inputs)
        self._winner = self.pick(stacked, axis=0)
        self._n = len(inputs)
        return np.take_along_axis(stacked, self._winner[None], axis=0)[0]

    def backward(self, dy, need_dx=True, skip_activation=False):
        return [np.where(self._winner == i, dy, 0).astype(dy.dtype) for i in range(self._n)]


class Minimum(Maximum):
    layer_type = "Minimum"
    pick = staticmethod(np.argmin)


def _unit(x, axis):
    """x * min(1 / ||x||, 1e7) along `axis` (Keras's normalize, epsilon 1e-7), and the factor."""
    inv = np.minimum(1.0 / np.sqrt(np.sum(x * x, axis=axis, keepdims=True)), 1e7).astype(x.dtype)
    return x * inv, inv


def _unit_backward(dy, x, inv, axis):
    along = np.sum(dy * x, axis=axis, keepdims=True)
    return dy * inv - np.where(inv >= 1e7, 0, x * inv ** 3 * along).astype(dy.dtype)


class Dot(Layer):
    layer_type = "Dot"

    def forward(self, inputs, training):
        a, b = inputs
        self._axes = i, j = dot_axes(self.config, [x.shape for x in inputs])
        if self.config["normalize"]:
            self._raw = (a, b)
            (a, self._inv_a), (b, self._inv_b) = _unit(a, i), _unit(b, j)
        # a as (batch, P, d), b as (batch, d, Q)
        self._a = np.moveaxis(a, i, -1).reshape(a.shape[0], -1, a.shape[i])
        self._b = np.moveaxis(b, j, 1).reshape(b.shape[0], b.shape[j], -1)
        self._shapes = (a.shape, b.shape)
        out = self._a @ self._b
        return out.reshape(a.shape[0], *self.output_shape[1:])

    def backward(self, dy, need_dx=True, skip_activation=False):
        (sa, sb), (i, j) = self._shapes, self._axes
        g = dy.reshape(dy.shape[0], self._a.shape[1], self._b.shape[2])
        da = g @ self._b.transpose(0, 2, 1)   # (batch, P, d)
        db = self._a.transpose(0, 2, 1) @ g   # (batch, d, Q)
        moved_a = (*(d for k, d in enumerate(sa) if k != i), sa[i])
        moved_b = (sb[0], sb[j], *(d for k, d in enumerate(sb) if k not in (0, j)))
        da = np.moveaxis(da.reshape(moved_a), -1, i)
        db = np.moveaxis(db.reshape(moved_b), 1, j)
        if self.config["normalize"]:
            da = _unit_backward(da, self._raw[0], self._inv_a, i)
            db = _unit_backward(db, self._raw[1], self._inv_b, j)
        return [np.ascontiguousarray(da), np.ascontiguousarray(db)]
