"""Keras files of models that hold user-written layers (issue 23): `.keras` and
`.weights.h5` in Keras 3's layout, so real Keras reads ours and we read its.

A custom layer is written as Keras writes it: its class name, module and `get_config()`;
its weights at `layers/<name>/vars`, and each layer it holds at the attribute's path
(`layers/block/dense/vars`; a list of layers as `attr/dense`, `attr/dense_1`), in the
order of Keras's `saving_lib._walk_saveable`. Reading makes a custom layer only from the
classes the caller passes in `custom_objects`; the file never names code to run.
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path

import h5py
import numpy as np

from ..data.hdf5_guard import open_hdf5
from ..engine.custom_layer import is_python_layer
from ..engine.python_nodes import python_layers
from ..engine.symbolic_ops import is_op_layer
from ..engine.layers.base import Layer as EngineLayer
from ..engine.model_structure import graph_describes
from ..engine.nesting import is_model
from ..engine.subclassed import is_subclassed
from ..graph import keras_order
from ..graph.registry import snake_case
from .atomic import write_atomic
from .errors import KerasFileError
from .keras_config import MASK_OPS
from .keras_config_read import config_beyond_graph
from .keras_h5 import keras3_group_names, keras3_layer_order
from .keras_lookups import read_lookup_assets, write_lookup_assets, write_lookup_vars
from .keras_text import read_assets, write_assets, write_lookup_groups
from .keras_zip import CONFIG, MAX_WEIGHTS_BYTES, METADATA, WEIGHTS, _member, peek_keras_config, read_keras_config

# a custom layer's bookkeeping attributes, which Keras's walk does not see
_INTERNAL = {"_sublayers", "_own", "_run", "_losses", "_buffers", "_views", "_keras_output", "_tape_twins",
             "_auto_config", "_trainable", "_built", "_shape_pending"}


def has_custom_layers(model) -> bool:
    return bool(python_layers(model.traced_graph)) if getattr(model, "built", False) else False


def file_has_custom_layers(filepath, custom_objects: dict) -> bool:
    """Whether a `.keras` file's config names one of `custom_objects` (then this module
    reads it)."""
    if not str(filepath).lower().endswith(".keras"):
        return False
    config = peek_keras_config(Path(filepath))
    names = set()

    def walk(obj):
        if isinstance(obj, dict):
            if isinstance(obj.get("class_name"), str):
                names.add(obj["class_name"])
                names.add(str(obj.get("registered_name")))
            for v in obj.values():
                walk(v)
        elif isinstance(obj, list):
            for v in obj:
                walk(v)
    walk(config.get("config"))
    return bool(names & set(custom_objects))


def _keras_file_config(filepath) -> "dict | None":
    """A `.keras` file's config, or None for another kind of file or one that cannot be read
    (the reader that follows reports its problem)."""
    if not str(filepath).lower().endswith(".keras"):
        return None
    try:
        return peek_keras_config(Path(filepath))
    except (KerasFileError, OSError, ValueError, KeyError, zipfile.BadZipFile):
        return None


def file_has_ops(filepath) -> bool:
    """Whether a `.keras` file's functional config holds ops on symbolic tensors (`x * 2.0`,
    `ops.concatenate`: Keras's `keras.src.ops` entries; then this module reads it)."""
    config = _keras_file_config(filepath)
    if config is None:
        return False
    layers = (config.get("config") or {}).get("layers") if isinstance(config.get("config"), dict) else None
    return any(isinstance(e, dict) and str(e.get("module", "")).startswith("keras.src.ops")
               and e.get("class_name") not in MASK_OPS for e in layers or [])   # (how Masking's mask was computed)


def needs_model_config(model) -> bool:
    """Whether a functional model's file is written from its config (model_config.py), as
    one with custom layers is, because its graph cannot say what it returns: several
    outputs, an output of a layer with several (an LSTM's state), or dict inputs/outputs."""
    if not getattr(model, "built", False) or is_subclassed(model) or not hasattr(model, "output_node_ids"):
        return False
    return not graph_describes(model)


def file_needs_model_config(filepath) -> bool:
    """Whether a `.keras` file's functional config returns what a graph cannot say
    (keras_config_read.config_beyond_graph): then this module reads it."""
    config = _keras_file_config(filepath)
    return config is not None and config_beyond_graph(config)


# ---------------------------------------------------------------------- the weights layout
def _name_key(name: str) -> str:
    return f"~{name}" if name.startswith("_") else name   # Keras visits private attributes last


def _held(value) -> list:
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, dict):
        return list(value.values())
    return []


