"""Keras 3's `keras.random` functions beyond normal and uniform (ops_core.py): each takes
`seed=None` (the global generator), an integer (the same numbers every call) or a
`SeedGenerator` (new numbers each call, reproducibly). `dropout` is on the tape, so a
custom layer trains through it."""

from __future__ import annotations

import numpy as np

from . import tensor_ops
from .initializers import _truncated_normal
from .rng import make_rng
from .tape import as_array
from .variables import as_tensor


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal(mean, stddev) values, redrawn beyond two standard deviations."""
    x = _truncated_normal(make_rng(seed), tuple(int(d) for d in shape), mean, stddev)
    return as_tensor(x.astype(dtype or "float32"))


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Integers in [minval, maxval)."""
    return as_tensor(make_rng(seed).integers(minval, maxval, size=tuple(int(d) for d in shape)).astype(dtype))


def shuffle(x, axis=0, seed=None):
    """`x` with its entries along `axis` in a random order."""
    a = np.array(as_array(x), copy=True)
    order = make_rng(seed).permutation(a.shape[axis])
    return as_tensor(np.take(a, order, axis=axis))


def categorical(logits, num_samples, dtype="int32", seed=None):
    """`num_samples` class indices per row of `logits` (batch, classes)."""
    z = np.asarray(as_array(logits), np.float64)
    p = np.exp(z - z.max(axis=-1, keepdims=True))
    p /= p.sum(axis=-1, keepdims=True)
    rng = make_rng(seed)
    return as_tensor(np.stack([rng.choice(p.shape[-1], size=int(num_samples), p=row) for row in p]).astype(dtype))


def dropout(inputs, rate, noise_shape=None, seed=None):
    """Keras's: each entry zeroed with probability `rate`, the others scaled by 1/(1-rate)
    (the mask broadcast from `noise_shape`); on the tape."""
    if not 0 <= float(rate) < 1:
        raise ValueError(f"Invalid value received for argument `rate`. Expected a float value between 0 and 1. "
                         f"Received: rate={rate}")
    shape = tuple(np.shape(as_array(inputs)) if noise_shape is None else
                  [d if d is not None else s for d, s in zip(noise_shape, np.shape(as_array(inputs)))])
    keep = make_rng(seed).random(shape) >= float(rate)
    return tensor_ops.multiply(inputs, (keep / (1.0 - float(rate))).astype(np.float32))
