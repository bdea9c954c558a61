"""Discretization's approximate quantiles, as Keras computes them (`discretization.py`): a
summary of (values, weights) per batch, merged and compressed to `epsilon`, from which the
bin boundaries are read. Float32 throughout, as Keras's."""

from __future__ import annotations

import numpy as np


def empty_summary() -> np.ndarray:
    return np.array([[], []], dtype=np.float32)


def summarize(values, epsilon: float) -> np.ndarray:
    """Every `1/epsilon`-th sorted value with its weight (all values if fewer)."""
    values = np.sort(np.reshape(values, [-1]))
    step = max(values.size / (1.0 / epsilon), 1)
    boundaries = values[int(step - 1)::int(step)]
    return np.stack([boundaries, np.ones_like(boundaries) * step])


def merge_summaries(prev: np.ndarray, new: np.ndarray, epsilon: float) -> np.ndarray:
    merged = np.concatenate((prev, new), axis=1)
    merged = np.take(merged, np.argsort(merged[0]), axis=1)
    return compress_summary(merged, epsilon)


def compress_summary(summary: np.ndarray, epsilon: float) -> np.ndarray:
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cum_weights = summary[1].cumsum()
    cum_percents = cum_weights / cum_weights[-1]
    new_bins = np.interp(percents, cum_percents, summary[0])
    cum_weights = np.interp(percents, cum_percents, cum_weights)
    new_weights = cum_weights - np.concatenate((np.array([0]), cum_weights[:-1]))
    return np.stack((new_bins, new_weights)).astype(np.float32)


def bin_boundaries(summary: np.ndarray, num_bins: int) -> list:
    return compress_summary(summary, 1.0 / num_bins)[0, :-1].tolist()
