"""Progress reporting and cancellation for long imports.

Importers take `progress` (called with the fraction done, 0.0 to 1.0) and `cancel`
(a callable returning True, or an object with `is_set()` such as `threading.Event`).
They check for cancellation between chunks and raise `Cancelled`; since results are
only returned whole, a cancelled import leaves nothing half-loaded.
"""

from typing import Callable

from .errors import Cancelled

ProgressFn = Callable[[float], None]


class Monitor:
    """Bundles an importer's `progress` and `cancel` arguments."""

    def __init__(self, progress: "ProgressFn | None" = None, cancel=None):
        self._progress = progress
        if cancel is None:
            self._cancel = None
        elif callable(cancel):
            self._cancel = cancel
        elif hasattr(cancel, "is_set"):
            self._cancel = cancel.is_set
        else:
            raise TypeError(f"cancel must be a callable or have is_set(); received: {cancel!r}")
        self._last = -1.0

    def check(self) -> None:
        """Raise `Cancelled` if the user asked to stop."""
        if self._cancel is not None and self._cancel():
            raise Cancelled("cancelled by the user")

    def report(self, fraction: float) -> None:
        """Check for cancellation, then report `fraction` if it moved by 0.1 % or more."""
        self.check()
        fraction = min(max(float(fraction), 0.0), 1.0)
        if self._progress is not None and (fraction - self._last >= 0.001 or fraction == 1.0):
            if fraction != self._last:
                self._last = fraction
                self._progress(fraction)
