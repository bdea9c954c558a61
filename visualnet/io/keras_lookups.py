"""StringLookup, IntegerLookup, CategoryEncoding, Hashing and Discretization in `.keras`
files, as Keras 3 stores them: each layer's config (class `keras.layers.<Name>`); a lookup's
vocabulary, unless its config holds it, as the asset `assets/<layer path>/vocabulary.txt`
(one token per line, special tokens included: `assets/layers/string_lookup/vocabulary.txt`),
and in "tf_idf" mode its idf weights as `<layer path>/vars/idf_weights` in the weights file.

Such a model is a Python-API model (the layers are nodes of their own kind, as custom layers
are): `keras_custom` writes and reads it, this module adds the vocabularies and the classes.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np

from ..data.category_layers import CategoryEncoding, Discretization, Hashing
from ..data.hdf5_guard import open_hdf5
from ..data.lookup_layers import IndexLookup, IntegerLookup, StringLookup
from ..engine.python_nodes import python_layers
from .errors import KerasFileError
from .keras_zip import MAX_WEIGHTS_BYTES, WEIGHTS, _member, peek_keras_config, read_keras_config

VOCABULARY = "vocabulary.txt"
MAX_VOCABULARY_BYTES = 256 << 20
# Keras layers that are Python-API nodes in VisualNet, by Keras class name (read without custom_objects)
LOOKUP_LAYERS = {"StringLookup": StringLookup, "IntegerLookup": IntegerLookup, "CategoryEncoding": CategoryEncoding,
                 "Hashing": Hashing, "Discretization": Discretization}


def _lookups(model) -> list[tuple[str, IndexLookup]]:
    """[(the layer's path in Keras's walk, e.g. 'layers/string_lookup', layer)] of the
    lookups whose vocabulary the file keeps outside the config."""
    from .keras_custom import model_groups

    if not any(isinstance(l, IndexLookup) for l in python_layers(model.traced_graph)):
        return []
    return [(path, layer) for path, layer, _ in model_groups(model)
            if isinstance(layer, IndexLookup) and layer.get_config().get("vocabulary") is None]


def _asset(path: str) -> str:
    return f"assets/{path}/{VOCABULARY}"


def write_lookup_vars(f, model) -> None:
    """The idf weights of each "tf_idf" lookup, where Keras's `save_own_variables` puts them."""
    from .keras_custom import model_groups

    if not any(isinstance(l, IndexLookup) for l in python_layers(model.traced_graph)):
        return
    for path, layer, _ in model_groups(model):
        if isinstance(layer, IndexLookup) and layer.output_mode == "tf_idf" and layer.idf_weights is not None:
            f.require_group(f"{path}/vars").create_dataset("idf_weights", data=layer.idf_weights.astype(np.float32))


def write_lookup_assets(z: zipfile.ZipFile, model) -> None:
    """The vocabulary of each lookup of `model` whose config does not hold it."""
    for path, layer in _lookups(model):
        text = "\n".join(str(t) for t in layer.get_vocabulary(include_special_tokens=True))
        z.writestr(_asset(path), text.encode("utf-8"))


def read_lookup_assets(z: zipfile.ZipFile, model, filename: str) -> None:
    """Set each lookup's vocabulary (and idf weights) from the file (Keras's or ours)."""
    found = _lookups(model)
    if not found:
        return
    names = set(z.namelist())
    weights = None
    for path, layer in found:
        asset = _asset(path)
        if asset not in names:
            raise KerasFileError(f"'{filename}' has no vocabulary for {type(layer).__name__} '{layer.name}' "
                                 f"(expected {asset}).")
        raw = _member(z, asset, MAX_VOCABULARY_BYTES)
        try:
            lines = bytes(raw).decode("utf-8").splitlines()
        except UnicodeDecodeError as e:
            raise KerasFileError(f"'{filename}': {asset} is not UTF-8 text ({e.reason} at byte {e.start}).") from None
        while lines and lines[-1] == "":
            lines.pop()
        if not layer.strings:
            try:
                lines = [int(v) for v in lines]
            except ValueError as e:
                raise KerasFileError(f"'{filename}': {asset} should hold one integer a line: {e}") from None
        idf = None
        if layer.output_mode == "tf_idf":
            if weights is None:
                weights = bytes(_member(z, WEIGHTS, MAX_WEIGHTS_BYTES))
            idf = _idf_weights(weights, path, layer, filename)
        try:
            layer.set_vocabulary(lines, idf_weights=idf)
        except (ValueError, RuntimeError) as e:
            raise KerasFileError(f"'{filename}': the vocabulary of {type(layer).__name__} '{layer.name}' "
                                 f"({asset}) is not valid: {e}") from None


def _idf_weights(weights: bytes, path: str, layer, filename: str) -> np.ndarray:
    with open_hdf5(io.BytesIO(weights)) as f:
        data = f.get(f"{path}/vars/idf_weights")
        if data is None:
            raise KerasFileError(f"'{filename}' has no idf weights for {type(layer).__name__} '{layer.name}' "
                                 f"(expected {path}/vars/idf_weights in {WEIGHTS}).")
        idf = np.asarray(data[()], dtype=np.float32)
    if idf.ndim != 1:
        raise KerasFileError(f"'{filename}': the idf weights of '{layer.name}' should be 1-D; they have shape "
                             f"{idf.shape}.")
    return idf


def with_lookup_layers(filepath, custom_objects):
    """`custom_objects` plus the Python-API classes of the Keras layers a `.keras` file names
    (the lookups, CategoryEncoding, Hashing, Discretization), so that `keras_custom` reads it."""
    if not str(filepath).lower().endswith(".keras"):
        return custom_objects
    try:
        config = peek_keras_config(Path(filepath))
    except (KerasFileError, OSError, ValueError, KeyError, zipfile.BadZipFile):   # (UnicodeDecodeError, JSON: ValueError)
        return custom_objects        # the reader that follows reports the file's problem
    return with_lookup_classes(config.get("config"), custom_objects)


def with_lookup_classes(config, custom_objects):
    """`custom_objects` plus the classes of the layers a model config (dict or JSON text) names."""
    import json

    try:
        config = json.loads(config) if isinstance(config, (str, bytes)) else config
    except ValueError:
        return custom_objects        # the reader that follows reports the text's problem
    names = _class_names(config)
    found = {name: cls for name, cls in LOOKUP_LAYERS.items() if name in names}
    return {**found, **(custom_objects or {})} if found else custom_objects


def _class_names(obj, out=None) -> set:
    out = set() if out is None else out
    if isinstance(obj, dict):
        if isinstance(obj.get("class_name"), str) and obj.get("module") in (None, "keras.layers"):
            out.add(obj["class_name"])
        for v in obj.values():
            _class_names(v, out)
    elif isinstance(obj, list):
        for v in obj:
            _class_names(v, out)
    return out
