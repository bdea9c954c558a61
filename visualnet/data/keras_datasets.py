"""Keras's standard dataset files, found in the user's Keras cache and read without
downloading or unpickling: Fashion-MNIST (IDX gz), CIFAR-10/100 (the *binary* versions),
Boston housing (a plain .npz). IMDB and Reuters are in `keras_text_datasets.py`.

Files are looked for in `path` when given (a relative path is tried in Keras's cache folder,
`$KERAS_HOME/datasets` or `~/.keras/datasets`, then in the current folder), else in the
cache folder under Keras's names. When they are absent, `DatasetFileMissing` names the file,
the folder to put it in and the address to fetch it from.

CIFAR: Keras reads the "python version" archives, whose batches are pickles; VisualNet reads
the "binary version" from the same site instead (cifar-10-binary.tar.gz: records of one label
byte and 3,072 pixel bytes, red then green then blue planes; cifar-100-binary.tar.gz: a coarse
and a fine label byte, then the pixels), as the .tar.gz (read in memory, never extracted) or
its extracted folder. The arrays are the same as Keras's.
"""

from __future__ import annotations

import os
import tarfile
from pathlib import Path

import numpy as np

from .errors import FormatError, SizeMismatchError
from .idx import read_idx
from .memory import check_fits

KERAS_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
CIFAR_ORIGIN = "https://www.cs.toronto.edu/~kriz/"
FASHION_FILES = ("train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
                 "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz")
CIFAR_PIXELS = 3 * 32 * 32


class DatasetFileMissing(FileNotFoundError):
    """A dataset's file is not where it is looked for; the message says what to put where."""


def keras_datasets_dir() -> Path:
    """Keras's cache folder of datasets: `$KERAS_HOME/datasets`, else `~/.keras/datasets`."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(home) / "datasets"


def missing(dataset: str, name: str, origin: str, folder: "Path | None" = None) -> DatasetFileMissing:
    folder = folder or keras_datasets_dir()
    return DatasetFileMissing(
        f"{dataset}: {name} is not in {folder} and VisualNet never downloads: download {origin} and put it "
        f"in {folder}{os.sep} (or pass path= naming the file)")


def locate(dataset: str, path, default: str, origin: str) -> Path:
    """The file `path` names (default: `default` in the cache folder): see the module docstring."""
    if path is None or str(path) == default:
        found = keras_datasets_dir() / default
        if found.exists():
            return found
        raise missing(dataset, default, origin)
    given = Path(path).expanduser()
    candidates = [given] if given.is_absolute() else [keras_datasets_dir() / given, given]
    for c in candidates:
        if c.exists():
            return c
    raise DatasetFileMissing(f"{dataset}: no file at {path!s} (looked at {', '.join(str(c) for c in candidates)}); "
                             f"VisualNet never downloads: the file is {origin}")


# ---------------------------------------------------------------------- Fashion-MNIST
def load_fashion_mnist(path=None):
    """((x_train, y_train), (x_test, y_test)) as Keras's: uint8 (n, 28, 28) and uint8 (n,)."""
    folder = (keras_datasets_dir() / "fashion-mnist" if path is None else
              locate("fashion_mnist", path, "fashion-mnist", KERAS_ORIGIN + "{" + ",".join(FASHION_FILES) + "}"))
    for name in FASHION_FILES:
        if not (folder / name).is_file():
            raise missing("fashion_mnist", name, KERAS_ORIGIN + name, folder)
    y_train, x_train, y_test, x_test = (read_idx(folder / name) for name in FASHION_FILES)
    for x, y, part in ((x_train, y_train, "train"), (x_test, y_test, "t10k")):
        if x.dtype != np.uint8 or x.ndim != 3 or x.shape[1:] != (28, 28):
            raise FormatError(f"Fashion-MNIST images must be uint8 (n, 28, 28); found {x.dtype} {x.shape}",
                              file=folder / f"{part}-images-idx3-ubyte.gz")
        if y.dtype != np.uint8 or y.shape != (len(x),):
            raise SizeMismatchError(f"{y.shape} labels of {y.dtype} for {len(x)} images",
                                    file=folder / f"{part}-labels-idx1-ubyte.gz")
    return (x_train, y_train), (x_test, y_test)


# ---------------------------------------------------------------------- CIFAR
def _cifar_records(raw: bytes, labels: int, file) -> tuple[np.ndarray, np.ndarray]:
    size = labels + CIFAR_PIXELS
    if len(raw) == 0 or len(raw) % size:
        raise SizeMismatchError(f"{len(raw):,} bytes is not a whole number of {size:,}-byte CIFAR records", file=file)
    rec = np.frombuffer(raw, np.uint8).reshape(-1, size)
    return rec[:, labels:].reshape(-1, 3, 32, 32), rec[:, :labels]


