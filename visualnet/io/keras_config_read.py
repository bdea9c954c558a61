"""Keras model configs read into a Graph (either dialect; split from keras_config.py).

Reading takes layer types only from VisualNet's registry and never deserializes code: a
Lambda, a custom or a nested model is reported, with every other unsupported layer or
option, in one `UnsupportedLayersError`. `check_graph` bounds what a file may claim.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

from ..graph import Graph, GraphError, ParamError, get_spec, infer_shapes
from ..graph import initializer_rules
from ..graph.names import ACTIVATIONS, INITIALIZERS
from ..graph.registry import UnknownLayerError
from .errors import KerasFileError, UnsupportedLayersError
from .keras_config import _INIT_NAME, _MODEL_CLASSES, MASK_OPS, MAX_LAYERS, MAX_PARAMS, _call_params
from .keras_rnn_cells import lower_rnn_layers  # issue 23


@dataclass
class KerasModelSpec:
    """A Keras model config read into VisualNet terms (and the optimizer's variables the
    file holds, in Keras's order, once read)."""

    graph: Graph
    name: str
    sequential: bool
    notes: list[str] = field(default_factory=list)  # harmless differences (e.g. initializers replaced)
    frozen: list[str] = field(default_factory=list)  # names of the layers saved with trainable=False
    trainable: bool = True  # the model's own flag
    optimizer_variables: list | None = None

    def node_named(self, name: str):
        return self.graph.node_by_name(name)


# Keras arguments every layer or input takes that say nothing about what it computes
_IGNORED = {"name", "trainable", "dtype", "batch_input_shape", "batch_shape", "input_shape", "input_dim",
            "batch_size", "sparse", "ragged", "optional", "autocast", "input_spec", "build_config", "seed_generator"}


def _activation_name(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict):
        value = value.get("config", value.get("class_name"))
        if isinstance(value, dict):
            value = value.get("name")
    if isinstance(value, str):
        return value
    return None


def _initializer_name(value, where: str, notes: list[str], default: str) -> str:
    name = value
    if isinstance(value, dict):
        try:   # Keras's config, its arguments kept (graph/initializer_rules.py)
            return initializer_rules.canonical(value, where)
        except ValueError as exc:
            if value.get("class_name") in initializer_rules.INITIALIZER_CLASSES:
                notes.append(f"{exc}; using {default!r}.")
                return default
        name = value.get("class_name")
    if isinstance(name, str):
        name = _INIT_NAME.get(name, name)
        if name in INITIALIZERS:
            return name
    notes.append(f"{where}: initializer {name!r} is not one VisualNet has; using {default!r} (it only "
                 "matters when the weights are re-initialized).")
    return default


def _shape_list(value) -> tuple | None:
    if isinstance(value, (list, tuple)) and all(v is None or (isinstance(v, int) and not isinstance(v, bool))
                                                for v in value):
        return tuple(value)
    return None


def _input_dtype(layer: dict) -> dict:
    """An InputLayer's integer or string dtype as Input's parameter ({} for float inputs)."""
    dtype = (layer.get("config") or {}).get("dtype")
    if isinstance(dtype, dict):                        # Keras 3's DTypePolicy
        dtype = (dtype.get("config") or {}).get("name")
    return {"dtype": dtype} if dtype in ("int32", "int64", "string") else {}


def _input_shape_from(cfg: dict) -> tuple | None:
    """The sample shape (batch excluded) an InputLayer or a first layer declares."""
    for key in ("batch_shape", "batch_input_shape"):
        shape = _shape_list(cfg.get(key))
        if shape is not None and len(shape) >= 1:   # [None]: Input(shape=()), one number per sample
            return shape[1:]
    shape = cfg.get("input_shape", cfg.get("shape"))
    if isinstance(shape, int) and not isinstance(shape, bool):
        return (shape,)
    shape = _shape_list(shape)
    if shape is not None and len(shape) >= 1:
        return shape
    if isinstance(cfg.get("input_dim"), int):
        return (cfg["input_dim"],)
    return None


def _layer_params(type_: str, cfg: dict, where: str, problems: list[str], notes: list[str]) -> dict:
    """Registry parameters from a Keras layer config (either dialect), read through the
    type's Keras form; problems are appended, not raised."""
    spec = get_spec(type_)
    form = spec.keras
    if form.read:
        cfg = form.read(cfg)
    fixed = form.all_fixed()
    for key, rule in fixed.items():
        if key in cfg and not rule.accepts(cfg[key]):
            problems.append(f"{where}: option {key}={cfg[key]!r} is not supported (only {rule.allowed_text()}).")
    params: dict[str, Any] = {}
    known = set(_IGNORED) | set(fixed) | set(form.ignored)
    wrapper = form.wrapper
    if wrapper:
        known.add("layer")
        params.update(_wrapped_params(wrapper, cfg.get("layer"), where, problems, notes))
    for param in spec.params:
        if wrapper and param.name not in wrapper.own:
            continue
        names = form.spellings(param.name)
        known.update(names)
        key = next((k for k in names if k in cfg), None)
        if key is None:
            continue
        value = cfg[key]
        if param.kind == "activation":
            name = _activation_name(value)
            if value is not None and name is None:
                problems.append(f"{where}: activation {value!r} is not a named activation.")
                continue
            if name is not None and name not in ACTIVATIONS:
                problems.append(f"{where}: activation '{name}' is not supported (supported: {', '.join(ACTIVATIONS)}).")
                continue
            value = None if name == "linear" and param.optional else name   # Keras writes None as 'linear'
        elif param.kind == "initializer":
            value = _initializer_name(value, f"{where} {param.name}", notes, param.default)
        elif isinstance(value, list):
            value = tuple(value)
        params[param.name] = value
    for key in sorted(set(cfg) - known):
        if cfg[key] not in (None, False, {}, []):
            notes.append(f"{where}: option '{key}' is ignored.")
    return params


def _wrapped_params(wrapper, entry, where: str, problems: list[str], notes: list[str]) -> dict:
    """A wrapper's parameters that come from the layer it wraps (Keras's 'layer' entry)."""
    if not (isinstance(entry, dict) and isinstance(entry.get("class_name"), str)
            and isinstance(entry.get("config", {}), dict)):
        problems.append(f"{where}: the wrapped layer ('layer') is missing or malformed.")
        return {}
    inner_type = _registry_type(entry["class_name"])
    if inner_type is None or inner_type == "Input":
        problems.append(f"{where}: it wraps a '{entry['class_name']}', not a layer type VisualNet supports.")
        return {}
    inner = _layer_params(inner_type, entry.get("config", {}), f"{where}'s wrapped layer", problems, notes)
    try:
        return wrapper.outer(inner_type, get_spec(inner_type).normalize(inner))
    except (ValueError, ParamError) as exc:
        problems.append(f"{where}: {exc}.")
        return {}


def _history(item) -> tuple | None:
    """(layer name, node index, tensor index) of a Keras 3 tensor reference."""
    if isinstance(item, dict) and item.get("class_name") == "__keras_tensor__":
        hist = item.get("config", {}).get("keras_history") if isinstance(item.get("config"), dict) else None
        if isinstance(hist, list) and len(hist) == 3 and isinstance(hist[0], str):
            return tuple(hist)
        raise KerasFileError(f"A tensor reference has no valid keras_history: {str(item)[:200]}")
    return None


def _inbound(layer: dict, where: str, problems: list[str]) -> list[tuple[str, int]]:
    """(name, output index) of the tensors feeding `layer`, in argument order (both dialects;
    a recurrent layer's initial_state after its sequence)."""
    nodes = layer.get("inbound_nodes", [])
    if not isinstance(nodes, list):
        raise KerasFileError(f"{where}: 'inbound_nodes' must be a list.")
    if not nodes:
        return []
    if len(nodes) > 1:
        problems.append(f"{where}: the layer is called {len(nodes)} times (shared layers are not supported).")
    node = nodes[0]
    refs: list[tuple] = []
    if isinstance(node, dict):  # Keras 3
        def walk(obj):
            h = _history(obj)
            if h is not None:
                refs.append(h)
            elif isinstance(obj, (list, tuple)):
                for o in obj:
                    walk(o)
            elif isinstance(obj, dict):
                for o in obj.values():
                    walk(o)
        walk(node.get("args", []))
        kwargs = node.get("kwargs", {})
        if isinstance(kwargs, dict):  # a mask argument is recomputed from the layers that make it
            walk([v for k, v in kwargs.items() if k != "mask"])
    elif isinstance(node, list):  # Keras 2: [["src", node_index, tensor_index, kwargs], ...]
        for ref in node:
            if not (isinstance(ref, list) and len(ref) >= 3 and isinstance(ref[0], str)):
                raise KerasFileError(f"{where}: an inbound node entry is malformed: {str(ref)[:200]}")
            refs.append(tuple(ref[:3]))
            if len(ref) > 3 and isinstance(ref[3], dict):  # tf-keras: MultiHeadAttention's value and key
                refs += [tuple(ref[3][name]) for name in _call_inputs(layer)[1:] if isinstance(ref[3].get(name), list)
                         and len(ref[3][name]) == 3 and isinstance(ref[3][name][0], str)]
    else:
        raise KerasFileError(f"{where}: an inbound node is neither a list nor an object.")
    for name, ni, ti in refs:
        if ni != 0:
            problems.append(f"{where}: it uses output {ti} of call {ni} of '{name}' (shared layers are not "
                            "supported).")
        elif not isinstance(ti, int) or isinstance(ti, bool) or ti < 0:
            raise KerasFileError(f"{where}: the tensor index of its input from '{name}' is not an integer >= 0: "
                                 f"{ti!r}.")
    return [(r[0], r[2]) for r in refs]


def _io_names(value, key: str) -> list[str]:
    if not isinstance(value, list) or not value:
        raise KerasFileError(f"The model config's '{key}' must be a non-empty list.")
    if isinstance(value[0], str):
        value = [value]
    names = []
    for v in value:
        if not (isinstance(v, list) and v and isinstance(v[0], str)):
            raise KerasFileError(f"The model config's '{key}' is malformed: {str(value)[:200]}")
        names.append(v[0])
    return names


def config_beyond_graph(config: Any) -> bool:
    """Whether a functional model config (`{"class_name", "config"}`, either dialect) returns
    what a Graph cannot say: several outputs, an output other than a layer's first (an
    LSTM's state) or dict inputs or outputs. Such a model is built from its config
    (model_config.from_config), as `Model.from_config` builds it, not by
    `graph_from_keras_config`; `.keras` and `.h5` files alike."""
    inner = config.get("config") if isinstance(config, dict) else None
    if not isinstance(inner, dict):
        return False
    outs, ins = inner.get("output_layers"), inner.get("input_layers")
    if isinstance(outs, dict) or isinstance(ins, dict):
        return True
    if not isinstance(outs, list) or not outs:
        return False
    outs = [outs] if isinstance(outs[0], str) else outs
    return len(outs) > 1 or any(isinstance(o, list) and len(o) > 2 and o[2] != 0 for o in outs)


def _unwrap(config: Any) -> dict:
    if not isinstance(config, dict):
        raise KerasFileError("The model config must be a JSON object.")
    return config


def graph_from_keras_config(config: Any) -> KerasModelSpec:
    """Read a Keras model config (Sequential or Functional, Keras 2 or 3 dialect) into a Graph.

    Raises UnsupportedLayersError listing every unsupported layer and option, or
    KerasFileError when the config itself is malformed."""
    config = _unwrap(config)
    config, rnn_groups = lower_rnn_layers(config)  # issue 23: RNN(cell) read as LSTM, GRU, SimpleRNN layers
    cls = config.get("class_name")
    inner = config.get("config")
    if cls not in _MODEL_CLASSES or not isinstance(inner, dict):
        if isinstance(cls, str) and cls not in _MODEL_CLASSES:
            raise UnsupportedLayersError([f"the file holds a '{cls}' model; only Sequential and functional models "
                                          "can be imported (subclassed models carry code)."])
        raise KerasFileError("The model config has no 'class_name' and 'config'.")
    layers = inner.get("layers")
    if not isinstance(layers, list):
        raise KerasFileError("The model config has no list of 'layers'.")
    if len(layers) > MAX_LAYERS:
        raise KerasFileError(f"The model claims {len(layers)} layers; VisualNet opens at most {MAX_LAYERS}.")
    name = inner.get("name") if isinstance(inner.get("name"), str) else "model"
    problems: list[str] = []
    notes: list[str] = []
    graph = Graph()
    sequential = cls == "Sequential"
    parsed = []  # (layer dict, registry type or None, name, where)
    frozen: list[str] = []
    for i, layer in enumerate(layers):
        if not isinstance(layer, dict) or not isinstance(layer.get("config", {}), dict):
            raise KerasFileError(f"layers[{i}] is not a layer object.")
        kcls = layer.get("class_name")
        cfg = layer.get("config", {})
        lname = layer.get("name", cfg.get("name"))
        if not isinstance(kcls, str):
            raise KerasFileError(f"layers[{i}] has no class_name.")
        if kcls in MASK_OPS:  # Keras 3 records how a mask was computed; VisualNet's layers recompute it
            continue
        if not isinstance(lname, str) or not lname:
            lname = f"layers[{i}]"
        where = f"layer '{lname}' ({kcls})"
        type_ = _registry_type(kcls)
        module = layer.get("module")
        custom = (layer.get("registered_name") not in (None, kcls, "Functional")
                  or (isinstance(module, str) and not module.startswith("keras")))
        if kcls in _MODEL_CLASSES:
            problems.append(f"{where}: nested models are not supported; flatten it into one model.")
            type_ = None
        elif kcls == "Lambda":
            problems.append(f"{where}: Lambda layers hold Python code, which VisualNet never runs.")
            type_ = None
        elif custom or type_ is None:
            what = "a custom layer (its code is never run)" if custom else "not a layer type VisualNet supports"
            problems.append(f"{where}: {what}.")
            type_ = None
        parsed.append((layer, type_, lname, where))
        if cfg.get("trainable") is False:
            frozen.append(lname)
    names_seen = set()
    for layer, type_, lname, where in parsed:
        if lname in names_seen:
            raise KerasFileError(f"Two layers are named '{lname}'.")
        names_seen.add(lname)

    def add(type_, params, lname, where):
        try:
            get_spec(type_).normalize(params)
        except ParamError as exc:
            problems.append(f"{where}: {exc}")
            return None
        try:
            return graph.add_node(type_, params, name=lname)
        except (GraphError, ParamError, UnknownLayerError) as exc:
            problems.append(f"{where}: {exc}")
            return None

    if sequential:
        prev = None
        body = parsed
        if parsed and parsed[0][1] == "Input":
            layer, _, lname, where = parsed[0]
            shape = _input_shape_from(layer.get("config", {}))
            body = parsed[1:]
        else:
            shape = None
            first_cfg = parsed[0][0].get("config", {}) if parsed else {}
            shape = _input_shape_from(first_cfg)
            if shape is None:
                shape = _input_shape_from({"batch_shape": inner.get("build_input_shape")})
            if shape is None and isinstance(config.get("build_config"), dict):
                shape = _input_shape_from({"batch_shape": config["build_config"].get("input_shape")})
            lname = "input_layer"
            where = "the model's input"
        if shape is None:
            problems.append("the Sequential model declares no input shape (it was never built).")
        else:  # None: a length that varies (Input(shape=(None, 4)))
            node = add("Input", {"shape": tuple(shape), **_input_dtype(parsed[0][0] if parsed and parsed[0][1] ==
                                                                       "Input" else {})}, lname, where)
            prev = node.id if node else None
        for layer, type_, lname, where in body:
            if type_ is None:
                prev = None
                continue
            if type_ == "Input":
                problems.append(f"{where}: an InputLayer can only come first in a Sequential model.")
                continue
            params = _layer_params(type_, layer.get("config", {}), where, problems, notes)
            node = add(type_, params, lname, where)
            if node is None:
                prev = None
                continue
            if get_spec(type_).min_inputs > 1:
                problems.append(f"{where}: a merging layer cannot be used in a Sequential model.")
            elif prev is not None:
                graph.connect(prev, node.id)
            prev = node.id
    else:
        sources = {}
        for layer, type_, lname, where in parsed:
            sources[lname] = _inbound(layer, where, problems)
            if type_ is None:
                continue
            cfg = layer.get("config", {})
            if type_ == "Input":
                shape = _input_shape_from(cfg)
                if shape is None:  # None in it: a length that varies, as Input declares
                    problems.append(f"{where}: the input shape is unknown.")
                    continue
                add("Input", {"shape": tuple(shape), **_input_dtype(layer)}, lname, where)
            else:
                add(type_, {**_layer_params(type_, cfg, where, problems, notes), **_call_params(type_, layer)}, lname,
                    where)
        for lname, srcs in sources.items():
            dst = graph.node_by_name(lname)
            if dst is None:
                continue
            for port, (src, src_port) in enumerate(srcs):
                s = graph.node_by_name(src)
                if s is None:
                    if src not in sources:
                        raise KerasFileError(f"layer '{lname}' takes its input from '{src}', which is not a layer "
                                             "of the model.")
                    continue
                try:
                    graph.connect(s.id, dst.id, port, src_port=src_port)
                except GraphError as exc:
                    raise KerasFileError(f"layer '{lname}': {exc}") from None
        outputs = _io_names(inner.get("output_layers"), "output_layers")
        _io_names(inner.get("input_layers"), "input_layers")
        if len(outputs) != 1:
            problems.append(f"the model has {len(outputs)} outputs, which this reader of one-output models cannot "
                            "hold; load it with visualnet.models.load_model or File > Import.")
        elif not problems:
            out = graph.node_by_name(outputs[0])
            sinks = graph.output_nodes()
            if out is None or [n.id for n in sinks] != [out.id]:
                problems.append(f"the model's output '{outputs[0]}' is not the only layer that ends the network.")
    if problems:
        raise UnsupportedLayersError(problems)
    check_graph(graph)
    graph.keras_weight_groups = rnn_groups  # issue 23: where the file keeps a lowered RNN's weights
    for note in notes:
        warnings.warn(note, _warning_class(), stacklevel=3)
    return KerasModelSpec(graph, name, sequential, notes, frozen, inner.get("trainable") is not False)


def _call_inputs(layer: dict) -> tuple[str, ...]:
    """Keras's names of a layer's separate inputs (`KerasForm.call_inputs`); () for the others."""
    type_ = _registry_type(layer.get("class_name")) if isinstance(layer.get("class_name"), str) else None
    return get_spec(type_).keras.call_inputs if type_ else ()


def _registry_type(class_name: str) -> str | None:
    """The registry type a Keras class name (or alias) means; None when none does."""
    try:
        return get_spec(class_name).type
    except UnknownLayerError:
        return None


def _warning_class():
    from .. import VisualNetWarning

    return VisualNetWarning


def check_graph(graph: Graph) -> dict:
    """Validate a graph read from a file and bound its size; returns its shape info.

    KerasFileError names the first problem (shape mismatches, cycles, huge layers)."""
    from ..graph import validate

    errors = [p for p in validate(graph) if p.severity == "error"]
    if errors:
        raise KerasFileError("The model is not valid: " + "; ".join(p.message for p in errors[:5]))
    info = infer_shapes(graph)
    total = 0
    for nid, item in info.items():
        node = graph.nodes[nid]
        for w in node.spec.weights(node.params, item.input_shapes):
            total += math.prod(w.shape)
        for s in [item.shape]:
            if s is not None and math.prod(d for d in s[1:] if d) > MAX_PARAMS:
                raise KerasFileError(f"Layer '{node.name}' claims an output of shape {s}, larger than VisualNet "
                                     "accepts.")
    if total > MAX_PARAMS:
        raise KerasFileError(f"The model claims {total:,} weights; VisualNet accepts at most {MAX_PARAMS:,}.")
    return info


def weight_shapes(graph: Graph, info=None) -> dict[str, list]:
    """node id -> the registry's WeightSpecs (Keras order) for every node."""
    info = info or infer_shapes(graph)
    return {nid: graph.nodes[nid].spec.weights(graph.nodes[nid].params, info[nid].input_shapes)
            for nid in graph.nodes}
