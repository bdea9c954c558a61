"""Upsampling, zero padding and cropping (channels last), one class per rank over one
implementation per family."""

from __future__ import annotations

import numpy as np

from ...graph.layer_types.reshaping import pairs, sizes
from .base import Layer


class _UpSampling(Layer):
    """Nearest-neighbour upsampling: each value repeated `size` times along each spatial axis."""

    rank = 0

    def _sizes(self) -> tuple:
        return sizes(self.config, self.rank)

    def forward(self, inputs, training):
        y = inputs[0]
        for axis, k in enumerate(self._sizes(), 1):
            if k != 1:
                y = np.repeat(y, k, axis=axis)
        return y

    def backward(self, dy, need_dx=True, skip_activation=False):
        if not need_dx:
            return [None]
        sizes = self._sizes()
        n, *spatial, c = dy.shape
        split = [n]
        for d, k in zip(spatial, sizes):
            split += [d // k, k]
        axes = tuple(2 + 2 * i for i in range(len(sizes)))
        return [dy.reshape(*split, c).sum(axis=axes)]


class UpSampling1D(_UpSampling):
    layer_type, rank = "UpSampling1D", 1


class UpSampling2D(_UpSampling):
    layer_type, rank = "UpSampling2D", 2


class UpSampling3D(_UpSampling):
    layer_type, rank = "UpSampling3D", 3


class _Window(Layer):
    """Zero padding and cropping: the smaller tensor is a window of the larger one, placed by
    one (before, after) pair per spatial axis (`key`: 'padding' or 'cropping')."""

    rank = 0
    key = ""

    def _pairs(self) -> tuple:
        return pairs(self.config, self.key, self.rank)

    def _window(self, inner: tuple) -> tuple:
        """The slices of the larger tensor holding the smaller one (`inner`: its spatial sizes)."""
        return (slice(None), *(slice(a, a + d) for (a, _), d in zip(self._pairs(), inner)), slice(None))


class _ZeroPadding(_Window):
    """Zeros added before and after the input along each spatial axis."""

    key = "padding"

    def forward(self, inputs, training):
        x = inputs[0]
        n, *spatial, c = x.shape
        y = np.zeros((n, *(d + a + b for d, (a, b) in zip(spatial, self._pairs())), c), x.dtype)
        y[self._window(spatial)] = x
        return y

    def backward(self, dy, need_dx=True, skip_activation=False):
        if not need_dx:
            return [None]
        spatial = (d - a - b for d, (a, b) in zip(dy.shape[1:-1], self._pairs()))
        return [dy[self._window(tuple(spatial))]]


class _Cropping(_Window):
    """Rows removed at the start and end of the input along each spatial axis."""

    key = "cropping"

    def forward(self, inputs, training):
        x = inputs[0]
        self._shape = x.shape
        return x[self._window(tuple(d - a - b for d, (a, b) in zip(x.shape[1:-1], self._pairs())))]

    def backward(self, dy, need_dx=True, skip_activation=False):
        if not need_dx:
            return [None]
        dx = np.zeros(self._shape, dy.dtype)
        dx[self._window(dy.shape[1:-1])] = dy
        return [dx]


class ZeroPadding1D(_ZeroPadding):
    layer_type, rank = "ZeroPadding1D", 1


class ZeroPadding2D(_ZeroPadding):
    layer_type, rank = "ZeroPadding2D", 2


class ZeroPadding3D(_ZeroPadding):
    layer_type, rank = "ZeroPadding3D", 3


class Cropping1D(_Cropping):
    layer_type, rank = "Cropping1D", 1


class Cropping2D(_Cropping):
    layer_type, rank = "Cropping2D", 2


class Cropping3D(_Cropping):
    layer_type, rank = "Cropping3D", 3