def layer_groups(layer, path: str, visited: set) -> list[tuple[str, object, list]]:
    """[(group path, layer, its arrays at that group)] for `layer` at `path`, its held
    layers after it (Keras's order); a layer met twice is written once."""
    if id(layer) in visited:
        return []
    visited.add(id(layer))
    if is_model(layer):
        raise ValueError(f"A model ('{layer.name}') inside a custom layer cannot be written to a Keras file by "
                         "VisualNet; hold its layers in the custom layer instead.")
    if not is_python_layer(layer):
        arrays = layer.get_weights()
        out, start = [], 0
        for sub, count in layer.spec.keras.weight_groups(layer.config, len(arrays)):
            out.append((f"{path}/{sub}" if sub else path, layer, list(range(start, start + count))))
            start += count
        return out
    attrs = {k: v for k, v in layer.__dict__.items() if k not in _INTERNAL}
    return [(path, layer, list(range(len(layer.own_weights))))] + attribute_groups(attrs, path, visited)


def attribute_groups(attrs: dict, path: str, visited: set) -> list:
    """The groups of the layers that attributes hold, in Keras's walk order (sorted names,
    private last; a list's layers named by class, numbered)."""
    out = []
    prefix = f"{path}/" if path else ""
    for attr in sorted(attrs, key=_name_key):
        value = attrs[attr]
        if isinstance(value, EngineLayer) or is_model(value):
            out += layer_groups(value, f"{prefix}{attr}", visited)
            continue
        used: dict[str, int] = {}
        for item in _held(value):
            if isinstance(item, EngineLayer):
                base = snake_case(type(item).__name__)
                name = base if base not in used else f"{base}_{used[base]}"
                used[base] = used.get(base, 0) + 1
                out += layer_groups(item, f"{prefix}{attr}/{name}", visited)
    return out


def _arrays(layer) -> list:
    """The arrays of a group's layer, in its vars order (a custom layer: its own weights)."""
    if is_python_layer(layer):
        return [w.value for w in layer.own_weights]
    return layer.get_weights()


def model_groups(model) -> list[tuple[str, object, list]]:
    """Every weight group of a model's Keras 3 weights file."""
    shared = sorted({l.shares_with.name for l in model.layers_by_node_id.values() if l.shares_with})
    if shared:
        raise ValueError(f"Model '{model.name}' calls the layer(s) {', '.join(map(repr, shared))} more than once; "
                         "VisualNet writes Keras files of models without shared layers only.")
    if is_subclassed(model):  # its public attributes and `layers`, as Keras walks a subclassed model
        attrs = {k: v for k, v in model.__dict__.items() if not k.startswith("_")}
        return attribute_groups({**attrs, "layers": model.layers}, "", set())
    graph, sequential = model.traced_graph, _is_sequential(model)
    outputs = list(dict.fromkeys(model.output_node_ids))   # every output (a model may have several)
    order = keras3_layer_order(graph, sequential) if sequential else keras_order(graph, outputs)
    order = [n for n in order if not is_op_layer(model.layers_by_node_id[n])]   # Keras walks Layers, not ops
    visited, out = set(), []
    for nid, name in zip(order, keras3_group_names(graph, order)):
        out += layer_groups(model.layers_by_node_id[nid], f"layers/{name}", visited)
    return out


def write_weights(f: h5py.File, model, optimizer_vars=None, optimizer_name: str = "optimizer") -> None:
    for path, layer, idx in model_groups(model):
        arrays = _arrays(layer)
        v = f.require_group(path).require_group("vars")
        v.attrs["name"] = np.bytes_(getattr(layer, "name", path.rsplit("/", 1)[-1]).encode("utf-8"))
        for i, k in enumerate(idx):
            v.create_dataset(str(i), data=np.asarray(arrays[k], dtype=np.float32))
    top = f.create_group("vars")
    top.attrs["name"] = np.bytes_(model.name.encode("utf-8"))
    if optimizer_vars is not None:
        opt = f.create_group("optimizer").create_group("vars")
        opt.attrs["name"] = np.bytes_(optimizer_name.encode("utf-8"))
        for i, value in enumerate(optimizer_vars):
            opt.create_dataset(str(i), data=value)


