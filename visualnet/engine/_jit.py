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

# Numba re-reads its thread count at every compile: from this variable, or else from the
# calling thread's CPU affinity. A training thread bound to one core (runtime/workers.CallerPin)
# would read 1 there, and once the thread pool runs with more, the compile fails ("Cannot set
# NUMBA_NUM_THREADS ... once the threads have been launched"): a job compiled lazily in that
# thread (SGD's optimizer job, say) was silently left to Python. Fix the count once.
if "NUMBA_NUM_THREADS" not in os.environ and hasattr(os, "sched_getaffinity"):
    os.environ["NUMBA_NUM_THREADS"] = str(max(1, len(os.sched_getaffinity(0))))

import numba  # noqa: E402  (must follow NUMBA_CACHE_DIR and NUMBA_NUM_THREADS)


def njit(*args, **kwargs):
    """`numba.njit` with VisualNet's defaults: nogil, on-disk cache, no fastmath."""
    kwargs.setdefault("nogil", True)
    kwargs.setdefault("cache", True)
    return numba.njit(*args, **kwargs)


prange = numba.prange
