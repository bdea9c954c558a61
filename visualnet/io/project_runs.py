"""What a project keeps besides the model: its training runs (info and curves, with the
engine's RunHistory in and out) and the optimizer's state."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np




@dataclass
class Run:
    """One training run: `info` (JSON: settings, seed, start and end, final metrics, ...)
    and its curves (name -> 1-D array, e.g. 'loss', 'val_accuracy')."""

    info: dict = field(default_factory=dict)
    curves: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def from_history(cls, history, info: dict | None = None) -> "Run":
        curves = {k: np.asarray(v, dtype=np.float64) for k, v in history.history.items()}
        info = dict(info or {})
        info.setdefault("epochs", [int(e) for e in getattr(history, "epoch", [])])
        return cls(info, curves)


    @classmethod
    def from_run_history(cls, history) -> "Run":
        """From the engine's `session.RunHistory`: its numeric series become curves
        ('batch/loss', 'epoch/val_accuracy', ...), everything else goes into `info`."""
        d = history.to_dict()
        curves = history.curves()
        info = {k: v for k, v in d.items() if k not in _TABLES}
        info["kind"] = "run_history"
        info["tables"], info["int_columns"] = {}, []
        for table in _TABLES:
            for key, values in d.get(table, {}).items():
                name = f"{table}/{key}"
                if name not in curves:
                    info["tables"].setdefault(table, {})[key] = values
                elif all(v is None or (isinstance(v, int) and not isinstance(v, bool)) for v in values):
                    info["int_columns"].append(name)
        return cls(info, curves)

    def to_run_history(self):
        """The engine's `RunHistory` back (for runs made by `from_run_history`)."""
        from ..engine.run_history import RunHistory

        info = dict(self.info)
        extra = info.pop("tables", {}) or {}
        ints = set(info.pop("int_columns", []) or [])
        info.pop("kind", None)
        tables: dict[str, dict] = {t: {} for t in _TABLES}
        for name, values in self.curves.items():
            table, _, key = name.partition("/")
            if table not in tables or not key:
                continue
            tables[table][key] = _column(values, name in ints)
        for table, cols in extra.items():
            if table in tables and isinstance(cols, dict):
                tables[table].update(cols)
        return RunHistory.from_dict({**info, **tables}, copy=False)     # every list here is new


_TABLES = ("batch", "epoch", "gradients")


def _column(values: np.ndarray, integers: bool) -> list:
    """A curve as RunHistory's column: Python numbers, None where not finite (vectorised:
    a million-point curve in milliseconds, not seconds)."""
    values = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(values)
    column = (np.where(finite, values, 0).astype(np.int64) if integers else values).astype(object)
    column[~finite] = None
    return column.tolist()


def _curve_key(name: str) -> str:
    """A curve name as an HDF5 link name ('/' is the path separator there)."""
    key = name.replace("%", "%25").replace("/", "%2F")
    return "%2E" if key == "." else key


def _curve_name(key: str) -> str:
    return key.replace("%2E", ".").replace("%2F", "/").replace("%25", "%")


@dataclass
class OptimizerState:
    """The optimizer's serialized config and its `get_state()` arrays; `rng` is the engine
    random generator's state at save time (for shuffling and dropout to continue exactly)."""

    config: dict
    arrays: dict[str, np.ndarray]
    rng: dict | None = None
