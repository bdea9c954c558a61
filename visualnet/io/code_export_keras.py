"""The Keras 3 script of a model (code_export.py): its layers as Keras calls, the weights,
compile and fit with the model's training set-up."""

from __future__ import annotations

import json

from ..graph import get_spec
from .code_export_parts import (_MAIN, _check_weights_option, _idents, _keras_outputs, _keras_refs, _parts,
                                _port_names, _py_literals, _recipe_comment, _weights_block, _weights_npz)
from .metric_settings import keras_metrics_source


def _keras_args(spec, p: dict, name: str | None) -> str:
    """The constructor's arguments, every one (Keras's defaults differ between versions); a
    wrapper's first argument is the layer it wraps."""
    values = spec.keras.written(p)
    args = {k: v for k, v in values.items() if not (v is None and spec.param(k).kind == "activation")
            and k not in spec.keras.call_args}
    wrapper, inner = spec.keras.wrapper, ""
    if wrapper:
        inner_type, inner_params = wrapper.inner(p)
        inner_spec = get_spec(inner_type)
        inner_args = _keras_args(inner_spec, inner_spec.normalize(inner_params), None)
        inner = f"layers.{inner_spec.keras_class}({inner_args}), "
        args = {k: v for k, v in args.items() if k in wrapper.own}
    if name is not None:
        args["name"] = name
    return inner + ", ".join(f"{k}={_keras_value(spec, k, v)}" for k, v in args.items())


def _keras_value(spec, key: str, value) -> str:
    """A constructor argument as Python source: regularizers and constraints as Keras's
    objects (`keras.regularizers.L2(l2=0.01)`), everything else as its repr."""
    kind = spec.param(key).kind if key in spec.param_names else None
    if kind in ("regularizer", "constraint") and value is not None:
        args = ", ".join(f"{k}={v!r}" for k, v in value["config"].items())
        return f"keras.{kind}s.{value['class_name']}({args})"
    if kind == "initializer" and isinstance(value, dict):   # keras.initializers.Constant(value=0.1)
        args = ", ".join(f"{k}={v!r}" for k, v in value["config"].items())
        return f"keras.initializers.{value['class_name']}({args})"
    return repr(value)


def keras_script(model, weights: str | None = "npz", training: dict | None = None, recipe=None,
                 npz_name: str = "model_weights.npz") -> tuple[str, bytes | None]:
    """The Keras script's text and the weights .npz bytes (None without weights)."""
    _check_weights_option(weights)
    graph, order, out_id, settings = _parts(model, training)
    ids = _idents(graph, order)
    inputs = [nid for nid in order if graph.nodes[nid].type == "Input"]
    body = []
    for nid in order:
        node = graph.nodes[nid]
        if node.type == "Input":
            dtype = node.params.get("dtype", "float32")
            body.append(f"    {ids[nid]} = keras.Input(shape={tuple(node.params['shape'])!r}, name={node.name!r}"
                        + (f", dtype={dtype!r})" if dtype != "float32" else ")"))
            continue
        srcs = _keras_refs(graph, ids, nid)
        arg = srcs[0] if node.spec.max_inputs == 1 else "[" + ", ".join(srcs) + "]"
        arg = ", ".join(srcs) if node.spec.keras.call_inputs else arg  # layer(query, value, key)
        if node.type in ("SimpleRNN", "LSTM", "GRU", "Bidirectional"):   # layer(x, initial_state=[h, c])
            arg = srcs[0] + (f", initial_state=[{', '.join(srcs[1:])}]" if len(srcs) > 1 else "")
        args = _keras_args(node.spec, node.params, node.name)
        call = "".join(f", {a}={node.params[a]!r}" for a in node.spec.keras.call_args)
        body.append(f"    {', '.join(_port_names(graph, ids, nid))} = layers.{node.spec.keras_class}({args})"
                    f"({arg}{call})")
    ins = ids[inputs[0]] if len(inputs) == 1 else "[" + ", ".join(ids[i] for i in inputs) + "]"
    body.append(f"    return keras.Model({ins}, {_keras_outputs(model, graph, ids, out_id)}, name={model.name!r})")
    npz = _weights_npz(model, graph, order) if weights else None
    opt = settings.get("optimizer")
    loss = settings.get("loss")
    text = f'''"""Rebuilds the VisualNet model {model.name!r} in Keras 3 (any backend), with its training set-up.

Exported by VisualNet. Run `python {{this file}} --help`.
"""

import argparse
import base64
import io
import os

import numpy as np
import keras
from keras import layers

INPUT_NAMES = {[graph.nodes[i].name for i in inputs]!r}
OPTIMIZER = {json.dumps(opt) if opt is not None else "None"}
LOSS = {json.dumps(loss) if loss is not None else "None"}
METRICS = {keras_metrics_source(settings.get("metrics"))}
EPOCHS = {int(settings.get("epochs", 10))!r}
BATCH_SIZE = {int(settings.get("batch_size", 32))!r}
VALIDATION_SPLIT = {float(settings.get("validation_split", 0.0))!r}
SHUFFLE = {bool(settings.get("shuffle", True))!r}
{_recipe_comment(recipe)}

def build_model():
{chr(10).join(body)}


def compile_model(model):
    if LOSS is None:
        return
    optimizer = keras.optimizers.deserialize(OPTIMIZER) if isinstance(OPTIMIZER, dict) else (OPTIMIZER or "rmsprop")
    loss = keras.losses.deserialize(LOSS) if isinstance(LOSS, dict) else LOSS
    model.compile(optimizer=optimizer, loss=loss, metrics=METRICS)


{_weights_block(weights, npz, npz_name)}

def load_weights(model):
    data = weight_arrays()
    if data is None:
        return
    for layer in model.layers:
        if layer.weights:
            layer.set_weights([data[f"{{layer.name}}/{{i}}"] for i in range(len(layer.weights))])


def save_weights(model, path):
    """The weights as plain Keras-ordered arrays "<layer name>/<index>" (what VisualNet's
    model.load_weights and its import-weights command read)."""
    np.savez(path, **{{f"{{layer.name}}/{{i}}": np.asarray(w, dtype=np.float32)
                       for layer in model.layers for i, w in enumerate(layer.get_weights())}})


def predict(model, x):
    return model.predict(x, batch_size=256, verbose=0)


def train(model, x, y):
    compile_model(model)
    return model.fit(x, y, epochs=EPOCHS, batch_size=BATCH_SIZE, validation_split=VALIDATION_SPLIT,
                     shuffle=SHUFFLE)
''' + _MAIN
    return _py_literals(text), npz
