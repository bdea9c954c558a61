"""Preparing a recipe whose source is a time series ("series_csv", or a series built-in).

The rows are split by time before anything else: the training part is the earliest rows, then
validation, then test (the recipe's split fractions, of rows; the prepared recipe's split says
shuffle and stratify false). Each part is cut into windows on its own, so no window straddles two parts. The
categories and the scaling are fitted on the training rows only and kept in
`recipe.fitted["series"]`; the recipe's steps, if any, apply to the windows afterwards (fitted on
the training windows). Targets are scaled with their columns' statistics: `unscale_targets`
turns predictions back into the series' units.
"""

from __future__ import annotations

import copy
import dataclasses
import warnings

import numpy as np

from ..resources import resource_path
from . import series_builtins
from .errors import ColumnError, DataError
from .preprocessing import Pipeline
from .progress import Monitor
from .recipe import DataChangedWarning, PreparedData, Recipe, Subset, _unfitted, fingerprint
from .series import (SeriesOptions, SeriesTable, encode_table, fit_encoding, fit_scaling, make_windows,
                     read_series_table, windows_dataset)
from .sources import resolve
from .split import SplitSpec, _count


def is_series_source(source: dict) -> bool:
    return source.get("type") == "series_csv" or (
        source.get("type") == "builtin" and source.get("name") in series_builtins.SERIES)


def series_source(source: dict, base_dir=None) -> "tuple[str, SeriesOptions, str]":
    """(path, options, name) of a series source."""
    if source["type"] == "builtin":
        file, options = series_builtins.SERIES[source["name"]]
        params = series_builtins.check_params(source["name"], source.get("params", {}))
        return str(resource_path("datasets", "timeseries", file)), SeriesOptions(**options, **params), source["name"]
    if not source.get("path"):
        raise DataError("a 'series_csv' data source needs a path")
    path = resolve(source["path"], base_dir)
    return str(path), SeriesOptions.from_dict(source.get("options")), path.stem


def time_parts(n_rows: int, split: SplitSpec, options: SeriesOptions, file: str) -> list:
    """[(start, stop)] rows of the train, validation and test parts, in time order."""
    n_test, n_val = _count(n_rows, split.test), _count(n_rows, split.validation)
    bounds = [0, n_rows - n_val - n_test, n_rows - n_test, n_rows]
    need = options.lookback + options.horizon
    for name, start, stop in zip(("training", "validation", "test"), bounds, bounds[1:]):
        if (stop > start or name == "training") and stop - start < need:
            raise DataError(f"the {name} part has {stop - start} rows, fewer than lookback + horizon = {need}: "
                            "shorten the lookback or change the split fractions", file=file)
    return list(zip(bounds, bounds[1:]))


def _scaled(features: np.ndarray, series: dict) -> np.ndarray:
    return (features - np.asarray(series["mean"])) / np.asarray(series["std"])


