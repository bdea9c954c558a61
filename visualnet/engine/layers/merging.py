"""Merging layers: Concatenate, Add, Subtract, Multiply, Average."""

from __future__ import annotations

import numpy as np

from .base import Layer


def _or_masks(masks):
    """Keras's merge mask: None unless every input has one, else their union."""
    if any(m is None for m in masks):
        return None
    return np.logical_or.reduce(masks)


class Concatenate(Layer):
    layer_type = "Concatenate"
    supports_masking = True

    def compute_mask(self, inputs, masks):
        """Keras's: each input's mask broadcast over its features (all True without one),
        concatenated, then any over the last axis."""
        if all(m is None for m in masks):
            return None
        full = [np.ones(x.shape, bool) if m is None else
                np.broadcast_to(m[..., None], x.shape) if m.ndim < x.ndim else m for x, m in zip(inputs, masks)]
        return np.concatenate(full, axis=self.config["axis"]).any(axis=-1)

    def forward(self, inputs, training):
        axis = self.config["axis"]
        self._splits = np.cumsum([x.shape[axis] for x in inputs])[:-1]
        return np.concatenate(inputs, axis=axis)

    def backward(self, dy, need_dx=True, skip_activation=False):
        return np.split(dy, self._splits, axis=self.config["axis"])


class Add(Layer):
    layer_type = "Add"
    supports_masking = True

    def compute_mask(self, inputs, masks):
        return _or_masks(masks)

    def forward(self, inputs, training):
        self._n = len(inputs)
        out = inputs[0] + inputs[1]
        for x in inputs[2:]:
            out += x
        return out

    def backward(self, dy, need_dx=True, skip_activation=False):
        return [dy] * self._n


class Subtract(Layer):
    layer_type = "Subtract"
    supports_masking = True

    def compute_mask(self, inputs, masks):
        return _or_masks(masks)

    def forward(self, inputs, training):
        return inputs[0] - inputs[1]

    def backward(self, dy, need_dx=True, skip_activation=False):
        return [dy, -dy]


class Multiply(Layer):
    layer_type = "Multiply"
    supports_masking = True

    def compute_mask(self, inputs, masks):
        return _or_masks(masks)

    def forward(self, inputs, training):
        self._inputs = inputs
        out = inputs[0] * inputs[1]
        for x in inputs[2:]:
            out *= x
        return out

    def backward(self, dy, need_dx=True, skip_activation=False):
        grads = []
        for i in range(len(self._inputs)):
            g = dy
            for j, x in enumerate(self._inputs):
                if j != i:
                    g = g * x
            grads.append(g)
        return grads


class Average(Add):
    layer_type = "Average"

    def forward(self, inputs, training):
        out = super().forward(inputs, training)
        out /= out.dtype.type(self._n)
        return out

    def backward(self, dy, need_dx=True, skip_activation=False):
        return [dy / dy.dtype.type(self._n)] * self._n
