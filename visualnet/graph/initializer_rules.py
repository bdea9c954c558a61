"""Initializers as plain data (issue 23): Keras's class names, their arguments and defaults,
and the check that turns what a user or a file gives (a name, Keras's config dict or an
initializer object) into the form the graph keeps: the name ('he_normal') when the
initializer has Keras's default arguments, else Keras's config dict
{"class_name": "Constant", "config": {"value": 0.1}} with every argument filled in.

The engine makes its initializer from either form (engine/initializers.py `get`); the Keras
files write the dict (with `module` in Keras 3's dialect), the inspector edits it
(gui/param_editors/class_configs.py `InitializerEditor`).
"""

from __future__ import annotations

import math
import numbers

from .names import INITIALIZERS

# class name -> its arguments and Keras 3's defaults (in Keras's get_config order)
INITIALIZER_CLASSES = {
    "Constant": {"value": 0.0},
    "Zeros": {},
    "Ones": {},
    "RandomNormal": {"mean": 0.0, "stddev": 0.05, "seed": None},
    "RandomUniform": {"minval": -0.05, "maxval": 0.05, "seed": None},
    "TruncatedNormal": {"mean": 0.0, "stddev": 0.05, "seed": None},
    "VarianceScaling": {"scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal", "seed": None},
    "GlorotUniform": {"seed": None},
    "GlorotNormal": {"seed": None},
    "HeNormal": {"seed": None},
    "HeUniform": {"seed": None},
    "LecunNormal": {"seed": None},
    "LecunUniform": {"seed": None},
    "Orthogonal": {"gain": 1.0, "seed": None},
    "Identity": {"gain": 1.0},
}
_SNAKE_OF = {cls: name for name, cls in INITIALIZERS.items()}
_ALIASES = {"constant": "Constant", "truncated_normal": "TruncatedNormal", "variance_scaling": "VarianceScaling",
            "identity": "Identity", "normal": "RandomNormal", "uniform": "RandomUniform", "zero": "Zeros",
            "one": "Ones", **INITIALIZERS}
_CHOICES = {"mode": ("fan_in", "fan_out", "fan_avg"),
            "distribution": ("truncated_normal", "untruncated_normal", "uniform")}
# Keras 3.10+ writes the variance-scaling presets' fan axes; None (the only value) is dropped
_DROPPED = ("input_axes", "output_axes")


def canonical(value, what: str = "initializer"):
    """`value` in the graph's form (a name, or {"class_name", "config"} with every argument);
    ValueError naming `what` and the value otherwise."""
    if isinstance(value, str):
        if value in INITIALIZERS:
            return value
        cls = _ALIASES.get(value) or (value if value in INITIALIZER_CLASSES else None)
        if cls is None:
            raise ValueError(f"'{what}' must be an initializer: one of {', '.join(INITIALIZERS)}, a class of "
                             f"keras.initializers ({', '.join(INITIALIZER_CLASSES)}) or its config. "
                             f"Received: {what}={value!r}")
        return _reduced(cls, {k: d for k, d in INITIALIZER_CLASSES[cls].items()})
    if not isinstance(value, dict) and callable(getattr(value, "get_config", None)):   # an initializer object
        value = {"class_name": type(value).__name__, "config": value.get_config()}
    if not isinstance(value, dict):
        raise ValueError(f"'{what}' must be an initializer name, a keras.initializers object or its config. "
                         f"Received: {what}={value!r}")
    cls, given = value.get("class_name"), value.get("config", {})
    if not isinstance(cls, str) or not isinstance(given, dict) or set(value) - {
            "class_name", "config", "module", "registered_name", "shared_object_id"}:
        raise ValueError(f"'{what}' must be a Keras initializer config such as "
                         f"{{'class_name': 'Constant', 'config': {{'value': 0.1}}}}. Received: {what}={value!r}")
    cls = cls if cls in INITIALIZER_CLASSES else _ALIASES.get(cls, cls)
    if cls not in INITIALIZER_CLASSES:
        raise ValueError(f"'{what}': initializer '{value['class_name']}' is not one VisualNet has "
                         f"({', '.join(INITIALIZER_CLASSES)}). Received: {what}={value!r}")
    given = {k: v for k, v in given.items() if not (k in _DROPPED and v is None)}
    unknown = sorted(set(given) - set(INITIALIZER_CLASSES[cls]))
    if unknown:
        raise ValueError(f"'{what}': {cls} takes {', '.join(INITIALIZER_CLASSES[cls]) or 'no arguments'}; "
                         f"received {', '.join(unknown)}. Received: {what}={value!r}")
    config = {k: _argument(cls, k, given.get(k, d), what) for k, d in INITIALIZER_CLASSES[cls].items()}
    return _reduced(cls, config)


def as_config(value) -> dict:
    """The dict form of a canonical value (a name becomes its class with Keras's defaults)."""
    if isinstance(value, dict):
        return value
    cls = INITIALIZERS[value]
    return {"class_name": cls, "config": dict(INITIALIZER_CLASSES[cls])}


def describe(value) -> str:
    """A short text: 'he_normal', 'Constant(value=0.1)'."""
    if isinstance(value, str):
        return value
    args = ", ".join(f"{k}={v!r}" for k, v in value["config"].items())
    return f"{value['class_name']}({args})"


def _reduced(cls: str, config: dict):
    """The name when the arguments are Keras's defaults and the name exists, else the dict."""
    if config == INITIALIZER_CLASSES[cls] and cls in _SNAKE_OF:
        return _SNAKE_OF[cls]
    return {"class_name": cls, "config": config}


def _argument(cls: str, key: str, v, what: str):
    if key == "seed":
        if v is not None and (isinstance(v, bool) or not isinstance(v, numbers.Integral)):
            raise ValueError(f"'{what}': {cls}'s seed must be an integer or None. Received: seed={v!r}")
        return None if v is None else int(v)
    if key in _CHOICES:
        v = "truncated_normal" if key == "distribution" and v == "normal" else v
        if v not in _CHOICES[key]:
            raise ValueError(f"'{what}': {cls}'s {key} must be one of {', '.join(_CHOICES[key])}. "
                             f"Received: {key}={v!r}")
        return v
    if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v):
        raise ValueError(f"'{what}': {cls}'s {key} must be a finite number. Received: {key}={v!r}")
    if key in ("stddev", "scale") and v <= 0:
        raise ValueError(f"'{what}': {cls}'s {key} must be positive. Received: {key}={v!r}")
    return float(v)
