"""CSV/TSV tables: streaming import and the encoding of columns.

`read_csv` starts from the file's layout (`csv_layout.sniff_csv`), then streams the file in chunks of rows
straight into a preallocated float64 buffer (sized from the average row length of the
sample, grown by half if needed and shrunk in place at the end), so memory stays about
the size of the decoded array. Rows and columns in errors are 1-based, counted as a
spreadsheet shows them (a header is row 1, blank lines count).

Numeric columns become float64 features; text (categorical) columns are one-hot encoded
with their categories in sorted order; the target becomes class indices (sorted classes)
or regression values. How each column was encoded is kept in `Dataset.columns`, so that
`encode_rows` can encode new rows for prediction the same way.
"""

import csv
import io
import os
from itertools import islice
from pathlib import Path

import numpy as np

from .csv_layout import (MISSING, bad_text_message, file_codec, is_blank, is_missing, is_number, locate_bad_text,
                         number_text, sniff_csv)
from .dataset import Dataset, encode_labels, format_value, infer_task
from .errors import (ColumnError, DataError, EmptyDataError, FormatError, MissingValueError,
                     NonNumericError, RaggedRowError)
from .progress import Monitor

CHUNK_ROWS = 1 << 14
MAX_CLASSES = 1000


def _resolve_column(ref, names: list, path: Path, what: str) -> int:
    n = len(names)
    if isinstance(ref, (int, np.integer)) and not isinstance(ref, bool):
        if -n <= ref < n:
            return int(ref) % n
        raise ColumnError(f"the {what} column index {ref} does not exist: the file has {n} columns "
                          f"(valid indices {-n}..{n - 1})", file=path)
    if isinstance(ref, str):
        if ref in names:
            return names.index(ref)
        folded = [nm.strip().lower() for nm in names]
        if ref.strip().lower() in folded:
            return folded.index(ref.strip().lower())
        shown = ", ".join(repr(nm) for nm in names[:20]) + (", ..." if n > 20 else "")
        raise ColumnError(f"the {what} column {ref!r} does not exist; the columns are: {shown}", file=path)
    raise TypeError(f"a {what} column is named by its header name or its 0-based index; received: {ref!r}")


def _sort_key(value: str):
    return (0, float(number_text(value, ".")), value) if is_number(value) else (1, 0.0, value)


def _floats(cells: list, decimal: str) -> np.ndarray:
    """The cells as numbers (ValueError if one is not one): first by NumPy's parse where it
    reads every cell as `number_text` does (no cell holds a thousands separator NumPy
    would misread), else cell by cell."""
    texts = cells
    if decimal == ",":
        joined = "\0".join(cells)
        texts = None if "." in joined else joined.replace(",", ".").split("\0")  # '1.234' is 1234
    if texts is not None and len(texts) == len(cells):
        try:
            return np.array(texts, dtype=np.float64)
        except ValueError:
            pass
    return np.array([number_text(c, decimal) for c in cells], dtype=np.float64)


class _Column:
    """How one raw column is decoded while streaming."""

    def __init__(self, index: int, name: str, numeric: bool, max_categories: int, decimal: str = "."):
        self.index, self.name, self.numeric, self.decimal = index, name, numeric, decimal
        self.max_categories = max_categories
        self.codes: dict = {}

    def where(self) -> str:
        return f"column {self.index + 1} ({self.name!r})" if not self.name.startswith("column ") \
            else f"column {self.index + 1}"

    def decode(self, cells: list, rownum, path: Path) -> np.ndarray:
        if self.numeric:
            try:
                values = _floats(cells, self.decimal)
                if np.all(np.isfinite(values)):
                    return values
            except ValueError:
                pass
            self._raise_bad_number(cells, rownum, path)
        out = np.empty(len(cells), dtype=np.float64)
        codes = self.codes
        for i, cell in enumerate(cells):
            value = cell.strip()
            code = codes.get(value)
            if code is None:
                if value.lower() in MISSING:
                    raise MissingValueError(f"missing value {cell!r} in {self.where()}",
                                            file=path, row=rownum(i), column=self.index + 1)
                code = codes[value] = len(codes)
                if len(codes) > self.max_categories:
                    raise DataError(
                        f"{self.where()} has more than {self.max_categories} different text values, too many "
                        f"to one-hot encode; ignore the column, or if it should be numeric, fix its cells",
                        file=path, row=rownum(i), column=self.index + 1)
            out[i] = code
        return out

    def _raise_bad_number(self, cells, rownum, path):
        for i, cell in enumerate(cells):
            if is_missing(cell):
                raise MissingValueError(f"missing value {cell!r} in numeric {self.where()}; fill it in or "
                                        f"remove the row", file=path, row=rownum(i), column=self.index + 1)
            if not is_number(cell, self.decimal):
                raise NonNumericError(f"{cell!r} is not a number, but {self.where()} holds numbers",
                                      file=path, row=rownum(i), column=self.index + 1)
        raise AssertionError("unreachable: a cell failed to convert but none is bad")

    def categories(self) -> "tuple[list, np.ndarray]":
        """Categories in sorted order and the table mapping stream codes to sorted codes."""
        cats = sorted(self.codes, key=_sort_key)
        lut = np.empty(len(cats), dtype=np.int64)
        for new, cat in enumerate(cats):
            lut[self.codes[cat]] = new
        return cats, lut


