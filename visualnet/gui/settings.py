"""The user's settings, kept with QSettings: theme, recent projects, autosave interval and
the number of compute threads. One class reads and writes them with checked types and
defaults, so a hand-edited or older settings file never breaks the app.

`VISUALNET_SETTINGS_FILE` points the settings at an .ini file (tests, portable installs);
otherwise Qt's native place is used (registry, plist, ~/.config/VisualNet/VisualNet.conf).
Settings carry a version; `_migrate` brings older layouts up to date."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings

SETTINGS_VERSION = 1
MAX_RECENT = 10
MAX_RECENT_LAYERS = 6
THEMES = ("system", "light", "dark")
DEFAULT_AUTOSAVE_MINUTES = 3.0


def _cpu_count() -> int:
    return max(1, os.cpu_count() or 1)


class Settings:
    """Typed access to the QSettings store. Every getter returns a valid value."""

    def __init__(self, path: str | os.PathLike | None = None):
        path = path or os.environ.get("VISUALNET_SETTINGS_FILE")
        if path:
            self.store = QSettings(str(path), QSettings.Format.IniFormat)
        else:
            self.store = QSettings(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, "VisualNet", "VisualNet")
        self._migrate()

    @property
    def location(self) -> str:
        return self.store.fileName()

    def _migrate(self) -> None:
        version = self._int("settings_version", 0)
        if version < SETTINGS_VERSION:
            # version 0 -> 1: nothing to rename yet; the version key is new
            self.store.setValue("settings_version", SETTINGS_VERSION)

    # ------------------------------------------------------------------ helpers
    def _int(self, key: str, default: int) -> int:
        value = self.store.value(key, default)
        try:
            return int(value)
        except (TypeError, ValueError):
            return default

    def _float(self, key: str, default: float) -> float:
        value = self.store.value(key, default)
        try:
            return float(value)
        except (TypeError, ValueError):
            return default

    def sync(self) -> None:
        self.store.sync()

    # ------------------------------------------------------------------ theme
    @property
    def theme(self) -> str:
        value = self.store.value("appearance/theme", "system")
        return value if value in THEMES else "system"

    @theme.setter
    def theme(self, mode: str) -> None:
        if mode not in THEMES:
            raise ValueError(f"theme must be one of {', '.join(THEMES)}; received: {mode!r}")
        self.store.setValue("appearance/theme", mode)

    # ------------------------------------------------------------------ autosave
    @property
    def autosave_minutes(self) -> float:
        """Minutes between autosaves while there are unsaved changes; 0 turns autosave off."""
        value = self._float("files/autosave_minutes", DEFAULT_AUTOSAVE_MINUTES)
        return min(max(value, 0.0), 120.0) if value == value else DEFAULT_AUTOSAVE_MINUTES

    @autosave_minutes.setter
    def autosave_minutes(self, minutes: float) -> None:
        self.store.setValue("files/autosave_minutes", float(min(max(minutes, 0.0), 120.0)))

    # ------------------------------------------------------------------ threads
    @property
    def threads(self) -> int:
        """Compute threads for the engine; 0 means all cores."""
        return min(max(self._int("engine/threads", 0), 0), _cpu_count())

    @threads.setter
    def threads(self, n: int) -> None:
        self.store.setValue("engine/threads", int(min(max(n, 0), _cpu_count())))

    # ------------------------------------------------------------------ recent projects
    def recent_files(self, existing_only: bool = True) -> list[Path]:
        value = self.store.value("files/recent", [])
        if isinstance(value, str):  # QSettings returns a one-item list as a plain string
            value = [value]
        paths = [Path(p) for p in (value or []) if isinstance(p, str) and p]
        if existing_only:
            paths = [p for p in paths if p.exists()]
        return paths[:MAX_RECENT]

    def add_recent(self, path) -> None:
        p = str(Path(path).expanduser().resolve())
        items = [p] + [str(q) for q in self.recent_files(existing_only=False) if str(q) != p]
        self.store.setValue("files/recent", items[:MAX_RECENT])

    def remove_recent(self, path) -> None:
        p = str(Path(path).expanduser().resolve())
        self.store.setValue("files/recent", [str(q) for q in self.recent_files(False) if str(q) != p])

    def clear_recent(self) -> None:
        self.store.setValue("files/recent", [])

    # ------------------------------------------------------------------ layer palette
    def _strings(self, key: str) -> list[str]:
        value = self.store.value(key, [])
        if isinstance(value, str):  # a one-item list comes back as a plain string
            value = [value]
        return [v for v in (value or []) if isinstance(v, str) and v]

    @property
    def recent_layers(self) -> list[str]:
        """Layer types added from the palette, most recent first."""
        return self._strings("palette/recent")[:MAX_RECENT_LAYERS]

    def add_recent_layer(self, layer_type: str) -> None:
        items = [layer_type] + [t for t in self.recent_layers if t != layer_type]
        self.store.setValue("palette/recent", items[:MAX_RECENT_LAYERS])

    @property
    def collapsed_categories(self) -> list[str]:
        """The palette's categories the user folded."""
        return self._strings("palette/collapsed")

    @collapsed_categories.setter
    def collapsed_categories(self, names) -> None:
        self.store.setValue("palette/collapsed", sorted({str(n) for n in names}))


def apply_threads(n: int) -> int:
    """Use `n` compute threads (0: all cores) in Numba's parallel kernels; returns the number
    in force. Does nothing when numba is not imported yet (it reads the setting later)."""
    import sys

    numba = sys.modules.get("numba")
    want = n or _cpu_count()
    if numba is None:
        return want
    try:
        limit = int(numba.config.NUMBA_NUM_THREADS)
        numba.set_num_threads(max(1, min(want, limit)))
        return numba.get_num_threads()
    except (AttributeError, ValueError, RuntimeError):
        return want
