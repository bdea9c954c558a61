"""What the Train page draws for a time series: the series in time order with the boundaries
between its training, validation and test parts, and a forecaster's predictions over the
test part.

The series is each window's (first) target, in the source's units, placed where it lies in
time: at its row of the CSV for a series source (a series CSV or a series built-in, whose
parts are windowed apart, so the first rows of each part are no window's target), else at
the window's number (windows built in time order, as the daily temperatures)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .recipe import PreparedData
from .series import read_series_table
from .series_recipe import is_series_source, series_source, time_parts


@dataclass
class SeriesOverview:
    name: str                # the target's name
    x: np.ndarray            # where each window's target lies (row or window number), in dataset order
    values: np.ndarray       # each window's first target, in the series' units
    bounds: list             # x where validation starts and where test starts (equal when a part is empty)
    x_label: str
    test_x: np.ndarray       # x of the test windows, in the order of the prepared test split
    _scale: tuple            # (mean, std) turning the prepared targets back into the series' units

    def forecast(self, y_pred) -> tuple[np.ndarray, np.ndarray]:
        """(x, values) of predictions for the prepared test windows (their first output,
        in the prepared targets' units), in the series' units."""
        y = np.asarray(y_pred, dtype=np.float64).reshape(len(y_pred), -1)[:, 0]
        if len(y) != len(self.test_x):
            raise ValueError(f"{len(y)} predictions for {len(self.test_x)} test windows")
        mean, std = self._scale
        return self.test_x, y * std + mean


def series_overview(prepared: PreparedData, base_dir=None) -> "SeriesOverview | None":
    """The overview of `prepared` (None unless its samples are time-series windows)."""
    ds = prepared.dataset
    if ds.kind != "timeseries" or ds.y is None:
        return None
    recipe = prepared.recipe
    values = np.asarray(ds.y, dtype=np.float64).reshape(len(ds.y), -1)[:, 0]
    parts = [np.asarray(s.indices) for s in (prepared.train, prepared.validation, prepared.test)]
    scale, name = (0.0, 1.0), "target"
    if is_series_source(recipe.source) and recipe.fitted and "series" in recipe.fitted:
        series = recipe.fitted["series"]
        path, opts, _ = series_source(recipe.source, base_dir)
        rows = time_parts(len(read_series_table(path, opts)), recipe.split, opts, path)
        x = np.empty(len(ds.y))
        for p, (start, _) in zip(parts, rows):
            x[p] = start + np.arange(len(p)) * opts.stride + opts.lookback
        t0 = series["targets"][0]
        scale, name = (float(series["mean"][t0]), float(series["std"][t0])), str(series["features"][t0])
        x_label = "row of the series"
    else:
        x = np.arange(len(ds.y), dtype=np.float64)
        x_label = "window (in time order)"
    bounds = [_boundary(x, parts[0], parts[1:]), _boundary(x, np.concatenate(parts[:2]), parts[2:])]
    return SeriesOverview(name, x, values, bounds, x_label, x[parts[2]], scale)


def _boundary(x: np.ndarray, before: np.ndarray, after: list) -> float:
    """Between the last window of `before` and the first of the parts `after`."""
    later = [p for p in after if len(p)]
    if not len(before):
        return float(x.min()) if len(x) else 0.0
    if not later:
        return float(x[before].max())
    return (float(x[before].max()) + float(x[later[0]].min())) / 2
