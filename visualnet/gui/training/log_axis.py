"""`SpacedLogAxis`: a value axis whose log-scale labels stay apart and readable.

pyqtgraph labels a log axis at every multiple 1-9 of each decade, with one significant
digit: over less than a decade (a constant learning rate, whose plot spans 0.0004-0.002)
the labels 0.0005 ... 0.001 pile up near the decade, and 0.0015 reads as 0.002. This
axis keeps a tick only where its label is at least `MIN_GAP` pixels from every tick
kept before it, trying decades first, then 5, 2, the other digits and then tenths (no
finer level once `ENOUGH` are kept), and labels each value with up to three significant
digits."""

from __future__ import annotations

import math

import pyqtgraph as pg

MIN_GAP = 22  # pixels between two labelled ticks (a label is about 12 pixels tall)
ENOUGH = 3    # labels: no finer level is tried once this many are kept
MANTISSAS = ((1,), (5,), (2,), (3, 4, 6, 8), (7, 9),                 # then tenths, for ranges under 2x:
             tuple(m / 10 for m in range(12, 100, 2) if m % 10), tuple(m / 10 for m in range(11, 100, 2)))


def spaced_log_ticks(low: float, high: float, pixels: float, min_gap: float = MIN_GAP) -> list[float]:
    """Tick positions (log10 values) in [low, high] on an axis `pixels` long, at least
    `min_gap` pixels apart, the roundest values first."""
    if not (high > low and pixels > 0 and math.isfinite(low) and math.isfinite(high)):
        return []
    gap = min_gap * (high - low) / pixels          # in log10 units
    kept: list[float] = []
    for level in MANTISSAS:
        if len(kept) >= ENOUGH:
            break
        for decade in range(math.floor(low) - 1, math.ceil(high) + 1):
            for m in level:
                v = decade + math.log10(m)
                if low <= v <= high and all(abs(v - k) >= gap for k in kept):
                    kept.append(v)
    return sorted(kept)


class SpacedLogAxis(pg.AxisItem):
    """An AxisItem whose log mode ticks are `spaced_log_ticks` (linear mode unchanged)."""

    def logTickValues(self, minVal, maxVal, size, stdTicks):
        return [(None, spaced_log_ticks(minVal, maxVal, size))]

    def logTickStrings(self, values, scale, spacing):
        return [f"{10 ** v * scale:.3g}" for v in values]
