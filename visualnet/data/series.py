"""Time-series CSV: one or several series as columns of a CSV with a header, in time order.

A recipe source (JSON, kept in project files):
    {"type": "series_csv", "path": "pollution.csv", "options": {
        "date": "auto",         # a column, a list of columns (year, month, day, hour), "auto" or None (file order)
        "exclude": ["No"],      # columns that are neither date nor feature
        "categorical": None,    # None: the non-numeric columns; else the columns to one-hot encode
        "missing": "refuse",    # or "interpolate" (linear; a category repeats the previous one) or "drop" (the row)
        "targets": ["pm2.5"],   # numeric columns to forecast; None: the last numeric column
        "lookback": 24, "horizon": 1, "stride": 1,
        "scale": "standardize", # or "none": mean and std of the training rows, for features and targets
        "delimiter": ","}}

The date columns order the rows and are not features; every other column is (targets too).
Window i starts at row s = i * stride of its part: x[i] = rows s .. s + lookback - 1 (all
features), y[i] = the targets of rows s + lookback .. s + lookback + horizon - 1, flattened
step by step, so y has horizon * len(targets) columns. `series_recipe` splits the rows by time
and fits the categories and scaling on the training rows; this module holds the pieces.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .dataset import Dataset
from .errors import (ColumnError, DataError, EmptyDataError, FormatError, MissingValueError, NonNumericError,
                     RaggedRowError)
from .memory import check_fits
from .progress import Monitor

MISSING = frozenset({"", "NA", "N/A", "NaN", "nan", "null", "NULL", "?"})
MISSING_MODES = ("refuse", "interpolate", "drop")
SCALES = ("standardize", "none")
DATE_NAMES = ("date", "datetime", "time", "timestamp", "month", "period")
DATE_PARTS = ("year", "month", "day", "hour", "minute", "second")
ISO_DATE = re.compile(r"\d{4}-\d{2}(-\d{2}([ T]\d{2}(:\d{2}){0,2})?)?")


@dataclass
class SeriesOptions:
    """The options of a "series_csv" source (see the module docstring)."""
    date: "str | list | None" = "auto"
    exclude: list = field(default_factory=list)
    categorical: "list | None" = None
    missing: str = "refuse"
    targets: "list | None" = None
    lookback: int = 24
    horizon: int = 1
    stride: int = 1
    scale: str = "standardize"
    delimiter: str = ","

    def __post_init__(self):
        if self.missing not in MISSING_MODES:
            raise DataError(f"missing must be one of {MISSING_MODES}; received: missing={self.missing!r}")
        if self.scale not in SCALES:
            raise DataError(f"scale must be one of {SCALES}; received: scale={self.scale!r}")
        for key in ("lookback", "horizon", "stride"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise DataError(f"{key} must be a whole number >= 1; received: {key}={value!r}")
        if isinstance(self.targets, str):
            self.targets = [self.targets]

    @classmethod
    def from_dict(cls, d: "dict | None") -> "SeriesOptions":
        d = dict(d or {})
        unknown = set(d) - set(cls.__dataclass_fields__)
        if unknown:
            raise DataError(f"unknown series options: {', '.join(sorted(unknown))}; known: "
                            f"{', '.join(cls.__dataclass_fields__)}")
        return cls(**d)


@dataclass
class SeriesTable:
    """The rows of a series CSV in time order: the cells of each used column (object arrays of str)
    and the file line of each row (for error messages)."""
    file: str
    header: list            # every column of the file
    columns: list           # the used columns (not date, not excluded), in file order
    cells: dict             # column -> object array of its cells
    lines: np.ndarray

    def __len__(self):
        return len(self.lines)

    def rows(self, start: int, stop: int) -> "SeriesTable":
        return SeriesTable(self.file, self.header, self.columns,
                           {c: v[start:stop] for c, v in self.cells.items()}, self.lines[start:stop])


def _open_text(path: Path):
    if path.suffix.lower() == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")


def _read_rows(path: Path, delimiter: str) -> "tuple[list, list, list]":
    """(header, rows of cells stripped, file line of each row); blank lines skipped."""
    try:
        with _open_text(path) as f:
            reader = csv.reader(f, delimiter=delimiter)
            header = [h.strip() for h in next(reader, [])]
            rows, lines = [], []
            for row in reader:
                if not row or all(not c.strip() for c in row):
                    continue
                if len(row) != len(header):
                    raise RaggedRowError(f"{len(row)} cells where the header names {len(header)} columns",
                                         file=path, row=reader.line_num)
                rows.append([c.strip() for c in row])
                lines.append(reader.line_num)
    except (UnicodeDecodeError, OSError, EOFError, csv.Error) as exc:
        raise FormatError(f"not a readable CSV file ({exc})", file=path) from None
    if not header or not rows:
        raise EmptyDataError("a series CSV needs a header row and data rows", file=path)
    return header, rows, lines


def _date_columns(header: list, first_row: list, date, path) -> list:
    if date is None:
        return []
    if date != "auto":
        names = [date] if isinstance(date, str) else list(date)
        for name in names:
            if name not in header:
                raise ColumnError(f"no date column {name!r}; columns: {', '.join(header)}", file=path)
        return names
    lower = [h.lower() for h in header]
    if "year" in lower:
        return [header[lower.index(p)] for p in DATE_PARTS if p in lower]
    for name, low, value in zip(header, lower, first_row):
        if low in DATE_NAMES or ISO_DATE.fullmatch(value):
            return [name]
    return []


def _date_key(values: list, column: str, path, lines) -> np.ndarray:
    """Sortable numbers for one date column's cells: numbers as they are, ISO dates as seconds."""
    out = np.empty(len(values), dtype=np.float64)
    for i, v in enumerate(values):
        if v in MISSING:
            raise MissingValueError(f"the date is missing ({v!r})", file=path, row=lines[i], column=column)
        try:
            out[i] = float(v)
            continue
        except ValueError:
            pass
        try:
            out[i] = np.datetime64(v, "s").astype(np.int64)
        except ValueError:
            raise FormatError(f"{v!r} is not a date VisualNet can order (YYYY-MM, YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS] "
                              "or a number)", file=path, row=lines[i], column=column) from None
    return out


