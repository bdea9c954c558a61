"""Shape inference without the engine: each node's output shape and parameter count,
exactly as Keras's `model.summary()` reports them, and its multiply-adds (costs.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .costs import multiply_adds
from .model import Graph
from .params import ParamError
from .registry import ShapeError, get_spec
from .topology import topological_order


@dataclass
class NodeInfo:
    """What shape inference knows about one node; `shape` is None when it cannot be known
    (missing input, a problem upstream, or an error here: then `error` says why)."""

    shape: tuple | None = None
    input_shapes: list = field(default_factory=list)
    shapes: list = field(default_factory=list)  # one per output port (`shape` is the first)
    trainable_params: int = 0
    non_trainable_params: int = 0
    error: str | None = None
    error_port: int | None = None  # the input port whose wire is at fault, when known
    multiply_adds: int | None = 0  # per sample at inference (costs.py); None when a length is unknown

    @property
    def params(self) -> int:
        return self.trainable_params + self.non_trainable_params


def infer_shapes(graph: Graph) -> dict[str, NodeInfo]:
    """NodeInfo for every node id (batch dimension None)."""
    info = {nid: NodeInfo() for nid in graph.nodes}
    for nid in topological_order(graph):
        node = graph.nodes[nid]
        spec = get_spec(node.type)
        shapes = [port_shape(info[e.src], e.src_port) for e in graph.in_edges(nid)]
        item = info[nid]
        item.input_shapes = shapes
        if any(s is None for s in shapes):
            continue
        try:
            params = spec.normalize(node.params)
            spec.check_input_count(len(shapes))
            item.shapes = spec.output_shapes(params, shapes)
            item.shape = item.shapes[0]
            weights = spec.weights(params, shapes)
            for w in weights:
                if w.trainable:
                    item.trainable_params += w.size
                else:
                    item.non_trainable_params += w.size
            item.multiply_adds = multiply_adds(spec, params, shapes, item.shape, weights)
        except ParamError as exc:
            item.error = str(exc)
        except ShapeError as exc:
            item.error = str(exc)
            item.error_port = getattr(exc, "port", None)
            item.shape = None
            item.shapes = []
    return info


def port_shape(item: NodeInfo, port: int) -> tuple | None:
    """The shape of output `port` of a node (None when unknown or when it has no such port)."""
    return item.shapes[port] if 0 <= port < len(item.shapes) else None
