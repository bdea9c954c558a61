"""Weights trained elsewhere, brought back into a model or a project without running code.

Two kinds of file:
- a Keras-ordered `.npz`, as the exported Keras and PyTorch scripts write it (`--train`, also
  under `torchrun`): `np.savez` of plain float arrays keyed "<layer name>/<index>" in Keras's
  weight order, read with `allow_pickle=False`;
- a Keras weights file (`.weights.h5`, `.keras`, `.h5`), through `keras_files.load_weights`.

Every name, shape and value is checked before anything changes: a missing or extra array, a
wrong shape, a non-numeric or non-finite array is an error naming the file and the array.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from .errors import KerasFileError


def read_npz_weights(model, path) -> dict[str, list[np.ndarray]]:
    """{node id: the layer's arrays in Keras's order} from a Keras-ordered .npz, checked against `model`."""
    path = Path(path)
    if not path.is_file():
        raise KerasFileError(f"{path}: no such file")
    if not zipfile.is_zipfile(path):
        raise KerasFileError(f"{path}: not an .npz file (not a zip archive)")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as e:
        raise KerasFileError(f"{path}: its arrays cannot be read without unpickling ({e})") from None
    out, missing, wrong = {}, [], []
    used = set()
    for nid, layer in model.layers_by_node_id.items():
        current = layer.get_weights()
        found = []
        for i, w in enumerate(current):
            key = f"{layer.name}/{i}"
            if key not in arrays:
                missing.append(key)
                continue
            used.add(key)
            value = arrays[key]
            if value.dtype.kind not in "fiu":
                wrong.append(f"{key} holds {value.dtype} values, not numbers")
            elif value.shape != np.shape(w):
                wrong.append(f"{key} has shape {value.shape}; layer '{layer.name}' needs {np.shape(w)}")
            elif not np.all(np.isfinite(value)):
                wrong.append(f"{key} holds NaN or infinite values")
            else:
                found.append(value.astype(np.float32))
        if current:
            out[nid] = found
    extra = sorted(set(arrays) - used)
    problems = wrong + ([f"arrays {', '.join(missing)} are missing"] if missing else []) \
        + ([f"arrays {', '.join(extra)} match no weight of the model"] if extra else [])
    if problems:
        raise KerasFileError(f"{path}: the weights do not fit model '{model.name}': {'; '.join(problems)}")
    return out


def load_weights_file(model, path) -> None:
    """Put the weights of `path` (.npz, .weights.h5, .keras, .h5) into the engine model `model`."""
    path = Path(path)
    if path.suffix.lower() != ".npz":
        from .keras_files import load_weights

        load_weights(model, path)
        return
    weights = read_npz_weights(model, path)
    layers = model.layers_by_node_id
    for nid, arrays in weights.items():
        layers[nid].set_weights(arrays)


def import_weights(project, path) -> None:
    """Replace `project`'s weights with those of `path`; the optimizer state, which belonged to
    the old weights, is dropped (training resumes with a fresh optimizer)."""
    model = project.build_model(compile=False)
    load_weights_file(model, path)
    project.weights = model.state_dict()
    project.optimizer = None
