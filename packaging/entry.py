"""The bundle's entry point (PyInstaller): the same `main` as `python -m visualnet`.

In a bundle, Numba's cache goes to the per-user folder that visualnet/engine/_jit.py would
choose, in a subfolder named by the build id (see the spec): kernels compiled by another
release are never loaded, and the bundle's own folder is never written to."""

import multiprocessing
import os
import sys
from pathlib import Path


def _numba_cache_dir(build_id: str) -> Path:
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "visualnet" / "numba" / build_id


if getattr(sys, "frozen", False) and "NUMBA_CACHE_DIR" not in os.environ:
    try:
        build_id = (Path(sys._MEIPASS) / "build_id.txt").read_text(encoding="utf-8").strip()
    except OSError:
        build_id = "unknown-build"
    os.environ["NUMBA_CACHE_DIR"] = str(_numba_cache_dir(build_id))

from visualnet.__main__ import main  # noqa: E402  (after NUMBA_CACHE_DIR)

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
