"""ONNX export: a model as an ONNX file (opset 17, a dynamic batch dimension, tensor and
weight names from the graph) that onnxruntime runs with VisualNet's predictions.

    export_onnx(model, "model.onnx")

Each layer type's rule (rules_*.py, by type in `context.RULES`) writes the operators of its
inference-time computation; layers that change nothing at inference (dropout, noise,
augmentation) become Identity. The `onnx` package is an optional extra: without it, or for a
model with a layer that has no rule (listed by name) or with masks reaching a layer that
uses them, `OnnxExportError` says why. The model description goes along in the file's
metadata (`GRAPH_KEY`), so that VisualNet reads its own files back layer for layer.
"""

from __future__ import annotations

from pathlib import Path

from ...engine.executor import layers_using_masks
from ...graph import infer_shapes, keras_order, to_json
from ..atomic import write_atomic
from . import rules_conv, rules_core, rules_sequence  # noqa: F401 - they fill RULES
from . import rules_conv_recurrent  # noqa: F401 - ConvLSTM1D/2D (issue 23)
from .builder import OPSET, Builder, OnnxExportError
from .context import RULES, Layer

__all__ = ["GRAPH_KEY", "OnnxExportError", "export_onnx", "onnx_model", "exportable_types"]

GRAPH_KEY = "visualnet.graph"   # metadata: the model description the file was written from


def exportable_types() -> set[str]:
    """The layer types that have an ONNX rule (Input aside)."""
    return set(RULES)


def _require_onnx():
    try:
        import onnx
    except ImportError:
        raise OnnxExportError("ONNX export needs the 'onnx' package: pip install 'visualnet[onnx]'") from None
    return onnx


def onnx_model(model, opset: int = OPSET):
    """The ONNX ModelProto of `model` (checked with onnx.checker)."""
    onnx = _require_onnx()
    from onnx import TensorProto, helper

    graph = model.to_graph()
    missing = sorted({n.type for n in graph.nodes.values() if n.type != "Input" and n.type not in RULES})
    if missing:
        raise OnnxExportError(f"no ONNX form for the layer type(s) {', '.join(missing)} of model {model.name!r}")
    several = [f"{n.name} ({n.type})" for n in graph.nodes.values()
               if n.type != "Input" and (n.spec.outputs(n.params) > 1 or len(graph.in_edges(n.id)) > n.spec.min_inputs
                                         and n.type in ("SimpleRNN", "LSTM", "GRU", "Bidirectional"))]
    if several:
        raise OnnxExportError(f"{', '.join(several)}: ONNX export of layers with several outputs (return_state, "
                              "Bidirectional merge_mode=None) or initial states is not supported (export to Keras "
                              "or a script)")
    users = layers_using_masks(model)
    if users:
        raise OnnxExportError(f"masks reach {', '.join(users)}: ONNX export of masked sequences is not supported "
                              "(remove mask_zero/Masking, or export to Keras)")
    outputs = [n.id for n in graph.output_nodes()]
    order = keras_order(graph, outputs)
    info = infer_shapes(graph)
    b = Builder()
    tensors, inputs = {}, []
    for nid in order:
        node = graph.nodes[nid]
        if node.type == "Input":
            name = b.name(node.name)
            dims = ["batch", *(d if d is not None else f"{node.name}_dim{i}" for i, d in
                               enumerate(node.params["shape"], 1))]
            kind = {"int32": TensorProto.INT32, "int64": TensorProto.INT64}.get(node.params.get("dtype"))
            inputs.append(helper.make_tensor_value_info(name, kind or TensorProto.FLOAT, dims))
            tensors[nid] = name if kind is None else b.op("Cast", [name], node.name, to=TensorProto.FLOAT)
            continue
        weights = [w for w in model.get_layer(node.name).get_weights()]
        layer = Layer(node.type, node.name, node.params, [tensors[s] for s in graph.inputs_of(nid)],
                      info[nid].input_shapes, info[nid].shape, weights)
        tensors[nid] = RULES[node.type](b, layer)
    outs = []
    for nid in outputs:
        name = graph.nodes[nid].name
        final = b.op("Identity", [tensors[nid]], name)
        shape = info[nid].shape
        outs.append(helper.make_tensor_value_info(final, TensorProto.FLOAT,
                                                  ["batch", *(d if d is not None else f"{name}_dim{i}"
                                                              for i, d in enumerate(shape[1:], 1))]))
    proto = helper.make_model(helper.make_graph(b.nodes, model.name, inputs, outs, b.initializers),
                              opset_imports=[helper.make_opsetid("", opset)], producer_name="VisualNet")
    proto.ir_version = min(proto.ir_version, 8)      # what onnxruntime releases of the last years read
    helper.set_model_props(proto, {GRAPH_KEY: to_json(graph)})     # onnx_import reads the layers back from it
    onnx.checker.check_model(proto)
    return proto


def export_onnx(model, path, opset: int = OPSET) -> Path:
    """Write `model` to `path` as ONNX (atomically: a failure leaves no half-written file)."""
    proto = onnx_model(model, opset)
    data = proto.SerializeToString()
    path = Path(path)
    write_atomic(path, lambda tmp: Path(tmp).write_bytes(data), keep_backup=False)
    return path
