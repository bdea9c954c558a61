"""Typed layer parameters: the declaration the inspector, validation, engine and
file formats all read.

A parameter's `default` equals Keras's default. Where Keras has none (the argument is
required, like Dense's `units`), `required=True` and `default` is the value the palette
gives a new node.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

from . import initializer_rules, weight_rules

KINDS = ("int", "float", "bool", "choice", "ints", "shape", "pairs", "range", "activation", "initializer",
         "regularizer", "constraint")


class ParamError(ValueError):
    """A parameter value is of the wrong type or out of range."""

    def __init__(self, param: str, message: str):
        super().__init__(message)
        self.param = param


@dataclass(frozen=True)
class Param:
    """One constructor argument of a layer type.

    kind: 'int' | 'float' | 'bool' | 'choice' | 'ints' (a fixed-length tuple of ints,
    a single int broadcast as Keras does) | 'shape' (a tuple of any length) |
    'pairs' (a (before, after) pair of ints per axis, `length` axes, each value >= `min`
    (default 0), as Keras's padding and cropping take them: an int is the same on both
    sides of every axis, and with two or more axes an int in place of a pair is the same
    on both sides of that axis, so for 2 axes 1 -> ((1, 1), (1, 1)), (1, 2) -> ((1, 1),
    (2, 2)), ((1, 2), (3, 4)) stays; with one axis (`length=1`) the value is the pair
    itself, as Keras's 1-D layers write it: 1 -> (1, 1), (1, 2) stays) |
    'range' (a number or a (lower, upper) pair of numbers, each within [min, max], as Keras's
    image augmentation takes a `factor`: kept as given, or with `length=2` always the sorted pair,
    a number f meaning (max(-|f|, min), |f|) as Keras stores it) |
    'activation' (names from the engine's tables, kept as strings here) | 'initializer' (a name, or
    Keras's config dict when its arguments are not Keras's defaults: see initializer_rules.py) |
    'regularizer' | 'constraint' (None or Keras's config dict, {"class_name": "L2", "config":
    {"l2": 0.01}}, every argument filled in; a Keras name such as 'l2' is taken too: see
    weight_rules.py), on the weight named `weight` (None: the layer's output, Keras's
    `activity_regularizer`).
    """

    name: str
    kind: str
    default: Any
    doc: str
    choices: tuple = ()
    min: float | None = None
    max: float | None = None
    min_inclusive: bool = True
    max_inclusive: bool = True
    length: int | None = None
    optional: bool = False  # None is allowed
    required: bool = False
    allow_minus_one: bool = False  # for Reshape's target_shape
    allow_none: bool = False  # kind 'shape': None for a dimension of unknown size (Input's time axis)
    allow_empty: bool = False  # kind 'shape': () allowed (Input: one number per sample, a batch of shape (None,))
    finite: bool = True  # kind 'float': NaN and infinities are refused unless this is False
    weight: str | None = None  # kinds 'regularizer' and 'constraint': the weight it applies to

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"Param {self.name!r}: unknown kind {self.kind!r}")

    def coerce(self, value: Any) -> Any:
        """Return `value` in canonical form, or raise ParamError saying what to change."""
        if value is None:
            if self.optional:
                return None
            raise ParamError(self.name, f"'{self.name}' must be set (received None).")
        kind = self.kind
        if kind == "bool":
            if isinstance(value, bool):
                return value
            raise ParamError(self.name, f"'{self.name}' must be true or false. Received: {self.name}={value!r}")
        if kind == "int":
            return self._check_range(self._as_int(value))
        if kind == "float":
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise ParamError(self.name, f"'{self.name}' must be a number. Received: {self.name}={value!r}")
            value = float(value)
            if self.finite and not math.isfinite(value):
                raise ParamError(self.name, f"'{self.name}' must be a finite number, not NaN or infinite. "
                                            f"Received: {self.name}={value!r}")
            return self._check_range(value)
        if kind == "initializer":   # a name or Keras's config dict (initializer_rules.py)
            try:
                return initializer_rules.canonical(value, self.name)
            except ValueError as exc:
                raise ParamError(self.name, str(exc)) from None
        if kind in ("choice", "activation"):
            if not isinstance(value, str):
                raise ParamError(self.name, f"'{self.name}' must be a name. Received: {self.name}={value!r}")
            if self.choices and value not in self.choices:
                raise ParamError(
                    self.name,
                    f"'{self.name}' must be one of {', '.join(map(str, self.choices))}. "
                    f"Received: {self.name}={value!r}",
                )
            return value
        if kind in ("regularizer", "constraint"):
            try:
                return weight_rules.canonical(kind, value, self.name)
            except ValueError as exc:
                raise ParamError(self.name, str(exc)) from None
        if kind == "pairs":
            return self._coerce_pairs(value)
        if kind == "range":
            return self._coerce_range(value)
        return self._coerce_tuple(value)

    def _as_int(self, value: Any) -> int:
        if isinstance(value, bool):
            raise ParamError(self.name, f"'{self.name}' must be an integer. Received: {self.name}={value!r}")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, numbers.Integral):
            return int(value)
        if not isinstance(value, int):
            raise ParamError(self.name, f"'{self.name}' must be an integer. Received: {self.name}={value!r}")
        return value

    def _check_range(self, value):
        lo, hi = self.min, self.max
        below = lo is not None and (value < lo if self.min_inclusive else value <= lo)
        above = hi is not None and (value > hi if self.max_inclusive else value >= hi)
        if below or above:
            raise ParamError(self.name, f"'{self.name}' must be {self.range_text()}. Received: {self.name}={value!r}")
        return value

    def range_text(self) -> str:
        """The allowed range in words, e.g. 'in [0, 1)' or '>= 1'."""
        lo, hi = self.min, self.max
        if lo is not None and hi is not None:
            left = "[" if self.min_inclusive else "("
            right = "]" if self.max_inclusive else ")"
            return f"in {left}{_num(lo)}, {_num(hi)}{right}"
        if lo is not None:
            return (">= " if self.min_inclusive else "> ") + _num(lo)
        if hi is not None:
            return ("<= " if self.max_inclusive else "< ") + _num(hi)
        return "any value"

    def _coerce_tuple(self, value: Any) -> tuple:
        if isinstance(value, (int,)) and not isinstance(value, bool) and self.kind == "ints":
            value = (value,) * (self.length or 1)
        if not isinstance(value, (tuple, list)):
            raise ParamError(self.name, f"'{self.name}' must be a tuple of integers. Received: {self.name}={value!r}")
        try:
            out = tuple(None if v is None and self.allow_none else self._as_int(v) for v in value)
        except ParamError:
            raise ParamError(
                self.name, f"'{self.name}' must contain only integers. Received: {self.name}={tuple(value)!r}"
            ) from None
        if self.length is not None and len(out) != self.length:
            raise ParamError(
                self.name,
                f"'{self.name}' must have {self.length} values. Received: {self.name}={out!r}",
            )
        if self.kind == "shape" and not out and not self.allow_empty:
            raise ParamError(self.name, f"'{self.name}' must have at least one dimension. Received: {self.name}=()")
        lo = 1 if self.min is None else int(self.min)
        for v in out:
            if v is None:
                continue
            if v < lo and not (self.allow_minus_one and v == -1):
                raise ParamError(
                    self.name, f"Every value of '{self.name}' must be >= {lo}. Received: {self.name}={out!r}"
                )
        if self.allow_minus_one and out.count(-1) > 1:
            raise ParamError(self.name, f"'{self.name}' may contain -1 only once. Received: {self.name}={out!r}")
        return out

    def _coerce_pairs(self, value: Any) -> tuple:
        """'pairs': see the class docstring."""
        n = self.length or 1

        def pair(v) -> tuple | None:  # None: not an int or a pair of ints
            if isinstance(v, (tuple, list)):
                if len(v) != 2:
                    return None
            else:
                v = (v, v)
            try:
                return (self._as_int(v[0]), self._as_int(v[1]))
            except ParamError:
                return None

        if n == 1:
            out = pair(value)
            ok = out is not None
        elif isinstance(value, (tuple, list)):
            out = tuple(pair(v) for v in value)
            ok = len(out) == n and None not in out
        else:
            out = (pair(value),) * n
            ok = out[0] is not None
        shown = tuple(value) if isinstance(value, list) else value
        if not ok:
            what = ("an integer or a (before, after) pair of integers" if n == 1 else
                    f"an integer, {n} integers (one per axis) or {n} (before, after) pairs of integers")
            raise ParamError(self.name, f"'{self.name}' must be {what}. Received: {self.name}={shown!r}")
        lo = 0 if self.min is None else int(self.min)
        if any(v < lo for v in (out if n == 1 else (v for p in out for v in p))):
            raise ParamError(self.name, f"Every value of '{self.name}' must be >= {lo}. Received: {self.name}={shown!r}")
        return out

    def _coerce_range(self, value: Any):
        """'range': see the class docstring."""
        pair = isinstance(value, (tuple, list))
        items = tuple(value) if pair else (value,)
        if (pair and len(items) != 2) or any(isinstance(v, bool) or not isinstance(v, numbers.Real)
                                             or not math.isfinite(v) for v in items):
            raise ParamError(self.name, f"'{self.name}' must be a number or a (lower, upper) pair of numbers. "
                                        f"Received: {self.name}={value!r}")
        for v in items:
            self._check_range(float(v))
        if self.length != 2:
            return tuple(float(v) for v in items) if pair else float(value)
        if pair:
            return tuple(sorted(float(v) for v in items))
        f = abs(float(value))
        return (-f if self.min is None else max(-f, float(self.min)), f)

    def to_json(self, value: Any) -> Any:
        """JSON-safe form of a canonical value (tuples, nested ones too, become lists)."""
        if isinstance(value, dict):  # a regularizer's or constraint's config: a copy
            return {k: self.to_json(v) for k, v in value.items()}
        return [self.to_json(v) for v in value] if isinstance(value, (tuple, list)) else value


def _num(x) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)
