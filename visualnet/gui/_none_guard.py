"""A guard against a reference-counting fault of some PySide6 wheels on Python < 3.12.

PySide6 6.12 (a stable-ABI wheel built with Python 3.12+ headers, where None is
immortal) returns None from every Qt call that returns nothing without taking a new
reference to it. On Python 3.11 each such call (`update()`, `setPos()`, `lineTo()`, ...)
lowers None's reference count by one, and after a few thousand calls the interpreter
aborts with "Fatal Python error: none_dealloc: deallocating None".

The same happens to True and False. These objects are never freed in a healthy process,
so the guard gives their counts a headroom no session can use up (2**40 references), as
Python 3.12 does by making them immortal."""

from __future__ import annotations

import ctypes
import sys

HEADROOM = 1 << 40


SINGLETONS = (None, True, False, NotImplemented, Ellipsis)


def protect_none() -> bool:
    """Raise the reference counts of None, True, False (and the other singletons) by
    HEADROOM once; True if the guard is in place."""
    if sys.version_info >= (3, 12):
        return True  # immortal already
    ok = True
    for obj in SINGLETONS:
        if sys.getrefcount(obj) > HEADROOM // 2:
            continue
        field = ctypes.c_ssize_t.from_address(id(obj))
        if abs(field.value - sys.getrefcount(obj)) > 16:  # not the plain object layout: leave it alone
            ok = False
            continue
        field.value += HEADROOM
    return ok
