"""Typed layer parameters: the declaration the inspector, validation, engine and
file formats all read.

A parameter's `default` equals Keras's default. Where Keras has none (the argument is
required, like Dense's `units`), `required=True` and `default` is the value the palette
gives a new node.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

KINDS = ("int", "float", "bool", "choice", "ints", "shape", "activation", "initializer")


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
    'activation' | 'initializer' (names from the engine's tables, kept as strings here).
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
            return self._check_range(float(value))
        if kind in ("choice", "activation", "initializer"):
            if not isinstance(value, str):
                raise ParamError(self.name, f"'{self.name}' must be a name. Received: {self.name}={value!r}")
            if self.choices and value not in self.choices:
                raise ParamError(
                    self.name,
                    f"'{self.name}' must be one of {', '.join(map(str, self.choices))}. "
                    f"Received: {self.name}={value!r}",
                )
            return value
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
            out = tuple(self._as_int(v) for v in value)
        except ParamError:
            raise ParamError(
                self.name, f"'{self.name}' must contain only integers. Received: {self.name}={tuple(value)!r}"
            ) from None
        if self.length is not None and len(out) != self.length:
            raise ParamError(
                self.name,
                f"'{self.name}' must have {self.length} values. Received: {self.name}={out!r}",
            )
        if self.kind == "shape" and not out:
            raise ParamError(self.name, f"'{self.name}' must have at least one dimension. Received: {self.name}=()")
        lo = 1 if self.min is None else int(self.min)
        for v in out:
            if v < lo and not (self.allow_minus_one and v == -1):
                raise ParamError(
                    self.name, f"Every value of '{self.name}' must be >= {lo}. Received: {self.name}={out!r}"
                )
        if self.allow_minus_one and out.count(-1) > 1:
            raise ParamError(self.name, f"'{self.name}' may contain -1 only once. Received: {self.name}={out!r}")
        return out

    def to_json(self, value: Any) -> Any:
        """JSON-safe form of a canonical value (tuples become lists)."""
        return list(value) if isinstance(value, tuple) else value


def _num(x) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)
