"""Keras-compatible utilities: `to_categorical`, `set_random_seed`, `pad_sequences`,
`timeseries_dataset_from_array`, `text_dataset_from_directory`, `PyDataset` (alias `Sequence`)."""

from __future__ import annotations

import numpy as np

from .engine.py_dataset import PyDataset, Sequence
from .data.sequences import TimeseriesDataset, pad_sequences, timeseries_dataset_from_array
from .data.text_dataset import BatchedDataset, text_dataset_from_directory
from .engine.rng import set_seed

__all__ = ["to_categorical", "set_random_seed", "pad_sequences", "timeseries_dataset_from_array",
           "TimeseriesDataset", "text_dataset_from_directory", "BatchedDataset", "PyDataset", "Sequence"]


def to_categorical(x, num_classes: int | None = None) -> np.ndarray:
    """One-hot encode integer class labels (Keras's `utils.to_categorical`)."""
    x = np.asarray(x)
    if x.size and not np.issubdtype(x.dtype, np.integer):
        if not np.all(np.equal(np.mod(x, 1), 0)):
            raise ValueError("to_categorical expects integer class labels; received non-integer values.")
        x = x.astype(np.int64)
    if x.ndim > 1 and x.shape[-1] == 1:
        x = x.reshape(x.shape[:-1])
    if x.size and x.min() < 0:
        raise ValueError(f"to_categorical expects labels >= 0; received {int(x.min())}.")
    top = int(x.max()) + 1 if x.size else 0
    if num_classes is None:
        num_classes = top
    elif top > num_classes:
        raise ValueError(f"Label {top - 1} is out of range for num_classes={num_classes}.")
    out = np.zeros((*x.shape, num_classes), dtype=np.float32)
    np.put_along_axis(out, x[..., None].astype(np.int64), 1.0, axis=-1)
    return out


def set_random_seed(seed: int) -> None:
    """Seed VisualNet's random draws (weights, dropout, shuffling) and NumPy's."""
    np.random.seed(seed)
    set_seed(seed)