def read_series_table(path, options: SeriesOptions) -> SeriesTable:
    """The CSV's rows ordered by the date column(s) (ties refused), rows with a missing value dropped
    when options.missing is "drop"."""
    path = Path(path)
    header, rows, lines = _read_rows(path, options.delimiter)
    dates = _date_columns(header, rows[0], options.date, path)
    for name in options.exclude:
        if name not in header:
            raise ColumnError(f"no column {name!r} to exclude; columns: {', '.join(header)}", file=path)
    columns = [h for h in header if h not in dates and h not in options.exclude]
    if not columns:
        raise ColumnError("no columns are left as features after the date and excluded columns", file=path)
    table = np.array(rows, dtype=object)
    lines = np.asarray(lines, dtype=np.int64)
    if dates:
        keys = [_date_key(table[:, header.index(d)].tolist(), d, path, lines) for d in dates]
        order = np.lexsort(keys[::-1])
        table, lines = table[order], lines[order]
        sorted_keys = np.stack([k[order] for k in keys], axis=1)
        same = np.flatnonzero(np.all(sorted_keys[1:] == sorted_keys[:-1], axis=1))
        if len(same):
            i = same[0]
            raise DataError(f"rows {lines[i]} and {lines[i + 1]} have the same date "
                            f"({', '.join(table[i, header.index(d)] for d in dates)}); a series needs one row "
                            "per time step", file=path, column=dates[0])
    cells = {c: table[:, header.index(c)] for c in columns}
    if options.missing == "drop":
        keep = ~np.any([np.isin(v, list(MISSING)) for v in cells.values()], axis=0)
        cells = {c: v[keep] for c, v in cells.items()}
        lines = lines[keep]
        if not len(lines):
            raise EmptyDataError("every row has a missing value", file=path)
    return SeriesTable(str(path), header, columns, cells, lines)


