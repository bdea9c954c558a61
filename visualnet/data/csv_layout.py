"""The layout of a CSV/TSV file, read from its first 64 KB (more if its first lines are
longer): delimiter, header, column names, and which columns hold numbers. The GUI shows it
so the user can pick the target before importing; `csv_import.read_csv` starts from it.
UTF-16/UTF-32 text with a byte-order mark (Excel's "Unicode text") is read as such.

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
SAMPLE_MIN_LINES = 3           # read past SAMPLE_BYTES until the sample holds this many lines
MAX_SAMPLE_BYTES = 1 << 24     # ... but no further: a longer first line is refused
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
    """The first SAMPLE_BYTES of the file as text, cut after its last complete line; read
    further (up to MAX_SAMPLE_BYTES) while it holds fewer than SAMPLE_MIN_LINES lines, so that
    a header or first line longer than the sample is read whole."""
    with open(path, "rb") as f:
        raw = f.read(SAMPLE_BYTES)
        at_end = not f.read(1)
        f.seek(len(raw))
        while not at_end and _line_breaks(raw) < SAMPLE_MIN_LINES and len(raw) < MAX_SAMPLE_BYTES:
            raw += f.read(min(len(raw), MAX_SAMPLE_BYTES - len(raw)))
            at_end = not f.read(1)
            f.seek(len(raw))
    if not raw.strip():
        raise EmptyDataError("the file is empty", file=path)
    codec = file_codec(path, encoding)
    if b"\x00" in raw and not _wide_codec(codec):
        bom = raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        if bom or _looks_utf16(raw):
            what, hint = ("UTF-16 text", "utf-16") if bom else \
                ("UTF-16 text without a byte-order mark", "utf-16-le" if raw[1:2] == b"\x00" else "utf-16-be")
            raise FormatError(f"the file looks like {what}, not {encoding}: pass encoding='{hint}', or save it "
                              f"as UTF-8 (in Excel: Save As, \"CSV UTF-8\")", file=path)
        raise FormatError("the file contains NUL bytes: it is binary, not CSV text", file=path)
    decoder = codecs.getincrementaldecoder(codec)(errors="strict")
    try:
        text = decoder.decode(raw, final=at_end)
    except UnicodeDecodeError as e:
        row = locate_bad_text(path, codec)
        raise FormatError(bad_text_message(e, encoding), file=path,
                          row=row if row is not None else raw[:e.start].count(b"\n") + 1) from None
    if not at_end:  # drop a last line that the sample may have cut in two
        cut = max(text.rfind("\n"), text.rfind("\r"))
        if cut < 0:
            limit = f"{MAX_SAMPLE_BYTES >> 20} MB" if MAX_SAMPLE_BYTES >= 1 << 20 else f"{MAX_SAMPLE_BYTES >> 10} KB"
            raise FormatError(f"the first line is longer than {limit} "
                              f"({len(raw):,} bytes without a line break): this is not a table VisualNet "
                              f"can read as CSV", file=path)
        text = text[:cut + 1]
    if "\x00" in text:
        raise FormatError("the text contains NUL characters: it is binary, not CSV text", file=path)
    return text


def _line_breaks(raw: bytes) -> int:
    return max(raw.count(b"\n"), raw.count(b"\r"))     # Unix/Windows, or old Mac (CR alone)


BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def text_codec(encoding: str) -> str:
    return "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding


def file_codec(path, encoding: str = "utf-8") -> str:
    """The codec to decode `path` with: `text_codec(encoding)`, except that a file starting with a
    UTF-16 or UTF-32 byte-order mark (Excel's "Unicode text") is decoded as that, the mark
    telling the byte order, when `encoding` is UTF-8 (the default) or that same family."""
    name = codecs.lookup(encoding).name
    if name != "utf-8" and not name.startswith(("utf-16", "utf-32")):
        return text_codec(encoding)
    with open(path, "rb") as f:
        head = f.read(4)
    for bom, family in BOMS:
        if head.startswith(bom) and (name == "utf-8" or name.startswith(family)):
            return family
    return text_codec(encoding)


def _wide_codec(codec: str) -> bool:
    """True for codecs whose text holds NUL bytes (UTF-16, UTF-32)."""
    return b"\x00" in "a".encode(codec, errors="replace")


def _ascii_lines(codec: str) -> bool:
    """True if a line break is the byte 0x0a and nothing else ends in it (UTF-8, Latin-1, ...)."""
    return not _wide_codec(codec) and "a\n".encode(codec, errors="replace").endswith(b"a\n")


def _looks_utf16(raw: bytes) -> bool:
    """UTF-16 text without a byte-order mark: mostly ASCII, so every other byte is NUL."""
    even, odd = raw[0:4096:2], raw[1:4096:2]
    if len(odd) < 2:
        return False
    zeros_even, zeros_odd = even.count(0) / len(even), odd.count(0) / len(odd)
    return (zeros_odd > 0.9 and zeros_even < 0.05) or (zeros_even > 0.9 and zeros_odd < 0.05)


def bad_text_message(e: UnicodeDecodeError, encoding: str) -> str:
    bad = e.object[e.start:e.end][:4]
    shown = " ".join(f"0x{b:02x}" for b in bad)
    return (f"the text is not valid {encoding}: byte {shown} ({e.reason}); the file may be in another "
            f"encoding: try encoding='latin-1' (or 'cp1252'), or save it as UTF-8")


def locate_bad_text(path, codec: str, delimiter: str = ",", skipinitialspace: bool = False) -> "int | None":
    """The 1-based row, counted as a spreadsheet shows it (records, blank lines and a header
    included), of the first byte of `path` that `codec` cannot decode; None if all decode or
    if the codec's line breaks are not the byte 0x0a (UTF-16, UTF-32)."""
    if not _ascii_lines(codec):
        return None
    bad_line = None

    def lines():
        nonlocal bad_line
        with open(path, "rb") as f:
            for n, raw in enumerate(f, 1):
                if bad_line is None:
                    try:
                        yield raw.decode(codec)
                        continue
                    except UnicodeDecodeError:
                        bad_line = n
                yield raw.decode(codec, errors="replace")

    source = lines()
    reader = csv.reader(source, delimiter=delimiter, skipinitialspace=skipinitialspace)
    row = 0
    try:
        for _ in reader:
            row += 1
            if bad_line is not None and reader.line_num >= bad_line:
                return row
    except csv.Error:
        return row + 1 if bad_line is not None else None
    finally:
        source.close()
    return row if bad_line is not None else None


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
    """Delimiter, header, decimal mark, column names and types from the first 64 KB of `path`
    (read further, up to MAX_SAMPLE_BYTES, to hold SAMPLE_MIN_LINES whole lines). A file starting
    with a UTF-16/UTF-32 byte-order mark is read as such (see `file_codec`)."""
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
