"""How much memory data may take: checked against what a file declares, before reading.

A file can declare far more than it holds (an HDF5 dataset of 30 GB, a compressed .npz, a
folder of images resized to 4096x4096); allocating first fails late, with a raw
MemoryError, or makes the machine swap. Readers call `check_fits` with the bytes they are
about to allocate, in total, and get a `DataTooLargeError` that states the need and the
limit. The limit is `SHARE` of the physical memory available when asked, or the
`VISUALNET_MEMORY_LIMIT` environment variable (bytes, or with K/M/G/T).
"""

from __future__ import annotations

import os
import re

from .errors import DataError

SHARE = 0.75
_FALLBACK = 8 << 30          # when the platform cannot say


class DataTooLargeError(DataError):
    """The data would need more memory than VisualNet allows itself."""


def available_bytes() -> int:
    """Physical memory available now (free plus reclaimable), as the OS reports it."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    if os.name == "nt":
        import ctypes

        class Status(ctypes.Structure):
            _fields_ = [("length", ctypes.c_ulong), ("load", ctypes.c_ulong), ("total", ctypes.c_ulonglong),
                        ("avail", ctypes.c_ulonglong), ("page_total", ctypes.c_ulonglong),
                        ("page_avail", ctypes.c_ulonglong), ("virtual_total", ctypes.c_ulonglong),
                        ("virtual_avail", ctypes.c_ulonglong), ("extended", ctypes.c_ulonglong)]

        status = Status(length=ctypes.sizeof(Status))
        if ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status)):
            return int(status.avail)
        return _FALLBACK
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return _FALLBACK


def _parse(text: str) -> int | None:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?\s*", text, re.IGNORECASE)
    if not match:
        return None
    return int(float(match[1]) * 1024 ** " KMGT".index(match[2].upper() or " "))


def limit_bytes() -> int:
    """The most memory one piece of data may take."""
    configured = _parse(os.environ.get("VISUALNET_MEMORY_LIMIT", ""))
    return configured if configured is not None else int(available_bytes() * SHARE)


def size_text(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1000
    raise AssertionError


def check_fits(need: int, what: str, *, file=None, advice: str = "") -> None:
    """Raise DataTooLargeError if allocating `need` bytes for `what` exceeds the limit."""
    limit = limit_bytes()
    if need > limit:
        configured = "VISUALNET_MEMORY_LIMIT" in os.environ and _parse(os.environ["VISUALNET_MEMORY_LIMIT"])
        source = ("set by VISUALNET_MEMORY_LIMIT" if configured else
                  f"{SHARE:.0%} of the {size_text(available_bytes())} this machine has available")
        raise DataTooLargeError(f"{what} would need {size_text(need)} of memory; the limit is {size_text(limit)} "
                                f"({source}).{' ' + advice if advice else ''}", file=file)
