"""HDF5 layouts of Keras: the legacy whole-model `.h5` (Keras 2 dialect when written) and
the Keras 3 weights layout (`.weights.h5`, and `model.weights.h5` inside `.keras`).

Every array read is checked against the shape the model config implies before it is
read, and always found through the file's own `weight_names` (legacy) or by Keras 3's
class-name-and-position group names.
"""

from __future__ import annotations

import json
from typing import Any

import h5py
import numpy as np

from ..graph import Graph, keras_order
from ..graph.registry import snake_case
from .errors import KerasFileError
from .project import check_finite_weight
from .keras_config import KERAS2_VERSION, check_graph, graph_from_keras_config
from .keras_config import model_config as make_model_config
from .keras_config import weight_shapes

MAX_JSON = 64 << 20  # bytes of JSON accepted in one attribute
KERAS3_VERSION = "3.0.0"  # what a file with a Keras 3 config claims (as .keras files do)


# ---------------------------------------------------------------------- attributes, read bounded
MAX_NAMES = 1_000_000      # entries of one list-of-names attribute


def read_attr(obj, key: str, what: str, limit: int = MAX_JSON):
    """Attribute `key` of `obj` (as h5py gives it), read only after its type, shape and size
    were checked: text (fixed or variable length) or numbers, a scalar or a list of at most
    MAX_NAMES entries, fixed-size data within `limit` bytes, and for variable-length
    strings a global heap that HDF5 can read without hanging."""
    if key not in obj.attrs:
        raise KerasFileError(f"{what} has no '{key}' attribute.")
    try:
        aid = h5py.h5a.open(obj.id, key.encode("utf-8"))
        tid, shape = aid.get_type(), aid.shape
    except (KeyError, OSError, ValueError, RuntimeError) as exc:
        raise KerasFileError(f"{what}'s '{key}' attribute cannot be opened: {exc}") from None
    if shape is None or len(shape) > 1:
        raise KerasFileError(f"{what}'s '{key}' attribute has shape {shape}; a value or a list is expected.")
    count = int(np.prod(shape, dtype=np.int64)) if shape else 1
    if count > MAX_NAMES:
        raise KerasFileError(f"{what}'s '{key}' attribute holds {count:,} entries; at most {MAX_NAMES:,} are "
                             "accepted.")
    if isinstance(tid, h5py.h5t.TypeStringID) and tid.is_variable_str():
        pass  # its global heap was walked when the file was opened (data/hdf5_guard.py)
    elif isinstance(tid, (h5py.h5t.TypeStringID, h5py.h5t.TypeIntegerID, h5py.h5t.TypeFloatID)):
        try:
            stored = aid.get_storage_size()
        except RuntimeError:  # h5py reports an empty attribute's 0 bytes as an error
            stored = 0
        size = max(tid.get_size() * count, stored)
        if size > limit:
            raise KerasFileError(f"{what}'s '{key}' attribute holds {size:,} bytes; at most {limit:,} are "
                                 "accepted.")
    else:
        raise KerasFileError(f"{what}'s '{key}' attribute is neither text nor numbers.")
    return obj.attrs[key]


# ---------------------------------------------------------------------- small helpers
def text_attr(obj, key: str, what: str) -> str:
    """A string attribute (stored as str or bytes), or KerasFileError."""
    value = read_attr(obj, key, what)
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value[()]
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            raise KerasFileError(f"{what}'s '{key}' attribute is not UTF-8 text.") from None
    if not isinstance(value, str):
        raise KerasFileError(f"{what}'s '{key}' attribute is not text.")
    if len(value) > MAX_JSON:
        raise KerasFileError(f"{what}'s '{key}' attribute is larger than {MAX_JSON} bytes.")
    return value


def json_attr(obj, key: str, what: str) -> Any:
    text = text_attr(obj, key, what)
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise KerasFileError(f"{what}'s '{key}' is not valid JSON: {exc}") from None


