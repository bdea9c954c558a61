"""Keras's `utils.get_file`, offline: the cached file's path when it is there, never a download.

The file is looked for where Keras would put it: `cache_dir` (default `$KERAS_HOME` or
`~/.keras`) / `cache_subdir` (default "datasets") / `fname` (or the origin's file name).
With `extract=True` (or `untar=True`) the extracted folder is returned, as Keras names it; an
archive that is cached but not yet extracted is extracted safely (no member may leave the
folder; tar's "data" filter). A `file_hash` is checked, and a mismatch is an error since
the file cannot be fetched again. A file that is absent raises `FileNotFoundError` naming
the address, the file name and the folder to put it in.
"""

from __future__ import annotations

import hashlib
import os
import tarfile
import urllib.parse
import zipfile
from pathlib import Path


def _keras_home() -> str:
    return os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")


def hash_file(path, algorithm: str = "sha256", chunk_size: int = 65535) -> str:
    hasher = hashlib.sha256() if algorithm == "sha256" else hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def _extract(archive: Path, folder: Path, archive_format) -> None:
    formats = ["tar", "zip"] if archive_format == "auto" else [archive_format] if isinstance(archive_format, str) \
        else list(archive_format or [])
    if "tar" in formats and tarfile.is_tarfile(archive):
        with tarfile.open(archive) as tar:
            tar.extractall(folder, filter="data")
        return
    if "zip" in formats and zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zf:
            root = folder.resolve()
            for name in zf.namelist():
                target = (folder / name).resolve()
                if root != target and root not in target.parents:
                    raise ValueError(f"get_file: the archive {archive} holds {name!r}, which would be written outside "
                                     f"{folder}; it is not extracted")
            zf.extractall(folder)
        return
    raise ValueError(f"get_file: {archive} is not a {' or '.join(formats) or 'known'} archive, so it cannot be "
                     f"extracted to {folder}")


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None, cache_subdir="datasets",
             hash_algorithm="auto", extract=False, archive_format="auto", cache_dir=None, force_download=False):
    """The path of the cached file (or extracted folder) Keras's `get_file` would return."""
    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    datadir = Path(os.path.expanduser(cache_dir if cache_dir is not None else _keras_home())) / cache_subdir
    provided = fname
    fname = os.fspath(fname) if fname is not None else None
    if not fname:
        fname = os.path.basename(urllib.parse.urlsplit(origin).path)
        if not fname:
            raise ValueError(f"Can't parse the file name from the origin provided: '{origin}'. Please specify the "
                             "`fname` argument.")
    elif os.sep in fname:
        raise ValueError("Paths are no longer accepted as the `fname` argument. To specify the file's parent "
                         f"directory, use the `cache_dir` argument. Received: fname={fname}")
    extraction_dir = None
    if extract or untar:
        if provided and "." in fname:
            target, extraction_dir = datadir / fname, datadir / f"{fname[:fname.find('.')]}_extracted"
        else:
            target, extraction_dir = datadir / f"{fname}_archive", datadir / fname
    else:
        target = datadir / fname
    if force_download:
        raise ValueError(f"get_file: force_download=True, but VisualNet never downloads; fetch {origin} yourself "
                         f"and put it in {datadir}{os.sep} as {target.name}")
    if extraction_dir is not None and extraction_dir.is_dir() and not target.exists():
        return str(extraction_dir)
    if not target.exists():
        raise FileNotFoundError(f"get_file: {target.name} is not in {datadir} and VisualNet never downloads: "
                                f"download {origin} and put it in {datadir}{os.sep} as {target.name}")
    if file_hash is not None:
        algorithm = "sha256" if hash_algorithm == "sha256" or (hash_algorithm == "auto" and len(file_hash) == 64) \
            else "md5"
        found = hash_file(target, algorithm)
        if found != str(file_hash):
            raise ValueError(f"get_file: {target} has {algorithm} hash {found}, not {file_hash}: it is incomplete or "
                             f"another version; VisualNet never downloads: replace it with {origin}")
    if extraction_dir is None:
        return str(target)
    if not extraction_dir.is_dir():
        _extract(target, extraction_dir, "tar" if untar else archive_format)
    return str(extraction_dir)
