"""The Open Recent list: a small JSON file of paths, most recent first."""

from __future__ import annotations

import json
from pathlib import Path

from .atomic import write_atomic
from .autosave import recovery_dir

MAX_RECENT = 10


def recent_file() -> Path:
    return recovery_dir().parent / "recent.json"


class RecentFiles:
    """`add(path)` after opening or saving; `paths()` for the menu (missing files left out)."""

    def __init__(self, path=None, limit: int = MAX_RECENT):
        self.path = Path(path) if path is not None else recent_file()
        self.limit = limit

    def _load(self) -> list[str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        if not isinstance(data, list):
            return []
        return [p for p in data if isinstance(p, str)][: self.limit * 2]

    def _store(self, items: list[str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(items[: self.limit], indent=1)
        write_atomic(self.path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"), keep_backup=False)

    def paths(self, existing_only: bool = True) -> list[Path]:
        out = [Path(p) for p in self._load()]
        return [p for p in out if p.exists()][: self.limit] if existing_only else out[: self.limit]

    def add(self, path) -> None:
        p = str(Path(path).expanduser().resolve())
        self._store([p] + [q for q in self._load() if q != p])

    def remove(self, path) -> None:
        p = str(Path(path).expanduser().resolve())
        self._store([q for q in self._load() if q != p])

    def clear(self) -> None:
        self._store([])
