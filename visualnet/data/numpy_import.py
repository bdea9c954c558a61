"""NumPy `.npy` and `.npz` files, read without ever unpickling.

Each array's header is read and checked against the bytes actually present before any
data are loaded, so a header that claims a huge shape fails at once. Arrays of Python
objects are refused (np.load keeps its safe default, which refuses them too). `.npy` data are copied in chunks from a
memory map, with progress and cancellation.
"""

import ast
import zipfile
from pathlib import Path

import numpy as np

from .dataset import Dataset, encode_labels, infer_task
from .memory import check_fits
from .errors import ColumnError, DataError, EmptyDataError, FormatError, SizeMismatchError
from .idx import check_finite, check_labels
from .progress import Monitor

X_KEYS = ("x", "X", "features", "inputs", "data", "images")
Y_KEYS = ("y", "Y", "labels", "targets", "target")
CHUNK_BYTES = 1 << 24
MAX_HEADER = 1 << 16  # bytes of a format 3.0 header (NumPy's own readers stop at 10,000)


def _read_header(f, where: str, path: Path):
    """(shape, fortran_order, dtype, header_length) of the .npy stream `f`."""
    fmt = np.lib.format
    try:
        version = fmt.read_magic(f)
        if version == (1, 0):
            shape, fortran, dtype = fmt.read_array_header_1_0(f)
        elif version == (2, 0):
            shape, fortran, dtype = fmt.read_array_header_2_0(f)
        elif version == (3, 0):
            shape, fortran, dtype = _read_header_3_0(f)
        else:
            raise ValueError(f"unsupported .npy format version {version[0]}.{version[1]} (1.0, 2.0 and 3.0 are read)")
    except (ValueError, EOFError, OSError, SyntaxError, TypeError) as e:
        raise FormatError(f"{where} is not a valid .npy array: {e}", file=path) from None
    if dtype.hasobject:
        raise FormatError(f"{where} holds Python objects; only plain numeric or text arrays are read "
                          f"(objects could run code when loaded)", file=path)
    return tuple(shape), fortran, dtype, f.tell()


def _read_header_3_0(f):
    """(shape, fortran_order, dtype) of a format 3.0 header: as 2.0 (a 4-byte length) but
    UTF-8 text (NumPy has no public reader for it)."""
    raw = f.read(4)
    if len(raw) != 4:
        raise EOFError("the file ends inside the .npy header")
    length = int.from_bytes(raw, "little")
    if length > MAX_HEADER:
        raise ValueError(f"the header claims {length:,} bytes; at most {MAX_HEADER:,} are read")
    text = f.read(length)
    if len(text) != length:
        raise EOFError("the file ends inside the .npy header")
    try:
        header = ast.literal_eval(text.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, SyntaxError, MemoryError, RecursionError) as e:
        raise ValueError(f"cannot parse the header: {e}") from None
    if not isinstance(header, dict) or set(header) != {"descr", "fortran_order", "shape"}:
        raise ValueError(f"the header is not a dict with keys descr, fortran_order and shape: {header!r:.200}")
    shape, fortran = header["shape"], header["fortran_order"]
    if not isinstance(shape, tuple) or not all(isinstance(n, int) and n >= 0 for n in shape):
        raise ValueError(f"shape is not a tuple of sizes: {shape!r:.200}")
    if not isinstance(fortran, bool):
        raise ValueError(f"fortran_order is not True or False: {fortran!r}")
    return shape, fortran, np.lib.format.descr_to_dtype(header["descr"])


def _check_size(shape, dtype, available: int, where: str, path: Path) -> None:
    need = int(np.prod(shape, dtype=object)) * dtype.itemsize
    if need != available:
        what = "truncated" if need > available else "longer than its header says"
        raise SizeMismatchError(f"{where} declares shape {shape} of {dtype}, {need:,} bytes, but holds "
                                f"{available:,} bytes (the file is {what})", file=path)