def names_attr(obj, key: str, what: str) -> list[str]:
    """A list-of-names attribute (Keras splits long ones into key0, key1, ...)."""
    if key in obj.attrs:
        chunks = [read_attr(obj, key, what)]
    else:
        chunks, i = [], 0
        while f"{key}{i}" in obj.attrs:
            chunks.append(read_attr(obj, f"{key}{i}", what))
            i += 1
        if not chunks:
            raise KerasFileError(f"{what} has no '{key}' attribute.")
    out = []
    for chunk in chunks:
        arr = np.asarray(chunk)
        if arr.ndim == 0:
            arr = arr.reshape(1)
        if arr.ndim != 1:
            raise KerasFileError(f"{what}'s '{key}' attribute is not a list of names.")
        for v in arr.tolist():
            if isinstance(v, bytes):
                try:
                    v = v.decode("utf-8")
                except UnicodeDecodeError:
                    raise KerasFileError(f"{what}'s '{key}' holds a name that is not UTF-8.") from None
            if not isinstance(v, str):
                raise KerasFileError(f"{what}'s '{key}' holds something that is not a name: {v!r}.")
            out.append(v)
    return out


def read_array(obj, path: str, shape: tuple, what: str) -> np.ndarray:
    """Dataset `path` under `obj`, checked to be numeric with exactly `shape` before reading."""
    try:
        ds = obj[path]
    except (KeyError, ValueError):
        raise KerasFileError(f"{what}: the file has no dataset '{path}'.") from None
    if not isinstance(ds, h5py.Dataset):
        raise KerasFileError(f"{what}: '{path}' is not a dataset.")
    if tuple(ds.shape) != tuple(shape):
        raise KerasFileError(f"{what}: '{path}' has shape {tuple(ds.shape)}; the model needs {tuple(shape)}.")
    if ds.dtype.kind not in "fiu":
        raise KerasFileError(f"{what}: '{path}' holds {ds.dtype}, not numbers.")
    value = np.asarray(ds[()], dtype=np.float32)
    if value.shape != tuple(shape):
        raise KerasFileError(f"{what}: '{path}' could not be read with shape {tuple(shape)}.")
    return value


def _finite(value: np.ndarray, layer: str, weight: str) -> np.ndarray:
    """`value`, refused (as projects refuse it) when it holds NaN or infinities."""
    check_finite_weight(value, layer, weight, KerasFileError,
                        " (training probably diverged); the model cannot be used")
    return value


def _bytes_list(names: list[str]) -> np.ndarray:
    if not names:
        return np.array([], dtype=np.float64)  # what Keras writes for an empty list
    return np.array([n.encode("utf-8") for n in names])


# ---------------------------------------------------------------------- legacy .h5
def write_legacy_h5(f: h5py.File, graph: Graph, name: str, sequential: bool, weights: dict[str, list],
                    training_config: dict | None, optimizer_vars: list | None = None,
                    optimizer_name: str = "optimizer", frozen=frozenset(), trainable: bool = True,
                    config: dict | None = None, outputs: list[str] | None = None) -> None:
    """The whole model in the legacy layout, its config in the Keras 2 dialect (tf-keras and
    Keras 3 both load it), with the optimizer's variables (Keras 3's order) in
    'optimizer_weights' when given.

    `weights`: node id -> arrays in Keras order. `config`: the model config to write instead
    of the graph's, for a model the graph cannot describe (several outputs: Keras 3's
    config, as Keras 3 writes it into .h5 files; Keras 3 loads it, tf-keras does not);
    `outputs`: its output node ids in order, which set Keras's order of the layers (the
    order Keras 3 reads their weights in)."""
    # fixed-length strings (bytes): both Keras loaders decode them; no shared heap to damage
    version = KERAS2_VERSION if config is None else KERAS3_VERSION
    if config is None:
        config = make_model_config(graph, name, sequential, "keras2", frozen, trainable)
    f.attrs["keras_version"] = np.bytes_(version.encode())
    f.attrs["backend"] = np.bytes_(b"tensorflow")
    f.attrs["model_config"] = np.bytes_(json.dumps(config).encode())
    if training_config is not None:
        f.attrs["training_config"] = np.bytes_(json.dumps(training_config).encode())
    mw = f.create_group("model_weights")
    order = keras_order(graph, list(dict.fromkeys(outputs)) if outputs else [graph.output_nodes()[0].id])
    shapes = weight_shapes(graph)
    mw.attrs["layer_names"] = _bytes_list([graph.nodes[n].name for n in order])
    mw.attrs["backend"] = np.bytes_(b"tensorflow")
    mw.attrs["keras_version"] = np.bytes_(version.encode())
    for nid in order:
        node = graph.nodes[nid]
        g = mw.create_group(node.name)
        specs = shapes[nid]
        names = [f"{node.name}/{w.name}:0" for w in specs]
        g.attrs["weight_names"] = _bytes_list(names)
        for wn, w, value in zip(names, specs, weights.get(nid, [])):
            g.create_dataset(wn, data=np.asarray(value, dtype=np.float32).reshape(w.shape))
    if optimizer_vars is not None and training_config is not None:
        og = f.create_group("optimizer_weights")
        names = [f"{optimizer_name}/{i}" for i in range(len(optimizer_vars))]
        og.attrs["weight_names"] = _bytes_list(names)
        for wn, value in zip(names, optimizer_vars):
            og.create_dataset(wn, data=value)


