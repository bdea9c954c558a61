"""Keras 3's weight constraints: `c(w) -> array`, the projection applied to a weight after
each optimizer step (Keras's base_optimizer applies `variable.constraint` after the update).

The graph keeps a constraint as Keras's config dict (graph/weight_rules.py checks it);
`get` makes the object from that dict, a Keras name ('max_norm') or an object.
"""

from __future__ import annotations

import numpy as np

from ..graph.weight_rules import CONSTRAINT_NAMES, CONSTRAINTS, canonical

__all__ = ["Constraint", "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm", "max_norm", "min_max_norm", "non_neg",
           "unit_norm", "get", "serialize", "deserialize"]

_EPSILON = np.float32(1e-7)  # Keras's backend.epsilon()


class Constraint:
    """Base class: the identity."""

    def __call__(self, w) -> np.ndarray:
        return w

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict) -> "Constraint":
        return cls(**config)

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.get_config().items())})"

    def __eq__(self, other):
        return type(other) is type(self) and other.get_config() == self.get_config()

    __hash__ = None


def _checked(cls: str, **config) -> dict:
    return canonical("constraint", {"class_name": cls, "config": config}, cls)["config"]


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def _norms(w, axis):
    return np.sqrt(np.square(w).sum(axis=_axis(axis), keepdims=True))


class MaxNorm(Constraint):
    """Scales each slice along `axis` (for a Dense kernel, each unit's incoming weights) whose
    L2 norm exceeds max_value down to it: w * clip(norm, 0, max_value) / (epsilon + norm)."""

    def __init__(self, max_value=2, axis=0):
        cfg = _checked("MaxNorm", max_value=max_value, axis=axis)
        self.max_value, self.axis = cfg["max_value"], cfg["axis"]

    def __call__(self, w):
        w = np.asarray(w, np.float32)
        norms = _norms(w, self.axis)
        desired = np.clip(norms, 0, np.float32(self.max_value))
        return w * (desired / (_EPSILON + norms))

    def get_config(self) -> dict:
        return {"max_value": self.max_value, "axis": self.axis}


class MinMaxNorm(Constraint):
    """Moves each slice's norm towards [min_value, max_value] by `rate` (1: onto it)."""

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        cfg = _checked("MinMaxNorm", min_value=min_value, max_value=max_value, rate=rate, axis=axis)
        self.min_value, self.max_value, self.rate, self.axis = (cfg[k] for k in ("min_value", "max_value", "rate",
                                                                                  "axis"))

    def __call__(self, w):
        w = np.asarray(w, np.float32)
        norms = _norms(w, self.axis)
        desired = np.float32(self.rate) * np.clip(norms, np.float32(self.min_value), np.float32(self.max_value)) \
            + np.float32(1 - self.rate) * norms
        return w * (desired / (_EPSILON + norms))

    def get_config(self) -> dict:
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate, "axis": self.axis}


class NonNeg(Constraint):
    """max(w, 0)."""

    def __call__(self, w):
        return np.maximum(np.asarray(w, np.float32), np.float32(0))


class UnitNorm(Constraint):
    """Each slice along `axis` divided by (epsilon + its L2 norm)."""

    def __init__(self, axis=0):
        self.axis = _checked("UnitNorm", axis=axis)["axis"]

    def __call__(self, w):
        w = np.asarray(w, np.float32)
        return w / (_EPSILON + _norms(w, self.axis))

    def get_config(self) -> dict:
        return {"axis": self.axis}


_CLASSES = {"MaxNorm": MaxNorm, "MinMaxNorm": MinMaxNorm, "NonNeg": NonNeg, "UnitNorm": UnitNorm}
assert set(_CLASSES) == set(CONSTRAINTS)
max_norm, min_max_norm, non_neg, unit_norm = MaxNorm, MinMaxNorm, NonNeg, UnitNorm


def serialize(constraint) -> dict | None:
    """Keras's config dict: {"class_name": "MaxNorm", "config": {"max_value": 2, "axis": 0}}."""
    if constraint is None:
        return None
    return {"class_name": type(constraint).__name__, "config": constraint.get_config()}


def deserialize(config) -> Constraint:
    """The constraint a Keras config dict describes (Keras 3's `module` field allowed)."""
    plain = canonical("constraint", config, "constraint")
    return _CLASSES[plain["class_name"]].from_config(plain["config"])


def get(identifier) -> Constraint | None:
    """A constraint from None, a name ('max_norm', 'NonNeg'), a config dict or a constraint."""
    if identifier is None or isinstance(identifier, Constraint):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Constraint):
        return identifier()
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    raise ValueError(f"Could not interpret constraint identifier: {identifier!r} (VisualNet takes "
                     f"{', '.join(_CLASSES)} or their names {', '.join(CONSTRAINT_NAMES)}; a model file keeps "
                     "only these, so functions are not accepted)")
