"""Keras 3's element-wise activations beyond the classic ones, with their derivatives.

Each kernel follows activation_kernels.py's contract (1-D arrays, float32 or float64):
forward(x, out), backward(x, y, dy, out). `KERNELS` maps Keras's name to the pair; the
engine's `activations.get` turns them into `Activation`s.
"""

from __future__ import annotations

import numpy as np


def _sigmoid(x):
    return np.exp(-np.logaddexp(0, -x)).astype(x.dtype)


def _softplus(x):
    return np.logaddexp(0, x).astype(x.dtype)


def _between(x, lo, hi):
    return ((x > lo) & (x < hi)).astype(x.dtype)


def _relu6_fwd(x, out):
    np.clip(x, 0, 6, out=out)


def _relu6_bwd(x, y, dy, out):
    np.multiply(dy, _between(x, 0, 6), out=out)


def _hard_silu_fwd(x, out):
    """x * relu6(x + 3) / 6."""
    out[...] = x * np.clip(x + 3, 0, 6) / 6


def _hard_silu_bwd(x, y, dy, out):
    out[...] = dy * np.where(x <= -3, 0, np.where(x >= 3, 1, (2 * x + 3) / 6))


def _mish_fwd(x, out):
    out[...] = x * np.tanh(_softplus(x))


def _mish_bwd(x, y, dy, out):
    t = np.tanh(_softplus(x))
    out[...] = dy * (t + x * (1 - t * t) * _sigmoid(x))


def _celu_fwd(x, out):
    """celu with Keras's alpha=1: x if x >= 0 else exp(x) - 1."""
    out[...] = np.where(x >= 0, x, np.expm1(np.minimum(x, 0)))


def _celu_bwd(x, y, dy, out):
    out[...] = dy * np.where(x >= 0, 1, np.exp(np.minimum(x, 0)))


def _hard_tanh_fwd(x, out):
    np.clip(x, -1, 1, out=out)


def _hard_tanh_bwd(x, y, dy, out):
    np.multiply(dy, _between(x, -1, 1), out=out)


def _log_sigmoid_fwd(x, out):
    out[...] = -_softplus(-x)


def _log_sigmoid_bwd(x, y, dy, out):
    out[...] = dy * _sigmoid(-x)


def _tanh_shrink_fwd(x, out):
    out[...] = x - np.tanh(x)


def _tanh_shrink_bwd(x, y, dy, out):
    t = np.tanh(x)
    out[...] = dy * t * t


def _soft_shrink_fwd(x, out):
    """Keras's threshold 0.5: x - 0.5 above it, x + 0.5 below -0.5, 0 between."""
    out[...] = np.where(x > 0.5, x - 0.5, np.where(x < -0.5, x + 0.5, 0))


def _shrink_bwd(x, y, dy, out):
    np.multiply(dy, (np.abs(x) > 0.5).astype(x.dtype), out=out)


def _hard_shrink_fwd(x, out):
    out[...] = np.where(np.abs(x) > 0.5, x, 0)


def _squareplus_fwd(x, out):
    """Keras's b=4: (x + sqrt(x^2 + 4)) / 2."""
    out[...] = (x + np.sqrt(x * x + 4)) / 2


def _squareplus_bwd(x, y, dy, out):
    out[...] = dy * (1 + x / np.sqrt(x * x + 4)) / 2


def _sparse_plus_fwd(x, out):
    out[...] = np.where(x <= -1, 0, np.where(x >= 1, x, (x + 1) ** 2 / 4))


def _sparse_plus_bwd(x, y, dy, out):
    out[...] = dy * np.where(x <= -1, 0, np.where(x >= 1, 1, (x + 1) / 2))


def _sparse_sigmoid_fwd(x, out):
    out[...] = np.clip((x + 1) / 2, 0, 1)


def _sparse_sigmoid_bwd(x, y, dy, out):
    out[...] = dy * _between(x, -1, 1) / 2


KERNELS = {
    "relu6": (_relu6_fwd, _relu6_bwd),
    "hard_silu": (_hard_silu_fwd, _hard_silu_bwd),
    "hard_swish": (_hard_silu_fwd, _hard_silu_bwd),
    "mish": (_mish_fwd, _mish_bwd),
    "celu": (_celu_fwd, _celu_bwd),
    "hard_tanh": (_hard_tanh_fwd, _hard_tanh_bwd),
    "log_sigmoid": (_log_sigmoid_fwd, _log_sigmoid_bwd),
    "tanh_shrink": (_tanh_shrink_fwd, _tanh_shrink_bwd),
    "soft_shrink": (_soft_shrink_fwd, _shrink_bwd),
    "hard_shrink": (_hard_shrink_fwd, _shrink_bwd),
    "squareplus": (_squareplus_fwd, _squareplus_bwd),
    "sparse_plus": (_sparse_plus_fwd, _sparse_plus_bwd),
    "sparse_sigmoid": (_sparse_sigmoid_fwd, _sparse_sigmoid_bwd),
}
