"""Counts in the window's text: "1 layer", "2 layers", never "1 layers" or "layer(s)"."""

from __future__ import annotations


def count(n: int, noun: str, plural: str | None = None) -> str:
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"
