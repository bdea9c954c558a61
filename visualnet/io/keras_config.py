"""Registry layers <-> Keras model configs, in both dialects.

`keras3`: the serialization Keras 3 writes into `.keras` files (module/class_name/config,
`batch_shape`, `{"args": [...keras_history...]}` nodes). `keras2`: the legacy dialect that
both tf-keras and Keras 3 read from `.h5` files (`batch_input_shape`, `inbound_nodes` as
`[[["src", 0, 0, {}]]]`, LeakyReLU's `alpha`).

This module writes configs; keras_config_read.py reads them (either dialect, layer types
only from VisualNet's registry, never code) and keras_compile_config.py writes compile
configs. Their names are importable from here as well.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from ..graph import Graph, get_spec, infer_shapes, keras_order
from ..graph import initializer_rules
from ..graph.names import INITIALIZERS

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
        if isinstance(cfg.get("value"), list):   # Constant's array: Keras 3 serializes it as a NumPy object
            cfg["value"] = {"class_name": "__numpy__", "config": {"value": cfg["value"], "dtype": "float32"}}
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


RECURRENT_TYPES = ("SimpleRNN", "LSTM", "GRU", "Bidirectional")   # they take initial_state


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


# ---------------------------------------------------------------------- the other two parts
# Compile configs live in keras_compile_config.py, reading in keras_config_read.py; their
# names are still importable from here (loaded on first use: keras_config_read imports this).
_COMPILE_NAMES = {"optimizer_config", "loss_identifier", "metric_entries", "compile_config", "has_output_dict",
                  "_keras_entry", "_loss_object"}


def __getattr__(name: str):
    if name in _COMPILE_NAMES:
        from . import keras_compile_config

        return getattr(keras_compile_config, name)
    from . import keras_config_read

    try:
        return getattr(keras_config_read, name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
