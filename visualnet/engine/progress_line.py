"""The line Keras prints when `evaluate` or `predict` finishes (verbose 1 or 2, "auto" is 1):
`10/10 ━━━━━━━━━━━━━━━━━━━━ 0s 3ms/step - loss: 0.3332 - mae: 0.4691` with the bar,
`10/10 - 0s - 3ms/step - loss: ...` without it (verbose=2); `predict` has no logs."""

from __future__ import annotations

import sys
import time

from .callbacks import format_logs
from .progbar import INTERACTIVE, _per_unit, log_line


class FinishedLine:
    """Started before the batches run (`FinishedLine(verbose)`), printed once at the end."""

    def __init__(self, verbose, width: int = 20, stream=None):
        self.verbose = 1 if verbose == "auto" else int(verbose or 0)
        self.width, self.stream = width, stream
        self._start = time.perf_counter()

    def text(self, steps: int, logs: dict | None = None) -> str:
        elapsed = time.perf_counter() - self._start
        per = _per_unit(elapsed / max(steps, 1), "step")
        values = f" - {format_logs(logs)}" if logs else ""
        if self.verbose == 2 or not INTERACTIVE["enabled"]:
            return f"{steps}/{steps} - {elapsed:.0f}s - {per}{values}"
        return f"{steps}/{steps} {'━' * self.width} {elapsed:.0f}s {per}{values}"

    def finish(self, steps: int, logs: dict | None = None) -> None:
        """Print the finished line for `steps` batches (nothing with verbose=0)."""
        if not self.verbose:
            return
        line = self.text(steps, logs)
        if not INTERACTIVE["enabled"]:
            log_line(line)
            return
        stream = self.stream or sys.stdout
        stream.write(line + "\n")
        stream.flush()
