"""MNIST digits, Keras-compatible: `(x_train, y_train), (x_test, y_test) = load_data()`.

Never downloads. Looks, in order, for:
1. `path`, when the caller names one other than the default: a Keras `mnist.npz` file, or
   a folder with the four IDX files (`train-images-idx3-ubyte[.gz]`, `train-labels-idx1-ubyte[.gz]`,
   `t10k-images-idx3-ubyte[.gz]`, `t10k-labels-idx1-ubyte[.gz]`); a relative path is taken
   relative to Keras's `~/.keras/datasets/` (or `$KERAS_HOME/datasets/`) as Keras does,
   then to the current folder;
2. a folder named by the environment variable `VISUALNET_MNIST_DIR` holding the IDX files;
3. Keras's cached `~/.keras/datasets/mnist.npz`;
4. otherwise the 10,000 real digits shipped with VisualNet (the MNIST test set), split into
   the first 8,000 for training and the last 2,000 for testing, with an `MnistSampleWarning`.
"""

import os
import warnings
import zipfile
from pathlib import Path

import numpy as np

from .. import VisualNetWarning
from ..data.errors import DataError, FormatError, SizeMismatchError
from ..data.idx import check_labels, read_idx
from ..data.keras_datasets import keras_datasets_dir
from ..data.numpy_import import list_arrays, load_array
from ..resources import resource_path

ENV_VAR = "VISUALNET_MNIST_DIR"
DEFAULT_PATH = "mnist.npz"
SAMPLE_TRAIN = 8000
NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")
IDX_FILES = {"x_train": ("train-images-idx3-ubyte", "train-images.idx3-ubyte"),
             "y_train": ("train-labels-idx1-ubyte", "train-labels.idx1-ubyte"),
             "x_test": ("t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"),
             "y_test": ("t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte")}


class MnistSampleWarning(VisualNetWarning):
    """load_data() found no full MNIST and returned the shipped 10,000-digit sample."""


def load_data(path: str = DEFAULT_PATH):
    """`((x_train, y_train), (x_test, y_test))`: uint8 images (n, 28, 28) and uint8 labels (n,)."""
    if path != DEFAULT_PATH:
        candidates = [keras_datasets_dir() / Path(path).expanduser(), Path(path).expanduser()]
        found = next((c for c in candidates if c.exists()), None)
        if found is None:
            raise FileNotFoundError(
                f"no MNIST data at {path!r} (looked at {', '.join(str(c) for c in dict.fromkeys(candidates))}); "
                f"VisualNet never downloads: give a Keras mnist.npz file or a folder with the four IDX files")
        return _load_any(found)
    if os.environ.get(ENV_VAR):
        folder = Path(os.environ[ENV_VAR]).expanduser()
        if not folder.is_dir():
            raise FileNotFoundError(f"{ENV_VAR} names {folder}, which is not a folder")
        return _load_idx_folder(folder)
    cached = keras_datasets_dir() / DEFAULT_PATH
    if cached.is_file():
        return _load_npz(cached)
    return _load_sample()


def _load_any(found: Path):
    return _load_idx_folder(found) if found.is_dir() else _load_npz(found)


def _check(x, y, where, x_file, y_file):
    if x.ndim != 3 or x.shape[1:] != (28, 28) or x.dtype != np.uint8:
        raise FormatError(f"MNIST {where} images must be uint8 of shape (n, 28, 28); found {x.dtype} {x.shape}",
                          file=x_file)
    if y.ndim != 1 or y.dtype.kind not in "iu":
        raise FormatError(f"MNIST {where} labels must be integers of shape (n,); found {y.dtype} {y.shape}",
                          file=y_file)
    if len(x) != len(y):
        raise SizeMismatchError(f"{len(y)} {where} labels for {len(x)} images", file=y_file)
    check_labels(y, 10, file=y_file)
    return x, y.astype(np.uint8)


def _load_npz(path: Path):
    if not zipfile.is_zipfile(path):
        raise FormatError("not a Keras mnist.npz file (not a zip archive)", file=path)
    names = list_arrays(path)
    missing = [k for k in NPZ_KEYS if k not in names]
    if missing:
        raise FormatError(f"not a Keras mnist.npz file: arrays {', '.join(missing)} are missing "
                          f"(it holds {', '.join(sorted(names))})", file=path)
    a = {k: load_array(path, k) for k in NPZ_KEYS}
    train = _check(a["x_train"], a["y_train"], "training", path, path)
    test = _check(a["x_test"], a["y_test"], "test", path, path)
    return train, test


def _find(folder: Path, stems) -> "Path | None":
    for stem in stems:
        for name in (stem, stem + ".gz"):
            if (folder / name).is_file():
                return folder / name
    return None


def _load_idx_folder(folder: Path):
    files = {k: _find(folder, stems) for k, stems in IDX_FILES.items()}
    missing = [IDX_FILES[k][0] + "[.gz]" for k, f in files.items() if f is None]
    if missing:
        raise DataError(f"the MNIST folder lacks {', '.join(missing)}", file=folder)
    a = {k: read_idx(f) for k, f in files.items()}
    train = _check(a["x_train"], a["y_train"], "training", files["x_train"], files["y_train"])
    test = _check(a["x_test"], a["y_test"], "test", files["x_test"], files["y_test"])
    return train, test


def _load_sample():
    folder = resource_path("datasets", "mnist")
    x = read_idx(folder / "t10k-images-idx3-ubyte.gz")
    y = read_idx(folder / "t10k-labels-idx1-ubyte.gz")
    x, y = _check(x, y, "sample", folder / "t10k-images-idx3-ubyte.gz", folder / "t10k-labels-idx1-ubyte.gz")
    warnings.warn(MnistSampleWarning(
        "full MNIST was not found (no ~/.keras/datasets/mnist.npz, no VISUALNET_MNIST_DIR) and VisualNet never "
        "downloads: returning the 10,000 real MNIST test digits it ships, split into the first 8,000 for "
        "training and the last 2,000 for testing; results are not comparable to full-MNIST figures"),
        stacklevel=3)
    return (x[:SAMPLE_TRAIN], y[:SAMPLE_TRAIN]), (x[SAMPLE_TRAIN:], y[SAMPLE_TRAIN:])