def list_arrays(path) -> dict:
    """{name: (shape, dtype)} for each array in a .npy/.npz file, read from headers only."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    if not zipfile.is_zipfile(path):
        with open(path, "rb") as f:
            shape, _, dtype, header = _read_header(f, "the array", path)
        _check_size(shape, dtype, path.stat().st_size - header, "the array", path)
        return {path.stem: (shape, dtype)}
    found = {}
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                if not info.filename.endswith(".npy"):
                    continue
                key = info.filename[:-4]
                with zf.open(info) as f:
                    shape, _, dtype, header = _read_header(f, f"array {key!r}", path)
                _check_size(shape, dtype, info.file_size - header, f"array {key!r}", path)
                found[key] = (shape, dtype)
    except zipfile.BadZipFile as e:
        raise FormatError(f"damaged .npz (zip) file: {e}", file=path) from None
    if not found:
        raise EmptyDataError("the .npz file holds no arrays", file=path)
    return found


def load_array(path, key: "str | None" = None, *, progress=None, cancel=None) -> np.ndarray:
    """One array from a .npy file, or the array `key` from a .npz file (headers checked first)."""
    path = Path(path)
    mon = Monitor(progress, cancel)
    arrays = list_arrays(path)
    if not zipfile.is_zipfile(path):
        try:
            mapped = np.load(path, mmap_mode="r")
        except (ValueError, OSError) as e:
            raise FormatError(f"cannot read the array: {e}", file=path) from None
        out = np.empty_like(mapped, dtype=mapped.dtype.newbyteorder("="), order="K")
        flat_in, flat_out = mapped.reshape(-1, order="A"), out.reshape(-1, order="A")
        step = max(CHUNK_BYTES // max(mapped.dtype.itemsize, 1), 1)
        for start in range(0, flat_in.size, step):
            mon.report(start / max(flat_in.size, 1))
            flat_out[start:start + step] = flat_in[start:start + step]
        del mapped, flat_in
        mon.report(1.0)
        return out
    if key is None or key not in arrays:
        raise ColumnError(f"no array {key!r} in the file; it holds: {', '.join(sorted(arrays))}", file=path)
    mon.check()
    try:
        with np.load(path) as npz:
            out = npz[key]
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as e:
        raise FormatError(f"cannot read array {key!r}: {e}", file=path) from None
    mon.report(1.0)
    return out


def _check_memory(arrays: dict, keys: set, path: Path, more: dict | None = None) -> None:
    need = sum(int(np.prod(shape, dtype=object)) * dtype.itemsize
               for k, (shape, dtype) in {**{k: arrays[k] for k in keys}, **(more or {})}.items())
    check_fits(need, f"the arrays {', '.join(sorted(keys | set(more or {})))}", file=path)


def _pick(names, wanted, explicit, path, what):
    if explicit is not None:
        if explicit not in names:
            raise ColumnError(f"no {what} array {explicit!r}; the file holds: {', '.join(sorted(names))}",
                              file=path)
        return explicit
    for key in wanted:
        if key in names:
            return key
    return None


def read_numpy(path, *, x_key: "str | None" = None, y_key: "str | None" = None, y_path=None,
               target: "int | None" = None, task: "str | None" = None, class_names: "list | None" = None,
               kind: "str | None" = None, name: "str | None" = None, progress=None, cancel=None) -> Dataset:
    """Import .npy/.npz arrays as a `Dataset`.

    .npz: features from `x_key` (default: the first of x, X, features, inputs, data, images,
    or x_train + x_test concatenated as Keras's dataset files hold them), targets from
    `y_key` likewise. .npy: the features; targets from `y_path`, or from column `target`
    of a 2-D array. Integer targets with few values are classes (labels must then lie in
    0..k-1 when `class_names` is given); other numbers are regression values; text targets
    are class names. `kind`: 'table' or 'image' (default: 'image' for (n, h, w) uint8
    arrays and for (n, h, w, c) arrays with 1, 3 or 4 channels).
    """
    path = Path(path)
    mon = Monitor(progress, cancel)
    arrays = list_arrays(path)
    sub = Monitor(lambda f: mon.report(0.9 * f), cancel)
    y = None
    if zipfile.is_zipfile(path):
        names = set(arrays)
        xk = _pick(names, X_KEYS, x_key, path, "feature")
        yk = _pick(names, Y_KEYS, y_key, path, "target")
        pair = xk is None and {"x_train", "x_test"} <= names
        wanted = ({"x_train", "x_test"} | ({"y_train", "y_test"} if yk is None else set())) if pair else \
            ({xk} if xk is not None else set(names) if len(names) == 1 else set())
        _check_memory(arrays, (wanted | {yk}) & names, path)
        if pair:
            x = np.concatenate([load_array(path, "x_train", cancel=cancel), load_array(path, "x_test", cancel=cancel)])
            if yk is None and {"y_train", "y_test"} <= names:
                y = np.concatenate([load_array(path, "y_train", cancel=cancel),
                                    load_array(path, "y_test", cancel=cancel)])
        elif xk is None and len(names) == 1:
            x = load_array(path, next(iter(names)), cancel=cancel)
        elif xk is None:
            raise ColumnError(f"which array holds the features? Pass x_key=...; the file holds: "
                              f"{', '.join(sorted(names))}", file=path)
        else:
            x = load_array(path, xk, cancel=cancel)
        if yk is not None:
            y = load_array(path, yk, cancel=cancel)
    else:
        _check_memory(arrays, set(arrays), path, list_arrays(y_path) if y_path is not None else {})
        x = load_array(path, progress=sub.report, cancel=cancel)
        if y_path is not None:
            y = load_array(y_path, cancel=cancel)
    if x.dtype.kind not in "biuf":
        raise FormatError(f"the features are of type {x.dtype}; numbers are needed", file=path)
    if x.ndim == 0 or len(x) == 0:
        raise EmptyDataError(f"the feature array has shape {x.shape}: no samples", file=path)
    check_finite(x, file=path, what="the array" if target is not None else "the features")
    if target is not None:
        if y is not None or x.ndim != 2:
            raise ValueError("target= picks a column of a 2-D array that holds features and targets together")
        n_cols = x.shape[1]
        if not -n_cols <= target < n_cols:
            raise ColumnError(f"the target column index {target} does not exist: the array has {n_cols} "
                              f"columns", file=path)
        target %= n_cols
        y, x = x[:, target], np.delete(x, target, axis=1)
    if x.ndim == 1:
        x = x.reshape(-1, 1)
    if kind is None:
        image = (x.ndim == 3 and x.dtype == np.uint8) or (x.ndim == 4 and x.shape[-1] in (1, 3, 4))
        kind = "image" if image else "table"
    if kind == "image" and x.ndim == 3:
        x = x[..., np.newaxis]
    y_file = Path(y_path) if y_path is not None else path
    y, task, class_names = _targets(y, len(x), task, class_names, y_file)
    mon.report(1.0)
    features = [f"feature {j + 1}" for j in range(x.shape[1])] if kind == "table" and x.ndim == 2 else []
    return Dataset(x=x, y=y, task=task, name=name or path.stem, kind=kind, feature_names=features,
                   class_names=class_names, source=f"NumPy file {path}")


def _targets(y, n, task, class_names, file):
    if y is None:
        return None, task or "regression", list(class_names or [])
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise FormatError(f"the targets have shape {y.shape}; one value per sample is needed "
                          f"(one-hot targets: convert them with argmax)", file=file)
    if len(y) != n:
        raise SizeMismatchError(f"{len(y)} targets for {n} samples", file=file)
    if y.dtype.kind in "US":
        labels, names = encode_labels(y.astype(str))
        return labels, task or ("binary" if len(names) <= 2 else "multiclass"), names
    if y.dtype.kind not in "biuf":
        raise FormatError(f"the targets are of type {y.dtype}; numbers or text are needed", file=file)
    task = task or (infer_task(y) if class_names is None else
                    ("binary" if len(class_names) == 2 else "multiclass"))
    if task == "regression":
        check_finite(y, file=file, what="the targets")
        return y.astype(np.float64), task, []
    if not np.all(np.isfinite(y)) or not np.all(y == np.round(y)):
        raise DataError("class labels must be whole numbers", file=file)
    if class_names is not None:
        check_labels(y, len(class_names), file=file)
        return y.astype(np.int64), list(class_names), task
    if y.min() < 0:
        check_labels(y, int(y.max()) + 1, file=file)
    labels, names = encode_labels(y)
    return labels, task, names
