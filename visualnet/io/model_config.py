"""Keras's model configs: `get_config()`, `Model.from_config(config)`, `to_json()` and
`model_from_json(json)`, in the structure Keras 3 writes (so either library reads the
other's). Layers are written and read through the registry's Keras form, as keras_config.py
does for `.keras` files; a nested model nests its config.

Reading takes JSON data only: layer classes come from the registry, nothing is evaluated,
and every unsupported layer or option is reported in one `UnsupportedLayersError`.
`classes` is the (Model, Sequential) pair to build: the Keras-compatible ones.
"""

from __future__ import annotations

import json
import math
from contextvars import ContextVar
from types import SimpleNamespace

from ..graph import ShapeError
from ..engine.custom_layer import is_python_layer
from ..engine.python_nodes import python_layers
from ..engine.symbolic_ops import PendingOp, is_op_layer, op_from_entry
from ..engine.layers import layer_class
from ..engine.model_structure import given_keys, output_refs
from ..engine.nesting import calls_of, is_model, shared_layer, top_level
from ..engine.sequential import Sequential as _EngineSequential
from ..engine.tensor import KerasTensor
from ..engine.tracing import input_tensor, trace
from ..engine.rnn_layer import RNN  # issue 23
from . import keras_config as kc
from .errors import KerasFileError, UnsupportedLayersError

_DTYPE = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None}
_MODEL_CLASSES = ("Sequential", "Functional", "Model")
_CUSTOM: ContextVar[dict] = ContextVar("custom_objects", default={})  # the caller's classes (issue 23)


def get_config(model) -> dict:
    """The model's config as Keras 3's `get_config()` gives it (JSON-safe)."""
    _require_built(model, "get_config")
    return model_config(model)


def to_json(model, **kwargs) -> str:
    """`{"module", "class_name", "config", ...}` as JSON text (`json.dumps` kwargs apply)."""
    _require_built(model, "to_json")
    return json.dumps(model_entry(model), **kwargs)


def from_config(config, classes, sequential: bool | None = None, custom_objects=None):
    """A model with fresh weights from a `get_config()` dict (VisualNet's or Keras's);
    functional unless `sequential` or the config has no 'input_layers'. Custom layers
    are made only by the classes the caller passes in `custom_objects` ({name: class})."""
    from ..engine.object_registry import known_objects

    token = _CUSTOM.set({**_CUSTOM.get(), **known_objects(custom_objects)})   # registered and scoped too
    try:
        return _from_config(config, classes, sequential)
    finally:
        _CUSTOM.reset(token)


def _from_config(config, classes, sequential: bool | None = None):
    if sequential is None:
        sequential = not (isinstance(config, dict) and "input_layers" in config)
    if not isinstance(config, dict) or not isinstance(config.get("layers"), list):
        raise KerasFileError("The model config has no list of 'layers'.")
    if len(config["layers"]) > kc.MAX_LAYERS:
        raise KerasFileError(f"The model claims {len(config['layers'])} layers; VisualNet opens at most "
                             f"{kc.MAX_LAYERS}.")
    problems: list[str] = []
    build = _sequential_from_config if sequential else _functional_from_config
    model = build(config, problems, classes)
    if problems:
        raise UnsupportedLayersError(problems)
    if config.get("trainable") is False:
        model.trainable = False
    return model


def model_from_json(json_string: str, classes, custom_objects=None):
    """The model a `to_json()` text describes, with fresh weights."""
    entry = json.loads(json_string)
    cls = entry.get("class_name") if isinstance(entry, dict) else None
    if cls not in _MODEL_CLASSES:
        raise KerasFileError(f"The JSON does not describe a Sequential or functional model (class_name={cls!r}).")
    return from_config(entry.get("config"), classes, sequential=cls == "Sequential", custom_objects=custom_objects)


def _require_built(model, what: str) -> None:
    if not model.built:
        raise ValueError(f"Model '{model.name}' has not been built yet, so '{what}' has no config to give. "
                         "Give the first layer an input_shape, add an Input, or call build(input_shape) first.")


# ====================================================================== writing
def model_entry(model) -> dict:
    """The model as Keras serializes it inside another config or `to_json()`."""
    cfg = model_config(model)
    if _is_sequential(model):
        return {"module": "keras", "class_name": "Sequential", "config": cfg, "registered_name": None,
                "build_config": {"input_shape": cfg["build_input_shape"]}}
    return {"module": "keras.src.models.functional", "class_name": "Functional", "config": cfg,
            "registered_name": "Functional", "build_config": {"input_shape": None}}


