"""The per-user log folder and the log file of this session (no Qt here).

    ~/.local/state/visualnet/logs/visualnet.log         Linux (XDG_STATE_HOME)
    ~/Library/Logs/VisualNet/visualnet.log               macOS
    %LOCALAPPDATA%\\visualnet\\logs\\visualnet.log         Windows

$VISUALNET_LOG_DIR overrides the folder. The file rotates at 1 MB, keeping three old ones.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import platform
import sys
from pathlib import Path

LOG_NAME = "visualnet.log"
_handler: logging.Handler | None = None


def log_dir() -> Path:
    env = os.environ.get("VISUALNET_LOG_DIR")
    if env:
        return Path(env)
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local") / "visualnet" / "logs"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Logs" / "VisualNet"
    return Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state") / "visualnet" / "logs"


def log_path() -> Path:
    return log_dir() / LOG_NAME


def setup_logging(level: int = logging.INFO) -> Path | None:
    """Send the 'visualnet' logger (and warnings) to the per-user log file; returns its path,
    or None when the folder cannot be written (the app then logs to stderr only)."""
    global _handler
    logger = logging.getLogger("visualnet")
    logger.setLevel(level)
    if _handler is not None:
        return Path(_handler.baseFilename)
    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=1 << 20, backupCount=3, encoding="utf-8")
    except OSError as exc:
        print(f"visualnet: cannot write logs to {path}: {exc}", file=sys.stderr)
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"))
    logger.addHandler(handler)
    _handler = handler
    logging.captureWarnings(True)
    logging.getLogger("py.warnings").addHandler(handler)
    logger.info("VisualNet %s starting: Python %s on %s, frozen=%s", _version(), platform.python_version(),
                platform.platform(), bool(getattr(sys, "frozen", False)))
    return path


def _version() -> str:
    from . import __version__

    return __version__
