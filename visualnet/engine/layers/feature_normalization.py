"""Normalization (Keras's preprocessing layer), with `adapt(data)`."""

from __future__ import annotations

import numpy as np

from ...graph.layer_types.feature_normalization import EPSILON
from .base import Layer


class Normalization(Layer):
    """y = (x - mean) / max(sqrt(variance), 1e-7), or its inverse; the statistics are the
    arguments, else the non-trainable weights `adapt` sets."""

    layer_type = "Normalization"
    supports_masking = True

    def _stats(self, ndim: int, dtype):
        c = self.config
        if c["mean"] is not None:
            return dtype.type(c["mean"]), dtype.type(max(np.sqrt(c["variance"]), EPSILON))
        shape = [1] * ndim
        shape[c["axis"][0]] = -1
        std = np.maximum(np.sqrt(self.values["variance"]), EPSILON)
        return self.values["mean"].astype(dtype).reshape(shape), std.astype(dtype).reshape(shape)

    def forward(self, inputs, training):
        x = inputs[0]
        mean, self._std = self._stats(x.ndim, x.dtype)
        return mean + x * self._std if self.config["invert"] else (x - mean) / self._std

    def backward(self, dy, need_dx=True, skip_activation=False):
        return [dy * self._std if self.config["invert"] else dy / self._std]

    def adapt(self, data) -> None:
        """Learn the mean and variance of `data` (an array, or an iterable of batches) per
        position along `axis`, as Keras's adapt (the population variance, batches combined)."""
        if self.config["mean"] is not None:
            raise ValueError(f"Normalization '{self.name}' was given its mean and variance; adapt() cannot "
                             f"learn them. Received: mean={self.config['mean']}")
        batches = [data] if isinstance(data, np.ndarray) or hasattr(data, "__array__") else list(data)
        if not batches:
            raise ValueError("adapt() received an empty iterable (no batches). Received: data=[]")
        batches = [np.asarray(b, np.float64) for b in batches]
        self.build([(None, *batches[0].shape[1:])])
        axis = self.config["axis"][0] % batches[0].ndim
        mean = var = 0.0
        count = 0
        for b in batches:
            if b.shape[1:] != batches[0].shape[1:]:
                raise ValueError(f"Normalization '{self.name}'.adapt() received batches of different shapes. "
                                 f"Received: {batches[0].shape} and {b.shape}")
            reduce = tuple(d for d in range(b.ndim) if d != axis)
            n = b.size // b.shape[axis]
            count += n
            w = n / count
            b_mean, b_var = b.mean(axis=reduce), b.var(axis=reduce)
            new_mean = mean * (1 - w) + b_mean * w
            var = (var + (mean - new_mean) ** 2) * (1 - w) + (b_var + (b_mean - new_mean) ** 2) * w
            mean = new_mean
        self.values["mean"][...] = mean
        self.values["variance"][...] = var