def read_weights(f, model) -> None:
    """Every weight of `model` from a Keras 3 weights file, checked before any is set."""
    updates = []
    for path, layer, idx in model_groups(model):
        targets = _arrays(layer)
        if not idx:
            continue
        group = f.get(f"{path}/vars")
        if group is None:
            raise KerasFileError(f"The file has no weights for layer '{layer.name}' (group '{path}').")
        if len(group) != len(idx):
            raise KerasFileError(f"Layer '{layer.name}' (group '{path}') needs {len(idx)} weights; the file has "
                                 f"{len(group)}.")
        for i, k in enumerate(idx):
            data = group.get(str(i))
            target = targets[k]
            if data is None or tuple(data.shape) != tuple(np.shape(target)):
                raise KerasFileError(f"Weight {i} of layer '{layer.name}' (group '{path}') should have shape "
                                     f"{tuple(np.shape(target))}; the file holds "
                                     f"{None if data is None else tuple(data.shape)}.")
            updates.append((layer, k, np.asarray(data[()], dtype=np.float32)))
    by_layer: dict[int, tuple] = {}
    for layer, k, value in updates:
        by_layer.setdefault(id(layer), (layer, {}))[1][k] = value
    for layer, values in by_layer.values():
        if is_python_layer(layer):
            for k, w in enumerate(layer.own_weights):
                if k in values:
                    w.value[...] = values[k]
        else:
            arrays = layer.get_weights()
            layer.set_weights([values.get(k, a) for k, a in enumerate(arrays)])


# ---------------------------------------------------------------------- files
def save_model(model, filepath, overwrite: bool = True) -> None:
    """A `.keras` file of a model with custom layers."""
    from .keras_files import _optimizer_vars, make_compile_config
    from .model_config import model_entry

    path = Path(filepath)
    if not path.name.lower().endswith(".keras"):
        what = "custom layers" if has_custom_layers(model) else "several outputs (or dict inputs or outputs)"
        raise ValueError(f"A model with {what} is saved as a .keras file by VisualNet. Received: "
                         f"filepath={filepath}")
    config = model_entry(model)
    cfg = make_compile_config(model, "keras3")
    config["compile_config"] = cfg if cfg is not None else {}
    opt_vars, opt_name = _optimizer_vars(model) if cfg is not None else (None, "optimizer")
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        write_weights(f, model, opt_vars, opt_name)
        write_lookup_groups(f, model)       # a TextVectorization's StringLookup (keras_text.py)
        write_lookup_vars(f, model)         # tf_idf lookups' idf weights (keras_lookups.py)
    metadata = {"keras_version": "3.0.0", "date_saved": time.strftime("%Y-%m-%d@%H:%M:%S")}

    def write(tmp):
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as z:
            z.writestr(METADATA, json.dumps(metadata))
            z.writestr(CONFIG, json.dumps(config))
            z.writestr(WEIGHTS, buf.getvalue())
            write_assets(z, model)      # TextVectorization vocabularies (keras_text.py)
            write_lookup_assets(z, model)   # StringLookup / IntegerLookup vocabularies (keras_lookups.py)
    write_atomic(path, write, overwrite=overwrite)


def save_weights(model, filepath, overwrite: bool = True) -> None:
    path = Path(filepath)

    def write(tmp):
        with h5py.File(tmp, "w") as f:
            write_weights(f, model)
    write_atomic(path, write, overwrite=overwrite)


def load_weights(model, filepath) -> None:
    path = Path(filepath)
    if path.name.lower().endswith(".keras"):
        z, _ = read_keras_config(path)
        with z:
            data = _member(z, WEIGHTS, MAX_WEIGHTS_BYTES)
        with open_hdf5(io.BytesIO(data)) as f:
            read_weights(f, model)
    else:
        with open_hdf5(path) as f:
            read_weights(f, model)


def load_model(filepath, custom_objects: dict, compile: bool = True, classes=None):
    """A model with custom layers from a `.keras` file; each custom class comes from
    `custom_objects`."""
    from .keras_files import compile_from_config, restore_optimizer
    from .keras_h5 import read_keras3_optimizer
    from .model_config import from_config

    path = Path(filepath)
    z, config = read_keras_config(path)
    with z:
        data = _member(z, WEIGHTS, MAX_WEIGHTS_BYTES)
    cls = config.get("class_name")
    model = from_config(config.get("config"), classes, sequential=cls == "Sequential", custom_objects=custom_objects)
    if not model.built:
        raise KerasFileError(f"The model in '{path.name}' has no input shape, so its weights cannot be placed.")
    with read_keras_config(path)[0] as z:
        read_assets(z, model, path.name)     # TextVectorization vocabularies (keras_text.py)
        read_lookup_assets(z, model, path.name)   # lookup vocabularies and idf weights (keras_lookups.py)
    cfg = config.get("compile_config")
    with open_hdf5(io.BytesIO(data)) as f:
        read_weights(f, model)
        if compile and isinstance(cfg, dict) and cfg:
            compile_from_config(model, cfg, custom_objects)
            if model.compiled is not None:
                variables = read_keras3_optimizer(f, {"model": model.get_weights()})   # its size limits
                if variables:
                    restore_optimizer(model, variables, path.name)
    return model


def _is_sequential(model) -> bool:
    from ..engine.sequential import Sequential

    return isinstance(model, Sequential)
