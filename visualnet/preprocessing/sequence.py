"""`keras.preprocessing.sequence`."""

from ..data.sequences import pad_sequences  # noqa: F401

__all__ = ["pad_sequences"]
