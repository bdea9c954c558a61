"""Streaming Keras 3 metrics: `update_state(y_true, y_pred, sample_weight=None)`
per batch, `result()` for the epoch so far, `reset_state()` between epochs.

Aggregation follows Keras: sample-weighted running means for the accuracy and
error metrics; cumulated true/false positives for precision, recall and F-scores.
"""

import re

import numba
import numpy as np

from visualnet.engine._jit import njit
from visualnet.engine.runtime import jobs
from visualnet.engine.losses import _same_rank, mean_absolute_error, mean_squared_error

__all__ = [
    "Metric", "Mean", "MeanMetricWrapper", "Accuracy", "BinaryAccuracy",
    "CategoricalAccuracy", "SparseCategoricalAccuracy", "MeanAbsoluteError",
    "MeanSquaredError", "Precision", "Recall", "FBetaScore", "F1Score", "accuracy",
    "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
    "mean_absolute_error", "mean_squared_error", "mae", "mse", "get", "serialize",
    "deserialize",
]

_F = np.float32
_EPSILON = 1e-7
_NEG_INF = -1e10


def _snake(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


# ------------------------------------------------------------ metric functions

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


mae = mean_absolute_error
mse = mean_squared_error


# ------------------------------------------------------------------ base classes

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

    def __init__(self, fn, name=None, **kwargs):
        self._fn, self._fn_kwargs = fn, kwargs
        super().__init__(name or _snake(getattr(fn, "__name__", type(fn).__name__)))

    def update_state(self, y_true, y_pred, sample_weight=None):
        self._add(self._fn(y_true, y_pred, **self._fn_kwargs), sample_weight)


# ------------------------------------------------------------- mean metrics

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


class MeanAbsoluteError(MeanMetricWrapper):
    """Mean of `abs(y_true - y_pred)`."""

    def __init__(self, name="mean_absolute_error"):
        super().__init__(mean_absolute_error, name)


class MeanSquaredError(MeanMetricWrapper):
    """Mean of `square(y_true - y_pred)`."""

    def __init__(self, name="mean_squared_error"):
        super().__init__(mean_squared_error, name)


# ------------------------------------------------------- confusion-count metrics

class _Confusion(Metric):
    """Cumulated true positives and false positives/negatives over thresholds."""

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None):
        if thresholds is not None:
            listed = thresholds if isinstance(thresholds, (list, tuple)) else [thresholds]
            bad = [t for t in listed if t is None or not 0 <= t <= 1]
            if bad:
                raise ValueError(f"Threshold values must be in [0, 1]. Received: {bad}")
        self.init_thresholds = thresholds
        default = 0.5 if top_k is None else _NEG_INF
        self.thresholds = np.atleast_1d(np.asarray(
            default if thresholds is None else thresholds, dtype=_F))
        self.top_k, self.class_id = top_k, class_id
        super().__init__(name)

    def reset_state(self):
        n = len(self.thresholds)
        self.true_positives = np.zeros(n)
        self.false_positives = np.zeros(n)
        self.false_negatives = np.zeros(n)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred, y_true = _same_rank(np.asarray(y_pred, _F), np.asarray(y_true, _F))
        if sample_weight is not None:
            sw = np.asarray(sample_weight, _F)[..., None]
            _, sample_weight = _same_rank(y_true, sw, expand_rank_1=False)
        if self.top_k is not None:
            top = np.argsort(-y_pred, axis=-1, kind="stable")[..., :self.top_k]
            keep = np.zeros(y_pred.shape, bool)
            np.put_along_axis(keep, top, True, axis=-1)
            y_pred = np.where(keep, y_pred, _F(_NEG_INF))
        if self.class_id is not None:
            if y_pred.ndim == 1:
                raise ValueError("When class_id is provided, y_pred must be a 2D array "
                                 "with shape (num_samples, num_classes), found shape: "
                                 f"{y_pred.shape}")
            y_true = y_true[..., self.class_id, None]
            y_pred = y_pred[..., self.class_id, None]
        weights = 1.0 if sample_weight is None else \
            np.broadcast_to(sample_weight, y_pred.shape).reshape(1, -1)
        pred_pos = y_pred.reshape(1, -1) > self.thresholds[:, None]
        label_pos = y_true.reshape(1, -1).astype(bool)
        self.true_positives += np.sum((label_pos & pred_pos) * weights, axis=1)
        self.false_positives += np.sum((~label_pos & pred_pos) * weights, axis=1)
        self.false_negatives += np.sum((label_pos & ~pred_pos) * weights, axis=1)

    def _ratio(self, other):
        den = self.true_positives + other
        out = np.divide(self.true_positives, den, out=np.zeros_like(den), where=den != 0)
        return float(out[0]) if len(out) == 1 else out

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds,
                "top_k": self.top_k, "class_id": self.class_id}


