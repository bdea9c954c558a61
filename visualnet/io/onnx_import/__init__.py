"""ONNX import: a file VisualNet wrote comes back layer for layer (its model description is
in the metadata, its weights in the initializers: own_files.py); a file from elsewhere, such
as PyTorch's exporter's MLPs and CNNs, is read operator by operator (foreign.py). Either
way the result is a model description with its weights, laid out for the canvas.

    graph, weights, notes = read_onnx("model.onnx")      # weights: {node id: [arrays]}
    imported = import_onnx_model("model.onnx")           # a KerasImport, as File > Import uses

Nothing in the file is executed; an operator or layout with no VisualNet layer is named in
an `OnnxImportError`.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import KerasFileError
from .errors import OnnxImportError

__all__ = ["OnnxImportError", "import_onnx_model", "read_onnx"]


def _load(path: Path):
    try:
        import onnx
    except ImportError:
        raise OnnxImportError("ONNX import needs the 'onnx' package: pip install 'visualnet[onnx]'") from None
    if not path.is_file():
        raise FileNotFoundError(f"'{path}' does not exist.")
    try:
        proto = onnx.load(str(path), load_external_data=False)
        onnx.checker.check_model(proto)
    except Exception as exc:  # noqa: BLE001 - protobuf and the checker raise many kinds; all mean "not valid"
        raise OnnxImportError(f"'{path.name}' is not a valid ONNX model: {str(exc).strip().splitlines()[0]}") from None
    if any(t.data_location == 1 for t in proto.graph.initializer):
        raise OnnxImportError(f"'{path.name}' keeps its weights in external files, which VisualNet does not read")
    return proto


def read_onnx(filepath) -> tuple:
    """(graph, {node id: weights in Keras's order, None for one the file lacks}, notes)."""
    from onnx import numpy_helper

    from ...graph import from_json
    from ..onnx_export import GRAPH_KEY

    path = Path(filepath)
    proto = _load(path)
    meta = {p.key: p.value for p in proto.metadata_props}
    try:
        if GRAPH_KEY in meta:
            from .own_files import read_own

            try:
                graph = from_json(meta[GRAPH_KEY])
            except (ValueError, KeyError, TypeError) as exc:
                raise OnnxImportError(f"the model description in its metadata is damaged: {exc}") from None
            weights, notes = read_own(graph, {t.name: numpy_helper.to_array(t) for t in proto.graph.initializer})
            return graph, weights, notes
        from .foreign import Converter

        graph, weights = Converter(proto).convert()
        return graph, weights, []
    except OnnxImportError as exc:
        raise OnnxImportError(f"'{path.name}': {exc}") from None


def import_onnx_model(filepath):
    """For File > Import: the engine model with the file's weights and its Graph laid out
    (node ids equal the model's, so `Project.from_model` keeps the weights)."""
    from ...engine.model import Model
    from ...graph import validate
    from ..keras_files import KerasImport, layered_positions

    path = Path(filepath)
    graph, weights, notes = read_onnx(path)
    errors = [p for p in validate(graph) if p.severity == "error"]
    if errors:
        raise OnnxImportError(f"'{path.name}': the layers read from it do not fit together: {errors[0].message}")
    try:
        model = Model.from_graph(graph, name=_model_name(path))
    except (ValueError, TypeError, KeyError) as exc:
        raise KerasFileError(f"'{path.name}': {exc}") from None
    layers = model.layers_by_node_id
    for nid, arrays in weights.items():
        layer = layers[nid]
        current = layer.get_weights()
        if len(arrays) != len(current):
            raise OnnxImportError(f"'{path.name}': layer {layer.name!r} has {len(arrays)} weight(s) in the file, "
                                  f"expected {len(current)}")
        layer.set_weights([c if a is None else a for a, c in zip(arrays, current)])
    graph = model.to_graph()
    for nid, pos in layered_positions(graph).items():
        graph.nodes[nid].position = pos
    return KerasImport(model, graph, None, notes)


def _model_name(path: Path) -> str:
    name = "".join(c if c.isalnum() or c == "_" else "_" for c in path.stem).strip("_")
    return name or "onnx_model"
