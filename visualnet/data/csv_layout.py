"""The layout of a CSV/TSV file, read from its first 64 KB: delimiter, header, column
names, and which columns hold numbers. The GUI shows it so the user can pick the target
before importing; `csv_import.read_csv` starts from it.

Detection rules: the delimiter is the candidate (, tab ; | space) that splits the sample
into the most consistent number (> 1) of cells; the first row is a header if one of its
cells is text above a column of numbers, or if it is all text none of which recurs below.
A column is numeric if at least half its non-missing sample cells are numbers. With a
delimiter other than ',', numbers are read with a decimal comma (1,5) when that makes at
least as many sample cells numbers as a decimal point does (a spreadsheet saved in a comma
locale). Thousands separators are read in strict groups of three (1,234.5; 1.234,5;
1 234; 1'234): the mark that is not the decimal one, a space (also no-break) or an
apostrophe.
"""

import codecs
import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import EmptyDataError, FormatError

MISSING = frozenset({"", "?", "na", "n/a", "nan", "null", "none", "-", "--", "#n/a"})
DELIMITERS = (",", "\t", ";", "|", " ")
SAMPLE_BYTES = 1 << 16
SAMPLE_ROWS = 200


@dataclass(frozen=True)
class CsvLayout:
    """What the start of a CSV file says about the whole file."""
    delimiter: str
    header: bool
    names: list          # one per column ("column 1", ... when there is no header)
    numeric: list        # per column: True if most sample cells are numbers
    sample: list         # up to SAMPLE_ROWS first data rows, as lists of strings
    decimal: str = "."   # the decimal mark of the numbers: "." or ","

    @property
    def n_columns(self) -> int:
        return len(self.names)


def is_missing(cell: str) -> bool:
    return cell.strip().lower() in MISSING


def is_number(cell: str, decimal: str = ".") -> bool:
    if is_missing(cell):
        return False
    try:
        return np.isfinite(float(number_text(cell, decimal)))
    except ValueError:
        return False


_SPACES = " \u00a0\u202f'"  # space, no-break space, narrow no-break space, apostrophe
_GROUPED = {  # a number with thousands separators; group 1 is the separator
    ".": re.compile(rf"[+-]?[1-9]\d{{0,2}}([,{_SPACES}])\d{{3}}(?:\1\d{{3}})*(?:\.\d*)?"),
    ",": re.compile(rf"[+-]?[1-9]\d{{0,2}}([.{_SPACES}])\d{{3}}(?:\1\d{{3}})*(?:,\d*)?"),
}


def number_text(cell: str, decimal: str) -> str:
    """`cell` as float() reads it: thousands separators in strict groups of three removed
    ('1,234.5' -> '1234.5'; with decimal ',': '1.234,5' -> '1234.5'), a decimal comma
    turned into a point."""
    if any(mark in cell for mark in (",", ".") + tuple(_SPACES)):
        grouped = _GROUPED[decimal].fullmatch(cell.strip())
        if grouped:
            cell = cell.strip().replace(grouped.group(1), "")
    return cell.replace(",", ".") if decimal == "," else cell


def _read_sample(path: Path, encoding: str) -> str:
    with open(path, "rb") as f:
        raw = f.read(SAMPLE_BYTES)
        at_end = not f.read(1)
    if not raw.strip():
        raise EmptyDataError("the file is empty", file=path)
    if b"\x00" in raw:
        raise FormatError("the file contains NUL bytes: it is binary, not CSV text", file=path)
    decoder = codecs.getincrementaldecoder(text_codec(encoding))(errors="strict")
    try:
        text = decoder.decode(raw, final=at_end)
    except UnicodeDecodeError as e:
        line = raw[:e.start].count(b"\n") + 1
        raise FormatError(f"the text is not valid {encoding} (byte {e.start + 1}); "
                          f"try encoding='latin-1'", file=path, row=line) from None
    if not at_end:  # drop a last line that the sample may have cut in two
        cut = text.rfind("\n")
        text = text[:cut + 1] if cut > 0 else text
    return text


