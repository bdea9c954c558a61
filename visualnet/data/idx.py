"""MNIST-style IDX files, raw or gzip-compressed.

Format: two zero bytes, a type code, the number of dimensions, then one big-endian
uint32 per dimension, then the values in C order. The header is checked before any
array is allocated: the claimed size must fit the file (raw files: exactly; gzip files:
the 32-bit size in the gzip trailer must agree, and the claim must be reachable at
deflate's best compression ratio), so a header that claims 10^9 items fails at once.
The data are then read in chunks straight into the final array, with progress and
cancellation; a file that ends early or holds extra bytes is an error.
"""

import gzip
import os
import struct
import zlib
from pathlib import Path

import numpy as np

from .dataset import Dataset
from .memory import check_fits
from .errors import DataError, EmptyDataError, FormatError, LabelRangeError, NonNumericError, SizeMismatchError
from .progress import Monitor

DTYPES = {0x08: np.dtype(">u1"), 0x09: np.dtype(">i1"), 0x0B: np.dtype(">i2"),
          0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
MAX_DEFLATE_RATIO = 1032   # deflate cannot compress better than about 1032:1
CHUNK = 1 << 20


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(2) == b"\x1f\x8b"


def _open(path: Path):
    return gzip.open(path, "rb") if _is_gzip(path) else open(path, "rb")


def read_idx_header(path) -> "tuple[np.dtype, tuple]":
    """The element type and shape an IDX file declares (its data are not read)."""
    path = Path(path)
    with _open(path) as f:
        return _read_header(f, path)[:2]


def _read_header(f, path: Path):
    try:
        head = f.read(4)
    except (OSError, EOFError, zlib.error) as e:
        raise FormatError(f"cannot read the file as gzip: {e}", file=path) from None
    if len(head) == 0:
        raise EmptyDataError("the file is empty", file=path)
    if len(head) < 4:
        raise FormatError(f"the file is truncated: {len(head)} bytes, shorter than an IDX header", file=path)
    if head[0] != 0 or head[1] != 0:
        raise FormatError(f"not an IDX file: the magic number 0x{head.hex()} should start with two zero bytes",
                          file=path)
    if head[2] not in DTYPES:
        raise FormatError(f"unknown IDX type code 0x{head[2]:02x} (known: "
                          f"{', '.join(f'0x{c:02x}' for c in DTYPES)})", file=path)
    ndim = head[3]
    if not 1 <= ndim <= 8:
        raise FormatError(f"the IDX header declares {ndim} dimensions; 1 to 8 are supported", file=path)
    raw = f.read(4 * ndim)
    if len(raw) < 4 * ndim:
        raise FormatError(f"the file is truncated inside its header ({ndim} dimensions declared)", file=path)
    shape = struct.unpack(f">{ndim}I", raw)
    return DTYPES[head[2]], tuple(int(d) for d in shape), 4 + 4 * ndim


def _gzip_trailer_size(path: Path) -> "int | None":
    """The uncompressed size mod 2**32 recorded at the end of a gzip file."""
    size = os.path.getsize(path)
    if size < 18:
        return None
    with open(path, "rb") as f:
        f.seek(size - 4)
        return struct.unpack("<I", f.read(4))[0]


def read_idx(path, *, progress=None, cancel=None) -> np.ndarray:
    """The array stored in an IDX file (native byte order)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    mon = Monitor(progress, cancel)
    compressed = _is_gzip(path)
    file_size = os.path.getsize(path)
    with _open(path) as f:
        dtype, shape, header_bytes = _read_header(f, path)
        count = int(np.prod(shape, dtype=object))
        need = count * dtype.itemsize
        claim = f"the header declares shape {shape} of {dtype.name}, {need:,} bytes of data"
        if compressed:
            trailer = _gzip_trailer_size(path)
            if need + header_bytes > file_size * MAX_DEFLATE_RATIO:
                raise SizeMismatchError(f"{claim}, more than a {file_size:,}-byte gzip file can hold",
                                        file=path)
            if trailer is not None and trailer != (need + header_bytes) % 2 ** 32:
                raise SizeMismatchError(f"{claim}, but the gzip trailer says the data hold "
                                        f"{max(trailer - header_bytes, 0):,} bytes", file=path)
        else:
            have = file_size - header_bytes
            if have < need:
                raise SizeMismatchError(f"{claim}, but only {have:,} bytes follow the header "
                                        f"(the file is truncated or the header is wrong)", file=path)
            if have > need:
                raise SizeMismatchError(f"{claim}, but {have:,} bytes follow the header "
                                        f"({have - need:,} extra)", file=path)
        if count == 0:
            raise EmptyDataError(f"the header declares shape {shape}: no values", file=path)
        check_fits(need, f"the IDX data of shape {shape}", file=path)
        out = np.empty(count, dtype=dtype.newbyteorder("="))
        view = memoryview(out.view(np.uint8))
        done = 0
        try:
            while done < need:
                mon.report(done / need)
                n = f.readinto(view[done:min(done + CHUNK, need)])
                if not n:
                    raise SizeMismatchError(f"{claim}, but the data end after {done:,} bytes "
                                            f"(the file is truncated)", file=path)
                done += n
            if f.read(1):
                raise SizeMismatchError(f"{claim}, but more data follow them", file=path)
        except (EOFError, zlib.error, gzip.BadGzipFile) as e:
            raise FormatError(f"the gzip stream is damaged after {done:,} bytes of data: {e}",
                              file=path) from None
    if dtype.byteorder == ">" and dtype.itemsize > 1:
        out.byteswap(inplace=True)   # the buffer held big-endian bytes; make them native
    mon.report(1.0)
    return out.reshape(shape)


MAX_INFERRED_CLASSES = 1 << 16   # more classes must be declared (num_classes or class_names)


def check_finite(x: np.ndarray, *, file=None, what: str = "the features") -> None:
    """Refuse NaN and infinities as CSV import does (NonNumericError), naming the first one's
    sample (row, 1-based) and column (2-D arrays) or position within the sample, and how
    many there are. Checked in chunks of samples, so a large array needs little extra memory."""
    if x.dtype.kind not in "fc" or x.size == 0:
        return
    step = max(CHUNK // max(x.size // len(x), 1), 1)
    first, count = None, 0
    for start in range(0, len(x), step):
        bad = ~np.isfinite(x[start:start + step])
        found = int(np.count_nonzero(bad))
        if found and first is None:
            at = np.unravel_index(int(np.argmax(bad)), bad.shape)
            first = (start + int(at[0]), tuple(int(p) for p in at[1:]))
        count += found
    if first is None:
        return
    row, pos = first
    value = x[(row,) + pos].item()
    column = None if not pos else pos[0] + 1 if len(pos) == 1 else "(" + ", ".join(str(p + 1) for p in pos) + ")"
    where = f" at position {column} of sample {row + 1}" if len(pos) > 1 else ""
    more = f"; {count:,} values are NaN or infinite" if count > 1 else ""
    raise NonNumericError(f"{value!r} is not a number{where}, but {what} must hold numbers{more}",
                          file=file, row=row + 1, column=column)


def check_labels(y: np.ndarray, num_classes: int, *, file=None) -> None:
    """Raise `LabelRangeError` at the first label outside 0..num_classes-1, naming its value and
    its row (1-based: the sample's position in the file)."""
    bad = np.flatnonzero((y < 0) | (y >= num_classes))
    if len(bad):
        i = int(bad[0])
        raise LabelRangeError(f"label {y[i].item()!r} is outside the {num_classes} classes 0..{num_classes - 1} "
                              f"({len(bad)} such labels)", file=file, row=i + 1)


def _check_label_values(y: np.ndarray, file) -> None:
    """Labels must be whole, finite and not negative: name the first that is not."""
    if y.dtype.kind == "f":
        bad = np.flatnonzero(~np.isfinite(y) | (y != np.round(y)))
        if len(bad):
            i = int(bad[0])
            more = f" ({len(bad)} such labels)" if len(bad) > 1 else ""
            raise DataError(f"label {y[i].item()!r} is not a whole number{more}; labels must "
                            f"be class indices 0, 1, 2, ...", file=file, row=i + 1)
    bad = np.flatnonzero(y < 0)
    if len(bad):
        i = int(bad[0])
        more = f" ({len(bad)} such labels)" if len(bad) > 1 else ""
        raise LabelRangeError(f"label {y[i].item()!r} is negative{more}; labels must be class "
                              f"indices 0, 1, 2, ...", file=file, row=i + 1)


def read_idx_pair(images, labels, *, num_classes: "int | None" = None, name: "str | None" = None,
                  class_names: "list | None" = None, progress=None, cancel=None) -> Dataset:
    """An image IDX file and its label IDX file as a classification `Dataset`.

    Images become (n, rows, cols, 1); labels must be whole numbers in 0..num_classes-1
    (num_classes defaults to the number of class_names, else the largest label + 1).
    """
    images, labels = Path(images), Path(labels)
    mon = Monitor(progress, cancel)
    x = read_idx(images, progress=lambda f: mon.report(0.95 * f), cancel=cancel)
    y = read_idx(labels, cancel=cancel)
    if x.ndim not in (3, 4):
        raise FormatError(f"an image IDX file holds (count, rows, cols[, channels]); this one has shape "
                          f"{x.shape}", file=images)
    if y.ndim != 1:
        raise FormatError(f"a label IDX file holds one dimension; this one has shape {y.shape}", file=labels)
    if len(x) != len(y):
        raise SizeMismatchError(f"{len(y)} labels for {len(x)} images in {images}", file=labels)
    check_finite(x, file=images, what="the images")
    _check_label_values(y, labels)
    if class_names is not None:
        num_classes = len(class_names)
    if y.dtype.kind == "f" and y.max() >= 2 ** 63:      # would overflow int64
        check_labels(y, MAX_INFERRED_CLASSES if num_classes is None else num_classes, file=labels)
    y = y.astype(np.int64)
    if num_classes is None:
        top = int(np.argmax(y))
        if y[top] >= MAX_INFERRED_CLASSES:
            raise LabelRangeError(f"label {int(y[top])} would make {int(y[top]) + 1:,} classes, "
                                  f"more than {MAX_INFERRED_CLASSES:,}; if the labels are right, give num_classes "
                                  f"or class_names", file=labels, row=top + 1)
        num_classes = max(int(y[top]) + 1, 2)
    check_labels(y, num_classes, file=labels)
    if x.ndim == 3:
        x = x[..., np.newaxis]
    mon.report(1.0)
    return Dataset(x=x, y=y, task="binary" if num_classes == 2 else "multiclass", name=name or images.stem,
                   kind="image", class_names=list(class_names or [str(k) for k in range(num_classes)]),
                   source=f"IDX files {images} and {labels}")