class Precision(_Confusion):
    """TP / (TP + FP), cumulated over the epoch (per threshold if several)."""

    def result(self):
        return self._ratio(self.false_positives)


class Recall(_Confusion):
    """TP / (TP + FN), cumulated over the epoch (per threshold if several)."""

    def result(self):
        return self._ratio(self.false_negatives)


class FBetaScore(Metric):
    """F-beta score over classes of one-hot / multi-label 2D targets.

    `average`: None (one score per class), 'micro', 'macro' or 'weighted'.
    `threshold`: None marks each row's highest score as predicted.
    """

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score"):
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError("Invalid `average` argument value. Expected one of: "
                             "{None, 'micro', 'macro', 'weighted'}. "
                             f"Received: average={average!r}")
        if not isinstance(beta, float) or beta <= 0.0:
            raise ValueError(f"Invalid `beta` argument value. It should be a Python float "
                             f"> 0. Received: beta={beta!r}")
        if threshold is not None and (not isinstance(threshold, float)
                                      or not 0.0 < threshold <= 1.0):
            raise ValueError("Invalid `threshold` argument value. It should be a Python "
                             f"float with 0 < threshold <= 1. Received: threshold={threshold!r}")
        self.average, self.beta, self.threshold = average, beta, threshold
        super().__init__(name)

    def reset_state(self):
        self.true_positives = self.false_positives = None
        self.false_negatives = self.intermediate_weights = None

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = np.asarray(y_true, _F), np.asarray(y_pred, _F)
        if y_pred.ndim != 2 or y_true.ndim != 2:
            raise ValueError("FBetaScore expects 2D inputs with shape (batch_size, "
                             f"output_dim). Received input shapes: y_pred.shape="
                             f"{y_pred.shape} and y_true.shape={y_true.shape}.")
        if self.threshold is None:
            top = y_pred.max(axis=-1, keepdims=True)
            pred = ((y_pred >= top) & (np.abs(y_pred) > 1e-9)).astype(_F)
        else:
            pred = (y_pred > self.threshold).astype(_F)
        w = 1.0 if sample_weight is None else np.asarray(sample_weight, _F)[:, None]
        axis = None if self.average == "micro" else 0
        sums = [np.sum(v * w, axis=axis, dtype=np.float64) for v in
                (pred * y_true, pred * (1 - y_true), (1 - pred) * y_true, y_true)]
        if self.true_positives is None:
            self.true_positives, self.false_positives, self.false_negatives, \
                self.intermediate_weights = sums
        else:
            self.true_positives = self.true_positives + sums[0]
            self.false_positives = self.false_positives + sums[1]
            self.false_negatives = self.false_negatives + sums[2]
            self.intermediate_weights = self.intermediate_weights + sums[3]

    def result(self):
        if self.true_positives is None:
            return 0.0
        tp, b2 = self.true_positives, self.beta ** 2
        precision = tp / (tp + self.false_positives + _EPSILON)
        recall = tp / (tp + self.false_negatives + _EPSILON)
        score = precision * recall / (b2 * precision + recall + _EPSILON) * (1 + b2)
        if self.average == "weighted":
            weights = self.intermediate_weights
            return float(np.sum(score * weights / (np.sum(weights) + _EPSILON)))
        if self.average is not None:
            return float(np.mean(score))
        return score

    def get_config(self):
        return {**super().get_config(), "average": self.average, "beta": self.beta,
                "threshold": self.threshold}


