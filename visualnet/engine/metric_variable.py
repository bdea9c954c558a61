"""The state of a user-written metric: `Metric.add_variable(...)` returns a `MetricVariable`,
a NumPy value with Keras's `assign`, `assign_add`, `assign_sub` and `numpy()`."""

from __future__ import annotations

import numpy as np

from . import initializers


class MetricVariable:
    """One variable of a metric (float32 unless `dtype` says otherwise)."""

    __array_priority__ = 20

    def __init__(self, shape=(), initializer="zeros", dtype=None, name=None):
        self.name = name or "variable"
        self._initializer = initializers.get(initializer)
        self._dtype = np.dtype(dtype or "float32")
        self.value = np.asarray(self._initializer(tuple(shape)), dtype=self._dtype).reshape(tuple(shape))

    def reset(self) -> None:
        """Back to the initializer's value (what Keras's default `reset_state` does)."""
        self.value[...] = np.asarray(self._initializer(self.value.shape), dtype=self._dtype).reshape(self.value.shape)

    def assign(self, value) -> "MetricVariable":
        self.value[...] = np.asarray(value, dtype=self._dtype)
        return self

    def assign_add(self, value) -> "MetricVariable":
        return self.assign(self.value + np.asarray(value))

    def assign_sub(self, value) -> "MetricVariable":
        return self.assign(self.value - np.asarray(value))

    def numpy(self) -> np.ndarray:
        return self.value.copy()

    @property
    def shape(self) -> tuple:
        return self.value.shape

    @property
    def dtype(self) -> str:
        return str(self._dtype)

    def __array__(self, dtype=None, copy=None):
        return self.value if dtype is None else self.value.astype(dtype)

    def __float__(self) -> float:
        return float(self.value)

    def __getitem__(self, item):
        return self.value[item]

    def __add__(self, o):
        return self.value + np.asarray(o)

    def __radd__(self, o):
        return np.asarray(o) + self.value

    def __sub__(self, o):
        return self.value - np.asarray(o)

    def __rsub__(self, o):
        return np.asarray(o) - self.value

    def __mul__(self, o):
        return self.value * np.asarray(o)

    def __rmul__(self, o):
        return np.asarray(o) * self.value

    def __truediv__(self, o):
        return self.value / np.asarray(o)

    def __rtruediv__(self, o):
        return np.asarray(o) / self.value

    def __neg__(self):
        return -self.value

    def __repr__(self):
        return f"<MetricVariable name={self.name}, shape={self.shape}, value={self.value}>"
