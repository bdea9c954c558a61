"""Data sources: what a recipe's `source` dict means, and loading it.

    {"type": "builtin", "name": "iris", "params": {}}
    {"type": "csv" | "numpy" | "hdf5" | "images", "path": "...", "options": {...importer kwargs}}
    {"type": "numpy", "path": "x.npy", "y_path": "y.npy", "options": {}}
    {"type": "idx", "images": "...-idx3-ubyte.gz", "labels": "...-idx1-ubyte.gz", "options": {}}
    {"type": "text_folder", "path": "reviews/", "options": {"encoding": None, ...read_text_folder kwargs}}
    {"type": "text_csv", "path": "reviews.csv", "options": {"text_column": "review", "target": "label", ...}}
    {"type": "series_csv", "path": "series.csv", "options": {...series.SeriesOptions}}   # see series.py
    {"type": "sequence_files", "path": "folder or .zip", "options": {"targets": "targets.csv", ...}}  # sequence_sets.py
"""

from pathlib import Path

from .builtin import load_builtin
from .csv_import import read_csv
from .dataset import Dataset
from .errors import DataError
from .hdf5_import import read_hdf5
from .idx import read_idx_pair
from .images import EXTENSIONS as IMAGE_EXTENSIONS
from .images import read_image_folder
from .numpy_import import read_numpy
from .sequence_sets import read_sequence_set
from .series import read_series_csv
from .text_files import read_text_csv, read_text_folder

SOURCE_TYPES = ("builtin", "csv", "numpy", "hdf5", "idx", "images", "text_folder", "text_csv", "series_csv",
                "sequence_files")
PATH_KEYS = {"csv": ("path",), "numpy": ("path", "y_path"), "hdf5": ("path",),
             "idx": ("images", "labels"), "images": ("path",), "text_folder": ("path",), "text_csv": ("path",),
             "series_csv": ("path",), "sequence_files": ("path",)}
SUFFIXES = {".csv": "csv", ".tsv": "csv", ".tab": "csv", ".txt": "csv", ".data": "csv",
            ".npy": "numpy", ".npz": "numpy", ".h5": "hdf5", ".hdf5": "hdf5", ".he5": "hdf5"}


def _folder_type(path: Path) -> str:
    """'text_folder' if the first class sub-folder holding images or .txt files holds more
    .txt files than images, else 'images'."""
    for sub in sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")):
        suffixes = [f.suffix.lower() for f in sub.rglob("*")]
        images, texts = sum(s in IMAGE_EXTENSIONS for s in suffixes), suffixes.count(".txt")
        if images or texts:
            return "text_folder" if texts > images else "images"
    return "images"


def guess_source_type(path) -> str:
    """'csv', 'numpy', 'hdf5', 'idx', 'images' or 'text_folder' for a file or folder the user
    picked (a CSV of texts is read as 'text_csv' only when asked)."""
    path = Path(path)
    if path.is_dir():
        return _folder_type(path)
    name = path.name.lower().removesuffix(".gz")
    if "idx" in name and "ubyte" in name:
        return "idx"
    suffix = Path(name).suffix
    if suffix in SUFFIXES:
        return SUFFIXES[suffix]
    with open(path, "rb") as f:
        head = f.read(8)
    if head.startswith(b"\x93NUMPY") or head.startswith(b"PK\x03\x04"):
        return "numpy"
    if head.startswith(b"\x89HDF\r\n\x1a\n"):
        return "hdf5"
    return "csv"


def resolve(path, base_dir=None) -> Path:
    path = Path(path).expanduser()
    return path if path.is_absolute() or base_dir is None else Path(base_dir) / path


def outside_paths(source: dict, base_dir=None) -> list[str]:
    """The paths `source` names (as written) that lie outside the folder `base_dir`: absolute
    paths elsewhere, `~`, `..` or a symbolic link leading out; every path when `base_dir` is
    None. Opening a project reads these only when the user agrees."""
    names = [source[k] for k in PATH_KEYS.get(source.get("type"), ()) if source.get(k) is not None]
    if base_dir is None:
        return [str(n) for n in names]
    base = Path(base_dir).resolve()
    return [str(n) for n in names if not resolve(n, base).resolve().is_relative_to(base)]


def load_source(source: dict, *, base_dir=None, progress=None, cancel=None) -> Dataset:
    """The `Dataset` a source dict describes (relative paths resolved against `base_dir`)."""
    kind = source.get("type")
    if kind == "builtin":
        return load_builtin(source["name"], progress=progress, cancel=cancel, **source.get("params", {}))
    if kind not in PATH_KEYS:
        raise DataError(f"unknown data source type {kind!r}; known: {', '.join(SOURCE_TYPES)}")
    paths = {k: resolve(source[k], base_dir) for k in PATH_KEYS[kind] if source.get(k) is not None}
    missing = [k for k in PATH_KEYS[kind][:1 if kind != "idx" else 2] if k not in paths]
    if missing:
        raise DataError(f"a {kind!r} data source needs {', '.join(missing)}")
    options = dict(source.get("options", {}))
    if kind == "csv":
        return read_csv(paths["path"], progress=progress, cancel=cancel, **options)
    if kind == "numpy":
        return read_numpy(paths["path"], y_path=paths.get("y_path"), progress=progress, cancel=cancel, **options)
    if kind == "hdf5":
        return read_hdf5(paths["path"], progress=progress, cancel=cancel, **options)
    if kind == "idx":
        return read_idx_pair(paths["images"], paths["labels"], progress=progress, cancel=cancel, **options)
    if kind == "text_folder":
        return read_text_folder(paths["path"], progress=progress, cancel=cancel, **options)
    if kind == "text_csv":
        return read_text_csv(paths["path"], progress=progress, cancel=cancel, **options)
    if kind == "series_csv":
        return read_series_csv(paths["path"], progress=progress, cancel=cancel, **options)
    if kind == "sequence_files":
        return read_sequence_set(paths["path"], progress=progress, cancel=cancel, **options)
    if options.get("size") is not None:
        options["size"] = tuple(options["size"])
    return read_image_folder(paths["path"], progress=progress, cancel=cancel, **options)