class F1Score(FBetaScore):
    """F1 score (FBetaScore with beta=1)."""

    def __init__(self, average=None, threshold=None, name="f1_score"):
        super().__init__(average, 1.0, threshold, name)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config


# ------------------------------------------------------- the training loop's fast path

@njit(inline="always")
def _argmax_row(a, r):
    """np.argmax of row r: the first maximum, or the first NaN."""
    b = 0
    for j in range(1, a.shape[1]):
        if a[r, b] != a[r, b]:
            break
        if a[r, j] > a[r, b] or a[r, j] != a[r, j]:
            b = j
    return b


@njit
def _argmax_matches(t, p):
    """Rows whose arg-max in t and p agree."""
    hits = 0
    for r in range(p.shape[0]):
        hits += _argmax_row(t, r) == _argmax_row(p, r)
    return hits


@njit
def _label_matches(labels, p):
    hits = 0
    for r in range(p.shape[0]):
        hits += labels[r] == _argmax_row(p, r)
    return hits


@njit
def _binary_matches(t, p, threshold):
    """Sum over rows of the share of a row's entries where t == (p > threshold)."""
    total = 0.0
    for r in range(p.shape[0]):
        hits = 0
        for j in range(p.shape[1]):
            hits += t[r, j] == (np.float32(1.0) if p[r, j] > threshold else np.float32(0.0))
        total += hits / p.shape[1]
    return total


class FastUpdate:
    """Updates a metric from a batch of the loss kernel's converted targets (float32 like
    y_pred, or int64 labels when sparse) exactly as `update_state` would from the original
    targets: `update(t, y_pred)`; or as a compiled job (`fill`) whose count `add` adds."""

    def __init__(self, metric, kernel, job, threshold=None):
        self.metric, self.kernel, self.job, self.threshold = metric, kernel, job, threshold
        self._threshold = np.array([0 if threshold is None else threshold], np.float32)  # a job reads it here

    def __call__(self, t, p) -> None:
        args = () if self.threshold is None else (self.threshold,)
        self.add(float(self.kernel(t, p, *args)), p.shape[0])

    def add(self, matches: float, rows: int) -> None:
        self.metric.total += matches
        self.metric.count += rows

    def fill(self, slots, t, p, out) -> None:
        """Write the count as a compiled job (runtime/program.py) storing it in out[0] (float64)."""
        if p.ndim == 2 and p.dtype == np.float32 and out.dtype == np.float64 and \
                all(a.flags.c_contiguous for a in (t, p, out)) and t.dtype in (np.float32, np.int64):
            L = COUNT_SLOTS
            slots[L.targets], slots[L.y_pred], slots[L.rows], slots[L.cols] = t.ctypes.data, p.ctypes.data, *p.shape
            slots[L.count], slots[L.threshold] = out.ctypes.data, self._threshold.ctypes.data
            slots[0] = self.job()


def fast_update(metric, sparse_targets):
    """A `FastUpdate` for `metric`, or None when there is no such path."""
    kind = type(metric)
    if kind is CategoricalAccuracy and not sparse_targets:
        return FastUpdate(metric, _argmax_matches, _argmax_job)
    if kind is SparseCategoricalAccuracy and sparse_targets:
        return FastUpdate(metric, _label_matches, _label_job)
    if kind is BinaryAccuracy and not sparse_targets:
        return FastUpdate(metric, _binary_matches, _binary_job, _F(metric.threshold))
    return None


# the count jobs' slots (runtime/jobs.py): the targets, y_pred (rows, cols), the float64 the
# count goes to, the float32 threshold (binary accuracy)
COUNT_SLOTS = jobs.layout("metric_count", "targets", "y_pred", "rows", "cols", "count", "threshold")

def _argmax_counts(slots_pointer):
    s = numba.carray(slots_pointer, jobs.SLOTS)
    L = COUNT_SLOTS
    p = jobs.matrix(s[L.y_pred], s[L.rows], s[L.cols])
    jobs.float64_vector(s[L.count], 1)[0] = _argmax_matches(jobs.matrix(s[L.targets], s[L.rows], s[L.cols]), p)