def model_config(model) -> dict:
    by_id = model.layers_by_node_id
    if _is_sequential(model):
        input_layer = by_id[model.input_node_ids[0]]
        layers = [_layer_entry(input_layer)] + [_entry(item) for item in model.layers]
        return {"name": model.name, "trainable": model.trainable, "dtype": _DTYPE, "layers": layers,
                "build_input_shape": list(model.input_shape)}
    top = [(item, calls_of(model, item, nids)) for item, nids in top_level(model)]  # each call's node ids
    produced = {}  # node id -> keras_history of its tensor
    for item, calls in top:
        for c, nids in enumerate(calls):
            if is_model(item):
                node_of = {id(shared_layer(by_id[n])): n for n in nids}
                inner = item.layers_by_node_id
                for i, out in enumerate(item.output_node_ids):
                    produced[node_of[id(inner[out])]] = [item.name, c, i]
            else:
                produced[nids[0]] = [item.name, c, 0]
    graph, layers = model.traced_graph, []  # read only (a model with custom layers has no copy to give)
    for item, calls in top:
        nested, nodes = is_model(item), []
        for nids in calls:
            own = set(nids)
            # each input: (node, output port); a layer with several outputs (return_state) gives port k
            parents = list(dict.fromkeys((e.src, e.src_port) for n in nids for e in graph.in_edges(n)
                                         if e.src not in own))
            tensors = [_tensor(_port_shape(by_id[p], k), [*produced[p][:2], produced[p][2] + k]) for p, k in parents]
            recurrent = not nested and not is_python_layer(item) and item.layer_type in kc.RECURRENT_TYPES
            if recurrent and len(tensors) > 1:   # layer(x, initial_state=[h, c])
                nodes.append({"args": [tensors[0]], "kwargs": {"initial_state": tensors[1:]}})
            elif tensors and is_op_layer(item):   # an op on symbolic tensors: its args as Keras writes them
                nodes.append(item.keras_call_args(tensors))
            elif tensors:
                single = len(tensors) == 1 and (nested or is_python_layer(item) or item.spec.max_inputs == 1
                                                or recurrent)
                nodes.append({"args": [tensors[0] if single else tensors], "kwargs": {"mask": None} if nested else {}})
        layers.append({**_entry(item), "name": item.name, "inbound_nodes": nodes})
    ins = [produced[n] for n in model.input_node_ids]
    outs = [[*produced[n][:2], produced[n][2] + k] for n, k in output_refs(model)]  # an LSTM's state h: port 1
    return {"name": model.name, "trainable": model.trainable, "layers": layers,
            "input_layers": _as_given(model, ins, "inputs"), "output_layers": _as_given(model, outs, "outputs")}


def _as_given(model, histories: list, which: str):
    """The inputs' or outputs' keras_history entries in the structure Keras 3 writes: a
    dict in the user's key order for `Model(outputs={...})`, one entry for one, else a list."""
    given = given_keys(model, which)
    if given:
        by_key = dict(zip(sorted(given), histories))
        return {k: by_key[k] for k in given}
    return histories[0] if len(histories) == 1 else histories


def _entry(item) -> dict:
    return model_entry(item) if is_model(item) else _layer_entry(item)


def _layer_entry(layer) -> dict:
    from ..engine.object_registry import get_registered_name

    if is_op_layer(layer):   # an op on symbolic tensors: Keras's Operation entry (engine/symbolic_ops.py)
        return layer.keras_entry()
    if is_python_layer(layer):  # Keras's entry of a custom layer: its class, module and get_config()
        cls = type(layer)
        shapes = [list(s) for s in layer.input_shapes or []]
        keras_module = getattr(cls, "keras_module", None)   # a Keras layer of the Python API (TextVectorization)
        module = keras_module or (None if cls.__module__ == "__main__" else cls.__module__)
        return {"module": module, "class_name": cls.__name__,
                "config": layer.get_config(), "registered_name": None if keras_module else get_registered_name(cls),
                "build_config": {"input_shape": shapes[0] if len(shapes) == 1 else shapes}}
    node = SimpleNamespace(type=layer.layer_type, spec=layer.spec, params=layer.config, name=layer.name)
    cfg = kc.layer_config(node, "keras3")
    if "trainable" in cfg:
        cfg["trainable"] = layer.trainable
    entry = {"module": "keras.layers", "class_name": layer.spec.keras_class, "config": cfg, "registered_name": None}
    if layer.layer_type != "Input":
        shapes = [list(s) for s in layer.input_shapes]
        entry["build_config"] = {"input_shape": shapes[0] if len(shapes) == 1 else shapes}
        if layer.layer_type in kc.RECURRENT_TYPES and len(shapes) > 1:   # build(sequences_shape, initial_state_shape)
            entry["build_config"] = {"shapes_dict": {"sequences_shape": shapes[0], "initial_state_shape": shapes[1:]}}
    return entry


