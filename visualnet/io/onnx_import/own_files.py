"""Reading back a file VisualNet wrote: its model description is in the metadata, and each
layer's weights are found in the initializers its ONNX rule wrote. The rules only move
weight values (transpose, reorder gates, reshape, stack): running a layer's rule on marker
weights (each element holding its own index) shows where every element went, and the
file's arrays at those places are the weights, exactly."""

from __future__ import annotations

import numpy as np

from ...graph import infer_shapes
from ..onnx_export.builder import Builder
from ..onnx_export.context import RULES, Layer
from .errors import OnnxImportError

SPAN = 1 << 22                    # markers up to this are exact in float32
NOT_WRITTEN = {("Normalization", "count")}   # weights no rule writes (adapt's bookkeeping)


def _placed(node, info, markers: list) -> dict:
    """{initializer name: array} the node's rule writes from `markers`."""
    b = Builder()
    xs = [b.name(f"input{i}") for i in range(len(info.input_shapes))]
    RULES[node.type](b, Layer(node.type, node.name, node.params, xs, info.input_shapes, info.shape, markers))
    from onnx import numpy_helper

    prefix = f"{node.name}/"
    return {t.name: numpy_helper.to_array(t) for t in b.initializers
            if t.name.startswith(prefix) and t.data_type == 1}


def layer_weights(node, info, specs: list, initializers: dict) -> tuple[list, list[str]]:
    """(the node's weights in Keras's order, names of those the file does not hold)."""
    sizes = [int(np.prod(s.shape)) for s in specs]
    offsets = np.cumsum([0, *sizes])
    codes = np.arange(offsets[-1], dtype=np.int64)
    passes = [codes % SPAN + 1] + ([codes // SPAN + 1] if len(codes) > SPAN else [])   # low and high parts

    def split(values):
        return [values[offsets[i]:offsets[i + 1]].astype(np.float32).reshape(s.shape) for i, s in enumerate(specs)]

    placed = [_placed(node, info, split(p)) for p in passes]
    fixed = _placed(node, info, split(np.zeros(len(codes))))   # what the rule writes from its parameters alone
    flat = np.full(len(codes), np.nan, np.float64)
    for name, low in placed[0].items():
        got = initializers.get(name)
        if got is None:
            raise OnnxImportError(f"layer {node.name!r}: the file has no initializer {name!r}")
        if got.shape != low.shape:
            raise OnnxImportError(f"layer {node.name!r}: initializer {name!r} has shape {got.shape}, "
                                  f"expected {low.shape}")
        low = low.reshape(-1)
        where = (low > 0) & (low != fixed[name].reshape(-1))
        code = low[where].astype(np.int64) - 1
        if len(placed) > 1:
            code += (placed[1][name].reshape(-1)[where].astype(np.int64) - 1) * SPAN
        flat[code] = got.reshape(-1)[where]
    arrays, missing = [], []
    for i, s in enumerate(specs):
        part = flat[offsets[i]:offsets[i + 1]]
        if np.isnan(part).any() and (node.type, s.name) not in NOT_WRITTEN:
            missing.append(s.name)
        arrays.append(None if np.isnan(part).any() else part.astype(np.float32).reshape(s.shape))
    return arrays, missing


def read_own(graph, initializers: dict) -> tuple[dict, list[str]]:
    """({node id: [weights in Keras's order, None where the file holds none]}, notes)."""
    info = infer_shapes(graph)
    weights, notes = {}, []
    for nid, node in graph.nodes.items():
        if node.type == "Input":
            continue
        if info[nid].shape is None:
            raise OnnxImportError(f"layer {node.name!r}: {info[nid].error or 'its shape cannot be inferred'}")
        specs = node.spec.weights(node.params, info[nid].input_shapes)
        if specs:
            weights[nid], missing = layer_weights(node, info[nid], specs, initializers)
            notes += [f"{node.name}: the file holds no {m}; it keeps its initial value" for m in missing]
    return weights, notes