def _label_counts(slots_pointer):
    s = numba.carray(slots_pointer, jobs.SLOTS)
    L = COUNT_SLOTS
    p = jobs.matrix(s[L.y_pred], s[L.rows], s[L.cols])
    jobs.float64_vector(s[L.count], 1)[0] = _label_matches(jobs.int64_vector(s[L.targets], s[L.rows]), p)


def _binary_counts(slots_pointer):
    s = numba.carray(slots_pointer, jobs.SLOTS)
    L = COUNT_SLOTS
    p = jobs.matrix(s[L.y_pred], s[L.rows], s[L.cols])
    threshold = jobs.vector(s[L.threshold], 1)[0]
    jobs.float64_vector(s[L.count], 1)[0] = _binary_matches(jobs.matrix(s[L.targets], s[L.rows], s[L.cols]), p,
                                                            threshold)


_argmax_job, _label_job, _binary_job = (jobs.cfunc(f) for f in (_argmax_counts, _label_counts, _binary_counts))


# ------------------------------------------------------------------ resolution

_CLASSES = {c.__name__: c for c in (
    Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
    MeanAbsoluteError, MeanSquaredError, Precision, Recall, FBetaScore, F1Score)}
_NAMES = {**{_snake(n): c for n, c in _CLASSES.items()},
          "mae": MeanAbsoluteError, "MAE": MeanAbsoluteError,
          "mse": MeanSquaredError, "MSE": MeanSquaredError, "f1": F1Score}
_FUNCTIONS = {accuracy: Accuracy, binary_accuracy: BinaryAccuracy,
              categorical_accuracy: CategoricalAccuracy,
              sparse_categorical_accuracy: SparseCategoricalAccuracy,
              mean_absolute_error: MeanAbsoluteError, mean_squared_error: MeanSquaredError}


def _accuracy_for(name, y_true_shape, y_pred_shape):
    """Keras's compile-time choice between binary, sparse and categorical."""
    if y_true_shape is None or y_pred_shape is None:
        raise ValueError(f"Metric {name!r} needs y_true_shape and y_pred_shape to choose "
                         "between binary, sparse categorical and categorical accuracy.")
    yt, yp = tuple(y_true_shape), tuple(y_pred_shape)
    if yp[-1] == 1:
        return BinaryAccuracy(name=name)
    if len(yt) < len(yp) or (yt[-1] == 1 and yp[-1] > 1):
        return SparseCategoricalAccuracy(name=name)
    return CategoricalAccuracy(name=name)


def get(identifier, y_true_shape=None, y_pred_shape=None):
    """A metric named as Keras names it in History.

    'accuracy'/'acc' become binary, sparse categorical or categorical accuracy
    from the shapes, as in Keras's `compile`. 'f1'/'f1_score' strings average
    over classes ('macro') so History gets a scalar.
    """
    if identifier is None:
        raise ValueError("Expected metric, received `None`")
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        if identifier.lower() in ("accuracy", "acc"):
            return _accuracy_for(identifier, y_true_shape, y_pred_shape)
        cls = _CLASSES.get(identifier) or _NAMES.get(identifier)
        if cls is None:
            known = ", ".join(["accuracy", "acc", *sorted(_NAMES)])
            raise ValueError(f"Could not interpret metric identifier: {identifier!r}. "
                             f"Known: {known}")
        metric = cls(average="macro") if issubclass(cls, FBetaScore) else cls()
        metric.name = identifier
        return metric
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if callable(identifier):
        cls = _FUNCTIONS.get(identifier)
        return cls(name=identifier.__name__) if cls else MeanMetricWrapper(identifier)
    raise ValueError(f"Could not interpret metric identifier: {identifier!r}")


def serialize(metric):
    """`{"class_name": ..., "config": ...}` (JSON-safe) for built-in metrics."""
    return {"class_name": type(metric).__name__, "config": metric.get_config()}


def deserialize(config):
    """Inverse of `serialize`; also reads Keras's metric configs."""
    cls = _CLASSES.get(config.get("class_name"))
    if cls is None:
        raise ValueError("Could not interpret metric identifier: "
                         f"{config.get('class_name')!r}. Known: {', '.join(_CLASSES)}")
    return cls.from_config(config.get("config", {}))