def prepare_series(recipe: Recipe, *, base_dir=None, refit: bool = False, progress=None,
                   cancel=None) -> PreparedData:
    """`prepare` for a series source (see the module docstring)."""
    mon = Monitor(progress, cancel)
    recipe = Recipe.from_dict(recipe.to_dict())
    recipe.split = dataclasses.replace(recipe.split, shuffle=False, stratify=False)     # time order, always
    path, opts, name = series_source(recipe.source, base_dir)
    table = read_series_table(path, opts)
    mon.report(0.5)
    parts = [table.rows(a, b) for a, b in time_parts(len(table), recipe.split, opts, path)]
    fitting = refit or not recipe.is_fitted
    series = fit_encoding(parts[0], opts) if fitting else recipe.fitted["series"]
    gone = [c for c in series["columns"] if c not in table.cells]
    if gone:
        raise ColumnError(f"the recipe was fitted with columns the file no longer has: {', '.join(gone)}; "
                          "refit the recipe", file=path)
    encoded = [encode_table(part, series, opts.missing) for part in parts]
    if fitting:
        series["mean"], series["std"] = fit_scaling(encoded[0], series, opts.scale)
        series["header"] = list(table.header)
    window = (series["targets"], opts.lookback, opts.horizon, opts.stride, recipe.dtype)
    raw = [make_windows(e, *window) for e in encoded]
    dataset = windows_dataset(np.concatenate([x for x, _ in raw]), np.concatenate([y for _, y in raw]),
                              series, name, path)
    fp = fingerprint(dataset)
    if not fitting and recipe.fitted.get("fingerprint") != fp:
        warnings.warn(DataChangedWarning(
            "the series differ from the data this recipe was fitted on (the source file changed?); the stored "
            "statistics are applied unchanged - refit the recipe to update them"), stacklevel=3)
    scaled = [make_windows(_scaled(e, series), *window) for e in encoded]
    mon.report(0.9)
    pipeline = recipe.pipeline()
    if fitting:
        pipeline = Pipeline(_unfitted(recipe.steps)).fit(scaled[0][0])
        recipe.steps = pipeline.get_config()
        recipe.fitted = {
            "task": "regression", "kind": "timeseries", "name": name, "class_names": [],
            "feature_names": list(dataset.feature_names), "columns": None, "input_shape": list(dataset.input_shape),
            "output_shape": list(pipeline.output_shape(dataset.input_shape)), "n_samples": len(dataset),
            "fingerprint": fp, "series": copy.deepcopy(series)}
    subsets, start = [], 0
    for x, y in scaled:
        subsets.append(Subset(pipeline.transform_x(x, dtype=recipe.dtype), y, np.arange(start, start + len(x))))
        start += len(x)
    mon.report(1.0)
    return PreparedData(*subsets, recipe, dataset)


def _window_table(window: np.ndarray, series: dict, label: str) -> SeriesTable:
    header, columns = series["header"], series["columns"]
    if window.shape[1] == len(header):
        window = window[:, [header.index(c) for c in columns]]
    elif window.shape[1] != len(columns):
        raise DataError(f"a window row has {window.shape[1]} cells; expected the file's {len(header)} columns "
                        f"({', '.join(header)}) or the {len(columns)} used ones ({', '.join(columns)})", file=label)
    cells = np.array([["" if v is None else str(v) for v in row] for row in window.tolist()], dtype=object)
    cells = cells.reshape(window.shape)
    return SeriesTable(label, header, columns, {c: cells[:, j] for j, c in enumerate(columns)},
                       np.arange(1, len(window) + 1))


def series_input(recipe: Recipe, x) -> np.ndarray:
    """The model's input for raw windows: `x` is one window (lookback rows, oldest first, of the CSV's
    cells: all its columns, or the used ones without date and excluded columns) or a batch of them."""
    series = recipe.fitted["series"]
    _, opts, _ = series_source(recipe.source)
    x = np.asarray(x, dtype=object)
    if x.ndim == 2:
        x = x[np.newaxis]
    if x.ndim != 3 or x.shape[1] != opts.lookback:
        raise DataError(f"a window is {opts.lookback} rows (the lookback) of the series' columns; received an "
                        f"array of shape {x.shape}")
    missing = "interpolate" if opts.missing == "interpolate" else "refuse"
    encoded = [encode_table(_window_table(w, series, f"prediction window {k + 1}"), series, missing)
               for k, w in enumerate(x)]
    windows = np.stack([_scaled(e, series) for e in encoded])
    return recipe.pipeline().transform_x(windows, dtype=recipe.dtype)


def unscale_targets(recipe: Recipe, y) -> np.ndarray:
    """Predictions (or prepared targets), shape (n, horizon * targets), back in the series' units."""
    series = recipe.fitted["series"]
    t = series["targets"]
    y = np.asarray(y, dtype=np.float64)
    reps = y.shape[-1] // len(t)
    return y * np.tile(np.asarray(series["std"])[t], reps) + np.tile(np.asarray(series["mean"])[t], reps)