class _Buffer:
    """A 2-D float64 array that grows by half when full and shrinks in place at the end."""

    def __init__(self, capacity: int, width: int):
        self.array = np.empty((max(capacity, 16), width), dtype=np.float64)
        self.n = 0

    def reserve(self, m: int) -> None:
        cap = len(self.array)
        if self.n + m > cap:
            new_cap = max(self.n + m, cap + cap // 2)
            self.array.resize((new_cap, self.array.shape[1]), refcheck=False)

    def finish(self) -> np.ndarray:
        self.array.resize((self.n, self.array.shape[1]), refcheck=False)
        return self.array


def read_csv(path, *, target=-1, delimiter: "str | None" = None, header: "bool | None" = None,
             names: "list | None" = None, categorical=(), ignore=(), task: "str | None" = None,
             max_categories: int = 50, encoding: str = "utf-8", name: "str | None" = None,
             decimal: "str | None" = None, progress=None, cancel=None) -> Dataset:
    """Import a CSV/TSV file as a `Dataset`.

    target: the target column, by header name or 0-based index (default: the last);
        None for a file without targets (e.g. inputs to predict on).
    delimiter, header, decimal: None to detect them (see `sniff_csv`); decimal is the numbers'
        decimal mark, '.' or ',' (a comma needs another delimiter).
    names: column names to use instead of the header's (or of "column 1", ...).
    categorical: columns (names or indices) to one-hot encode even if they hold numbers;
        columns holding mostly text are categorical anyway.
    ignore: columns (names or indices) to leave out.
    task: 'binary' | 'multiclass' | 'regression', or None to infer it from the target.
    progress, cancel: see `visualnet.data.progress`.
    """
    path = Path(path)
    mon = Monitor(progress, cancel)
    layout = sniff_csv(path, delimiter=delimiter, header=header, decimal=decimal, encoding=encoding)
    n_cols = layout.n_columns
    col_names = list(layout.names)
    if names is not None:
        if len(names) != n_cols:
            raise ColumnError(f"{len(names)} column names were given but the file has {n_cols} columns",
                              file=path)
        col_names = [str(nm) for nm in names]
    if n_cols < 2 and target is not None:
        hint = ""
        if delimiter is not None:
            guess = sniff_csv(path, encoding=encoding).delimiter
            if guess != delimiter:
                hint = f"; the file seems to use {guess!r} as delimiter"
        raise FormatError(f"only one column found with delimiter {layout.delimiter!r}; a table needs feature "
                          f"columns and a target column{hint}", file=path)
    target_idx = None if target is None else _resolve_column(target, col_names, path, "target")
    ignored = {_resolve_column(c, col_names, path, "ignored") for c in ignore}
    forced = {_resolve_column(c, col_names, path, "categorical") for c in categorical}
    if target_idx is not None and target_idx in ignored:
        raise ColumnError(f"the target column {col_names[target_idx]!r} cannot also be ignored", file=path)
    if task is not None and task not in ("binary", "multiclass", "regression"):
        raise ValueError(f"task must be 'binary', 'multiclass', 'regression' or None; received: task={task!r}")
    feature_cols = [_Column(j, col_names[j], layout.numeric[j] and j not in forced, max_categories, layout.decimal)
                    for j in range(n_cols) if j != target_idx and j not in ignored]
    if not feature_cols:
        raise ColumnError("no feature columns are left once the target and ignored columns are removed",
                          file=path)
    target_col = None
    if target_idx is not None:
        numeric_target = layout.numeric[target_idx] and target_idx not in forced
        if task == "regression":
            numeric_target = True
        target_col = _Column(target_idx, col_names[target_idx], numeric_target, MAX_CLASSES, layout.decimal)

    xbuf, ybuf = _stream(path, layout, encoding, feature_cols, target_col, n_cols, mon)
    x = _one_hot_features(xbuf, feature_cols)
    feature_names, feature_specs = [], []
    for col in feature_cols:
        if col.numeric:
            feature_names.append(col.name)
            feature_specs.append({"index": col.index, "name": col.name, "type": "numeric"})
        else:
            cats = col.categories()[0]
            feature_names.extend(f"{col.name}={c}" for c in cats)
            feature_specs.append({"index": col.index, "name": col.name, "type": "categorical",
                                  "categories": cats})
    y, class_names, inferred, target_spec = None, [], "regression", None
    if target_col is not None:
        y, class_names, inferred, target_spec = _encode_target(ybuf, target_col, task, path)
    mon.report(1.0)
    columns = {"format": "csv", "delimiter": layout.delimiter, "decimal": layout.decimal, "header": layout.header,
               "names": col_names, "features": feature_specs, "target": target_spec,
               "ignored": sorted(ignored)}
    return Dataset(x=x, y=y, task=inferred, name=name or path.stem, kind="table",
                   feature_names=feature_names, class_names=class_names,
                   source=f"CSV file {path}", columns=columns)


def _stream(path, layout, encoding, feature_cols, target_col, n_cols, mon):
    size = max(os.path.getsize(path), 1)
    sample_bytes = sum(len(layout.delimiter.join(r)) + 1 for r in layout.sample)
    # a data row holds at least n_cols characters (its delimiters and line break), so the rows
    # are at most size / n_cols however small (or empty) the sample is
    per_row = max(sample_bytes / max(len(layout.sample), 1), n_cols, 1)
    codec = file_codec(path, encoding)
    per_row *= max(len("aa".encode(codec)) - len("a".encode(codec)), 1)    # bytes per character
    estimate = int(size / per_row * 1.05) + 16
    xbuf = _Buffer(estimate, len(feature_cols))
    ybuf = _Buffer(estimate, 1) if target_col is not None else None
    with open(path, "rb") as raw:
        text = io.TextIOWrapper(raw, encoding=codec, newline="")
        reader = csv.reader(text, delimiter=layout.delimiter, skipinitialspace=layout.delimiter == " ")
        decoding = (codec, encoding, layout)        # for errors in _next_rows
        record = 0                                  # spreadsheet row of the last row read
        if layout.header:
            while True:                             # skip blank lines above the header
                record += 1
                head = _next_rows(reader, 1, path, decoding)
                if not head or not is_blank(head[0]):
                    break
        width_row = record if layout.header else None    # the row that fixed the number of columns
        while True:
            mon.report(raw.tell() / size * 0.98)
            rows = _next_rows(reader, CHUNK_ROWS, path, decoding)
            if not rows:
                break
            first = record + 1
            record += len(rows)
            rownums = None
            if set(map(len, rows)) != {n_cols}:
                keep = []
                for i, r in enumerate(rows):
                    if len(r) == n_cols:
                        keep.append(i)
                    elif not is_blank(r):
                        where = f"row {width_row}" if width_row else "the first rows"
                        raise RaggedRowError(f"this row has {len(r)} cells but {where} has {n_cols}; "
                                             f"check for a missing or extra {layout.delimiter!r}",
                                             file=path, row=first + i)
                rows = [rows[i] for i in keep]
                rownums = np.array(keep, dtype=np.int64) + first
            if width_row is None and rows:
                width_row = first if rownums is None else int(rownums[0])

            def rownum(i, _first=first, _nums=rownums):
                return _first + i if _nums is None else int(_nums[i])

            m = len(rows)
            if not m:
                continue
            xbuf.reserve(m)
            for pos, col in enumerate(feature_cols):
                j = col.index
                xbuf.array[xbuf.n:xbuf.n + m, pos] = col.decode([r[j] for r in rows], rownum, path)
            xbuf.n += m
            if ybuf is not None:
                ybuf.reserve(m)
                j = target_col.index
                ybuf.array[ybuf.n:ybuf.n + m, 0] = target_col.decode([r[j] for r in rows], rownum, path)
                ybuf.n += m
    if xbuf.n == 0:
        raise EmptyDataError("the file has no data rows" + (" below its header" if layout.header else ""),
                             file=path)
    return xbuf.finish(), (ybuf.finish()[:, 0] if ybuf is not None else None)


def _next_rows(reader, count, path, decoding):
    try:
        return list(islice(reader, count))
    except UnicodeDecodeError as e:
        # the text layer decodes ahead of the rows read, so the row is found again in the file
        codec, encoding, layout = decoding
        row = locate_bad_text(path, codec, layout.delimiter, layout.delimiter == " ")
        message = bad_text_message(e, encoding)
        if layout.header and row is not None:
            message += " (the header is row 1)"
        raise FormatError(message, file=path, row=row if row is not None else reader.line_num + 1) from None
    except csv.Error as e:
        raise FormatError(f"malformed CSV: {e}", file=path, row=reader.line_num) from None


def _one_hot_features(xbuf: np.ndarray, feature_cols: list) -> np.ndarray:
    if all(c.numeric for c in feature_cols):
        return xbuf
    widths = [1 if c.numeric else len(c.codes) for c in feature_cols]
    x = np.zeros((len(xbuf), sum(widths)), dtype=np.float64)
    at = 0
    rows = np.arange(len(xbuf))
    for pos, (col, w) in enumerate(zip(feature_cols, widths)):
        if col.numeric:
            x[:, at] = xbuf[:, pos]
        else:
            lut = col.categories()[1]
            x[rows, at + lut[xbuf[:, pos].astype(np.int64)]] = 1.0
        at += w
    return x


def _encode_target(values: np.ndarray, col: _Column, task, path):
    spec = {"index": col.index, "name": col.name, "type": "numeric" if col.numeric else "categorical"}
    if col.numeric:
        guessed = infer_task(values)
        task = task or guessed
        if task == "regression":
            spec["classes"] = None
            return values.astype(np.float64), [], task, spec
        if len(np.unique(values)) > MAX_CLASSES:
            raise DataError(f"the target {col.where()} has more than {MAX_CLASSES} different values, too many "
                            f"classes; use task='regression'", file=path, column=col.index + 1)
        y, class_names = encode_labels(values)
        raw_classes = [float(v) for v in np.unique(values)]
    else:
        cats, lut = col.categories()
        y = lut[values.astype(np.int64)]
        class_names = list(cats)
        raw_classes = list(cats)
        task = task or ("binary" if len(cats) <= 2 else "multiclass")
    k = len(class_names)
    if k < 2:
        raise DataError(f"the target {col.where()} holds a single value ({class_names[0]!r}): there is "
                        f"nothing to learn; choose another target column", file=path, column=col.index + 1)
    if task == "binary" and k != 2:
        raise DataError(f"task='binary' needs 2 classes but the target {col.where()} has {k}: "
                        f"{', '.join(class_names[:10])}{', ...' if k > 10 else ''}", file=path,
                        column=col.index + 1)
    spec["classes"] = raw_classes
    return y, class_names, task, spec


def encode_rows(columns: dict, rows, *, file=None) -> np.ndarray:
    """Encode raw feature rows the way an imported table's columns were encoded.

    `columns` is a `Dataset.columns` dict from `read_csv`; each row holds one cell per
    feature column, in the file's order, without the target. Returns float64 (n, features).
    """
    specs, decimal = columns["features"], columns.get("decimal", ".")
    width = sum(1 if s["type"] == "numeric" else len(s["categories"]) for s in specs)
    rows = list(rows)
    x = np.zeros((len(rows), width), dtype=np.float64)
    for i, row in enumerate(rows):
        row = list(row)
        if len(row) != len(specs):
            raise RaggedRowError(f"this row has {len(row)} cells but the model's table has {len(specs)} "
                                 f"feature columns ({', '.join(s['name'] for s in specs)})", file=file, row=i + 1)
        at = 0
        for j, (cell, spec) in enumerate(zip(row, specs)):
            if spec["type"] == "numeric":
                try:
                    value = float(number_text(cell, decimal) if isinstance(cell, str) else cell)
                except (TypeError, ValueError):
                    value = float("nan")
                if not np.isfinite(value):
                    raise NonNumericError(f"{cell!r} is not a number, but column {spec['name']!r} holds numbers",
                                          file=file, row=i + 1, column=j + 1)
                x[i, at] = value
                at += 1
            else:
                cats = spec["categories"]
                value = format_value(cell) if not isinstance(cell, str) else cell.strip()
                if value not in cats:
                    raise DataError(f"unknown category {value!r} in column {spec['name']!r}; known: "
                                    f"{', '.join(map(repr, cats))}", file=file, row=i + 1, column=j + 1)
                x[i, at + cats.index(value)] = 1.0
                at += len(cats)
    return x
