"""Keras 3 losses with analytic gradients for the engine: the namespace and the one table of
losses (`LOSSES`) that the engine, the files, the GUI and the code exporters read.

Values follow Keras exactly (epsilon clipping 1e-7, probability renormalisation, reductions
"sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none"). `value_and_grad`
gives the gradient of the reduced loss w.r.t. `y_pred`; `fused_value_and_grad` the stable
gradient w.r.t. the pre-activation when the last layer is softmax/sigmoid. The classes live
in loss_base.py (`Loss`), losses_crossentropy.py, losses_regression.py, losses_margin.py and
losses_probabilistic.py; the fused kernels in loss_kernels.py.
"""

from visualnet.engine.loss_base import EPSILON, Loss, _both, _same_rank  # noqa: F401
from visualnet.engine.loss_kernels import JOB_SLOTS, FusedKernel  # noqa: F401
from visualnet.engine.losses_crossentropy import (BinaryCrossentropy, CategoricalCrossentropy,
                                                  SparseCategoricalCrossentropy)
from visualnet.engine.losses_margin import CategoricalHinge, Hinge, SquaredHinge
from visualnet.engine.losses_probabilistic import (BinaryFocalCrossentropy, CategoricalFocalCrossentropy,
                                                   KLDivergence, Poisson)
from visualnet.engine.losses_regression import (CosineSimilarity, Huber, LogCosh, MeanAbsoluteError,
                                                MeanAbsolutePercentageError, MeanSquaredError,
                                                MeanSquaredLogarithmicError)

__all__ = [
    "Loss", "MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
    "MeanSquaredLogarithmicError", "Huber", "LogCosh", "CosineSimilarity", "BinaryCrossentropy",
    "CategoricalCrossentropy", "SparseCategoricalCrossentropy", "BinaryFocalCrossentropy",
    "CategoricalFocalCrossentropy", "KLDivergence", "Poisson", "Hinge", "SquaredHinge",
    "CategoricalHinge",
    "mean_squared_error", "mse", "MSE", "mean_absolute_error", "mae", "MAE",
    "mean_absolute_percentage_error", "mape", "MAPE", "mean_squared_logarithmic_error", "msle",
    "MSLE", "huber", "log_cosh", "cosine_similarity", "binary_crossentropy", "categorical_crossentropy",
    "sparse_categorical_crossentropy", "binary_focal_crossentropy", "categorical_focal_crossentropy",
    "kl_divergence", "kld", "KLD", "poisson", "hinge", "squared_hinge", "categorical_hinge",
    "get", "serialize", "deserialize",
]


# ------------------------------------------------------------ functional forms (per-sample values)

def mean_squared_error(y_true, y_pred):
    """Per-sample mean squared error over the last axis."""
    return MeanSquaredError().call(y_true, y_pred)


def mean_absolute_error(y_true, y_pred):
    """Per-sample mean absolute error over the last axis."""
    return MeanAbsoluteError().call(y_true, y_pred)


def mean_absolute_percentage_error(y_true, y_pred):
    """Per-sample mean absolute percentage error over the last axis."""
    return MeanAbsolutePercentageError().call(y_true, y_pred)


def mean_squared_logarithmic_error(y_true, y_pred):
    """Per-sample mean squared logarithmic error over the last axis."""
    return MeanSquaredLogarithmicError().call(y_true, y_pred)


def huber(y_true, y_pred, delta=1.0):
    """Per-sample Huber loss (mean over the last axis)."""
    return Huber(delta).call(y_true, y_pred)


def log_cosh(y_true, y_pred):
    """Per-sample mean of log(cosh(y_pred - y_true)) over the last axis."""
    return LogCosh().call(y_true, y_pred)