def _port_shape(layer, port: int):
    """The shape of output `port` of a layer (or nested model)."""
    if port and not is_model(layer):
        return layer.output_shapes[port]
    return layer.output_shape


def _tensor(shape, history) -> dict:
    return {"class_name": "__keras_tensor__", "config": {"shape": list(shape), "dtype": "float32",
                                                          "keras_history": list(history)}}


def _is_sequential(model) -> bool:
    return isinstance(model, _EngineSequential)


# ====================================================================== reading
def _from_entry(entry, where: str, problems: list, classes):
    """A layer, nested model or Input tensor from its Keras entry (None, with the problem
    noted, when VisualNet has no such layer)."""
    if not isinstance(entry, dict) or not isinstance(entry.get("class_name"), str):
        raise KerasFileError(f"{where} is not a layer object.")
    cls, cfg = entry["class_name"], entry.get("config") or {}
    name = cfg.get("name") or entry.get("name")
    where = f"layer '{name}' ({cls})"
    if cls in _MODEL_CLASSES:
        return from_config(cfg, classes, sequential=cls == "Sequential")
    module = entry.get("module")
    try:
        op = op_from_entry(entry)   # keras.src.ops...: an op on symbolic tensors (engine/symbolic_ops.py)
    except ValueError as exc:
        problems.append(str(exc))
        return None
    if op is not None:
        return op
    custom = _CUSTOM.get()
    found = custom.get(entry.get("registered_name")) or custom.get(cls)
    if found is not None:   # the caller's own class (never one named by the file)
        return found.from_config(cfg)
    if cls == "RNN" and str(module or "keras").startswith("keras"):   # issue 23: its cell from custom_objects
        try:
            return RNN.from_config(cfg, custom_objects=custom)
        except (TypeError, ValueError) as exc:
            problems.append(f"{where}: {exc}")
            return None
    if entry.get("registered_name") not in (None, cls) or (isinstance(module, str) and not module.startswith("keras")) \
            or (module is None and entry.get("registered_name") == cls):
        problems.append(f"{where}: a custom layer; pass its class as custom_objects={{'{cls}': {cls}}} to load it "
                        "(VisualNet never takes code from a file).")
        return None
    type_ = kc._registry_type(cls)
    if cls == "Lambda" or type_ is None:
        problems.append(f"{where}: " + ("Lambda layers hold Python code, which VisualNet never runs." if cls == "Lambda"
                                        else "not a layer type VisualNet supports."))
        return None
    if type_ == "Input":
        shape = kc._input_shape_from(cfg)
        if shape is None:   # None in it: a length that varies, as Input declares
            problems.append(f"{where}: input shape {shape} is unknown.")
            return None
        return input_tensor(shape, name, kc._input_dtype(entry).get("dtype"))
    n = len(problems)
    params = kc._layer_params(type_, cfg, where, problems, [])
    if len(problems) > n:
        return None
    return layer_class(type_)(name=name, trainable=cfg.get("trainable", True) is not False, **params)


def _sequential_from_config(config: dict, problems: list, classes):
    items = [_from_entry(entry, f"layers[{i}]", problems, classes) for i, entry in enumerate(config["layers"])]
    if problems:
        return None
    _check_size(items, config.get("build_input_shape"))
    model = classes[1](items, name=config.get("name"))
    shape = config.get("build_input_shape")
    if not model.built and isinstance(shape, list):
        model.build(tuple(shape))
    return model