def text_codec(encoding: str) -> str:
    return "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding


def _parse(text: str, delimiter: str) -> list:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter,
                        skipinitialspace=delimiter == " ")
    try:
        return [row for row in reader if not is_blank(row)]
    except csv.Error:
        return []


def is_blank(row: list) -> bool:
    return all(not c.strip() for c in row)


def _sniff_delimiter(lines_text: str, path: Path) -> str:
    """The candidate that splits the sample into the most consistent number (> 1) of cells."""
    best, best_score = ",", (0.0, 0)
    candidates = DELIMITERS
    if path.suffix.lower() in (".tsv", ".tab"):
        candidates = ("\t",) + tuple(d for d in DELIMITERS if d != "\t")
    for d in candidates:
        rows = _parse(lines_text, d)[:SAMPLE_ROWS]
        if not rows:
            continue
        counts = np.array([len(r) for r in rows])
        values, freq = np.unique(counts, return_counts=True)
        mode = values[np.argmax(freq)]
        if mode < 2:
            continue
        score = (freq.max() / len(rows), int(mode))
        if score[0] > best_score[0] + 1e-9:
            best, best_score = d, score
    return best


def _detect_header(rows: list, decimal: str) -> bool:
    """True if the first row names the columns rather than holding data."""
    first, rest = rows[0], rows[1:]

    def number(cell):
        return is_number(cell, decimal)

    if not rest:
        return not any(map(number, first))
    for j, cell in enumerate(first):
        below = [r[j] for r in rest if j < len(r) and not is_missing(r[j])]
        if not number(cell) and not is_missing(cell) and below and all(map(number, below)):
            return True
    if all(not number(c) and c.strip() for c in first):
        return all(first[j].strip() not in {r[j].strip() for r in rest if j < len(r)}
                   for j in range(len(first)))
    return False


def _detect_decimal(rows: list, delimiter: str) -> str:
    """',' when a decimal comma makes at least as many of the sample's cells with a comma
    numbers as a point does ('1,234' alone is one and a quarter here, as in a comma locale)."""
    if delimiter == ",":
        return "."
    cells = [c for r in rows for c in r if "," in c]
    return "," if cells and sum(is_number(c, ",") for c in cells) >= sum(map(is_number, cells)) else "."


def sniff_csv(path, *, delimiter: "str | None" = None, header: "bool | None" = None,
              decimal: "str | None" = None, encoding: str = "utf-8") -> CsvLayout:
    """Delimiter, header, decimal mark, column names and types from the first 64 KB of `path`."""
    path = Path(path)
    if decimal not in (None, ".", ","):
        raise ValueError(f"decimal must be '.', ',' or None (detect it); received: decimal={decimal!r}")
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    text = _read_sample(path, encoding)
    if delimiter is None:
        delimiter = _sniff_delimiter(text, path)
    elif not isinstance(delimiter, str) or len(delimiter) != 1:
        raise ValueError(f"delimiter must be a single character; received: delimiter={delimiter!r}")
    rows = _parse(text, delimiter)[:SAMPLE_ROWS + 1]
    if not rows:
        raise EmptyDataError("the file holds no rows", file=path)
    if decimal is None:
        decimal = _detect_decimal(rows, delimiter)
    if decimal == "," and delimiter == ",":
        raise ValueError("a decimal comma needs a delimiter other than ','")
    if header is None:
        header = _detect_header(rows, decimal)
    n = len(rows[0])
    if header:
        names = [c.strip() or f"column {j + 1}" for j, c in enumerate(rows[0])]
        rows = rows[1:]
    else:
        names = [f"column {j + 1}" for j in range(n)]
    numeric = []
    for j in range(n):
        cells = [r[j] for r in rows if j < len(r) and not is_missing(r[j])]
        numeric.append(sum(is_number(c, decimal) for c in cells) * 2 >= len(cells) if cells else True)
    return CsvLayout(delimiter=delimiter, header=bool(header), names=names, numeric=numeric,
                     sample=rows[:SAMPLE_ROWS], decimal=decimal)
