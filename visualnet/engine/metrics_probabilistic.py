"""The losses as metrics (Keras 3's metrics namespace): running means of the per-sample
crossentropies, Kullback-Leibler divergence, Poisson and hinge losses."""

import numpy as np

from visualnet.engine.losses import (binary_crossentropy, categorical_crossentropy, categorical_hinge, hinge,
                                     kl_divergence, poisson, sparse_categorical_crossentropy, squared_hinge)
from visualnet.engine.metric_base import MeanMetricWrapper


class BinaryCrossentropy(MeanMetricWrapper):
    """Mean binary crossentropy between labels and predictions."""

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False, label_smoothing=0):
        super().__init__(binary_crossentropy, name, dtype, from_logits=from_logits, label_smoothing=label_smoothing)
        self.from_logits, self.label_smoothing = from_logits, label_smoothing

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits, "label_smoothing": self.label_smoothing}


class CategoricalCrossentropy(MeanMetricWrapper):
    """Mean categorical crossentropy between one-hot labels and predictions."""

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False, label_smoothing=0, axis=-1):
        super().__init__(categorical_crossentropy, name, dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits, "label_smoothing": self.label_smoothing,
                "axis": self.axis}


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """Mean crossentropy between integer labels and predictions."""

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False, ignore_class=None,
                 axis=-1):
        super().__init__(sparse_categorical_crossentropy, name, dtype, from_logits=from_logits,
                         ignore_class=ignore_class, axis=axis)
        self.from_logits, self.ignore_class, self.axis = from_logits, ignore_class, axis

    def update_state(self, y_true, y_pred, sample_weight=None):
        """With `ignore_class` and sample weights, the weighted mean is over the labels not ignored
        (Keras masks them then; unweighted, its mean counts the ignored labels' zeros too)."""
        if self.ignore_class is not None and sample_weight is not None:
            labels = np.asarray(y_true)
            if labels.ndim == np.ndim(y_pred):
                labels = labels[..., 0]
            valid = (labels != self.ignore_class).astype(np.float32)
            sample_weight = valid * np.asarray(sample_weight, np.float32).reshape(
                np.shape(sample_weight) + (1,) * (valid.ndim - np.ndim(sample_weight)))
        super().update_state(y_true, y_pred, sample_weight)

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits, "ignore_class": self.ignore_class,
                "axis": self.axis}


class KLDivergence(MeanMetricWrapper):
    """Mean Kullback-Leibler divergence between labels and predictions."""

    def __init__(self, name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, name, dtype)


class Poisson(MeanMetricWrapper):
    """Mean Poisson loss between labels and predictions."""

    def __init__(self, name="poisson", dtype=None):
        super().__init__(poisson, name, dtype)


class Hinge(MeanMetricWrapper):
    """Mean hinge loss (labels -1/1, or 0/1 converted)."""

    def __init__(self, name="hinge", dtype=None):
        super().__init__(hinge, name, dtype)


class SquaredHinge(MeanMetricWrapper):
    """Mean squared hinge loss."""

    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, name, dtype)


class CategoricalHinge(MeanMetricWrapper):
    """Mean categorical hinge loss (one-hot labels)."""

    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, name, dtype)
