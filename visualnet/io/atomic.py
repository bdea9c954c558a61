"""Atomic file replacement: a save either completes or leaves the previous file intact.

The new content goes to a temporary file in the same folder (same file system, so the
final rename is atomic), is flushed and fsynced, the previous file is kept as `<name>.bak`
(by a hard link, so the target name never stops existing), and the temporary file is
renamed over the target; the folder is fsynced so the rename itself survives a crash.

A save killed halfway leaves its temporary files: `.<name>.vntmp-XXXXXXXX` (the new content)
and `<name>.bak.vntmp-XXXXXXXX` (the backup link). `clean_stale_temporaries` removes them
once unchanged (mtime) for `STALE_AGE`: a running save, in this copy of the app or another,
writes its temporary file continuously, and its backup link exists only between a link and
a rename (microseconds; were a copy, where hard links are missing, removed in that moment,
that save fails with an error and changes nothing). `write_atomic` cleans for its target
before every save, measuring age by its own new temporary file's time (the file system's
clock, right on a network share whose clock differs); the app cleans the recent projects'
folders and the recovery folder at start.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import tempfile
import time
from pathlib import Path
from typing import Callable, Iterator

TEMP_MARK = ".vntmp-"
STALE_AGE = 600.0   # seconds since a temporary file last changed before it counts as abandoned
_SUFFIX = r"\.vntmp-[A-Za-z0-9_]{6,16}"
_TEMP = re.compile(r"\.(?P<main>.+)" + _SUFFIX)       # .<name>.vntmp-XXXXXXXX (mkstemp)
_BAK_TEMP = re.compile(r"(?P<bak>.+\.bak)" + _SUFFIX)  # <name>.bak.vntmp-XXXXXXXX (_keep_backup)


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


def _umask() -> int:
    """The process's umask, read without changing it where the system allows."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)       # elsewhere: read by setting it (and setting it back at once)
    os.umask(mask)
    return mask


def _give_mode(tmp: Path, path: Path) -> None:
    """The permissions the file would have had if written in place: the replaced file's, or
    for a new file the umask's (mkstemp makes its file private, 0600, whatever the umask)."""
    if os.name == "nt":
        return
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    os.chmod(tmp, mode)


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
        # what an interrupted save of this file left, judged by the file system's own clock
        clean_stale_temporaries(path, now=tmp.stat().st_mtime, keep=(tmp,))
    except OSError:
        pass
    try:
        yield tmp
        _fsync_file(tmp)
        _give_mode(tmp, path)
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


def _is_temporary_of(name: str, target: str) -> bool:
    m = _TEMP.fullmatch(name)
    if m is not None and m.group("main") == target:
        return True
    m = _BAK_TEMP.fullmatch(name)
    return m is not None and m.group("bak") == target + ".bak"


def _older(paths, min_age: float, now: float | None) -> list[Path]:
    if min_age <= 0:
        return list(paths)
    now = time.time() if now is None else now
    out = []
    for p in paths:
        try:
            if now - p.lstat().st_mtime >= min_age:
                out.append(p)
        except OSError:
            continue
    return out


def stale_temporaries(path, min_age: float = 0.0, now: float | None = None) -> list[Path]:
    """Temporary files interrupted saves of `path` left behind: `.<name>.vntmp-*` and
    `<name>.bak.vntmp-*`. With `min_age`, only those unchanged for that many seconds (no
    running save holds them); without, all of them (safe to delete when no save runs)."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    pattern = glob.escape(str(folder)) + os.sep
    found = set(glob.glob(pattern + glob.escape("." + path.name + TEMP_MARK) + "*"))
    found |= set(glob.glob(pattern + glob.escape(path.name + ".bak" + TEMP_MARK) + "*"))
    paths = [Path(p) for p in found if _is_temporary_of(Path(p).name, path.name)]
    return sorted(_older(paths, min_age, now))


def folder_temporaries(folder, min_age: float = 0.0, now: float | None = None) -> list[Path]:
    """Every temporary file an interrupted save left in `folder` (for any target name)."""
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    paths = [Path(folder) / n for n in names if TEMP_MARK in n and (_TEMP.fullmatch(n) or _BAK_TEMP.fullmatch(n))]
    return sorted(_older(paths, min_age, now))


def _remove(paths, keep=()) -> list[Path]:
    keep = {Path(k) for k in keep}
    removed = []
    for p in paths:
        if p in keep or not p.is_file() or p.is_symlink():
            continue
        try:
            p.unlink()
            removed.append(p)
        except OSError:   # gone meanwhile, or held open (Windows): left for next time
            pass
    return removed


def clean_stale_temporaries(path, min_age: float = STALE_AGE, now: float | None = None, keep=()) -> list[Path]:
    """Delete what interrupted saves of `path` left (older than `min_age`); returns them."""
    return _remove(stale_temporaries(path, min_age, now), keep)


def clean_folders(folders, min_age: float = STALE_AGE, now: float | None = None) -> list[Path]:
    """Delete what interrupted saves left in each of `folders` (older than `min_age`);
    missing or unreadable folders are skipped. Returns the files removed."""
    removed: list[Path] = []
    seen = set()
    for folder in folders:
        folder = Path(folder)
        if folder in seen:
            continue
        seen.add(folder)
        removed += _remove(folder_temporaries(folder, min_age, now))
    return removed
