"""Rescaling, CenterCrop and Resizing (channels-last images)."""

from __future__ import annotations

import numpy as np

from ...graph.layer_types.preprocessing import crop_box
from .base import Layer


class Rescaling(Layer):
    layer_type = "Rescaling"
    supports_masking = True

    def forward(self, inputs, training):
        c = self.config
        x = inputs[0]
        return x * x.dtype.type(c["scale"]) + x.dtype.type(c["offset"])

    def backward(self, dy, need_dx=True, skip_activation=False):
        return [dy * dy.dtype.type(self.config["scale"])]


class CenterCrop(Layer):
    layer_type = "CenterCrop"

    def forward(self, inputs, training):
        x = inputs[0]
        self._shape = x.shape
        h, w = self.config["height"], self.config["width"]
        self._top, self._left = (x.shape[1] - h) // 2, (x.shape[2] - w) // 2
        return np.ascontiguousarray(x[:, self._top:self._top + h, self._left:self._left + w])

    def backward(self, dy, need_dx=True, skip_activation=False):
        dx = np.zeros(self._shape, dy.dtype)
        dx[:, self._top:self._top + dy.shape[1], self._left:self._left + dy.shape[2]] = dy
        return [dx]


def interpolation_matrix(n_in: int, n_out: int, mode: str) -> np.ndarray:
    """(n_out, n_in) weights of PyTorch's interpolate along one axis, as Keras's torch backend
    calls it, both with half-pixel centres: 'bilinear' (align_corners=False) and 'nearest'
    ('nearest-exact': the input pixel floor((i + 0.5) * scale))."""
    scale = n_in / n_out
    m = np.zeros((n_out, n_in), np.float64)
    rows = np.arange(n_out)
    if mode == "nearest":
        m[rows, np.minimum(np.floor((rows + 0.5) * scale).astype(int), n_in - 1)] = 1.0
        return m
    src = np.maximum((rows + 0.5) * scale - 0.5, 0.0)
    lo = np.minimum(np.floor(src).astype(int), n_in - 1)
    hi = np.minimum(lo + 1, n_in - 1)
    frac = src - lo
    np.add.at(m, (rows, lo), 1.0 - frac)
    np.add.at(m, (rows, hi), frac)
    return m


class Resizing(Layer):
    """y = Rh x Rw per image and channel (the interpolation matrices of each axis), after
    Keras's crop to the output's aspect ratio when asked."""

    layer_type = "Resizing"

    def on_build(self):
        c = self.config
        _, h, w, _ = self.input_shapes[0]
        self._box = crop_box(c, h, w)
        top, left, ch, cw = self._box
        self._rh = interpolation_matrix(ch, c["height"], c["interpolation"])
        self._rw = interpolation_matrix(cw, c["width"], c["interpolation"])

    def forward(self, inputs, training):
        x = inputs[0]
        self._shape = x.shape
        top, left, h, w = self._box
        rh, rw = self._rh.astype(x.dtype), self._rw.astype(x.dtype)
        return np.einsum("ip,bpqc,jq->bijc", rh, x[:, top:top + h, left:left + w], rw, optimize=True)

    def backward(self, dy, need_dx=True, skip_activation=False):
        top, left, h, w = self._box
        dx = np.zeros(self._shape, dy.dtype)
        rh, rw = self._rh.astype(dy.dtype), self._rw.astype(dy.dtype)
        dx[:, top:top + h, left:left + w] = np.einsum("ip,bijc,jq->bpqc", rh, dy, rw, optimize=True)
        return [dx]
