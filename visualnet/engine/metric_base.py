"""The base of the streaming Keras 3 metrics: `Metric` (`update_state`, `result`,
`reset_state`, `get_config`), the sample-weighted running `Mean` and `MeanMetricWrapper`."""

import re

import numpy as np

from visualnet.engine.loss_base import _same_rank

_F = np.float32


def _snake(name):
    """Keras's `to_snake_case`: 'FBetaScore' -> 'f_beta_score', 'AUC' -> 'auc', 'IoU' -> 'io_u'."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


class Metric:
    """Base class: `update_state`, `result`, `reset_state`, `get_config`."""

    def __init__(self, name=None, dtype=None):
        if dtype not in (None, "float32"):
            raise ValueError(f"VisualNet computes metrics in float32. Received: dtype={dtype!r}")
        self.name = name or _snake(type(self).__name__)
        self._metric_variables = []
        # a built-in's reset_state makes its state; a user's metric (issue 23) makes variables with
        # add_variable after this, as in Keras, whose __init__ never resets
        owner = next(c for c in type(self).__mro__ if "reset_state" in c.__dict__)
        if owner is not Metric and owner.__module__.startswith("visualnet."):
            self.reset_state()

    def add_variable(self, shape=(), initializer="zeros", dtype=None, aggregation="sum", name=None):
        """A state variable (Keras's `Metric.add_variable`), reset by the default `reset_state`."""
        from .metric_variable import MetricVariable

        variable = MetricVariable(shape, initializer, dtype, name)
        self._metric_variables.append(variable)
        return variable

    @property
    def variables(self) -> list:
        return list(self.__dict__.get("_metric_variables", []))

    def reset_state(self):
        """Keras's default: every variable made by `add_variable` back to its initial value."""
        for variable in self._metric_variables:
            variable.reset()

    def update_state(self, y_true, y_pred, sample_weight=None):
        raise NotImplementedError

    def result(self):
        raise NotImplementedError

    def get_config(self):
        return {"name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**{k: v for k, v in config.items() if k != "dtype"})  # Keras adds dtype

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


def masked_sample_weight(mask: np.ndarray, sample_weight=None) -> np.ndarray:
    """Keras's weighting of metrics by the mask the model's output carries: the mask (0 or
    1 per entry) times the sample weights (one per sample, spread over the entries)."""
    m = mask.astype(_F)
    if sample_weight is None:
        return m
    sw = np.asarray(sample_weight, dtype=_F)
    return m * sw.reshape(sw.shape + (1,) * (m.ndim - sw.ndim))


class Mean(Metric):
    """Sample-weighted running mean of per-sample values (Keras's `Mean`)."""

    def reset_state(self):
        self.total = 0.0
        self.count = 0.0

    def _add(self, values, sample_weight):
        values = np.asarray(values, dtype=_F)
        if sample_weight is not None:
            sw = np.asarray(sample_weight, dtype=_F)
            values, sw = _same_rank(values, sw)
            weight_ndim = sw.ndim
            if values.ndim > weight_ndim:
                values = values.mean(axis=tuple(range(weight_ndim, values.ndim)))
            sw = np.broadcast_to(sw, values.shape)
            values = values * sw
            if weight_ndim > 1:
                sw = sw.mean(axis=tuple(range(1, weight_ndim)))
        if values.ndim > 1:
            values = values.mean(axis=tuple(range(1, values.ndim)))
        self.total += float(np.sum(values, dtype=np.float64))
        if sample_weight is not None:
            self.count += float(np.sum(sw, dtype=np.float64))
        else:
            self.count += values.shape[0] if values.ndim else 1

    def update_state(self, values, sample_weight=None):
        self._add(values, sample_weight)

    def result(self):
        return self.total / self.count if self.count else 0.0


class MeanMetricWrapper(Mean):
    """Running mean of `fn(y_true, y_pred, **kwargs)` per sample."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        self._fn, self._fn_kwargs = fn, kwargs
        super().__init__(name or _snake(getattr(fn, "__name__", type(fn).__name__)), dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        self._add(self._fn(y_true, y_pred, **self._fn_kwargs), sample_weight)
