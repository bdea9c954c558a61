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

__all__ = ["to_categorical", "normalize", "set_random_seed", "pad_sequences", "timeseries_dataset_from_array",
           "TimeseriesDataset", "text_dataset_from_directory", "image_dataset_from_directory", "BatchedDataset",
           "load_img", "img_to_array", "array_to_img", "save_img", "get_file", "plot_model", "PyDataset",
           "Sequence"]


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
