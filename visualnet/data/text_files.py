"""Reading text: single files, a folder of class subfolders of .txt files, a CSV text column.

Encodings: `encoding=None` detects it per file: a byte-order mark says UTF-8, UTF-16 or
UTF-32; without one, text that is valid UTF-8 is UTF-8, anything else is read as Latin-1
(which accepts every byte). A named encoding is used as given (a UTF-8 byte-order mark is
skipped). Text holding NUL bytes without a byte-order mark is refused as binary. Sizes
are checked against the memory limit before anything is read, and every error names
the file (and the line, or the row and column of a CSV).

Folder order is Keras's `index_directory`: class subfolders in sorted order (or the
order of `class_names`), then each subfolder's files walked in sorted order, nested
folders included.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
from pathlib import Path

import numpy as np

from .csv_import import MAX_CLASSES, _resolve_column
from .csv_layout import is_missing, is_number, number_text, sniff_csv
from .dataset import Dataset, encode_labels, infer_task
from .errors import (DataError, EmptyDataError, FormatError, MissingValueError, NonNumericError,
                     RaggedRowError)
from .memory import check_fits
from .progress import Monitor

BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
CHARS_PER_BYTE = 4          # memory check: a Python string takes up to 4 bytes per character


def detect_encoding(raw: bytes, *, file=None) -> str:
    """The codec `raw` is decoded with when no encoding is named (see the module docstring)."""
    for bom, codec in BOMS:
        if raw.startswith(bom):
            return codec
    if b"\x00" in raw:
        raise FormatError("the file holds NUL bytes and no byte-order mark: it is binary, or UTF-16 without a "
                          "byte-order mark (pass encoding='utf-16-le' or 'utf-16-be')", file=file)
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return "latin-1"
    return "utf-8"


def _codec(encoding: str, *, file=None) -> str:
    try:
        name = codecs.lookup(encoding).name
    except (LookupError, TypeError):
        raise DataError(f"unknown text encoding {encoding!r}; use e.g. 'utf-8', 'utf-16', 'latin-1' or 'cp1252'",
                        file=file) from None
    return "utf-8-sig" if name == "utf-8" else name


def decode_text(raw: bytes, encoding: "str | None" = None, *, file=None) -> str:
    """`raw` as text: `encoding` None detects it; a byte it cannot decode is an error naming the
    line and the column (counted in bytes) where it sits."""
    codec = detect_encoding(raw, file=file) if encoding is None else _codec(encoding, file=file)
    try:
        text = raw.decode(codec)
    except UnicodeDecodeError as e:
        line = raw[:e.start].count(b"\n") + 1
        column = e.start - (raw.rfind(b"\n", 0, e.start) + 1) + 1
        shown = " ".join(f"0x{b:02x}" for b in raw[e.start:e.end][:4])
        raise FormatError(f"the text is not valid {codec}: byte {shown} at line {line}, byte {column} "
                          f"({e.reason}); pass another encoding (e.g. 'latin-1' or 'cp1252'), or encoding=None to "
                          "detect it", file=file, row=line, column=column) from None
    if "\x00" in text:
        raise FormatError("the text holds NUL characters: the file is binary, not text", file=file)
    return text


def _file_size(path: Path) -> int:
    if not path.exists():
        raise FileNotFoundError(f"no such file: {path}")
    if not path.is_file():
        raise DataError("not a file", file=path)
    return path.stat().st_size


def read_text_file(path, encoding: "str | None" = None, max_length: "int | None" = None) -> str:
    """The text of one file (see `decode_text`), cut to its first `max_length` characters."""
    path = Path(path)
    check_fits(_file_size(path) * CHARS_PER_BYTE, f"the text of {path.name}", file=path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise DataError(f"cannot read the file: {e.strerror or e}", file=path) from None
    text = decode_text(raw, encoding, file=path)
    return text[:max_length] if max_length is not None else text


def _walk(directory: str, follow_links: bool, formats: tuple):
    for root, _, files in sorted(os.walk(directory, followlinks=follow_links), key=lambda w: w[0]):
        for name in sorted(files):
            if name.lower().endswith(formats):
                yield os.path.join(root, name)


def list_text_files(directory, labels="inferred", class_names=None, follow_links: bool = False,
                    formats: tuple = (".txt",)) -> "tuple[list, np.ndarray | None, list | None]":
    """(file paths, int32 labels or None, class names or None) in Keras's order, unshuffled.

    labels: "inferred" (from the class subfolders), None, or one integer per file found
    (class names are then the sorted labels as strings)."""
    directory = str(directory)
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"no such folder: {directory}")
    if labels == "inferred":
        subdirs = [d for d in sorted(os.listdir(directory))
                   if os.path.isdir(os.path.join(directory, d)) and not d.startswith(".")]
        if class_names is not None:
            if not set(class_names).issubset(subdirs):
                raise ValueError("The `class_names` passed did not match the names of the subdirectories of the "
                                 f"target directory. Expected: {subdirs} (or a subset of it), but received: "
                                 f"class_names={class_names}")
            subdirs = list(class_names)
        paths, found = [], []
        for k, sub in enumerate(subdirs):
            files = list(_walk(os.path.join(directory, sub), follow_links, formats))
            paths += files
            found += [k] * len(files)
        return paths, np.asarray(found, dtype=np.int32), list(subdirs)
    if class_names is not None:
        raise ValueError("When `labels=None` (no labels), argument `class_names` cannot be specified."
                         if labels is None else "When argument `labels` is specified, argument `class_names` "
                         "cannot be specified (the `class_names` will be the sorted list of labels).")
    paths = list(_walk(directory, follow_links, formats))
    if labels is None:
        return paths, None, None
    if len(labels) != len(paths):
        raise ValueError(f"Expected the lengths of `labels` to match the number of files in the target directory. "
                         f"len(labels) is {len(labels)} while we found {len(paths)} files in directory {directory}.")
    return paths, np.asarray(labels), [str(v) for v in sorted(set(labels))]


def read_text_files(paths: list, encoding=None, max_length=None, *, what: str = "", monitor: "Monitor | None" = None,
                    start: float = 0.0, span: float = 1.0) -> list:
    """The texts of `paths`, after checking that they fit in memory together."""
    total = sum(_file_size(Path(p)) for p in paths)
    check_fits(total * CHARS_PER_BYTE, f"the text of {len(paths):,} files{what}")
    texts = []
    for i, p in enumerate(paths):
        texts.append(read_text_file(p, encoding, max_length))
        if monitor is not None and i % 50 == 0:
            monitor.report(start + span * i / max(len(paths), 1))
    return texts


def as_text_column(texts: list) -> np.ndarray:
    """Texts as the (n, 1) object array a text `Dataset` holds."""
    x = np.empty((len(texts), 1), dtype=object)
    x[:, 0] = texts
    return x


def read_text_folder(path, *, encoding: "str | None" = None, class_names=None, max_length: "int | None" = None,
                     follow_links: bool = False, name: "str | None" = None, progress=None, cancel=None) -> Dataset:
    """A labelled text `Dataset` from a folder of class subfolders of .txt files (one sample per
    file, in Keras's file order; x holds the texts, shape (n, 1))."""
    path = Path(path)
    mon = Monitor(progress, cancel)
    paths, labels, names = list_text_files(path, "inferred", class_names, follow_links)
    if not paths:
        raise EmptyDataError("no .txt files in class subfolders: a text folder holds one subfolder per class, "
                             "each with .txt files", file=path)
    if len(names) < 2:
        raise DataError(f"a text folder needs at least 2 class subfolders; found {names}", file=path)
    texts = read_text_files(paths, encoding, max_length, what=f" in {path}", monitor=mon)
    mon.report(1.0)
    return Dataset(x=as_text_column(texts), y=labels.astype(np.int64),
                   task="binary" if len(names) == 2 else "multiclass", name=name or path.name, kind="text",
                   feature_names=["text"], class_names=names, source=str(path))


def read_text_csv(path, *, text_column=0, target=-1, delimiter: "str | None" = None,
                  header: "bool | None" = None, encoding: "str | None" = None, task: "str | None" = None,
                  name: "str | None" = None, progress=None, cancel=None) -> Dataset:
    """A text `Dataset` from a CSV file: `text_column` holds the texts, `target` the labels
    (class names, or numbers: few whole numbers are classes, others a regression target, unless
    `task` says). Columns are header names or 0-based indices."""
    path = Path(path)
    mon = Monitor(progress, cancel)
    check_fits(_file_size(path) * CHARS_PER_BYTE, f"the text of {path.name}", file=path)
    raw = path.read_bytes()
    if not raw.strip():
        raise EmptyDataError("the file is empty", file=path)
    codec = detect_encoding(raw, file=path) if encoding is None else _codec(encoding, file=path)
    text = decode_text(raw, codec, file=path)
    layout = sniff_csv(path, delimiter=delimiter, header=header, encoding=codec)
    text_col = _resolve_column(text_column, layout.names, path, "text")
    target_col = _resolve_column(target, layout.names, path, "target")
    if text_col == target_col:
        raise DataError(f"the text column and the target column are the same ({layout.names[text_col]!r})",
                        file=path)
    texts, values = [], []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=layout.delimiter)
    need = max(text_col, target_col) + 1
    header_pending, lines = layout.header, max(text.count("\n"), 1)
    for row_number, cells in enumerate(reader, start=1):
        if not cells or all(not c.strip() for c in cells):
            continue
        if header_pending:
            header_pending = False
            continue
        if len(cells) < need:
            raise RaggedRowError(f"the row has {len(cells)} cells; the text and target columns need {need}",
                                 file=path, row=row_number)
        if is_missing(cells[target_col]):
            raise MissingValueError(f"the target is missing ({cells[target_col]!r})", file=path, row=row_number,
                                    column=layout.names[target_col])
        texts.append(cells[text_col])
        values.append(cells[target_col].strip())
        if row_number % 1000 == 0:
            mon.report(0.9 * reader.line_num / lines)
    if not texts:
        raise EmptyDataError("the file holds no rows of data", file=path)
    y, task, names = _labels(values, task, path, layout.names[target_col], layout.decimal)
    mon.report(1.0)
    return Dataset(x=as_text_column(texts), y=y, task=task, name=name or path.stem, kind="text",
                   feature_names=[layout.names[text_col]], class_names=names, source=str(path))


def _labels(values: list, task, path, column: str, decimal: str):
    """(y, task, class names) from the target cells."""
    if task not in (None, "binary", "multiclass", "regression"):
        raise ValueError(f"task must be 'binary', 'multiclass', 'regression' or None; received: task={task!r}")
    numeric = all(is_number(v, decimal) for v in values)
    if numeric:
        numbers = np.array([float(number_text(v, decimal)) for v in values], dtype=np.float64)
        task = task or infer_task(numbers)
        if task == "regression":
            return numbers, task, []
        y, names = encode_labels(numbers)
    else:
        if task == "regression":
            bad = next(v for v in values if not is_number(v, decimal))
            raise NonNumericError(f"a regression target must be numbers; found {bad!r}", file=path, column=column)
        y, names = encode_labels(np.array(values, dtype=object).astype(str))
    if len(names) < 2:
        raise DataError(f"the target column holds a single class ({names[0]!r}): nothing to learn", file=path,
                        column=column)
    if len(names) > MAX_CLASSES:
        raise DataError(f"the target column holds {len(names):,} classes, more than {MAX_CLASSES}: is it the right "
                        "column?", file=path, column=column)
    return y, task or ("binary" if len(names) == 2 else "multiclass"), names
