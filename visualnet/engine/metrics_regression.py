"""Regression metrics as Keras 3 computes them: running means of the errors (absolute, squared,
percentage, logarithmic, log-cosh), root mean squared error, cosine similarity and R2."""

import warnings

import numpy as np

from visualnet.engine.loss_base import EPSILON, _same_rank
from visualnet.engine.losses import (log_cosh, mean_absolute_error, mean_absolute_percentage_error,
                                     mean_squared_error, mean_squared_logarithmic_error)
from visualnet.engine.metric_base import Mean, MeanMetricWrapper, Metric

_F = np.float32


def cosine_similarity(y_true, y_pred, axis=-1):
    """Per-sample cosine similarity along `axis` (positive: 1 for the same direction)."""
    y_true, y_pred = _same_rank(np.asarray(y_true, _F), np.asarray(y_pred, _F))
    unit = lambda x: x * np.minimum(  # noqa: E731  Keras's l2 normalize, capped at 1/epsilon
        1 / np.sqrt(np.sum(x * x, axis=axis, keepdims=True, dtype=_F)), _F(1 / EPSILON))
    with np.errstate(divide="ignore"):
        return np.sum(unit(y_true) * unit(y_pred), axis=axis, dtype=_F)


class MeanAbsoluteError(MeanMetricWrapper):
    """Mean of `abs(y_true - y_pred)`."""

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name, dtype)


class MeanSquaredError(MeanMetricWrapper):
    """Mean of `square(y_true - y_pred)`."""

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name, dtype)


class MeanAbsolutePercentageError(MeanMetricWrapper):
    """Mean of `100 * abs((y_true - y_pred) / y_true)`."""

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(mean_absolute_percentage_error, name, dtype)


class MeanSquaredLogarithmicError(MeanMetricWrapper):
    """Mean of `square(log(y_true + 1) - log(y_pred + 1))`."""

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(mean_squared_logarithmic_error, name, dtype)


class LogCoshError(MeanMetricWrapper):
    """Mean of `log(cosh(y_pred - y_true))` (Keras names it 'logcosh')."""

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(log_cosh, name, dtype)


class CosineSimilarity(MeanMetricWrapper):
    """Mean cosine similarity between labels and predictions along `axis`."""

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(cosine_similarity, name, dtype, axis=axis)
        self.axis = axis

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class RootMeanSquaredError(Mean):
    """`sqrt` of the running mean of `square(y_true - y_pred)` (sample-weighted)."""

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name, dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = _same_rank(np.asarray(y_true, _F), np.asarray(y_pred, _F))
        self._add(np.square(y_pred - y_true), sample_weight)

    def result(self):
        return float(np.sqrt(super().result()))


class R2Score(Metric):
    """The coefficient of determination over the epoch, per output column, aggregated by
    `class_aggregation` ('uniform_average', 'variance_weighted_average' or None: one per
    column); with `num_regressors` > 0, the adjusted R2."""

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score", dtype=None):
        allowed = (None, "uniform_average", "variance_weighted_average")
        if class_aggregation not in allowed:
            raise ValueError(f"Invalid value for argument `class_aggregation`. Expected one of {allowed}. "
                             f"Received: class_aggregation={class_aggregation}")
        if num_regressors < 0:
            raise ValueError("Invalid value for argument `num_regressors`. Expected a value >= 0. "
                             f"Received: num_regressors={num_regressors}")
        self.class_aggregation, self.num_regressors = class_aggregation, num_regressors
        super().__init__(name, dtype)

    def reset_state(self):
        self.num_samples = 0
        self.sum = self.squared_sum = self.total_mse = self.count = None   # per column, made by the first batch

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = _same_rank(np.asarray(y_true, _F), np.asarray(y_pred, _F))
        if y_pred.ndim != 2 or y_true.ndim != 2:
            raise ValueError("R2Score expects 2D inputs with shape (batch_size, output_dim). Received input "
                             f"shapes: y_pred.shape={y_pred.shape} and y_true.shape={y_true.shape}.")
        sw = np.ones((), _F) if sample_weight is None else np.asarray(sample_weight, _F)
        if sw.ndim == 1:
            sw = sw[:, None]
        sw = np.broadcast_to(sw, y_true.shape).astype(np.float64)
        t, p = y_true.astype(np.float64), y_pred.astype(np.float64)
        sums = (np.sum(t * sw, axis=0), np.sum(t * t * sw, axis=0), np.sum((t - p) ** 2 * sw, axis=0),
                np.sum(sw, axis=0))
        if self.sum is None:
            self.sum, self.squared_sum, self.total_mse, self.count = sums
        else:
            self.sum, self.squared_sum, self.total_mse, self.count = (
                a + b for a, b in zip((self.sum, self.squared_sum, self.total_mse, self.count), sums))
        self.num_samples += y_true.size

    def result(self):
        if self.sum is None:
            return 0.0
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = self.sum / self.count
            total = self.squared_sum - self.sum * mean
            raw = 1 - self.total_mse / total
        raw = np.where(np.isinf(raw), 0.0, raw)
        if self.class_aggregation == "uniform_average":
            score = np.mean(raw)
        elif self.class_aggregation == "variance_weighted_average":
            score = np.sum(total * raw) / np.sum(total)
        else:
            score = raw
        n, k = self.num_samples, self.num_regressors
        if k:
            if k > n - 1:
                warnings.warn("More independent predictors than datapoints in adjusted R2 score. "
                              "Falling back to standard R2 score.", stacklevel=2)
            elif k == n - 1:
                warnings.warn("Division by zero in Adjusted R2 score. Falling back to standard R2 score.",
                              stacklevel=2)
            else:
                score = 1 - (1 - score) * (n - 1) / (n - k - 1)
        return float(score) if np.ndim(score) == 0 else np.asarray(score, _F)

    def get_config(self):
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}
