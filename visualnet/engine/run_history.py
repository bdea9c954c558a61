"""A run's record: curves per batch and per epoch, markers, gradient norms, settings and
outcome, JSON-serializable (what project files store and the Train page draws)."""

from __future__ import annotations

import json
import math
from copy import deepcopy as _deepcopy   # RunHistory.from_dict has an argument named copy
from dataclasses import dataclass, field, fields

import numpy as np

HISTORY_VERSION = 1


def finite_or_none(v):
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


_NUMBERS = {float, int}
_COLUMN = {float, int, type(None)}


def json_safe(obj):
    """`obj` with plain JSON types only (a new container at every level); NaN and inf as None."""
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        kinds = set(map(type, obj))
        if kinds <= _NUMBERS and math.isfinite(sum(obj)):   # a column of finite numbers: the common case
            return list(obj)
        if kinds <= _COLUMN:   # with gaps or non-finite values
            return [v if type(v) is not float or math.isfinite(v) else None for v in obj]
        return [json_safe(v) for v in obj]
    if isinstance(obj, (np.floating, float)):
        return finite_or_none(float(obj))
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj


@dataclass
class RunHistory:
    """Everything a run produced, JSON-serializable (`to_dict`/`from_dict`; NaN and inf
    are stored as null).

    batch: per batch: "step" (1-based global), "epoch", "batch", "loss" (the batch's loss),
      "loss_smoothed" (exponential moving average, 0.9), each metric (Keras's running
      epoch average), "learning_rate", "batch_size".
    epoch: per epoch: "epoch" (0-based), "step" (global step at its end), "loss", metrics,
      "val_..." when validating, "learning_rate", "duration".
    markers: changes during the run: {"kind", "step", "epoch", "batch", "old", "new", "text"}.
    gradients: {"step": [...], layer name: [norm, ...]} every `track_every` batches.
    graph: the model description (`visualnet.graph.to_dict`) at the run's start, or None.
    recipe: the data recipe's JSON (`Recipe.to_dict`), or None (histories saved before
      these keys existed load with None).
    """
    settings: dict = field(default_factory=dict)
    batch: dict = field(default_factory=dict)
    epoch: dict = field(default_factory=dict)
    markers: list = field(default_factory=list)
    gradients: dict = field(default_factory=dict)
    status: str = "ready"
    reason: str = ""
    started_at: "float | None" = None
    duration: float = 0.0
    final: dict = field(default_factory=dict)
    graph: "dict | None" = None
    recipe: "dict | None" = None
    version: int = HISTORY_VERSION

    def append(self, table: str, row: dict) -> None:
        target = getattr(self, table)
        if target.keys() == row.keys():      # the columns of the rows before (a run's every batch)
            for key, value in row.items():
                target[key].append(value)
            return
        n = len(next(iter(target.values()))) if target else 0
        for key, value in row.items():
            column = target.get(key)
            if column is None:
                column = target[key] = [None] * n
            column.append(value)
        for key, column in target.items():
            if len(column) == n:
                column.append(None)

    def to_dict(self) -> dict:
        return {f.name: json_safe(getattr(self, f.name)) for f in fields(self)}

    def to_json(self, indent: "int | None" = None) -> str:
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    @classmethod
    def from_dict(cls, d: dict, copy: bool = True) -> "RunHistory":
        """From `to_dict()`'s form; `copy=False` takes `d`'s lists and dicts as they are
        (for a caller that made them just for this)."""
        d = dict(d)
        if d.get("version", 0) > HISTORY_VERSION:
            raise ValueError(f"this run history has version {d.get('version')}, newer than this VisualNet "
                             f"reads ({HISTORY_VERSION})")
        take = _deepcopy if copy else (lambda v: v)
        return cls(**{k: take(v) for k, v in d.items() if k in cls.__dataclass_fields__})

    def to_csv(self, table: str = "batch") -> str:
        """One table ('batch', 'epoch' or 'gradients') as CSV text, a column per series
        (empty cells for missing values)."""
        data = getattr(self, table)
        keys = list(data)
        lines = [",".join(keys)]
        n = len(data[keys[0]]) if keys else 0
        for i in range(n):
            cells = []
            for k in keys:
                v = data[k][i]
                cells.append("" if v is None or (isinstance(v, float) and not math.isfinite(v)) else repr(v)
                             if isinstance(v, float) else str(v))
            lines.append(",".join(cells))
        return "\n".join(lines) + "\n"

    def curves(self) -> dict:
        """Name -> float64 array ('batch/loss', 'epoch/val_accuracy', 'gradients/dense', ...)
        for the project file's run record (None becomes NaN)."""
        out = {}
        for prefix, table in (("batch", self.batch), ("epoch", self.epoch), ("gradients", self.gradients)):
            for key, values in table.items():
                if all(v is None or isinstance(v, (int, float)) for v in values):
                    out[f"{prefix}/{key}"] = np.array([np.nan if v is None else v for v in values], np.float64)
        return out
