"""Sequence sets: one CSV file per variable-length sequence plus a targets file, padded to one length.

A recipe source (JSON):
    {"type": "sequence_files", "path": "IndoorMovement.zip",       # a folder or a .zip
     "options": {"targets": "dataset/MovementAAL_target.csv",      # inside the folder or zip
                 "pattern": "dataset/MovementAAL_RSS_*.csv",        # the sequence files (default "*.csv")
                 "maxlen": None, "padding": "pre", "truncating": "pre", "mask_value": 0.0,
                 "pad_per_batch": False}}

A sequence file holds one time step per row (numbers; a header row and `#` lines are skipped);
its id is the last whole number in its name. The targets file has rows `id,label` (a header or
`#` line first is skipped); labels become classes in sorted order (+1/-1 give "-1", "1").
Sequences are padded (or truncated) to `maxlen` (None: the longest) with `mask_value`, which
`Masking(mask_value=...)` then skips; a real time step equal to it everywhere is refused.

`pad_per_batch` (Keras users' bucketing; off in recipes saved before it): training pads each
batch only to its own longest sequence, drawing shuffled batches in length buckets
(engine/batch_padding.py: what that changes about shuffling). The arrays stay padded to
the longest (splits, previews and fingerprints are unchanged); `batch_padding` gives the
lengths training cuts the batches to. With Masking (or mask_zero) the results are those of
padding to the longest, to float32's rounding.
"""

from __future__ import annotations

import csv
import fnmatch
import io
import re
import zipfile
from pathlib import Path, PurePosixPath

import numpy as np

from .dataset import Dataset, encode_labels
from .errors import ColumnError, DataError, EmptyDataError, FormatError, NonNumericError, RaggedRowError
from .memory import check_fits
from .progress import Monitor
from .sequences import pad_sequences
from .series import step_names

LAST_NUMBER = re.compile(r"(\d+)(?!.*\d)")


def _members(path: Path) -> dict:
    """relative posix name -> a callable returning the file's text, for a folder or a zip."""
    if path.is_dir():
        return {f.relative_to(path).as_posix(): (lambda f=f: f.read_text(encoding="utf-8-sig"))
                for f in sorted(path.rglob("*")) if f.is_file()}
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise FormatError(f"neither a folder nor a readable zip file ({exc})", file=path) from None
    return {n: (lambda n=n: archive.read(n).decode("utf-8-sig")) for n in archive.namelist() if not n.endswith("/")}


def _rows(text: str, file: str) -> "tuple[list, list]":
    """(cells of each data row, file line of each row); `#` lines and blank lines skipped."""
    reader = csv.reader(io.StringIO(text))
    rows, lines = [], []
    for row in reader:
        if not row or row[0].lstrip().startswith("#") or all(not c.strip() for c in row):
            continue
        rows.append([c.strip() for c in row])
        lines.append(reader.line_num)
    if not rows:
        raise EmptyDataError("no data rows", file=file)
    return rows, lines


def _is_number(cell: str) -> bool:
    try:
        float(cell)
        return True
    except ValueError:
        return False


def _read_sequence(text: str, file: str) -> "tuple[np.ndarray, list | None]":
    """(steps, features) float64 and the header names (None without a header)."""
    rows, lines = _rows(text, file)
    header = None
    if not all(_is_number(c) for c in rows[0]):
        header, rows, lines = rows[0], rows[1:], lines[1:]
        if not rows:
            raise EmptyDataError("a header and no data rows", file=file)
    width = len(rows[0]) if header is None else len(header)
    values = np.empty((len(rows), width))
    for row, line in zip(rows, lines):
        if len(row) != width:
            raise RaggedRowError(f"{len(row)} cells where the first row has {width}", file=file, row=line)
    for i, (row, line) in enumerate(zip(rows, lines)):
        for j, cell in enumerate(row):
            try:
                values[i, j] = float(cell)
            except ValueError:
                raise NonNumericError(f"{cell!r} is not a number", file=file, row=line, column=j + 1) from None
    return values, header


def _read_targets(text: str, file: str) -> "tuple[list, list]":
    """(ids, labels as text) in the file's order."""
    rows, lines = _rows(text, file)
    if not rows[0][0].lstrip("+-").isdigit():
        rows, lines = rows[1:], lines[1:]
    ids, labels = [], []
    for row, line in zip(rows, lines):
        if len(row) < 2 or not row[0].lstrip("+").isdigit():
            raise FormatError(f"a targets row is `id,label`; received {row!r}", file=file, row=line)
        ids.append(int(row[0]))
        labels.append(row[1])
    if len(set(ids)) != len(ids):
        raise DataError("a sequence id appears twice", file=file)
    return ids, labels


def _label_values(labels: list) -> np.ndarray:
    if all(_is_number(v) for v in labels):
        return np.array([float(v) for v in labels])
    return np.array(labels, dtype=object).astype(str)


