"""Autosave and crash recovery, without timers: the GUI calls `Autosaver.maybe_save` from
its own timer; at launch it lists `find_recoveries()` and offers to restore them.

Recovery files live in one folder (`recovery_dir()`, or $VISUALNET_RECOVERY_DIR), one per
project (named after a hash of the project's path) or per untitled session. Each is an
ordinary project file whose root attributes also say which project it recovers
(`recovery_of`, "" for an untitled one) and when it was written.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .atomic import STALE_AGE, clean_folders
from .errors import ProjectFileError
from .project import Project, open_project, read_project_info, save_project

SUFFIX = ".recovery.vnet"
DEFAULT_INTERVAL = 180.0  # seconds between autosaves while there are unsaved changes


def recovery_dir() -> Path:
    """The per-user folder for recovery files (created on first use by `write_recovery`)."""
    env = os.environ.get("VISUALNET_RECOVERY_DIR")
    if env:
        return Path(env)
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return base / "visualnet" / "recovery"


def recovery_path(project_path=None, session: str | None = None, directory=None) -> Path:
    """Where the recovery file of `project_path` (or of an untitled project of `session`) goes."""
    directory = Path(directory) if directory is not None else recovery_dir()
    if project_path is not None:
        resolved = str(Path(project_path).expanduser().resolve())
        digest = hashlib.sha256(resolved.encode("utf-8")).hexdigest()[:16]
        stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in Path(project_path).stem)[:40]
        return directory / f"{stem}-{digest}{SUFFIX}"
    session = session or f"{os.getpid()}-{int(time.time())}"
    return directory / f"untitled-{session}{SUFFIX}"


def write_recovery(project: Project, project_path=None, session: str | None = None, directory=None) -> Path:
    """Save `project` to its recovery file (atomically, no .bak); returns the path."""
    path = recovery_path(project_path, session, directory)
    path.parent.mkdir(parents=True, exist_ok=True)
    original = "" if project_path is None else str(Path(project_path).expanduser().resolve())
    save_project(project, path, keep_backup=False,
                 extra_attrs={"recovery_of": original, "recovery_written": time.time()})
    return path


@dataclass
class Recovery:
    path: Path              # the recovery file
    original: Path | None   # the project it recovers (None: an untitled project)
    written: float          # time.time() when it was written

    def read(self) -> Project:
        return open_project(self.path)

    def discard(self) -> None:
        discard_recovery(self.path)


def find_recoveries(directory=None) -> list[Recovery]:
    """Recovery files left by sessions that did not close normally, newest first. An
    unreadable one is listed too (the GUI says it cannot be restored and discards it)."""
    directory = Path(directory) if directory is not None else recovery_dir()
    if not directory.is_dir():
        return []
    out = []
    for path in directory.glob("*" + SUFFIX):
        try:
            info = read_project_info(path)
        except ProjectFileError:
            info = {}
        original = info.get("recovery_of")
        original = original.strip() or None if isinstance(original, str) else None
        written = info.get("recovery_written")
        if not isinstance(written, (int, float)):
            written = path.stat().st_mtime
        out.append(Recovery(path, Path(original) if isinstance(original, str) else None, float(written)))
    return sorted(out, key=lambda r: -r.written)


def read_recovery(path) -> Project:
    return open_project(path)


def discard_recovery(path) -> None:
    """Delete a recovery file (after the project was saved, restored or the user declined)."""
    for p in (Path(path), Path(str(path) + ".bak")):
        try:
            p.unlink()
        except FileNotFoundError:
            pass


def clean_interrupted_saves(project_paths=(), directory=None, min_age: float = STALE_AGE) -> list[Path]:
    """At start: delete the temporary files interrupted saves left (older than `min_age`
    seconds, so a save running in another copy keeps its own) in the folders of
    `project_paths` (the recent projects) and in the recovery folder. Returns them."""
    directory = Path(directory) if directory is not None else recovery_dir()
    folders = [Path(p).expanduser().parent for p in project_paths] + [directory]
    return clean_folders(folders, min_age)


class Autosaver:
    """Decides when to autosave; the GUI's timer calls `maybe_save(...)` every few seconds.

    `maybe_save` writes the recovery file when there are unsaved changes and `interval`
    seconds have passed since the last autosave (or since the changes began)."""

    def __init__(self, interval: float = DEFAULT_INTERVAL, directory=None, session: str | None = None,
                 clock=time.monotonic):
        self.interval = float(interval)
        self.directory = directory
        self.session = session or f"{os.getpid()}-{int(time.time())}"
        self.clock = clock
        self.last_save: float | None = None
        self.path: Path | None = None

    def due(self, modified: bool) -> bool:
        if not modified:
            return False
        now = self.clock()
        if self.last_save is None:
            self.last_save = now  # changes began now; first autosave one interval later
            return self.interval <= 0
        return now - self.last_save >= self.interval

    def maybe_save(self, modified: bool, make_project, project_path=None) -> Path | None:
        """`make_project()` is called only when a save is due. Returns the path written."""
        if not self.due(modified):
            return None
        new_path = recovery_path(project_path, self.session, self.directory)
        if self.path is not None and self.path != new_path:
            discard_recovery(self.path)  # the project was saved under another name
        self.path = write_recovery(make_project(), project_path, self.session, self.directory)
        self.last_save = self.clock()
        return self.path

    def saved(self) -> None:
        """The user saved the project: the recovery file is no longer needed."""
        if self.path is not None:
            discard_recovery(self.path)
        self.path = None
        self.last_save = None