def _numbers(values: np.ndarray, missing: np.ndarray, column: str, file, lines) -> np.ndarray:
    """The cells as float64, NaN where missing; the first non-number is named."""
    out = np.full(len(values), np.nan)
    try:
        out[~missing] = values[~missing].astype(np.float64)
    except (ValueError, TypeError):
        for i in np.flatnonzero(~missing):
            try:
                float(values[i])
            except (ValueError, TypeError):
                raise NonNumericError(f"{values[i]!r} is not a number", file=file, row=lines[i],
                                      column=column) from None
    return out


def column_kinds(table: SeriesTable, options: SeriesOptions) -> dict:
    """column -> "numeric" or "categorical": as options.categorical says, else numeric when most of
    the present cells are numbers (a column of mostly numbers with a stray word is an error later)."""
    if options.categorical is not None:
        for name in options.categorical:
            if name not in table.columns:
                raise ColumnError(f"no categorical column {name!r}; columns: {', '.join(table.columns)}",
                                  file=table.file)
        return {c: "categorical" if c in options.categorical else "numeric" for c in table.columns}
    kinds = {}
    for c, values in table.cells.items():
        present = [v for v in values[:1000].tolist() if v not in MISSING]
        numeric = 0
        for v in present:
            try:
                float(v)
                numeric += 1
            except ValueError:
                pass
        kinds[c] = "numeric" if numeric * 2 > len(present) else "categorical"
    return kinds


def fit_encoding(table: SeriesTable, options: SeriesOptions) -> dict:
    """The encoding learnt from the (training) rows of `table`: column kinds, the categories of each
    categorical column (sorted), the feature names, and the feature indices of the numeric columns
    and of the targets."""
    kinds = column_kinds(table, options)
    categories, features = {}, []
    for c in table.columns:
        if kinds[c] == "categorical":
            categories[c] = sorted({v for v in table.cells[c].tolist() if v not in MISSING})
            features += [f"{c}={v}" for v in categories[c]]
        else:
            features.append(c)
    numeric = [c for c in table.columns if kinds[c] == "numeric"]
    targets = options.targets if options.targets is not None else numeric[-1:]
    if not targets:
        raise ColumnError("no numeric column to forecast; name the targets", file=table.file)
    for t in targets:
        if t not in table.columns or kinds[t] != "numeric":
            raise ColumnError(f"the target {t!r} is not a numeric column; numeric columns: {', '.join(numeric)}",
                              file=table.file)
    return {"columns": list(table.columns), "kinds": kinds, "categories": categories, "features": features,
            "numeric": [features.index(c) for c in numeric], "targets": [features.index(t) for t in targets]}


def _fill(values: np.ndarray, missing: np.ndarray, numeric: bool, column: str, file, lines) -> np.ndarray:
    """Missing cells filled: numbers linearly between their neighbours (the nearest at the ends),
    categories with the previous category (the next one at the start)."""
    present = np.flatnonzero(~missing)
    if not len(present):
        raise MissingValueError(f"every value of this part ({len(values)} rows from row {lines[0]}) is missing, "
                                "so none can be interpolated", file=file, column=column)
    if numeric:
        return np.interp(np.arange(len(values)), present, values[present])
    source = np.maximum.accumulate(np.where(missing, -1, np.arange(len(values))))
    source[source < 0] = present[0]
    return values[source]


