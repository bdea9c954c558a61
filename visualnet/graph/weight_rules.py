"""Regularizers and constraints as plain data: Keras's class names, their arguments and
defaults, and the check that turns what a user or a file gives into the one form the graph
keeps, Keras's config dict {"class_name": "L2", "config": {"l2": 0.01}} (or None).

The engine's objects (engine/regularizers.py, engine/constraints.py) are made from this
form; the Keras files write it (with `module` in Keras 3's dialect), the inspector edits it.
"""

from __future__ import annotations

import math
import numbers

# class name -> its arguments and Keras's defaults (in Keras's order)
REGULARIZERS = {
    "L1": {"l1": 0.01},
    "L2": {"l2": 0.01},
    "L1L2": {"l1": 0.0, "l2": 0.0},
    "OrthogonalRegularizer": {"factor": 0.01, "mode": "rows"},
}
CONSTRAINTS = {
    "MaxNorm": {"max_value": 2, "axis": 0},
    "MinMaxNorm": {"min_value": 0.0, "max_value": 1.0, "rate": 1.0, "axis": 0},
    "NonNeg": {},
    "UnitNorm": {"axis": 0},
}
# the names Keras's `get` takes for each (Keras 3's snake_case names, and Keras 2's l1_l2,
# whose function defaulted to l1=l2=0.01)
REGULARIZER_NAMES = {"l1": ("L1", {}), "l2": ("L2", {}), "l1l2": ("L1L2", {}),
                     "l1_l2": ("L1L2", {"l1": 0.01, "l2": 0.01}),
                     "orthogonal_regularizer": ("OrthogonalRegularizer", {})}
CONSTRAINT_NAMES = {"max_norm": ("MaxNorm", {}), "min_max_norm": ("MinMaxNorm", {}), "non_neg": ("NonNeg", {}),
                    "unit_norm": ("UnitNorm", {})}

_TABLES = {"regularizer": (REGULARIZERS, REGULARIZER_NAMES), "constraint": (CONSTRAINTS, CONSTRAINT_NAMES)}


def canonical(kind: str, value, what: str = "value"):
    """`value` (None, a Keras name such as 'l2', or a Keras config dict, Keras 3's `module`
    and `registered_name` fields allowed) as {"class_name": ..., "config": {every argument}};
    ValueError naming `what` and the value otherwise (Keras 3's `shared_object_id`, which marks
    an object written twice, is dropped too). kind: 'regularizer' or 'constraint'."""
    if value is None:
        return None
    classes, names = _TABLES[kind]
    if isinstance(value, str):
        key = value if value in names else _snake(value)
        if value in classes:
            cls, given = value, {}
        elif key in names:
            cls, given = names[key]
        else:
            raise ValueError(f"'{what}' must be None or a {kind}: {', '.join(classes)} (or {', '.join(names)}). "
                             f"Received: {what}={value!r}")
    elif isinstance(value, dict):
        cls = value.get("class_name")
        given = value.get("config", {})
        if not isinstance(cls, str) or not isinstance(given, dict) or set(value) - {
                "class_name", "config", "module", "registered_name", "shared_object_id"}:
            example = f"{{'class_name': '{next(iter(classes))}', 'config': {{...}}}}"
            raise ValueError(f"'{what}' must be a Keras {kind} config such as {example}. Received: {what}={value!r}")
        if cls not in classes:
            cls = names.get(_snake(cls), (cls,))[0]
        if cls not in classes:
            raise ValueError(f"'{what}': {kind} '{value['class_name']}' is not one VisualNet has "
                             f"({', '.join(classes)}). Received: {what}={value!r}")
    else:
        raise ValueError(f"'{what}' must be None, a {kind} name or a Keras {kind} config. Received: {what}={value!r}")
    unknown = sorted(set(given) - set(classes[cls]))
    if unknown:
        raise ValueError(f"'{what}': {cls} takes {', '.join(classes[cls]) or 'no arguments'}; "
                         f"received {', '.join(unknown)}. Received: {what}={value!r}")
    config = {k: _argument(cls, k, given.get(k, d), what) for k, d in classes[cls].items()}
    if cls == "MinMaxNorm" and config["min_value"] > config["max_value"]:
        raise ValueError(f"'{what}': MinMaxNorm's min_value must be <= max_value. Received: {what}={value!r}")
    return {"class_name": cls, "config": config}


def describe(value) -> str:
    """A short text for a canonical value: 'L2(l2=0.01)', 'none'."""
    if value is None:
        return "none"
    args = ", ".join(f"{k}={v}" for k, v in value["config"].items())
    return f"{value['class_name']}({args})"


def _argument(cls: str, key: str, v, what: str):
    if key == "mode":
        if v not in ("rows", "columns"):
            raise ValueError(f"'{what}': {cls}'s mode must be 'rows' or 'columns'. Received: mode={v!r}")
        return v
    if key == "axis":
        items = v if isinstance(v, (list, tuple)) else [v]
        if not items or any(isinstance(a, bool) or not isinstance(a, numbers.Integral) for a in items):
            raise ValueError(f"'{what}': {cls}'s axis must be an integer or a list of integers. Received: axis={v!r}")
        return [int(a) for a in items] if isinstance(v, (list, tuple)) else int(v)
    if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v) or v < 0:
        raise ValueError(f"'{what}': {cls}'s {key} must be a non-negative number. Received: {key}={v!r}")
    if key == "rate" and v > 1:
        raise ValueError(f"'{what}': {cls}'s rate must be in [0, 1]. Received: rate={v!r}")
    return int(v) if isinstance(v, numbers.Integral) and key == "max_value" else float(v)


def _snake(name: str) -> str:
    """Keras's to_snake_case for these class names ('MaxNorm' -> 'max_norm', 'L1L2' -> 'l1l2')."""
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i and (name[i - 1].islower()):
            out.append("_")
        out.append(ch.lower())
    return "".join(out)
