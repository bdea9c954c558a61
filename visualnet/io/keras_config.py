"""Registry layers <-> Keras model configs, in both dialects.

`keras3`: the serialization Keras 3 writes into `.keras` files (module/class_name/config,
`batch_shape`, `{"args": [...keras_history...]}` nodes). `keras2`: the legacy dialect that
both tf-keras and Keras 3 read from `.h5` files (`batch_input_shape`, `inbound_nodes` as
`[[["src", 0, 0, {}]]]`, LeakyReLU's `alpha`).

Reading accepts either dialect, takes layer types only from VisualNet's registry and
never deserializes code: a Lambda, a custom or a nested model is reported, with every
other unsupported layer or option, in one `UnsupportedLayersError`.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from ..graph import Graph, GraphError, ParamError, get_spec, infer_shapes, keras_order
from ..graph import initializer_rules
from ..graph.names import ACTIVATIONS, INITIALIZERS
from ..graph.registry import UnknownLayerError
from .errors import KerasFileError, UnsupportedLayersError

KERAS2_VERSION = "2.15.0"  # what the Keras 2 dialect files claim (tf-keras converts nothing for it)
MAX_PARAMS = 1 << 28  # refuse models claiming more weights than this (about 1 GB of float32)
MAX_LAYERS = 2_000  # far beyond what the canvas shows; keeps a hostile file from taking minutes

_MODEL_CLASSES = ("Sequential", "Functional", "Model")
# the operations Keras 3's functional configs record for Masking's and Embedding's masks
MASK_OPS = ("NotEqual", "Any")
# class names of initializers as Keras files write them -> VisualNet's names (Keras 2 also wrote Zero, One)
_INIT_NAME = {cls: name for name, cls in INITIALIZERS.items()} | {"Zero": "zeros", "One": "ones"}


# ====================================================================== export
def _initializer(name, dialect: str) -> dict:
    if isinstance(name, dict):   # an initializer with arguments (graph/initializer_rules.py)
        cls, cfg = name["class_name"], dict(name["config"])
    else:
        cls = INITIALIZERS[name]
        cfg = {} if name in ("zeros", "ones") else {"seed": None}
    if dialect == "keras3":
        return {"module": "keras.initializers", "class_name": cls, "config": cfg, "registered_name": None}
    return {"class_name": cls, "config": cfg}


def layer_config(node, dialect: str) -> dict:
    """The Keras `config` of one graph node (`dialect`: 'keras3' or 'keras2'), from its
    declaration's parameters and Keras form."""
    spec, p = node.spec, node.params
    if node.type == "Input":
        key = "batch_shape" if dialect == "keras3" else "batch_input_shape"
        return {key: [None, *p["shape"]], "dtype": p.get("dtype", "float32"), "sparse": False, "ragged": False,
                "name": node.name}
    cfg: dict[str, Any] = {"name": node.name, "trainable": True, "dtype": "float32"}
    if not spec.keras.trainable_arg:
        del cfg["trainable"]
    if dialect == "keras3":
        cfg["dtype"] = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
                        "registered_name": None}
    form = spec.keras
    values = form.written(p)
    wrapper = form.wrapper
    for param in spec.params:
        if (wrapper and param.name not in wrapper.own) or param.name in form.call_args:
            continue
        value = values[param.name]
        if value is None and param.name in form.unset_unwritten:
            continue
        if param.kind == "activation":
            value = value or "linear"
        elif param.kind == "initializer":
            value = _initializer(value, dialect)
        elif param.kind in ("regularizer", "constraint") and value is not None and dialect == "keras3":
            value = {"module": f"keras.{param.kind}s", **param.to_json(value), "registered_name": None}
        else:
            value = param.to_json(value)
        cfg[form.argument(param.name, dialect)] = value
    for key, fixed in form.all_fixed().items():
        if fixed.write:
            cfg[key] = list(fixed.value) if isinstance(fixed.value, tuple) else fixed.value
    if wrapper:
        cfg["layer"] = _wrapped_entry(node, dialect)
    return cfg


def _wrapped_entry(node, dialect: str) -> dict:
    """A wrapper's 'layer': the wrapped layer's whole Keras entry (class and config)."""
    inner_type, inner_params = node.spec.keras.wrapper.inner(node.params)
    spec = get_spec(inner_type)
    inner = SimpleNamespace(type=inner_type, spec=spec, params=spec.normalize(inner_params),
                            name=f"{node.name}_{spec.default_name}")
    # with its module in both dialects: Keras 3 finds a nested class through it even in .h5 files
    return {"module": "keras.layers", "class_name": spec.keras_class, "config": layer_config(inner, dialect),
            "registered_name": None}


