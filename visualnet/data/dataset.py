"""The `Dataset` record every importer returns, and what a model for it should end with."""

from dataclasses import dataclass, field

import numpy as np

TASKS = ("binary", "multiclass", "regression")
KINDS = ("table", "image", "text", "timeseries")


@dataclass(frozen=True)
class ModelHead:
    """What the GUI proposes for a dataset: the Input shape and the last layer."""
    input_shape: tuple
    units: int
    activation: str
    loss: str
    metrics: tuple


@dataclass
class Dataset:
    """Samples and what they mean.

    x: features, shape (n, *input_shape); tables are (n, features), images are
       (n, height, width, channels) channels-last.
    y: targets, shape (n,): int64 class indices 0..k-1 for 'binary'/'multiclass'
       (class_names[i] names class i), float64 values for 'regression'; None if unlabelled.
    task: 'binary' | 'multiclass' | 'regression'.
    kind: 'table' | 'image' | 'text' | 'timeseries' (how previews show samples). Text samples
       are integer token ids (n, length), 0 padding, or, from a text folder or CSV, the texts
       themselves (an (n, 1) object array of str, for a "vectorize_text" step); time series are
       windows (n, steps, features).
    feature_names: one name per feature column (tables; one per time step for series); [] for images.
    class_names: names of the classes, in label order; [] for regression.
    source: a human-readable description of where the data came from.
    columns: how raw table cells were encoded (see csv_import.ColumnSpec.to_dict); None
       when x was read as-is. Kept so predictions encode new rows the same way.
    vocabulary: for text, the token of each id (vocabulary[0] padding "", [1] "[UNK]"); else None.
    """
    x: np.ndarray
    y: "np.ndarray | None"
    task: str
    name: str = ""
    kind: str = "table"
    feature_names: list = field(default_factory=list)
    class_names: list = field(default_factory=list)
    source: str = ""
    columns: "dict | None" = None
    vocabulary: "list | None" = None

    def __post_init__(self):
        if self.task not in TASKS:
            raise ValueError(f"task must be one of {TASKS}; received: task={self.task!r}")
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}; received: kind={self.kind!r}")
        if self.x.ndim < 2:
            raise ValueError(f"x must have a sample axis and a feature axis; received shape {self.x.shape}")
        if self.y is not None and len(self.y) != len(self.x):
            raise ValueError(f"x has {len(self.x)} samples but y has {len(self.y)}")
        if self.task != "regression" and not self.class_names and self.y is not None:
            k = int(self.y.max()) + 1 if len(self.y) else 0
            self.class_names = [str(i) for i in range(max(k, 2 if self.task == "binary" else k))]

    def __len__(self) -> int:
        return len(self.x)

    @property
    def input_shape(self) -> tuple:
        """The shape of one sample (Keras's `Input(shape=...)`)."""
        return tuple(int(d) for d in self.x.shape[1:])

    @property
    def num_classes(self) -> int:
        return len(self.class_names) if self.task != "regression" else 0

    def subset(self, indices) -> "Dataset":
        """The same dataset restricted to `indices` (arrays copied)."""
        indices = np.asarray(indices, dtype=np.int64)
        return Dataset(x=self.x[indices], y=None if self.y is None else self.y[indices],
                       task=self.task, name=self.name, kind=self.kind,
                       feature_names=list(self.feature_names), class_names=list(self.class_names),
                       source=self.source, columns=self.columns, vocabulary=self.vocabulary)

    def suggest_head(self, one_hot: bool = False, input_shape: "tuple | None" = None) -> ModelHead:
        """The Input shape, output units/activation and loss that fit this dataset.

        `one_hot`: whether labels will be one-hot encoded (categorical vs sparse loss).
        `input_shape`: the shape after preprocessing, if a step reshapes samples.
        """
        shape = tuple(input_shape) if input_shape is not None else self.input_shape
        if self.task == "binary":
            return ModelHead(shape, 1, "sigmoid", "binary_crossentropy", ("accuracy",))
        if self.task == "multiclass":
            loss = "categorical_crossentropy" if one_hot else "sparse_categorical_crossentropy"
            return ModelHead(shape, self.num_classes, "softmax", loss, ("accuracy",))
        return ModelHead(shape, 1, "linear", "mean_squared_error", ("mean_absolute_error",))

    def describe(self) -> str:
        """One line for the GUI: name, size, task, shape."""
        what = {"binary": "binary classification", "multiclass": f"{self.num_classes}-class classification",
                "regression": "regression"}[self.task]
        shape = "one text each" if self.kind == "text" and self.x.dtype == object else f"input shape {self.input_shape}"
        return f"{self.name or 'dataset'}: {len(self)} samples, {what}, {shape}"


def infer_task(y_values: np.ndarray, max_classes: int = 10) -> str:
    """Guess the task from numeric target values: few integer values mean classes."""
    y_values = np.asarray(y_values, dtype=np.float64)
    if y_values.size == 0:
        return "regression"
    if not np.all(np.isfinite(y_values)) or not np.all(y_values == np.round(y_values)):
        return "regression"
    k = len(np.unique(y_values))
    if k <= 2:
        return "binary"
    return "multiclass" if k <= max_classes else "regression"


def encode_labels(values: np.ndarray) -> "tuple[np.ndarray, list]":
    """Map target values (numbers or strings) to class indices 0..k-1 in sorted order.

    Returns (indices int64, class_names). Numbers that are whole are named without '.0'.
    """
    values = np.asarray(values)
    uniques, inverse = np.unique(values, return_inverse=True)
    names = [format_value(v) for v in uniques]
    return inverse.astype(np.int64).reshape(len(values)), names


def format_value(v) -> str:
    if isinstance(v, (str, np.str_)):
        return str(v)
    f = float(v)
    return str(int(f)) if f.is_integer() else repr(f)
