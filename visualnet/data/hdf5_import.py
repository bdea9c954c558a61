"""Datasets stored in HDF5 files (h5py), read in chunks with progress and cancellation."""

from pathlib import Path

import numpy as np

from .memory import check_fits
from .errors import ColumnError, EmptyDataError, FormatError
from .idx import check_finite
from .numpy_import import X_KEYS, Y_KEYS, _targets
from .dataset import Dataset
from .progress import Monitor

CHUNK_BYTES = 1 << 24


def _open(path: Path):
    from .hdf5_guard import ExternalDataError, UnsafeHDF5Error, open_hdf5
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    try:
        return open_hdf5(path)
    except OSError as e:
        raise FormatError(f"not a readable HDF5 file: {e}", file=path) from None
    except ExternalDataError as e:
        raise FormatError(f"not read: the file refers to data outside itself. {e}", file=path) from None
    except UnsafeHDF5Error as e:
        raise FormatError(f"not read: {e}", file=path) from None


def list_hdf5_datasets(path) -> dict:
    """{'/group/name': (shape, dtype)} for every array in the file."""
    import h5py
    path = Path(path)
    found = {}
    with _open(path) as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset) and obj.shape is not None and obj.ndim >= 1:
                found[name] = (tuple(obj.shape), obj.dtype)
        f.visititems(visit)
    if not found:
        raise EmptyDataError("the HDF5 file holds no arrays", file=path)
    return found


def _declared_bytes(dset) -> int:
    return int(np.prod(dset.shape, dtype=object)) * dset.dtype.itemsize if dset.shape else dset.dtype.itemsize


def _read(dset, path: Path, key: str, mon: Monitor, lo: float, hi: float) -> np.ndarray:
    if dset.dtype.kind not in "biufSU":
        raise FormatError(f"array {key!r} is of type {dset.dtype}; numbers or text are needed", file=path)
    n = dset.shape[0]
    if dset.dtype.kind in "SU" or n == 0:
        return np.asarray(dset[()])
    out = np.empty(dset.shape, dtype=dset.dtype.newbyteorder("="))
    per_row = max(int(np.prod(dset.shape[1:], dtype=np.int64)) * dset.dtype.itemsize, 1)
    step = max(CHUNK_BYTES // per_row, 1)
    try:
        for start in range(0, n, step):
            mon.report(lo + (hi - lo) * start / n)
            dset.read_direct(out, np.s_[start:start + step], np.s_[start:start + step])
    except (OSError, RuntimeError) as e:
        raise FormatError(f"cannot read array {key!r} (the file may be truncated): {e}", file=path) from None
    return out


def read_hdf5(path, *, x_key: "str | None" = None, y_key: "str | None" = None, task: "str | None" = None,
              class_names: "list | None" = None, kind: "str | None" = None, name: "str | None" = None,
              progress=None, cancel=None) -> Dataset:
    """Import arrays from an HDF5 file as a `Dataset`.

    `x_key`/`y_key` name the arrays (paths such as 'train/x' work); by default the first
    of x, X, features, inputs, data, images (and y, Y, labels, targets, target) at the top
    level, or the only array. Targets follow `numpy_import.read_numpy`'s rules.
    """
    path = Path(path)
    mon = Monitor(progress, cancel)
    arrays = list_hdf5_datasets(path)
    names = set(arrays)

    def pick(explicit, wanted, what):
        if explicit is not None:
            key = explicit.strip("/")
            if key not in names:
                raise ColumnError(f"no {what} array {explicit!r}; the file holds: {', '.join(sorted(names))}",
                                  file=path)
            return key
        return next((k for k in wanted if k in names), None)

    xk = pick(x_key, X_KEYS, "feature")
    yk = pick(y_key, Y_KEYS, "target")
    if xk is None:
        rest = names - {yk}
        if len(rest) != 1:
            raise ColumnError(f"which array holds the features? Pass x_key=...; the file holds: "
                              f"{', '.join(sorted(names))}", file=path)
        xk = rest.pop()
    with _open(path) as f:
        check_fits(sum(_declared_bytes(f[k]) for k in (xk, yk) if k is not None),
                   f"the arrays {' and '.join(repr(k) for k in (xk, yk) if k is not None)}", file=path)
        x = _read(f[xk], path, xk, mon, 0.0, 0.9)
        y = _read(f[yk], path, yk, mon, 0.9, 1.0) if yk is not None else None
    if x.dtype.kind not in "biuf":
        raise FormatError(f"the features {xk!r} are of type {x.dtype}; numbers are needed", file=path)
    if len(x) == 0:
        raise EmptyDataError(f"the feature array {xk!r} has no samples", file=path)
    check_finite(x, file=path, what=f"the features {xk!r}")
    if x.ndim == 1:
        x = x.reshape(-1, 1)
    if kind is None:
        image = (x.ndim == 3 and x.dtype == np.uint8) or (x.ndim == 4 and x.shape[-1] in (1, 3, 4))
        kind = "image" if image else "table"
    if kind == "image" and x.ndim == 3:
        x = x[..., np.newaxis]
    if y is not None and y.dtype.kind == "S":
        y = y.astype(str)
    y, task, class_names = _targets(y, len(x), task, class_names, path)
    mon.report(1.0)
    features = [f"feature {j + 1}" for j in range(x.shape[1])] if kind == "table" and x.ndim == 2 else []
    return Dataset(x=x, y=y, task=task, name=name or path.stem, kind=kind, feature_names=features,
                   class_names=class_names, source=f"HDF5 file {path} ({xk}" + (f", {yk})" if yk else ")"))
