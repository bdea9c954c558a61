"""The model description: the one contract between the canvas and the engine.

Pure Python (no Qt, no numerics beyond shape arithmetic)."""

from .model import Edge, Event, Graph, GraphError, Node
from .params import Param, ParamError
from .registry import LayerSpec, ShapeError, UnknownLayerError, WeightSpec, all_specs, get_spec
from .serialization import FORMAT_VERSION, GraphFormatError, from_dict, from_json, to_dict, to_json
from .shapes import NodeInfo, infer_shapes
from .topology import cycles, keras_order, topological_order
from .validation import ERROR, WARNING, Problem, is_valid, validate

__all__ = [
    "Edge", "Event", "Graph", "GraphError", "Node", "Param", "ParamError", "LayerSpec", "ShapeError",
    "UnknownLayerError", "WeightSpec", "all_specs", "get_spec", "FORMAT_VERSION", "GraphFormatError",
    "from_dict", "from_json", "to_dict", "to_json", "NodeInfo", "infer_shapes", "cycles", "keras_order",
    "topological_order", "ERROR", "WARNING", "Problem", "is_valid", "validate",
]