def legacy_h5_config(f: h5py.File) -> tuple[Any, dict | None]:
    """(model config, training_config or None) of a legacy `.h5` model, as JSON data."""
    if "model_config" not in f.attrs:
        raise KerasFileError("This .h5 file holds no model (no 'model_config'); it may hold weights only — "
                             "load it with model.load_weights().")
    config = json_attr(f, "model_config", "The file")
    training = json_attr(f, "training_config", "The file") if "training_config" in f.attrs else None
    return config, training if isinstance(training, dict) else None


def read_legacy_h5(f: h5py.File):
    """(KerasModelSpec, weights by node id, training_config or None) of a legacy `.h5` model."""
    config, training = legacy_h5_config(f)
    spec = graph_from_keras_config(config)
    weights = read_legacy_weights(legacy_weights_group(f), spec.graph)
    if training is not None:
        spec.optimizer_variables = read_legacy_optimizer(f, weights)
    return spec, weights, training


def legacy_weights_group(f: h5py.File):
    """The group of a legacy `.h5` that holds the layers' weights ('model_weights', or the
    file itself for the weights-only layout)."""
    return f["model_weights"] if "model_weights" in f else f


def read_legacy_optimizer(f: h5py.File, weights: dict[str, list]) -> list[np.ndarray] | None:
    """The optimizer's variables in 'optimizer_weights' (Keras's order), or None when the
    file holds none; bounded by what an optimizer keeps for `weights`."""
    if "optimizer_weights" not in f:
        return None
    og = f["optimizer_weights"]
    if not isinstance(og, h5py.Group):
        raise KerasFileError("'optimizer_weights' is not a group.")
    names = names_attr(og, "weight_names", "The optimizer's weights")
    return _read_variables(og, names, weights, "The optimizer's weights")


def read_legacy_weights(group, graph: Graph, outputs: list[str] | None = None) -> dict[str, list]:
    """Weights of every node of `graph` from a legacy weights group (matched by layer name,
    falling back to Keras's order of the layers that have weights). `outputs`: the model's
    output node ids in order, when it has several (Keras orders its layers from them)."""
    if not isinstance(group, h5py.Group):
        raise KerasFileError("'model_weights' is not a group.")
    file_names = names_attr(group, "layer_names", "The weights group")
    shapes = weight_shapes(graph, check_graph(graph))
    order = keras_order(graph, list(dict.fromkeys(outputs)) if outputs else [graph.output_nodes()[0].id])
    want = [nid for nid in order if shapes[nid]]

    def weight_names(lname):
        if lname not in group or not isinstance(group[lname], h5py.Group):
            raise KerasFileError(f"The weights of layer '{lname}' are missing from the file.")
        return names_attr(group[lname], "weight_names", f"Layer '{lname}' in the file")

    with_weights = [n for n in file_names if n in group and weight_names(n)]
    lowered = getattr(graph, "keras_weight_groups", None) or {}  # issue 23: an RNN(cell)'s weights
    by_name = all(graph.nodes[nid].name in with_weights or graph.nodes[nid].name in lowered for nid in want)
    if not by_name and len(with_weights) != len(want):
        missing = [graph.nodes[nid].name for nid in want
                   if graph.nodes[nid].name not in with_weights and graph.nodes[nid].name not in lowered]
        raise KerasFileError(f"The file has weights for {len(with_weights)} layers; the model has "
                             f"{len(want)} layers with weights" + (f" (none for {', '.join(map(repr, missing))} "
                                                                   "in the file)." if missing else "."))
    out: dict[str, list] = {}
    for i, nid in enumerate(want):
        node = graph.nodes[nid]
        lname = node.name if by_name else with_weights[i]
        specs = shapes[nid]
        names = weight_names(lname) if not (by_name and node.name in lowered) else \
            weight_names(lowered[node.name][2])[lowered[node.name][3]:][:len(specs)]   # issue 23: keras_rnn_cells.py
        lname = lowered[node.name][2] if by_name and node.name in lowered else lname
        if len(names) != len(specs):
            raise KerasFileError(f"Layer '{node.name}' needs {len(specs)} weights "
                                 f"({', '.join(w.name for w in specs)}); the file has {len(names)}.")
        out[nid] = [_finite(read_array(group[lname], wn, w.shape, f"Layer '{node.name}' weight '{w.name}'"),
                            node.name, w.name) for wn, w in zip(names, specs)]
    return out


