"""Streaming Keras 3 metrics: `update_state(y_true, y_pred, sample_weight=None)` per batch,
`result()` for the epoch so far, `reset_state()` between epochs; the namespace and the tables
(`get`, `serialize`, `deserialize`, the app's `METRIC_GROUPS`).

Aggregation follows Keras: sample-weighted running means for the accuracy, error and
loss-as-metric metrics; cumulated confusion counts for precision, recall, the counts, AUC and
the F-scores; a cumulated confusion matrix for the IoUs. The classes live in metric_base.py,
metrics_accuracy.py, metrics_regression.py, metrics_probabilistic.py, metrics_confusion.py,
metrics_auc.py, metrics_fscore.py and metrics_iou.py; the fit's fast path in metrics_fast.py.
"""

from visualnet.engine.losses import (binary_crossentropy, binary_focal_crossentropy, categorical_crossentropy,
                                     categorical_focal_crossentropy, categorical_hinge, hinge, huber,
                                     kl_divergence, log_cosh, mean_absolute_error, mean_absolute_percentage_error,
                                     mean_squared_error, mean_squared_logarithmic_error, poisson,
                                     sparse_categorical_crossentropy, squared_hinge)
from visualnet.engine.metric_base import Mean, MeanMetricWrapper, Metric, _snake, masked_sample_weight  # noqa: F401
from visualnet.engine.metrics_accuracy import (Accuracy, BinaryAccuracy, CategoricalAccuracy,
                                               SparseCategoricalAccuracy, SparseTopKCategoricalAccuracy,
                                               TopKCategoricalAccuracy, accuracy, binary_accuracy,
                                               categorical_accuracy, sparse_categorical_accuracy,
                                               sparse_top_k_categorical_accuracy, top_k_categorical_accuracy)
from visualnet.engine.metrics_auc import AUC
from visualnet.engine.metrics_confusion import (FalseNegatives, FalsePositives, Precision, Recall, TrueNegatives,
                                                TruePositives)
from visualnet.engine.metrics_fast import COUNT_SLOTS, FastUpdate, fast_update  # noqa: F401
from visualnet.engine.metrics_fscore import F1Score, FBetaScore
from visualnet.engine.metrics_iou import IoU, BinaryIoU, MeanIoU, OneHotIoU, OneHotMeanIoU
from visualnet.engine.metrics_probabilistic import (BinaryCrossentropy, CategoricalCrossentropy, CategoricalHinge,
                                                    Hinge, KLDivergence, Poisson, SparseCategoricalCrossentropy,
                                                    SquaredHinge)
from visualnet.engine.metrics_regression import (CosineSimilarity, LogCoshError, MeanAbsoluteError,
                                                 MeanAbsolutePercentageError, MeanSquaredError,
                                                 MeanSquaredLogarithmicError, R2Score, RootMeanSquaredError,
                                                 cosine_similarity)

__all__ = [
    "Metric", "Mean", "MeanMetricWrapper", "Accuracy", "BinaryAccuracy", "CategoricalAccuracy",
    "SparseCategoricalAccuracy", "TopKCategoricalAccuracy", "SparseTopKCategoricalAccuracy",
    "MeanAbsoluteError", "MeanSquaredError", "RootMeanSquaredError", "MeanAbsolutePercentageError",
    "MeanSquaredLogarithmicError", "CosineSimilarity", "LogCoshError", "R2Score", "Precision", "Recall",
    "TruePositives", "FalsePositives", "TrueNegatives", "FalseNegatives", "AUC", "FBetaScore", "F1Score",
    "IoU", "MeanIoU", "BinaryIoU", "OneHotIoU", "OneHotMeanIoU", "BinaryCrossentropy",
    "CategoricalCrossentropy", "SparseCategoricalCrossentropy", "KLDivergence", "Poisson", "Hinge",
    "SquaredHinge", "CategoricalHinge",
    "accuracy", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
    "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy", "mean_absolute_error",
    "mean_squared_error", "mean_absolute_percentage_error", "mean_squared_logarithmic_error", "mae", "mse",
    "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
    "binary_focal_crossentropy", "categorical_focal_crossentropy", "kl_divergence", "poisson", "hinge",
    "squared_hinge", "categorical_hinge", "huber", "log_cosh",
    "get", "serialize", "deserialize",
]

