"""Accuracy metrics as Keras 3 computes them: exact, binary, categorical, sparse categorical
and the top-k forms, as per-sample functions and as running means."""

import numpy as np

from visualnet.engine.loss_base import _same_rank
from visualnet.engine.metric_base import MeanMetricWrapper

_F = np.float32


def accuracy(y_true, y_pred):
    """1.0 where `y_true == y_pred`, else 0.0."""
    y_true, y_pred = _same_rank(np.asarray(y_true, _F), np.asarray(y_pred, _F))
    return (y_true == y_pred).astype(_F)


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """1.0 where `(y_pred > threshold) == y_true`."""
    y_true, y_pred = _same_rank(np.asarray(y_true), np.asarray(y_pred, _F))
    return (y_true == (y_pred > _F(threshold)).astype(y_true.dtype)).astype(_F)


def categorical_accuracy(y_true, y_pred):
    """1.0 where the arg-max of one-hot `y_true` and of `y_pred` agree."""
    return (np.argmax(y_true, axis=-1) == np.argmax(y_pred, axis=-1)).astype(_F)


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where the integer label equals the arg-max of `y_pred`."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    return (y_true == np.argmax(y_pred, axis=-1).astype(y_true.dtype)).astype(_F)


def _in_top_k(labels, y_pred, k):
    """Keras's `in_top_k` on the torch backend: the label's score is at least the k-th largest."""
    y_pred = np.asarray(y_pred, _F)
    scores = y_pred.reshape(-1, y_pred.shape[-1])
    labels = np.asarray(labels).reshape(-1).astype(np.int64)
    if not 0 < k:
        raise ValueError(f"`k` must be a positive integer. Received: k={k!r}")
    kth = -np.partition(-scores, min(k, scores.shape[-1]) - 1, axis=-1)[:, min(k, scores.shape[-1]) - 1]
    return (np.take_along_axis(scores, labels[:, None], -1)[:, 0] >= kth).astype(_F)


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the arg-max of one-hot `y_true` is among the `k` highest scores of `y_pred`."""
    y_true = np.argmax(np.asarray(y_true), axis=-1)
    return _in_top_k(y_true, y_pred, k).reshape(y_true.shape)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """1.0 where the integer label is among the `k` highest scores of `y_pred` (or, with
    `from_sorted_ids`, among the first `k` of the class ids `y_pred` lists)."""
    y_true = np.asarray(y_true)
    if from_sorted_ids:
        ids = np.asarray(y_pred).reshape(-1, np.shape(y_pred)[-1])[:, :k]
        return np.any(ids == y_true.reshape(-1, 1), axis=1).astype(_F).reshape(y_true.shape)
    return _in_top_k(y_true, y_pred, k).reshape(y_true.shape)


class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels exactly."""

    def __init__(self, name="accuracy"):
        super().__init__(accuracy, name)


class BinaryAccuracy(MeanMetricWrapper):
    """How often `y_pred > threshold` matches binary labels."""

    def __init__(self, name="binary_accuracy", threshold=0.5):
        super().__init__(binary_accuracy, name, threshold=threshold)
        self.threshold = threshold

    def get_config(self):
        return {**super().get_config(), "threshold": self.threshold}


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the arg-max matches one-hot labels."""

    def __init__(self, name="categorical_accuracy"):
        super().__init__(categorical_accuracy, name)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the arg-max matches integer labels."""

    def __init__(self, name="sparse_categorical_accuracy"):
        super().__init__(sparse_categorical_accuracy, name)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot label is among the `k` highest scores."""

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name, dtype, k=k)
        self.k = k

    def get_config(self):
        return {**super().get_config(), "k": self.k}


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the `k` highest scores."""

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None, from_sorted_ids=False):
        super().__init__(sparse_top_k_categorical_accuracy, name, dtype, k=k, from_sorted_ids=from_sorted_ids)
        self.k, self.from_sorted_ids = k, from_sorted_ids

    def get_config(self):
        config = {**super().get_config(), "k": self.k}
        if self.from_sorted_ids:
            config["from_sorted_ids"] = True
        return config