def encode_table(table: SeriesTable, encoding: dict, missing_mode: str) -> np.ndarray:
    """(rows, features) float64: numbers as they are, categories one-hot (unseen ones all zero)."""
    blocks = []
    for c in encoding["columns"]:
        values = table.cells[c]
        missing = np.isin(values, list(MISSING))
        numeric = encoding["kinds"][c] == "numeric"
        if missing.any() and missing_mode != "interpolate":
            i = int(np.flatnonzero(missing)[0])
            raise MissingValueError(f"missing value {values[i]!r}; choose missing='interpolate' or 'drop' to "
                                    "fill or skip such rows", file=table.file, row=int(table.lines[i]), column=c)
        if numeric:
            col = _numbers(values, missing, c, table.file, table.lines)
            blocks.append((_fill(col, missing, True, c, table.file, table.lines) if missing.any() else col)[:, None])
        else:
            if missing.any():
                values = _fill(values, missing, False, c, table.file, table.lines)
            cats = encoding["categories"][c]
            blocks.append((values[:, None] == np.array(cats, dtype=object)[None, :]).astype(np.float64))
    return np.concatenate(blocks, axis=1)


def fit_scaling(features: np.ndarray, encoding: dict, scale: str) -> "tuple[list, list]":
    """(mean, std) per feature from the training rows; one-hot features and scale "none" keep 0 and 1."""
    mean, std = np.zeros(features.shape[1]), np.ones(features.shape[1])
    if scale == "standardize":
        numeric = encoding["numeric"]
        mean[numeric] = features[:, numeric].mean(axis=0)
        sd = features[:, numeric].std(axis=0)
        std[numeric] = np.where(sd > 0, sd, 1.0)
    return mean.tolist(), std.tolist()


def make_windows(features: np.ndarray, target_index: list, lookback: int, horizon: int, stride: int,
                 dtype="float32") -> "tuple[np.ndarray, np.ndarray]":
    """x (n, lookback, features) and y (n, horizon * targets) of the windows over `features`."""
    starts = np.arange(0, max(len(features) - lookback - horizon + 1, 0), stride, dtype=np.int64)
    check_fits(len(starts) * (lookback * features.shape[1] + horizon * len(target_index)) * np.dtype(dtype).itemsize,
               f"{len(starts):,} windows of {lookback} steps", advice="Use a larger stride or a shorter lookback.")
    x = features[starts[:, None] + np.arange(lookback)[None, :]].astype(dtype)
    ahead = starts[:, None] + lookback + np.arange(horizon)[None, :]
    y = features[ahead][..., target_index].reshape(len(starts), horizon * len(target_index)).astype(dtype)
    return x, y


def step_names(features: list, steps: int) -> list:
    """One name per value of a flattened window, step by step: "pm2.5 t-24", ..., "Iws t-1"."""
    return [f"{f} t-{steps - k}" for k in range(steps) for f in features]


def windows_dataset(x: np.ndarray, y: np.ndarray, encoding: dict, name: str, source: str) -> Dataset:
    return Dataset(x=x, y=y, task="regression", name=name, kind="timeseries",
                   feature_names=step_names(encoding["features"], x.shape[1]), source=source)


def read_series_csv(path, *, progress=None, cancel=None, name: "str | None" = None, **options) -> Dataset:
    """Every window of the whole series, unscaled, categories from all rows (a preview of the
    source); a recipe's `prepare` splits by time first and fits on the training rows only."""
    mon = Monitor(progress, cancel)
    opts = SeriesOptions.from_dict(options)
    table = read_series_table(path, opts)
    mon.report(0.7)
    encoding = fit_encoding(table, opts)
    x, y = make_windows(encode_table(table, encoding, opts.missing), encoding["targets"], opts.lookback,
                        opts.horizon, opts.stride)
    if not len(x):
        raise EmptyDataError(f"{len(table)} rows leave no window of lookback {opts.lookback} + horizon "
                             f"{opts.horizon}", file=path)
    mon.report(1.0)
    return windows_dataset(x, y, encoding, name or Path(path).stem, str(path))
