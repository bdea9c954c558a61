"""Upsampling (channels last), one class per rank over one implementation."""

from __future__ import annotations

import numpy as np

from .base import Layer


class _UpSampling(Layer):
    """Nearest-neighbour upsampling: each value repeated `size` times along each spatial axis."""

    rank = 0

    def _sizes(self) -> tuple:
        size = self.config["size"]
        return (size,) if self.rank == 1 else size

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
