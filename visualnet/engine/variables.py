"""What Keras hands back for weights and eager results: `Variable` (`layer.kernel`,
`layer.weights`), a live handle on one weight with `.numpy()`, `.shape`, `.assign(...)`;
and `Tensor`, a NumPy array with Keras's `.numpy()` (`model(x)`, `layer(x)`)."""

from __future__ import annotations

import numpy as np


class Tensor(np.ndarray):
    """The result of calling a model or layer on arrays: a NumPy array that also offers
    Keras's `.numpy()`."""

    def numpy(self) -> np.ndarray:
        return np.array(self, copy=True).view(np.ndarray)


def as_tensor(a: np.ndarray) -> Tensor:
    return np.asarray(a).view(Tensor)


def eager_result(out):
    """An eager call's result as Keras hands it back (an array with `.numpy()`); a symbolic
    call's KerasTensor unchanged."""
    from .tensor import KerasTensor

    return out if isinstance(out, KerasTensor) else as_tensor(np.asarray(out))


class WeightLists:
    """Keras's views of an object's `weights`: the trainable and non-trainable ones."""

    @property
    def trainable_weights(self) -> list:
        return [w for w in self.weights if w.trainable]

    @property
    def non_trainable_weights(self) -> list:
        return [w for w in self.weights if not w.trainable]


class Variable:
    """One weight of a layer, always the layer's current array (the model may move the
    weights into its flat vectors after this handle was made)."""

    def __init__(self, layer, key: str, spec):
        self._layer, self._key, self._spec = layer, key, spec

    @property
    def value(self) -> np.ndarray:
        return self._layer.values[self._key]

    def numpy(self) -> np.ndarray:
        return self.value.copy()

    def assign(self, value) -> "Variable":
        value = np.asarray(value, dtype=np.float32)
        if value.shape != self.shape:
            raise ValueError(f"The variable '{self.path}' has shape {self.shape}; received a value of "
                             f"shape {value.shape}.")
        self.value[...] = value
        return self

    def assign_add(self, value) -> "Variable":
        return self.assign(self.value + np.asarray(value, dtype=np.float32))

    def assign_sub(self, value) -> "Variable":
        return self.assign(self.value - np.asarray(value, dtype=np.float32))

    @property
    def name(self) -> str:
        return self._key

    @property
    def path(self) -> str:
        return f"{self._layer.name}/{self._key}"

    @property
    def shape(self) -> tuple:
        return tuple(self.value.shape)

    @property
    def dtype(self) -> str:
        return "float32"

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def trainable(self) -> bool:
        return self._spec.trainable and self._layer.trainable

    def __array__(self, dtype=None, copy=None):
        return self.value if dtype is None else self.value.astype(dtype)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        inputs = tuple(i.value if isinstance(i, Variable) else i for i in inputs)
        return getattr(ufunc, method)(*inputs, **kwargs)

    def __getitem__(self, item):
        return self.value[item]

    def __len__(self):
        return len(self.value)

    def __add__(self, other):
        return np.add(self, other)

    def __radd__(self, other):
        return np.add(other, self)

    def __sub__(self, other):
        return np.subtract(self, other)

    def __rsub__(self, other):
        return np.subtract(other, self)

    def __mul__(self, other):
        return np.multiply(self, other)

    def __rmul__(self, other):
        return np.multiply(other, self)

    def __truediv__(self, other):
        return np.divide(self, other)

    def __neg__(self):
        return np.negative(self)

    def __matmul__(self, other):
        return np.matmul(self, other)

    def __rmatmul__(self, other):
        return np.matmul(other, self)

    def __repr__(self):
        return f"<Variable path={self.path}, shape={self.shape}, dtype=float32, value={self.value}>"