def read_sequence_set(path, *, targets: str, pattern: str = "*.csv", maxlen: "int | None" = None,
                      padding: str = "pre", truncating: str = "pre", mask_value: float = 0.0,
                      pad_per_batch: bool = False, name: "str | None" = None, progress=None,
                      cancel=None) -> Dataset:
    """The sequences of a folder or zip, padded to (n, maxlen, features), with their labels (see the module
    docstring); samples in the targets file's order."""
    path = Path(path)
    mon = Monitor(progress, cancel)
    if padding not in ("pre", "post") or truncating not in ("pre", "post"):
        raise DataError(f"padding and truncating are 'pre' or 'post'; received: {padding!r}, {truncating!r}")
    if maxlen is not None and (isinstance(maxlen, bool) or not isinstance(maxlen, int) or maxlen < 1):
        raise DataError(f"maxlen must be a whole number >= 1 or None; received: {maxlen!r}")
    if not isinstance(pad_per_batch, bool):
        raise DataError(f"pad_per_batch is true or false; received: {pad_per_batch!r}")
    members = _members(path)
    target_name = PurePosixPath(targets).as_posix()
    if target_name not in members:
        raise ColumnError(f"no targets file {targets!r} inside", file=path)
    ids, labels = _read_targets(members[target_name](), f"{path}/{target_name}")
    by_id = {}
    for member in members:
        if member != target_name and fnmatch.fnmatch(member, pattern):
            number = LAST_NUMBER.search(PurePosixPath(member).stem)
            if number is None:
                raise DataError(f"the sequence file {member!r} has no id number in its name", file=path)
            if int(number.group(1)) in by_id:
                raise DataError(f"{member} and {by_id[int(number.group(1))]} have the same id", file=path)
            by_id[int(number.group(1))] = member
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise DataError(f"no sequence file matching {pattern!r} for id {missing[0]} of the targets file "
                        f"({len(missing)} missing)", file=path)
    sequences, header = [], None
    for k, i in enumerate(ids):
        values, names = _read_sequence(members[by_id[i]](), f"{path}/{by_id[i]}")
        header = header or names
        if sequences and values.shape[1] != sequences[0].shape[1]:
            raise DataError(f"{values.shape[1]} features where the first sequence has {sequences[0].shape[1]}",
                            file=f"{path}/{by_id[i]}")
        blank = np.flatnonzero(np.all(values == mask_value, axis=1))
        if len(blank):
            raise DataError(f"time step {blank[0] + 1} equals the mask value {mask_value} in every feature, so "
                            "Masking would skip it: choose another mask_value", file=f"{path}/{by_id[i]}")
        sequences.append(values)
        mon.report(0.9 * (k + 1) / len(ids))
    length = maxlen or max(len(s) for s in sequences)
    check_fits(len(sequences) * length * sequences[0].shape[1] * 4, f"{len(sequences):,} sequences of {length} steps",
               file=path, advice="Choose a smaller maxlen.")
    x = pad_sequences(sequences, maxlen=length, dtype="float32", padding=padding, truncating=truncating,
                      value=mask_value)
    y, class_names = encode_labels(_label_values(labels))
    mon.report(1.0)
    features = header or [f"feature {j + 1}" for j in range(x.shape[2])]
    return Dataset(x=x, y=y, task="binary" if len(class_names) <= 2 else "multiclass", name=name or path.stem,
                   kind="timeseries", feature_names=step_names(features, length), class_names=class_names,
                   source=str(path))


def pads_per_batch(source: dict) -> bool:
    """Whether a recipe source asks for per-batch padding (a `sequence_files` source with its
    `pad_per_batch` option)."""
    return source.get("type") == "sequence_files" and bool((source.get("options") or {}).get("pad_per_batch", False))


def batch_padding(source: dict, x) -> "BatchPadding | None":
    """The per-batch padding a `sequence_files` recipe source asks for (`pads_per_batch`),
    for `x`, samples of its padded sequences before any preprocessing step (a standardized
    mask value is no longer the padding's); None when it does not ask for it."""
    if not pads_per_batch(source):
        return None
    options = source.get("options") or {}
    from ..engine.batch_padding import BatchPadding   # (importing the data package loads no engine)

    return BatchPadding.of(x, options.get("mask_value", 0.0), options.get("padding", "pre"))


def training_padding(prepared, samples=None) -> "BatchPadding | None":
    """The training samples' per-batch padding (a sequence set whose recipe asks for
    `pad_per_batch`), cut to the first `samples` (a positive int) when given, else None:
    what the Train page's data panel and `visualnet train` give their session. Other data
    are not gathered (an MNIST training split is a 25 MB copy)."""
    source = prepared.recipe.source
    if not pads_per_batch(source):
        return None
    padding = batch_padding(source, prepared.dataset.x[prepared.train.indices])
    usable = isinstance(samples, int) and not isinstance(samples, bool) and samples > 0
    return padding.head(samples) if usable else padding
