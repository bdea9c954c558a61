"""Keras 3's weight regularizers: `reg(x) -> float` (the penalty added to the loss) and
`reg.gradient(x) -> array` (its gradient, added to the weight's gradient).

The graph keeps a regularizer as Keras's config dict (graph/weight_rules.py checks it);
`get` makes the object from that dict, a Keras name ('l2') or an object, as Keras's does.
The penalties are summed in float64 and returned as Python floats; the gradients are float32.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..graph.weight_rules import REGULARIZER_NAMES, REGULARIZERS, canonical

__all__ = ["Regularizer", "L1", "L2", "L1L2", "OrthogonalRegularizer", "l1", "l2", "l1_l2", "l1l2",
           "orthogonal_regularizer", "get", "serialize", "deserialize"]

_EPSILON = 1e-7  # Keras's backend.epsilon(): the smallest norm OrthogonalRegularizer divides by


class Regularizer:
    """Base class: a penalty on a weight or a layer's output."""

    def __call__(self, x) -> float:
        return 0.0

    def gradient(self, x) -> np.ndarray:
        return np.zeros_like(x)

    def get_config(self) -> dict:
        raise NotImplementedError(f"{self} does not implement get_config()")

    @classmethod
    def from_config(cls, config: dict) -> "Regularizer":
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other):
        return type(other) is type(self) and other.get_config() == self.get_config()

    __hash__ = None


def _factor(value, default, name):
    """Keras's validate_float_arg (None means the default): a finite number >= 0, as a float."""
    value = default if value is None else value
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) or value < 0:
        raise ValueError(f"Invalid value for argument {name}: expected a non-negative float. "
                         f"Received: {name}={value!r}")
    return float(value)


class L1L2(Regularizer):
    """l1 * sum(|x|) + l2 * sum(x^2)."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1, self.l2 = _factor(l1, 0.0, "l1"), _factor(l2, 0.0, "l2")

    def __call__(self, x) -> float:
        x = np.asarray(x, np.float64)
        out = 0.0
        if self.l1:
            out += self.l1 * float(np.abs(x).sum())
        if self.l2:
            out += self.l2 * float(np.square(x).sum())
        return out

    def gradient(self, x) -> np.ndarray:
        x = np.asarray(x, np.float32)
        g = np.zeros_like(x)
        if self.l1:
            g += np.float32(self.l1) * np.sign(x)
        if self.l2:
            g += np.float32(2 * self.l2) * x
        return g

    def get_config(self) -> dict:
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    """l1 * sum(|x|)."""

    def __init__(self, l1=0.01):
        super().__init__(l1=_factor(l1, 0.01, "l1"))

    def get_config(self) -> dict:
        return {"l1": self.l1}


class L2(L1L2):
    """l2 * sum(x^2)."""

    def __init__(self, l2=0.01):
        super().__init__(l2=_factor(l2, 0.01, "l2"))

    def get_config(self) -> dict:
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """factor * mean over pairs of rows (or columns) of |cosine similarity|, for a 2-D weight:
    factor * 0.5 * sum(|N N^T| off the diagonal) / (n (n - 1) / 2), N the rows normalized."""

    def __init__(self, factor=0.01, mode="rows"):
        cfg = canonical("regularizer", {"class_name": "OrthogonalRegularizer",
                                        "config": {"factor": factor, "mode": mode}}, "OrthogonalRegularizer")
        self.factor, self.mode = cfg["config"]["factor"], cfg["config"]["mode"]

    def _parts(self, x):
        x = np.asarray(x, np.float64)
        if x.ndim != 2:
            raise ValueError(f"Inputs to OrthogonalRegularizer must have rank 2. Received: inputs.shape={x.shape}")
        if self.mode == "columns":
            x = x.T
        inv = np.minimum(1.0 / np.sqrt(np.square(x).sum(axis=1, keepdims=True)), 1.0 / _EPSILON)
        n = x * inv
        product = n @ n.T
        np.fill_diagonal(product, 0.0)
        size = x.shape[0]
        return x, inv, n, product, self.factor * 0.5 / (size * (size - 1.0) / 2.0)

    def __call__(self, x) -> float:
        _, _, _, product, scale = self._parts(x)
        return float(scale * np.abs(product).sum())

    def gradient(self, x) -> np.ndarray:
        raw, inv, n, product, scale = self._parts(x)
        d_product = scale * np.sign(product)
        d_n = (d_product + d_product.T) @ n
        capped = inv >= 1.0 / _EPSILON          # the norm below epsilon: N = x / epsilon, linear in x
        d_raw = np.where(capped, d_n * inv, (d_n - n * (d_n * n).sum(axis=1, keepdims=True)) * inv)
        return (d_raw.T if self.mode == "columns" else d_raw).astype(np.float32)

    def get_config(self) -> dict:
        return {"factor": self.factor, "mode": self.mode}


_CLASSES = {"L1": L1, "L2": L2, "L1L2": L1L2, "OrthogonalRegularizer": OrthogonalRegularizer}
assert set(_CLASSES) == set(REGULARIZERS)


def l1(l1=0.01) -> L1:
    return L1(l1)


def l2(l2=0.01) -> L2:
    return L2(l2)


def l1_l2(l1=0.01, l2=0.01) -> L1L2:
    """Keras 2's function (its defaults are 0.01 each; the class's are 0)."""
    return L1L2(l1, l2)


l1l2 = L1L2
orthogonal_regularizer = OrthogonalRegularizer


def serialize(regularizer) -> dict | None:
    """Keras's config dict: {"class_name": "L2", "config": {"l2": 0.01}} (None: None)."""
    if regularizer is None:
        return None
    return {"class_name": type(regularizer).__name__, "config": regularizer.get_config()}


def deserialize(config) -> Regularizer:
    """The regularizer a Keras config dict describes (Keras 3's `module` field allowed)."""
    plain = canonical("regularizer", config, "regularizer")
    return _CLASSES[plain["class_name"]].from_config(plain["config"])


def get(identifier) -> Regularizer | None:
    """A regularizer from None, a name ('l2', 'L1L2'), a config dict or a regularizer."""
    if identifier is None or isinstance(identifier, Regularizer):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Regularizer):
        return identifier()
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    raise ValueError(f"Could not interpret regularizer identifier: {identifier!r} (VisualNet takes "
                     f"{', '.join(_CLASSES)} or their names {', '.join(REGULARIZER_NAMES)}; a model file keeps "
                     "only these, so functions are not accepted)")