def _functional_from_config(config: dict, problems: list, classes):
    made: dict[str, list[list]] = {}  # layer name -> the tensors each of its calls made, in call order

    def find(history) -> KerasTensor:
        name, node, index = history
        calls = made.get(name, [])
        if node >= len(calls):
            raise _NotYet(name)
        if not isinstance(index, int) or not 0 <= index < len(calls[node]):
            raise KerasFileError(f"A layer takes output {index!r} of '{name}', which has {len(calls[node])} "
                                 f"output(s).")
        return calls[node][index]

    def resolve(obj):
        if isinstance(obj, dict) and obj.get("class_name") == "__keras_tensor__":
            return find(obj["config"]["keras_history"])
        if isinstance(obj, list) and len(obj) >= 3 and isinstance(obj[0], str) and isinstance(obj[1], int):
            return find(obj[:3])  # Keras 2: ["name", node_index, tensor_index, kwargs]
        if isinstance(obj, (list, tuple)):
            return [resolve(o) for o in obj]
        return obj

    pending = []  # [layer or nested model, its calls not made yet]
    for i, entry in enumerate(config["layers"]):
        item = _from_entry(entry, f"layers[{i}]", problems, classes)
        # tensors are found by the entry's name, as Keras does: a custom layer whose get_config
        # leaves out "name" gets a new name of its own
        key = entry.get("name") if isinstance(entry.get("name"), str) else getattr(item, "name", None)
        if isinstance(item, KerasTensor):
            made[key or item.name] = [[item]]
        elif item is not None:
            pending.append([item, list(entry.get("inbound_nodes") or []), key or item.name])
    if problems:
        return None
    while any(calls for _, calls, _key in pending):  # each call once its inputs exist (Keras's order)
        progress = False
        for item_calls in pending:
            item, calls, key = item_calls
            while calls:
                node = calls[0]
                kwargs = node.get("kwargs") if isinstance(node, dict) else None
                states = kwargs.get("initial_state") if isinstance(kwargs, dict) else None
                try:
                    args = resolve(node.get("args", []) if isinstance(node, dict) else node)
                    states = None if states is None else resolve(states)
                except _NotYet:
                    break
                if isinstance(item, PendingOp):   # an op: its args and kwargs as Keras wrote them
                    out = item.call(args, {k: resolve(v) for k, v in (kwargs or {}).items()})
                elif states is not None:   # a recurrent layer's initial_state
                    out = item(args[0], initial_state=states)
                else:
                    out = item(args[0] if len(args) == 1 else args)
                made.setdefault(key, []).append(out if isinstance(out, list) else [out])
                calls.pop(0)
                progress = True
        if not progress:
            missing = sorted({str(exc) for exc in _missing(pending, resolve)})
            raise KerasFileError(f"A layer takes its input from {', '.join(map(repr, missing))}, which no layer "
                                 "of the model makes.")
    (ins, in_keys), (outs, out_keys) = (_io(config.get(k), k) for k in ("input_layers", "output_layers"))
    try:
        inputs, outputs = [find(h) for h in ins], [find(h) for h in outs]
    except _NotYet as exc:
        raise KerasFileError(f"The model's inputs or outputs name '{exc}', which no layer of the model makes.") \
            from None
    graph = trace(inputs, outputs).graph
    if not python_layers(graph):
        kc.check_graph(graph)  # bounded before any weight is made
    return classes[0](_structured(inputs, in_keys), _structured(outputs, out_keys), name=config.get("name"))


def _structured(tensors: list, keys):
    """The tensors as `Model` takes them: a dict for a config's dict, else one or a list."""
    if keys is not None:
        return dict(zip(keys, tensors))
    return tensors if len(tensors) > 1 else tensors[0]


def _check_size(items: list, build_input_shape) -> None:
    """Refuse a Sequential config claiming more weights than keras_config.MAX_PARAMS, before
    any is made (nested models were checked when read)."""
    first = items[0] if items else None
    shape = (first.shape if isinstance(first, KerasTensor) else getattr(first, "declared_input_shape", None)
             or (tuple(build_input_shape) if isinstance(build_input_shape, list) else None))
    total = 0
    for item in items:
        if shape is None or isinstance(item, KerasTensor):
            continue
        if is_model(item):
            shape = item.output_shape
            continue
        if is_python_layer(item):  # its shapes come from its own code, once built
            return
        try:
            total += sum(math.prod(w.shape) for w in item.spec.weights(item.config, [shape]))
            shape = item.spec.output_shape(item.config, [shape])
        except ShapeError:
            return  # building the model reports it, naming the layer
    if total > kc.MAX_PARAMS:
        raise KerasFileError(f"The model claims {total:,} weights; VisualNet accepts at most {kc.MAX_PARAMS:,}.")


class _NotYet(Exception):
    """A call's input is made by a call not made yet (or by none)."""


def _missing(pending, resolve) -> list:
    errors = []
    for _, calls, _key in pending:
        for node in calls[:1]:
            try:
                resolve(node.get("args", []) if isinstance(node, dict) else node)
            except _NotYet as exc:
                errors.append(exc)
    return errors


def _io(value, key: str) -> tuple[list, list | None]:
    """The keras_history entries of 'input_layers' / 'output_layers', and the keys when the
    config holds a dict (Keras 3's for `Model(outputs={...})`), else None."""
    if isinstance(value, dict) and value and all(isinstance(k, str) for k in value):
        return _io(list(value.values()), key)[0], list(value)
    if isinstance(value, list) and value and isinstance(value[0], str):
        value = [value]
    if not (isinstance(value, list) and value and all(isinstance(v, list) and len(v) >= 3 for v in value)):
        raise KerasFileError(f"The model config's '{key}' is malformed: {str(value)[:200]}")
    return [v[:3] for v in value], None