def _cifar_parts(dataset: str, path, archive: str, folder: str, names: list[str]) -> list[tuple[bytes, str]]:
    """The bytes of each file `names` of the binary version: from its folder or its .tar.gz."""
    place = locate(dataset, path, archive, CIFAR_ORIGIN + archive) if path is not None else None
    if place is None:
        cache = keras_datasets_dir()
        place = cache / folder if (cache / folder).is_dir() else cache / archive
        if not place.exists():
            raise missing(dataset, archive, CIFAR_ORIGIN + archive)
    if place.is_dir():
        inner = place / folder if (place / folder).is_dir() else place
        out = []
        for name in names:
            if not (inner / name).is_file():
                raise missing(dataset, name, CIFAR_ORIGIN + archive + f" (it holds {folder}/{name})", inner)
            check_fits((inner / name).stat().st_size * 2, f"the CIFAR file {name}", file=inner / name)
            out.append(((inner / name).read_bytes(), str(inner / name)))
        return out
    try:
        with tarfile.open(place, "r:*") as tar:
            members = {m.name.split("/")[-1]: m for m in tar.getmembers() if m.isfile()}
            out = []
            for name in names:
                if name not in members:
                    raise FormatError(f"the archive has no {name}: is it the binary version ({archive})?",
                                      file=place)
                check_fits(members[name].size * 2, f"the CIFAR file {name}", file=place)
                out.append((tar.extractfile(members[name]).read(), f"{place}:{members[name].name}"))
            return out
    except (tarfile.TarError, OSError, EOFError) as e:
        raise FormatError(f"cannot read the archive: {e}", file=place) from None


def _channels_last(x: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(x.transpose(0, 2, 3, 1))


def load_cifar10(path=None):
    """((x_train, y_train), (x_test, y_test)): uint8 (n, 32, 32, 3) and uint8 (n, 1), as Keras's."""
    names = [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]
    parts = [_cifar_records(raw, 1, file) for raw, file in
             _cifar_parts("cifar10", path, "cifar-10-binary.tar.gz", "cifar-10-batches-bin", names)]
    x_train = np.concatenate([x for x, _ in parts[:5]])
    y_train = np.concatenate([y for _, y in parts[:5]])
    x_test, y_test = parts[5]
    return (_channels_last(x_train), y_train.copy()), (_channels_last(x_test), y_test.copy())


def load_cifar100(label_mode: str = "fine", path=None):
    """As `load_cifar10`, with the 100 fine labels or the 20 coarse ones."""
    if label_mode not in ("fine", "coarse"):
        raise ValueError(f'`label_mode` must be one of `"fine"`, `"coarse"`. Received: label_mode={label_mode}.')
    column = 1 if label_mode == "fine" else 0
    out = []
    for raw, file in _cifar_parts("cifar100", path, "cifar-100-binary.tar.gz", "cifar-100-binary",
                                  ["train.bin", "test.bin"]):
        x, y = _cifar_records(raw, 2, file)
        out.append((_channels_last(x), y[:, column:column + 1].copy()))
    return out[0], out[1]


# ---------------------------------------------------------------------- Boston housing
def load_boston_housing(path="boston_housing.npz", test_split=0.2, seed=113):
    """Keras's split of the 506 houses: shuffled by RandomState(seed), the last test_split test."""
    if not 0 <= test_split < 1:
        raise ValueError(f"Invalid `test_split` argument: {test_split}. It must be between 0 and 1 "
                         "(exclusive of 1).")
    file = locate("boston_housing", path, "boston_housing.npz", KERAS_ORIGIN + "boston_housing.npz")
    try:
        with np.load(file, allow_pickle=False) as f:
            x, y = f["x"], f["y"]
    except (ValueError, KeyError, OSError) as e:
        raise FormatError(f"not Keras's boston_housing.npz (arrays x and y): {e}", file=file) from None
    if len(x) != len(y):
        raise SizeMismatchError(f"{len(y)} targets for {len(x)} houses", file=file)
    indices = np.arange(len(x))
    np.random.RandomState(seed).shuffle(indices)
    x, y = x[indices], y[indices]
    cut = int(len(x) * (1 - test_split))
    return (np.array(x[:cut]), np.array(y[:cut])), (np.array(x[cut:]), np.array(y[cut:]))