# ---------------------------------------------------------------------- Keras 3 weights layout
def keras3_layer_order(graph: Graph, sequential: bool) -> list[str]:
    """Node ids in the order of Keras 3's `model.layers` (Sequential leaves out the input)."""
    order = keras_order(graph, [graph.output_nodes()[0].id])
    if sequential:
        order = [n for n in order if graph.nodes[n].type != "Input"]
    return order


def keras3_group_names(graph: Graph, order: list[str]) -> list[str]:
    """Keras 3's weight-file group names: class name in snake case, numbered by position."""
    used: dict[str, int] = {}
    names = []
    for nid in order:
        base = snake_case(graph.nodes[nid].spec.keras_class)
        if base in used:
            used[base] += 1
            names.append(f"{base}_{used[base]}")
        else:
            used[base] = 0
            names.append(base)
    return names


def write_keras3_weights(f: h5py.File, graph: Graph, name: str, sequential: bool, weights: dict[str, list],
                         optimizer_vars: list | None = None, optimizer_name: str = "optimizer") -> None:
    order = keras3_layer_order(graph, sequential)
    layers = f.create_group("layers")
    for nid, gname in zip(order, keras3_group_names(graph, order)):
        g = layers.create_group(gname)
        v = g.create_group("vars")
        node = graph.nodes[nid]
        v.attrs["name"] = np.bytes_(node.name.encode("utf-8"))
        arrays = weights.get(nid, [])
        start = 0
        # e.g. an RNN's weights are its cell's ('cell'); Bidirectional's its two layers' cells
        for sub, count in node.spec.keras.weight_groups(node.params, len(arrays)):
            if sub:
                v = g.require_group(sub).create_group("vars")
                v.attrs["name"] = np.bytes_(sub.rsplit("/", 1)[-1].encode("utf-8"))
            for i, value in enumerate(arrays[start:start + count]):
                v.create_dataset(str(i), data=np.asarray(value, dtype=np.float32))
            start += count
    top = f.create_group("vars")
    top.attrs["name"] = np.bytes_(name.encode("utf-8"))
    if optimizer_vars is not None:
        opt = f.create_group("optimizer").create_group("vars")
        opt.attrs["name"] = np.bytes_(optimizer_name.encode("utf-8"))
        for i, value in enumerate(optimizer_vars):
            opt.create_dataset(str(i), data=value)


def read_keras3_optimizer(f: h5py.File, weights: dict[str, list]) -> list[np.ndarray] | None:
    """The optimizer's variables of the Keras 3 layout ('optimizer/vars/0', '1', ...) in
    order, or None when the file holds none."""
    opt = f.get("optimizer")
    if opt is None:
        return None
    vars_ = opt.get("vars") if isinstance(opt, h5py.Group) else None
    if not isinstance(vars_, h5py.Group):
        raise KerasFileError("The file's 'optimizer' group has no 'vars' group.")
    keys = list(vars_)
    if sorted(keys) != sorted(str(i) for i in range(len(keys))):
        raise KerasFileError(f"The optimizer's variables are not numbered 0 to {len(keys) - 1}: "
                             f"{', '.join(keys[:10])}.")
    return _read_variables(vars_, [str(i) for i in range(len(keys))], weights, "The optimizer's variables")


