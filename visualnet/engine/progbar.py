"""Keras's `utils.Progbar`: a progress bar for custom training loops. As Keras 3: values are
averaged over the steps until the last update, which shows the values it is given; names in
`stateful_metrics` are shown as given (or, with `stateless_metrics`, only those are averaged)."""

from __future__ import annotations

import logging
import sys
import time

INTERACTIVE = {"enabled": True}   # keras.config.disable_interactive_logging: progress to `logging` instead


def log_line(text: str) -> None:
    """One finished progress line, when interactive logging is off."""
    logging.getLogger("visualnet").info(text)


class Progbar:
    def __init__(self, target, width: int = 20, verbose: int = 1, interval: float = 0.05,
                 stateful_metrics=None, stateless_metrics=None, unit_name: str = "step", stream=None):
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError("Only one of `stateful_metrics` or `stateless_metrics` can be provided.")
        self.target, self.width, self.verbose, self.interval = target, width, verbose, interval
        self.stateful_metrics = set(stateful_metrics or ())
        self.stateless_metrics = None if stateless_metrics is None else set(stateless_metrics)
        self.unit_name = unit_name
        self.stream = stream or sys.stdout
        self._values: dict[str, list] = {}     # name -> [sum of value x steps, steps] or the stateful value
        self._order: list[str] = []
        self._seen = 0
        self._start = time.time()
        self._last_update = 0.0

    def update(self, current: int, values=None, finalize: "bool | None" = None) -> None:
        """Move to step `current` with `values` [(name, value), ...]."""
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for name, value in values or []:
            if name not in self._values:
                self._order.append(name)
            value = float(value)
            stateless = name in self.stateless_metrics if self.stateless_metrics is not None \
                else name not in self.stateful_metrics
            if stateless and not finalize:
                steps = max(current - self._seen, 1)
                total, count = self._values.get(name, [0.0, 0])
                self._values[name] = [total + value * steps, count + steps]
            else:
                self._values[name] = [value, 1]
        self._seen = current
        now = time.time()
        if not INTERACTIVE["enabled"]:
            if finalize and self.verbose:
                log_line(self._line(current, now, True, bar=False))
            return
        if self.verbose == 1 and (finalize or now - self._last_update >= self.interval):
            self._last_update = now
            self.stream.write("\r" + self._line(current, now, finalize) + ("\n" if finalize else ""))
            self.stream.flush()
        elif self.verbose == 2 and finalize:
            self.stream.write(self._line(current, now, True, bar=False) + "\n")
            self.stream.flush()

    def add(self, n: int, values=None) -> None:
        self.update(self._seen + n, values)

    def _line(self, current: int, now: float, finalize: bool, bar: bool = True) -> str:
        elapsed = now - self._start
        parts = []
        if self.target is not None:
            filled = int(self.width * min(current / self.target, 1.0)) if self.target else self.width
            text = f"{current}/{self.target}"
            parts.append(f"{text} {'━' * filled}{' ' * (self.width - filled)}" if bar else text)
        else:
            parts.append(f"{current}/Unknown")
        if finalize or self.target is None:
            per = elapsed / max(current, 1)
            parts.append(f"{elapsed:.0f}s {_per_unit(per, self.unit_name)}")
        else:
            parts.append(f"ETA: {elapsed / max(current, 1) * (self.target - current):.0f}s")
        for name in self._order:
            total, count = self._values[name]
            value = total / max(count, 1)
            parts.append(f"{name}: {value:.4f}" if abs(value) > 1e-3 else f"{name}: {value:.4e}")
        return " - ".join(parts)


def _per_unit(seconds: float, unit: str) -> str:
    if seconds >= 1 or seconds == 0:
        return f"{seconds:.0f}s/{unit}"
    return f"{seconds * 1e3:.0f}ms/{unit}" if seconds >= 1e-3 else f"{seconds * 1e6:.0f}us/{unit}"