def cosine_similarity(y_true, y_pred, axis=-1):
    """Per-sample negative cosine similarity along `axis`."""
    return CosineSimilarity(axis).call(y_true, y_pred)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Per-sample binary crossentropy (mean over `axis`)."""
    return BinaryCrossentropy(from_logits, label_smoothing, axis).call(y_true, y_pred)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Per-sample categorical crossentropy."""
    return CategoricalCrossentropy(from_logits, label_smoothing, axis).call(y_true, y_pred)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Per-sample sparse categorical crossentropy (0 where `ignore_class`)."""
    return SparseCategoricalCrossentropy(from_logits, ignore_class, axis).call(y_true, y_pred)


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25, gamma=2.0,
                              from_logits=False, label_smoothing=0.0, axis=-1):
    """Per-sample binary focal crossentropy (mean over `axis`)."""
    return BinaryFocalCrossentropy(apply_class_balancing, alpha, gamma, from_logits, label_smoothing,
                                   axis).call(y_true, y_pred)


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """Per-sample categorical focal crossentropy."""
    return CategoricalFocalCrossentropy(alpha, gamma, from_logits, label_smoothing, axis).call(y_true, y_pred)


def kl_divergence(y_true, y_pred):
    """Per-sample Kullback-Leibler divergence over the last axis."""
    return KLDivergence().call(y_true, y_pred)


def poisson(y_true, y_pred):
    """Per-sample Poisson loss (mean over the last axis)."""
    return Poisson().call(y_true, y_pred)


def hinge(y_true, y_pred):
    """Per-sample hinge loss (mean over the last axis; 0/1 labels become -1/1)."""
    return Hinge().call(y_true, y_pred)


def squared_hinge(y_true, y_pred):
    """Per-sample squared hinge loss (mean over the last axis)."""
    return SquaredHinge().call(y_true, y_pred)


def categorical_hinge(y_true, y_pred):
    """Per-sample categorical hinge loss."""
    return CategoricalHinge().call(y_true, y_pred)


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kl_divergence

_FUNCTIONS = {
    sparse_categorical_crossentropy: SparseCategoricalCrossentropy,
    categorical_crossentropy: CategoricalCrossentropy,
    binary_crossentropy: BinaryCrossentropy,
    mean_squared_error: MeanSquaredError, mean_absolute_error: MeanAbsoluteError,
    categorical_focal_crossentropy: CategoricalFocalCrossentropy,
    binary_focal_crossentropy: BinaryFocalCrossentropy,
    kl_divergence: KLDivergence, poisson: Poisson,
    mean_absolute_percentage_error: MeanAbsolutePercentageError,
    mean_squared_logarithmic_error: MeanSquaredLogarithmicError,
    huber: Huber, log_cosh: LogCosh, cosine_similarity: CosineSimilarity,
    hinge: Hinge, squared_hinge: SquaredHinge, categorical_hinge: CategoricalHinge,
}
_CLASSES = {c.__name__: c for c in _FUNCTIONS.values()}
# Every loss by its name, in the order the app offers them: the one table the engine, the
# files, the GUI and the code exporters read (aliases such as 'mse' resolve to these).
LOSSES = {f.__name__: c for f, c in _FUNCTIONS.items()}
# The app's grouping of LOSSES (the Train page lists them under these headings).
LOSS_GROUPS = {
    "Classification": ("sparse_categorical_crossentropy", "categorical_crossentropy", "binary_crossentropy",
                       "categorical_focal_crossentropy", "binary_focal_crossentropy", "kl_divergence"),
    "Regression": ("mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
                   "mean_squared_logarithmic_error", "huber", "log_cosh", "cosine_similarity", "poisson"),
    "Margin": ("hinge", "squared_hinge", "categorical_hinge"),
}
# the strings Keras 3's losses.get accepts besides the function and class names
_NAMES = dict(LOSSES)
_NAMES.update({"mse": MeanSquaredError, "MSE": MeanSquaredError,
               "mae": MeanAbsoluteError, "MAE": MeanAbsoluteError,
               "mape": MeanAbsolutePercentageError, "MAPE": MeanAbsolutePercentageError,
               "msle": MeanSquaredLogarithmicError, "MSLE": MeanSquaredLogarithmicError,
               "kld": KLDivergence, "KLD": KLDivergence,
               "bce": BinaryCrossentropy, "BCE": BinaryCrossentropy})


def get(identifier):
    """A `Loss` from a name, alias, class name, config dict, function of this
    module or `Loss` (returned as is); None gives None."""
    if identifier is None:
        return identifier
    if isinstance(identifier, Loss):   # a user subclass that writes call(): on the tape (issue 23)
        from .custom_loss import wrap
        return wrap(identifier) or identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if isinstance(identifier, str):
        if identifier in _NAMES:
            return _NAMES[identifier](name=identifier)
        if identifier in _CLASSES:
            return _CLASSES[identifier]()
        known = ", ".join(sorted(set(_NAMES) | set(_CLASSES)))
        raise ValueError(f"Could not interpret loss identifier: {identifier!r}. "
                         f"Known: {known}")
    if callable(identifier) and identifier in _FUNCTIONS:
        return _FUNCTIONS[identifier]()
    if callable(identifier) and not isinstance(identifier, type):  # a user function of ops (issue 23)
        from .custom_loss import wrap
        return wrap(identifier)
    raise ValueError(f"Could not interpret loss identifier: {identifier!r}.")


def canonical_name(identifier) -> str:
    """The LOSSES name of any loss identifier ('mse', 'MeanSquaredError', a config, ...)."""
    cls = type(get(identifier))
    return next(name for name, c in LOSSES.items() if c is cls)


def serialize(loss):
    """`{"class_name": ..., "config": ...}` for a loss."""
    loss = get(loss)
    if hasattr(loss, "keras_entry"):  # a user's function or Loss subclass: named as Keras names it
        return loss.keras_entry()
    return {"class_name": type(loss).__name__, "config": loss.get_config()}


def deserialize(config):
    """Inverse of `serialize` (also accepts a plain name)."""
    if isinstance(config, str):
        return get(config)
    name = config.get("class_name")
    cls = _CLASSES.get(name)
    if cls is None:
        raise ValueError(f"Could not interpret loss identifier: {name!r}. Known: "
                         f"{', '.join(_CLASSES)}")
    return cls.from_config(config.get("config", {}))