def _read_variables(group, names: list[str], weights: dict[str, list], what: str) -> list[np.ndarray]:
    """Datasets `names` of `group` as arrays (integers stay integers), within what an
    optimizer can hold for these weights: iterations, the learning rate and a scalar (Nadam's),
    and per weight up to 5 slots (the moving average, the gradient accumulator, 3 of the rule's)."""
    arrays = [a for values in weights.values() for a in values]
    count_limit, value_limit = 3 + 5 * len(arrays), 3 + 5 * sum(a.size for a in arrays)
    if len(names) > count_limit:
        raise KerasFileError(f"{what}: {len(names):,} variables, more than an optimizer keeps for this model "
                             f"({count_limit:,}).")
    out, total = [], 0
    for name in names:
        ds = group.get(name)
        if not isinstance(ds, h5py.Dataset) or ds.dtype.kind not in "fiu" or ds.shape is None:
            raise KerasFileError(f"{what}: '{name}' is not a dataset of numbers.")
        total += int(np.prod(ds.shape, dtype=np.int64))
        if total > value_limit:
            raise KerasFileError(f"{what}: more values than an optimizer keeps for this model ({value_limit:,}).")
        value = np.asarray(ds[()])
        out.append(value.astype(np.int64 if value.dtype.kind in "iu" else np.float32))
    return out


def read_keras3_weights(f: h5py.File, graph: Graph, sequential: bool) -> dict[str, list]:
    """Weights by node id from the Keras 3 layout; groups are matched by position and class
    (as Keras does), and by the layer name Keras 3.x records when every name matches."""
    if "layers" not in f or not isinstance(f["layers"], h5py.Group):
        raise KerasFileError("The weights file has no 'layers' group (is it a Keras 3 weights file?).")
    layers = f["layers"]
    shapes = weight_shapes(graph, check_graph(graph))
    order = keras3_layer_order(graph, sequential)
    groups = keras3_group_names(graph, order)
    recorded = {}
    for gname in layers:
        g = layers[gname]
        if isinstance(g, h5py.Group) and isinstance(g.get("vars"), h5py.Group) and "name" in g["vars"].attrs:
            try:
                recorded[text_attr(g["vars"], "name", f"Group '{gname}'")] = gname
            except KerasFileError:
                pass
    lowered = getattr(graph, "keras_weight_groups", None) or {}  # issue 23: an RNN(cell)'s own groups
    names = [graph.nodes[n].name for n in order if graph.nodes[n].name not in lowered]
    use_names = all(n in recorded for n in names)
    out: dict[str, list] = {}
    for nid, gname in zip(order, groups):
        node = graph.nodes[nid]
        specs = shapes[nid]
        gname = lowered[node.name][0] if node.name in lowered else recorded[node.name] if use_names else gname
        if not specs:
            continue
        if gname not in layers or not isinstance(layers[gname], h5py.Group):
            raise KerasFileError(f"The weights of layer '{node.name}' (group 'layers/{gname}') are missing.")
        groups_of = node.spec.keras.weight_groups(node.params, len(specs))
        if node.name in lowered:  # issue 23: keras_rnn_cells.py
            groups_of = [(lowered[node.name][1], len(specs))]
        arrays, start = [], 0
        for sub, count in groups_of:
            holder = layers[gname].get(sub) if sub else layers[gname]
            vars_ = holder.get("vars") if isinstance(holder, h5py.Group) else None
            if not isinstance(vars_, h5py.Group):
                raise KerasFileError(f"Group 'layers/{gname}{'/' + sub if sub else ''}' has no 'vars'.")
            part = specs[start:start + count]
            if len(vars_) != len(part):
                raise KerasFileError(f"Layer '{node.name}' needs {len(part)} weights "
                                     f"({', '.join(w.name for w in part)}) in '{vars_.name}'; it has {len(vars_)}.")
            arrays += [_finite(read_array(vars_, str(i), w.shape, f"Layer '{node.name}' weight '{w.name}'"),
                               node.name, w.name) for i, w in enumerate(part)]
            start += count
        out[nid] = arrays
    return out