def call_kwargs(node) -> dict:
    """The parameters Keras takes when calling the layer (`KerasForm.call_args`)."""
    return {a: node.params[a] for a in node.spec.keras.call_args}


def _call_params(type_: str, layer: dict) -> dict:
    """The call arguments (`KerasForm.call_args`) of a layer's first call in a Keras file:
    Keras 3's node kwargs, Keras 2's per-tensor kwargs."""
    args = get_spec(type_).keras.call_args
    nodes = layer.get("inbound_nodes")
    if not args or not isinstance(nodes, list) or not nodes:
        return {}
    node = nodes[0]
    if isinstance(node, dict):
        kwargs = node.get("kwargs")
    else:
        kwargs = node[0][3] if isinstance(node, list) and node and len(node[0]) > 3 else None
    return {a: kwargs[a] for a in args if isinstance(kwargs, dict) and a in kwargs}


def _keras_tensor(shape, src: str, port: int = 0) -> dict:
    """A reference to output `port` of layer `src`'s first call (Keras's keras_history)."""
    return {"class_name": "__keras_tensor__",
            "config": {"shape": list(shape), "dtype": "float32", "keras_history": [src, 0, port]}}


def _takes_states(node, edges) -> bool:
    """Whether a recurrent node has initial states wired (Keras's `initial_state` call argument)."""
    return node.type in RECURRENT_TYPES and len(edges) > 1


RECURRENT_TYPES = ("SimpleRNN", "LSTM", "GRU")


def model_config(graph: Graph, name: str, sequential: bool, dialect: str, frozen=frozenset(),
                 trainable: bool = True) -> dict:
    """`{"class_name": "Sequential"|"Functional", "config": {...}}` for a valid graph;
    `frozen` names the layers with trainable=False, `trainable` is the model's own flag.

    keras3 adds the `module`/`registered_name`/`build_config` fields of `.keras` files."""
    info = infer_shapes(graph)
    out_id = graph.output_nodes()[0].id
    order = keras_order(graph, [out_id])
    k3 = dialect == "keras3"

    def entry(node, extra=None) -> dict:
        item = {"class_name": node.spec.keras_class, "config": layer_config(node, dialect)}
        if node.name in frozen and "trainable" in item["config"]:
            item["config"]["trainable"] = False
        if k3:
            item = {"module": "keras.layers", **item, "registered_name": None}
            ins = info[node.id].input_shapes
            if node.type != "Input":
                item["build_config"] = {"input_shape": list(ins[0]) if len(ins) == 1 else [list(s) for s in ins]}
                if _takes_states(node, ins):   # RNN.build(sequences_shape, initial_state_shape)
                    item["build_config"] = {"shapes_dict": {"sequences_shape": list(ins[0]),
                                                            "initial_state_shape": [list(s) for s in ins[1:]]}}
                if node.spec.keras.call_inputs:  # build(query_shape, value_shape, key_shape)
                    item["build_config"] = {"shapes_dict": {f"{n}_shape": list(s) for n, s in
                                                            zip(node.spec.keras.call_inputs, ins)}}
        return {**item, **(extra or {})}

    if sequential:
        layers = [entry(graph.nodes[n]) for n in order]
        cfg: dict[str, Any] = {"name": name, "trainable": trainable, "layers": layers}
        if k3:
            cfg["dtype"] = layers[1]["config"]["dtype"] if len(layers) > 1 else "float32"
            cfg["build_input_shape"] = [None, *graph.nodes[order[0]].params["shape"]]
            return {"module": "keras", "class_name": "Sequential", "config": cfg, "registered_name": None,
                    "build_config": {"input_shape": cfg["build_input_shape"]}}
        return {"class_name": "Sequential", "config": cfg}

    layers = []
    for nid in order:
        node = graph.nodes[nid]
        edges = graph.in_edges(nid)
        srcs = [graph.nodes[e.src] for e in edges]
        # each input: the tensor at output `src_port` of its layer (an LSTM's state h: 1)
        tensors = [_keras_tensor(info[e.src].shapes[e.src_port], s.name, e.src_port) for e, s in zip(edges, srcs)]
        if not srcs:
            nodes = []
        elif node.spec.keras.call_inputs:  # layer(query, value, key): Keras 3's form in both dialects,
            # the only one Keras 3 reads for separate inputs (tf-keras's is read below)
            nodes = [{"args": tensors, "kwargs": call_kwargs(node)}]
        elif _takes_states(node, edges):  # layer(x, initial_state=[h, c]): Keras 3's form in both dialects
            nodes = [{"args": tensors[:1], "kwargs": {**call_kwargs(node), "initial_state": tensors[1:]}}]
        elif k3:
            one = node.spec.max_inputs == 1 or node.type in RECURRENT_TYPES   # layer(x), not layer([x])
            nodes = [{"args": [tensors[0]] if one else [tensors], "kwargs": call_kwargs(node)}]
        else:
            nodes = [[[s.name, 0, e.src_port, call_kwargs(node)] for e, s in zip(edges, srcs)]]
        layers.append(entry(node, {"name": node.name, "inbound_nodes": nodes}))
    inputs = [[graph.nodes[i].name, 0, 0] for i in order if graph.nodes[i].type == "Input"]
    output = [graph.nodes[out_id].name, 0, 0]
    cfg = {"name": name, "trainable": trainable, "layers": layers,
           "input_layers": inputs[0] if (k3 and len(inputs) == 1) else inputs,
           "output_layers": output if k3 else [output]}
    if k3:
        return {"module": "keras.src.models.functional", "class_name": "Functional", "config": cfg,
                "registered_name": "Functional", "build_config": {"input_shape": None}}
    return {"class_name": "Functional", "config": cfg}


