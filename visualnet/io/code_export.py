"""Code export: a runnable Keras 3 script and a runnable PyTorch (`torch.nn`) script that
rebuild a model and its training set-up, optionally with the trained weights.

    export_keras_script(model, "train_keras.py", weights="npz")   # weights in train_keras_weights.npz
    export_torch_script(model, "train_torch.py", weights="embed")  # weights inside the script

Each script runs on its own (no VisualNet needed):
    python train_keras.py                      # prints a summary
    python train_keras.py --predict x.npy y.npy   # predictions (x.npz with one array per input name)
    python train_keras.py --train data.npz     # fits on arrays x (or the input names) and y
Weights travel as an .npz of plain arrays keyed "<layer name>/<index>" in Keras's order
(np.load without object arrays). The PyTorch model keeps Keras's channels-last layout so that
Flatten, Concatenate and the weights mean the same thing in both.

The Keras script is written in code_export_keras.py, the PyTorch one in code_export_torch.py
(its training and saving source in torch_script_source.py, masks in torch_masks.py), what
both share in code_export_parts.py.
"""

from __future__ import annotations

from pathlib import Path

from .code_export_keras import keras_script
from .code_export_parts import _write
from .code_export_torch import torch_script

__all__ = ["export_keras_script", "export_torch_script", "keras_script", "torch_script"]


def export_keras_script(model, path, weights: str | None = "npz", training: dict | None = None,
                        recipe=None) -> Path | None:
    """Write the Keras script (and `<stem>_weights.npz` beside it for weights='npz');
    returns the .npz path, if any."""
    path = Path(path)
    text, npz = keras_script(model, weights, training, recipe, path.stem + "_weights.npz")
    return _write(path, text, npz, weights)


def export_torch_script(model, path, weights: str | None = "npz", training: dict | None = None,
                        recipe=None) -> Path | None:
    """Write the PyTorch script (and `<stem>_weights.npz` beside it for weights='npz');
    returns the .npz path, if any."""
    path = Path(path)
    text, npz = torch_script(model, weights, training, recipe, path.stem + "_weights.npz")
    return _write(path, text, npz, weights)
