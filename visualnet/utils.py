"""Keras-compatible utilities: `to_categorical`, `normalize`, `set_random_seed`, `pad_sequences`,
`timeseries_dataset_from_array`, `text_dataset_from_directory`, `image_dataset_from_directory`,
`load_img` / `img_to_array` / `array_to_img` / `save_img`, `get_file` (offline), `plot_model`
(drawn by VisualNet, no Graphviz), `PyDataset` (alias `Sequence`)."""

from __future__ import annotations

import numpy as np

from .engine.py_dataset import PyDataset, Sequence
from .data.cached_files import get_file
from .data.image_dataset import image_dataset_from_directory
from .data.image_utils import array_to_img, img_to_array, load_img, save_img
from .data.sequences import TimeseriesDataset, pad_sequences, timeseries_dataset_from_array
from .data.text_dataset import BatchedDataset, text_dataset_from_directory
from .engine.rng import set_seed
from .engine.naming import clear_session  # noqa: F401
from .engine.object_registry import (CustomObjectScope, custom_object_scope, get_custom_objects,  # noqa: F401
                                     get_registered_name, get_registered_object, register_keras_serializable)
from .engine.progbar import Progbar  # noqa: F401
from .serialization import deserialize_keras_object, serialize_keras_object  # noqa: F401
from .config import (disable_interactive_logging, enable_interactive_logging,  # noqa: F401
                     is_interactive_logging_enabled)

__all__ = ["to_categorical", "normalize", "set_random_seed", "pad_sequences", "timeseries_dataset_from_array",
           "TimeseriesDataset", "text_dataset_from_directory", "image_dataset_from_directory", "BatchedDataset",
           "load_img", "img_to_array", "array_to_img", "save_img", "get_file", "plot_model", "PyDataset",
           "Sequence", "clear_session", "CustomObjectScope", "custom_object_scope", "get_custom_objects",
           "get_registered_name", "get_registered_object", "register_keras_serializable", "Progbar",
           "serialize_keras_object", "deserialize_keras_object", "pack_x_y_sample_weight", "unpack_x_y_sample_weight",
           "is_keras_tensor", "standardize_dtype", "disable_interactive_logging", "enable_interactive_logging",
           "is_interactive_logging_enabled"]


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """(x,), (x, y) or (x, y, sample_weight), as a data generator yields them (Keras's)."""
    if y is None:
        return x if not isinstance(x, (tuple, list)) else (x,)
    return (x, y) if sample_weight is None else (x, y, sample_weight)


def unpack_x_y_sample_weight(data):
    """(x, y, sample_weight) from what a generator yields, None where absent (Keras's)."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) in (1, 2, 3):
        return tuple(data) + (None,) * (3 - len(data))
    raise ValueError(f"Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, "
                     f"found: {data}")


def is_keras_tensor(x) -> bool:
    """Whether `x` is a symbolic tensor of the functional API (`keras.Input(...)` and what
    layers return on it)."""
    from .engine.tensor import KerasTensor

    return isinstance(x, KerasTensor)


def standardize_dtype(dtype) -> str:
    """The dtype's name as Keras writes it ("float32", "int64", "bool"; None: "float32")."""
    if dtype is None:
        return "float32"
    if dtype in (int, "int"):
        return "int32"      # as Keras on its torch and jax backends
    if dtype in (float, "float"):
        return "float32"
    if dtype is bool:
        return "bool"
    if hasattr(dtype, "name") and isinstance(dtype.name, str) and not isinstance(dtype, type):
        return dtype.name
    return np.dtype(dtype).name


def normalize(x, axis=-1, order=2) -> np.ndarray:
    """A copy of `x` divided by its `order`-norm along `axis` (zero norms left as 1), as Keras's
    (whose NumPy path takes axis=0 for -1; here axis=0 means the first axis)."""
    x = np.asarray(x)
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, -1 if axis is None else axis)


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False, show_layer_names=False, rankdir="TB",
               expand_nested=False, dpi=200, show_layer_activations=False, show_trainable=False, splines="ortho",
               **kwargs):
    """Draw the model's layers and wires to a .png or .svg file (Keras's `plot_model`, drawn
    by VisualNet itself: no Graphviz). Boxes show the layer type, with `show_layer_names` its
    name, with `show_shapes` its output shape; `rankdir` "TB" (top to bottom) or "LR";
    wires are straight arrows whatever `splines` says."""
    from .io.model_plot import plot_model as draw

    return draw(model, to_file, show_shapes=show_shapes, show_dtype=show_dtype, show_layer_names=show_layer_names,
                rankdir=rankdir, expand_nested=expand_nested, dpi=dpi, show_layer_activations=show_layer_activations,
                show_trainable=show_trainable, **kwargs)


def to_categorical(x, num_classes: int | None = None) -> np.ndarray:
    """One-hot encode integer class labels (Keras's `utils.to_categorical`)."""
    x = np.asarray(x)
    if x.size and not np.issubdtype(x.dtype, np.integer):
        if not np.all(np.equal(np.mod(x, 1), 0)):
            raise ValueError("to_categorical expects integer class labels; received non-integer values.")
        x = x.astype(np.int64)
    if x.ndim > 1 and x.shape[-1] == 1:
        x = x.reshape(x.shape[:-1])
    if x.size and x.min() < 0:
        raise ValueError(f"to_categorical expects labels >= 0; received {int(x.min())}.")
    top = int(x.max()) + 1 if x.size else 0
    if num_classes is None:
        num_classes = top
    elif top > num_classes:
        raise ValueError(f"Label {top - 1} is out of range for num_classes={num_classes}.")
    out = np.zeros((*x.shape, num_classes), dtype=np.float32)
    np.put_along_axis(out, x[..., None].astype(np.int64), 1.0, axis=-1)
    return out


def set_random_seed(seed: int) -> None:
    """Seed VisualNet's random draws (weights, dropout, shuffling) and NumPy's."""
    np.random.seed(seed)
    set_seed(seed)
