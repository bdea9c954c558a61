"""Numba set-up shared by every kernel: one place decides caching and the GIL.

Kernels are compiled lazily on first call, released from the GIL (`nogil=True`) so
training in a worker thread leaves the GUI thread free, and cached on disk in a
writable per-user folder (a frozen app's default would point at the build machine).
"""

import os
import sys
from pathlib import Path


def _default_cache_dir() -> Path:
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "visualnet" / "numba"


if "NUMBA_CACHE_DIR" not in os.environ:
    os.environ["NUMBA_CACHE_DIR"] = str(_default_cache_dir())

import numba  # noqa: E402  (must follow NUMBA_CACHE_DIR)


def njit(*args, **kwargs):
    """`numba.njit` with VisualNet's defaults: nogil, on-disk cache, no fastmath."""
    kwargs.setdefault("nogil", True)
    kwargs.setdefault("cache", True)
    return numba.njit(*args, **kwargs)


prange = numba.prange
