"""TextVectorization in `.keras` files, as Keras 3 stores it: the layer's config (class
`keras.layers.TextVectorization`) and, unless the config holds the vocabulary, the vocabulary
as an asset, one token per line, special tokens included:
`assets/layers/text_vectorization/vocabulary.txt` (the layer's path in Keras's walk, as its
weights group: `text_vectorization_1` for a second one) and the same under `_lookup_layer/`
(Keras writes both: the layer's own `save_assets` and that of the StringLookup inside it,
whose empty weights group is written too).

Such a model is a Python-API model (the layer is a node of its own kind, as custom layers
are): `keras_custom` writes and reads it, this module adds the assets.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from ..data.text_vectorization import TextVectorization
from ..engine.python_nodes import python_layers
from .errors import KerasFileError
from .keras_zip import _member, peek_keras_config, read_keras_config

ASSETS = "assets"
VOCABULARY = "vocabulary.txt"
MAX_VOCABULARY_BYTES = 256 << 20
# Keras layers that are Python-API nodes in VisualNet, by Keras class name (read without custom_objects)
TEXT_LAYERS = {"TextVectorization": TextVectorization}


def _text_layers(model) -> list[tuple[str, object]]:
    """[(the layer's path in Keras's walk, e.g. 'layers/text_vectorization', layer)]: the
    path of its weights group, which names its assets too."""
    from .keras_custom import model_groups

    if not any(isinstance(l, TextVectorization) for l in python_layers(model.traced_graph)):
        return []
    return [(path, layer) for path, layer, _ in model_groups(model) if isinstance(layer, TextVectorization)]


def _paths(path: str) -> list[str]:
    return [f"{ASSETS}/{path}/{VOCABULARY}", f"{ASSETS}/{path}/_lookup_layer/{VOCABULARY}"]


def write_lookup_groups(f, model) -> None:
    """The (empty) weights group of the StringLookup Keras keeps inside each TextVectorization."""
    for path, _ in _text_layers(model):
        group = f.require_group(f"{path}/_lookup_layer/vars")
        group.attrs["name"] = np.bytes_(b"string_lookup")


def write_assets(z: zipfile.ZipFile, model) -> None:
    """The vocabulary of each TextVectorization of `model` whose config does not hold it."""
    for group, layer in _text_layers(model):
        config = layer.get_config()
        if config.get("vocabulary") is not None:
            continue
        if config["output_mode"] == "tf_idf":
            raise ValueError(f"TextVectorization '{layer.name}' (output_mode='tf_idf') keeps its idf weights with "
                             "its vocabulary; VisualNet writes .keras files of TextVectorization layers in the "
                             "'int', 'multi_hot' and 'count' modes.")
        text = "\n".join(str(t) for t in layer.get_vocabulary(include_special_tokens=True))
        for path in _paths(group):
            z.writestr(path, text.encode("utf-8"))


def read_assets(z: zipfile.ZipFile, model, filename: str) -> None:
    """Set each TextVectorization's vocabulary from the file's asset (Keras's or ours)."""
    names = set(z.namelist())
    for group, layer in _text_layers(model):
        if layer.get_config().get("vocabulary") is not None:
            continue
        path = next((p for p in _paths(group) if p in names), None)
        if path is None:
            raise KerasFileError(f"'{filename}' has no vocabulary for TextVectorization '{layer.name}' (expected "
                                 f"{_paths(group)[0]}).")
        raw = _member(z, path, MAX_VOCABULARY_BYTES)
        try:
            lines = bytes(raw).decode("utf-8").splitlines()
        except UnicodeDecodeError as e:
            raise KerasFileError(f"'{filename}': {path} is not UTF-8 text ({e.reason} at byte {e.start}).") from None
        while lines and lines[-1] == "":
            lines.pop()
        layer.set_vocabulary(lines)       # the special tokens lead it, as Keras's set_vocabulary takes them


def with_text_layers(filepath, custom_objects):
    """`custom_objects` plus the Python-API classes of the Keras layers a `.keras` file names
    (TextVectorization), so that `keras_custom` reads it; unchanged for other files."""
    if not str(filepath).lower().endswith(".keras"):
        return custom_objects
    try:
        config = peek_keras_config(Path(filepath))
    except (KerasFileError, OSError, ValueError, KeyError, zipfile.BadZipFile):   # (UnicodeDecodeError, JSON: ValueError)
        return custom_objects        # the reader that follows reports the file's problem
    found = {name: cls for name, cls in TEXT_LAYERS.items() if _names(config.get("config"), name)}
    return {**found, **(custom_objects or {})} if found else custom_objects


def _names(obj, class_name: str) -> bool:
    if isinstance(obj, dict):
        if obj.get("class_name") == class_name and obj.get("module") in (None, "keras.layers"):
            return True
        return any(_names(v, class_name) for v in obj.values())
    if isinstance(obj, list):
        return any(_names(v, class_name) for v in obj)
    return False
