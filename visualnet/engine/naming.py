"""Keras-style automatic names ('dense', 'dense_1', ...), unique per session."""

from collections import defaultdict

_counts: defaultdict[str, int] = defaultdict(int)


def auto_name(stem: str) -> str:
    n = _counts[stem]
    _counts[stem] += 1
    return stem if n == 0 else f"{stem}_{n}"


def clear_session() -> None:
    """Reset the name counters (Keras's `backend.clear_session`)."""
    _counts.clear()