def optimizer_config(optimizer, dialect: str) -> dict:
    """An optimizer's Keras config (VisualNet's optimizers use Keras's names and arguments)."""
    from ..engine.optimizers import serialize

    ser = serialize(optimizer)
    cfg = dict(ser["config"])
    cfg.setdefault("use_ema", False)
    cfg.setdefault("ema_momentum", 0.99)
    cfg.setdefault("ema_overwrite_frequency", None)
    if dialect == "keras3":
        if isinstance(cfg.get("learning_rate"), dict):   # a schedule, found by its module as Keras 3 writes it
            cfg["learning_rate"] = {"module": "keras.optimizers.schedules", **cfg["learning_rate"],
                                    "registered_name": None}
        return {"module": "keras.optimizers", "class_name": ser["class_name"], "config": cfg,
                "registered_name": None}
    return {"class_name": ser["class_name"], "config": cfg}


def loss_identifier(model) -> Any:
    """The loss as Keras's compile() took it: a name when one was given, else a config."""
    from ..engine.losses import serialize

    loss = getattr(model, "loss", None)
    if isinstance(loss, str):
        return loss
    ser = serialize(model.compiled.loss_fn)
    return ser


def _keras_entry(entry, module: str, dialect: str):
    """A built-in loss's or metric's `{"class_name", "config"}` as Keras 3 writes it (with its module)."""
    if dialect != "keras3" or not isinstance(entry, dict) or "module" in entry:
        return entry
    return {"module": module, **entry, "registered_name": None}


def metric_entries(metric_ids, dialect: str) -> list:
    """compile()'s metrics as Keras writes them: names as given, built-in metric objects as
    configs (a user's metric or function is left out)."""
    from ..engine import metrics as metrics_mod

    built_in = tuple(metrics_mod.METRIC_CLASSES.values())
    return [m if isinstance(m, str) else _keras_entry(metrics_mod.serialize(m), "keras.metrics", dialect)
            for m in metric_ids if isinstance(m, str) or type(m) in built_in]


def compile_config(model, dialect: str) -> dict | None:
    """Keras 3's `compile_config` (keras3) or the legacy `training_config` (keras2)."""
    c = getattr(model, "compiled", None)
    if c is None:
        return None
    metrics = metric_entries(c.metric_ids, dialect)
    base = {"loss": _keras_entry(loss_identifier(model), "keras.losses", dialect), "loss_weights": None,
            "metrics": metrics or None,
            "weighted_metrics": None}
    if dialect == "keras3":
        return {"optimizer": optimizer_config(c.optimizer, dialect), **base, "run_eagerly": False,
                "steps_per_execution": 1, "jit_compile": False}
    return {**base, "optimizer_config": optimizer_config(c.optimizer, dialect)}


# ====================================================================== import
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
        if shape is not None and len(shape) >= 2:
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


def _unwrap(config: Any) -> dict:
    if not isinstance(config, dict):
        raise KerasFileError("The model config must be a JSON object.")
    return config


def graph_from_keras_config(config: Any) -> KerasModelSpec:
    """Read a Keras model config (Sequential or Functional, Keras 2 or 3 dialect) into a Graph.

    Raises UnsupportedLayersError listing every unsupported layer and option, or
    KerasFileError when the config itself is malformed."""
    config = _unwrap(config)
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
            problems.append(f"the model has {len(outputs)} outputs; VisualNet models have one.")
        elif not problems:
            out = graph.node_by_name(outputs[0])
            sinks = graph.output_nodes()
            if out is None or [n.id for n in sinks] != [out.id]:
                problems.append(f"the model's output '{outputs[0]}' is not the only layer that ends the network.")
    if problems:
        raise UnsupportedLayersError(problems)
    check_graph(graph)
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
