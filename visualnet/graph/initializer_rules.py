"""Initializers as plain data (issue 23): Keras's class names, their arguments and defaults,
and the check that turns what a user or a file gives (a name, Keras's config dict or an
initializer object) into the form the graph keeps: the name ('he_normal') when the
initializer has Keras's default arguments, else Keras's config dict
{"class_name": "Constant", "config": {"value": 0.1}} with every argument filled in.
Constant's value may also be an array (Keras 2's pretrained-embedding idiom,
`Constant(embedding_matrix)`), kept as a nested JSON list of floats that broadcasts to the
weight's shape; Keras 3's file form of an array ({"class_name": "__numpy__", ...}) is read too.

The engine makes its initializer from either form (engine/initializers.py `get`); the Keras
files write the dict (with `module` in Keras 3's dialect), the inspector edits it
(gui/param_editors/class_configs.py `InitializerEditor`).
"""

from __future__ import annotations

import math
import numbers
import reprlib

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
# the most numbers a Constant's array may hold: the graph keeps them as JSON lists (about 32
# bytes a number in memory, 30 in a file; a 20,000 x 100 matrix builds, saves and loads in
# seconds), so twice keras.io's pretrained-embedding matrix, 40,000 words x 100
MAX_CONSTANT_VALUES = 4_000_000


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
    """A short text: 'he_normal', 'Constant(value=0.1)', 'Constant(value=<array of shape (20, 16)>)'."""
    if isinstance(value, str):
        return value
    args = ", ".join(f"{k}=<array of shape {list_shape(v)}>" if isinstance(v, list) else f"{k}={v!r}"
                     for k, v in value["config"].items())
    return f"{value['class_name']}({args})"


def list_shape(value) -> tuple:
    """The shape of a nested list kept by `canonical` (rectangular: read along its first items)."""
    shape = []
    while isinstance(value, list):
        shape.append(len(value))
        value = value[0] if value else None
    return tuple(shape)


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
    if key == "value" and not isinstance(v, numbers.Real):   # Constant's array
        return _constant_array(cls, v, what)
    if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v):
        raise ValueError(f"'{what}': {cls}'s {key} must be a finite number. Received: {key}={v!r}")
    if key in ("stddev", "scale") and v <= 0:
        raise ValueError(f"'{what}': {cls}'s {key} must be positive. Received: {key}={v!r}")
    return float(v)


def _constant_array(cls: str, v, what: str):
    """Constant's value given as an array (a NumPy array, nested lists, Keras's serialized
    `__numpy__` object): nested lists of floats (a 0-d array: its float). Pure Python, as the
    graph is: read level by level, then the numbers in one flat pass."""
    received = v
    if isinstance(v, dict) and v.get("class_name") in ("__numpy__", "__tensor__"):
        inner = v.get("config")
        if not isinstance(inner, dict) or "value" not in inner:
            raise ValueError(f"'{what}': {cls}'s value is a serialized array without a 'value'. "
                             f"Received: value={_short(v)}")
        v = inner["value"]
    if not isinstance(v, (list, tuple)) and callable(getattr(v, "tolist", None)):   # a NumPy array
        v = v.tolist()
    if isinstance(v, numbers.Real) and not isinstance(v, bool):   # a 0-d array
        return _argument(cls, "value", v, what)

    def refused():   # made only when raised: the text of a big array is long to make
        return ValueError(f"'{what}': {cls}'s value must be a finite number or an array of them (a rectangular "
                          f"nested list). Received: value={_short(received)}")

    if not isinstance(v, (list, tuple)):
        raise refused()
    level, shape, all_lists = [v], [], True
    while isinstance(level[0], (list, tuple)):
        all_lists = all_lists and all(type(x) is list for x in level)
        n = len(level[0])
        if any(not isinstance(x, (list, tuple)) or len(x) != n for x in level):
            raise refused()
        shape.append(n)
        if math.prod(shape) > MAX_CONSTANT_VALUES:
            deeper = bool(level[0]) and isinstance(level[0][0], (list, tuple))
            raise ValueError(f"'{what}': {cls}'s array holds {'more than ' if deeper else ''}{math.prod(shape):,} "
                             f"values, more than VisualNet keeps in a model description (MAX_CONSTANT_VALUES = "
                             f"{MAX_CONSTANT_VALUES:,}). Build the layer and set its weights instead "
                             f"(layer.set_weights([array])). Received: value of shape "
                             f"{tuple(shape) if not deeper else tuple(shape) + ('...',)}")
        if not n:   # no numbers at all (a shape with a 0): its lists as they are
            return _lists(v)
        level = [y for x in level for y in x]
    types = set(map(type, level))
    if not types <= {float, int} and not all(isinstance(x, numbers.Real) and not isinstance(x, bool) for x in level):
        raise refused()
    if not all(map(math.isfinite, level)):
        bad = sum(1 for x in level if not math.isfinite(x))
        raise ValueError(f"'{what}': {cls}'s value must hold finite numbers only (no NaN or infinity). "
                         f"Received: value of shape {tuple(shape)} with {bad} non-finite")
    if all_lists and types == {float}:   # canonical already (a graph's own value): kept, not copied
        return v
    return _nested(list(map(float, level)), shape)


def _nested(flat: list, shape: list) -> list:
    """`flat` (row-major, not empty) as nested lists of `shape`."""
    for n in reversed(shape[1:]):
        flat = [flat[i:i + n] for i in range(0, len(flat), n)]
    return flat


def _lists(value):
    return [_lists(x) for x in value] if isinstance(value, (list, tuple)) else value


def _short(v) -> str:
    """A value's text cut short (a big array's too, without writing it all out)."""
    text = reprlib.repr(v) if isinstance(v, (list, tuple, dict)) else repr(v)
    return text if len(text) <= 200 else text[:200] + "..."