mae = mean_absolute_error
mse = mean_squared_error

# ------------------------------------------------------------------ resolution

_CLASSES = {c.__name__: c for c in (
    Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy, TopKCategoricalAccuracy,
    SparseTopKCategoricalAccuracy, MeanAbsoluteError, MeanSquaredError, RootMeanSquaredError,
    MeanAbsolutePercentageError, MeanSquaredLogarithmicError, CosineSimilarity, LogCoshError, R2Score,
    Precision, Recall, TruePositives, FalsePositives, TrueNegatives, FalseNegatives, AUC, FBetaScore, F1Score,
    IoU, MeanIoU, BinaryIoU, OneHotIoU, OneHotMeanIoU, BinaryCrossentropy, CategoricalCrossentropy,
    SparseCategoricalCrossentropy, KLDivergence, Poisson, Hinge, SquaredHinge, CategoricalHinge)}
METRIC_CLASSES = _CLASSES   # the built-in metric classes by Keras class name (files read and write these)
# Keras 3's metric strings: the class names, their snake_case forms and these aliases ('f1' is ours)
_NAMES = {**{_snake(n): c for n, c in _CLASSES.items()},
          "mae": MeanAbsoluteError, "MAE": MeanAbsoluteError, "mse": MeanSquaredError, "MSE": MeanSquaredError,
          "mape": MeanAbsolutePercentageError, "MAPE": MeanAbsolutePercentageError,
          "msle": MeanSquaredLogarithmicError, "MSLE": MeanSquaredLogarithmicError,
          "bce": BinaryCrossentropy, "BCE": BinaryCrossentropy, "f1": F1Score}
_FUNCTIONS = {accuracy: Accuracy, binary_accuracy: BinaryAccuracy,
              categorical_accuracy: CategoricalAccuracy,
              sparse_categorical_accuracy: SparseCategoricalAccuracy,
              top_k_categorical_accuracy: TopKCategoricalAccuracy,
              sparse_top_k_categorical_accuracy: SparseTopKCategoricalAccuracy,
              mean_absolute_error: MeanAbsoluteError, mean_squared_error: MeanSquaredError,
              mean_absolute_percentage_error: MeanAbsolutePercentageError,
              mean_squared_logarithmic_error: MeanSquaredLogarithmicError,
              cosine_similarity: CosineSimilarity, log_cosh: LogCoshError,
              binary_crossentropy: BinaryCrossentropy, categorical_crossentropy: CategoricalCrossentropy,
              sparse_categorical_crossentropy: SparseCategoricalCrossentropy,
              kl_divergence: KLDivergence, poisson: Poisson, hinge: Hinge, squared_hinge: SquaredHinge,
              categorical_hinge: CategoricalHinge}
# The metrics the app offers (Train page), grouped by the task they fit; each a string `get` takes.
METRIC_GROUPS = {
    "Classification": ("accuracy", "precision", "recall", "auc", "f1_score", "top_k_categorical_accuracy",
                       "sparse_top_k_categorical_accuracy", "true_positives", "false_positives",
                       "true_negatives", "false_negatives", "binary_crossentropy", "categorical_crossentropy",
                       "sparse_categorical_crossentropy", "kl_divergence", "binary_io_u"),
    "Regression": ("mean_absolute_error", "mean_squared_error", "root_mean_squared_error",
                   "mean_absolute_percentage_error", "mean_squared_logarithmic_error", "r2_score",
                   "cosine_similarity", "log_cosh_error", "poisson"),
    "Margin": ("hinge", "squared_hinge", "categorical_hinge"),
}
_NEEDS_ARGUMENTS = {IoU: "num_classes, target_class_ids", MeanIoU: "num_classes",
                    OneHotIoU: "num_classes, target_class_ids", OneHotMeanIoU: "num_classes"}


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
        if cls in _NEEDS_ARGUMENTS:
            raise ValueError(f"Metric {identifier!r} needs arguments ({_NEEDS_ARGUMENTS[cls]}): pass "
                             f"{cls.__name__}({_NEEDS_ARGUMENTS[cls].replace(',', '=...,')}=...) instead of a string.")
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
