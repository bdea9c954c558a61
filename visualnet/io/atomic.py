"""Atomic file replacement: a save either completes or leaves the previous file intact.

The new content goes to a temporary file in the same folder (same file system, so the
final rename is atomic), is flushed and fsynced, the previous file is kept as `<name>.bak`
(by a hard link, so the target name never stops existing), and the temporary file is
renamed over the target; the folder is fsynced so the rename itself survives a crash.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Callable, Iterator

TEMP_MARK = ".vntmp-"


def backup_path(path) -> Path:
    path = Path(path)
    return path.with_name(path.name + ".bak")


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    with open(path, "rb+") as fh:
        fh.flush()
        os.fsync(fh.fileno())


def _keep_backup(path: Path) -> None:
    bak = backup_path(path)
    tmp = bak.with_name(bak.name + TEMP_MARK + os.urandom(4).hex())
    try:
        os.link(path, tmp)  # the target keeps its name throughout
    except OSError:
        import shutil

        shutil.copy2(path, tmp)
        _fsync_file(tmp)
    os.replace(tmp, bak)


@contextlib.contextmanager
def atomic_path(path, keep_backup: bool = True, overwrite: bool = True) -> Iterator[Path]:
    """Yields a temporary path in the target's folder; write the file there. On normal exit
    it replaces `path` (keeping the old file as `.bak` when asked); on an exception the
    temporary file is removed and `path` is untouched."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not overwrite and path.exists():
        raise FileExistsError(f"{path} exists; pass overwrite=True to replace it.")
    if not folder.is_dir():
        raise FileNotFoundError(f"The folder {folder} does not exist.")
    fd, tmp_name = tempfile.mkstemp(prefix="." + path.name + TEMP_MARK, dir=folder)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        _fsync_file(tmp)
        if keep_backup and path.exists():
            _keep_backup(path)
        os.replace(tmp, path)
        _fsync_dir(folder)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_atomic(path, writer: Callable[[Path], None], keep_backup: bool = True, overwrite: bool = True) -> None:
    """`writer(tmp_path)` writes the whole file; it then replaces `path` atomically."""
    with atomic_path(path, keep_backup=keep_backup, overwrite=overwrite) as tmp:
        writer(tmp)


def stale_temporaries(path) -> list[Path]:
    """Temporary files an interrupted save of `path` left behind (safe to delete when no
    save is running)."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    return sorted(folder.glob("." + path.name + TEMP_MARK + "*"))
