"""Validation: every problem of a graph, attached to the node (and wire) at fault,
each with a message that says what to change."""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import Graph
from .params import ParamError
from .registry import get_spec
from .shapes import NodeInfo, infer_shapes
from .string_inputs import misuse_message, string_input_misuses
from .topology import cycles

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the graph. `fix` names a one-click repair the GUI may offer
    (e.g. 'insert_flatten'); `detail` carries the values involved (shapes, names)."""

    code: str
    severity: str
    message: str
    node_id: str | None = None
    edge_id: str | None = None
    fix: str | None = None
    detail: dict = field(default_factory=dict)


def validate(graph: Graph, info: dict[str, NodeInfo] | None = None) -> list[Problem]:
    """All problems of `graph`: errors first, then warnings."""
    info = info if info is not None else infer_shapes(graph)
    problems: list[Problem] = []
    problems += _structure(graph)
    problems += _ports(graph)
    problems += _cycles(graph)
    problems += [Problem("string_input", ERROR, misuse_message(node, consumer), node_id=consumer.id)
                 for node, consumer in string_input_misuses(graph)]   # text feeds only TextVectorization
    in_cycle = {p.node_id for p in problems if p.code == "cycle"}
    for node in graph.nodes.values():
        if node.id not in in_cycle:
            problems += _node_problems(graph, node, info[node.id])
    return sorted(problems, key=lambda p: p.severity != ERROR)


def is_valid(problems: list[Problem]) -> bool:
    return not any(p.severity == ERROR for p in problems)


def _structure(graph: Graph) -> list[Problem]:
    out = []
    if not graph.nodes:
        return [Problem("empty", ERROR, "The model is empty. Drag an Input layer onto the canvas to start.")]
    if not graph.input_nodes():
        out.append(Problem("no_input", ERROR,
                           "The model has no Input layer. Add an Input and wire it to the first layer."))
    sinks = graph.output_nodes()
    if not sinks:
        out.append(Problem("no_output", ERROR,
                           "The model has no output layer. Add a layer after the Input (e.g. a Dense layer)."))
    elif len(sinks) > 1:
        names = ", ".join(f"'{n.name}'" for n in sinks)
        for n in sinks:
            out.append(Problem(   # several outputs train each against its own target (Keras's multi-output model)
                "several_outputs", WARNING,
                f"'{n.name}' ends the network, and so do {len(sinks) - 1} other layer(s) ({names}): the model has "
                f"{len(sinks)} outputs, each trained against its own target column (Train page). If '{n.name}' is "
                "left over, wire it onward or delete it.",
                node_id=n.id, detail={"outputs": [s.id for s in sinks]}))
    for n in graph.input_nodes():
        if not graph.out_edges(n.id):
            out.append(Problem("unused_input", WARNING,
                               f"Input '{n.name}' is not wired to any layer. Wire it or delete it.", node_id=n.id))
    return out


def _ports(graph: Graph) -> list[Problem]:
    """Wires from an output port their node does not have (a file's, or one left when a
    parameter such as return_state changed)."""
    out = []
    for e in graph.edges.values():
        src, dst = graph.nodes[e.src], graph.nodes[e.dst]
        try:
            count = get_spec(src.type).outputs(src.spec.normalize(src.params))
        except ParamError:
            continue   # the node's own problem is reported
        if e.src_port >= count:
            hint = (" Turn on return_state (or set merge_mode to None) to get more outputs, or wire its output 0."
                    if "return_state" in src.spec.param_names else "")
            out.append(Problem("missing_port", ERROR,
                               f"'{dst.name}' is wired to output {e.src_port} of '{src.name}', which has "
                               f"{count} output{'s' if count != 1 else ''} (0..{count - 1}).{hint}",
                               node_id=e.dst, edge_id=e.id, detail={"src": e.src, "src_port": e.src_port}))
    return out


def _cycles(graph: Graph) -> list[Problem]:
    out = []
    for group in cycles(graph):
        members = set(group)
        names = " -> ".join(graph.nodes[n].name for n in group)
        edges = [e.id for e in graph.edges.values() if e.src in members and e.dst in members]
        for nid in group:
            out.append(Problem("cycle", ERROR,
                               f"'{graph.nodes[nid].name}' is part of a cycle ({names}). "
                               "Remove one of the wires between these layers.",
                               node_id=nid, detail={"cycle": group, "edges": edges}))
        for eid in edges:
            out.append(Problem("cycle", ERROR, f"This wire closes a cycle ({names}). Remove it or another "
                               "wire of the cycle.", edge_id=eid, detail={"cycle": group}))
    return out


def _node_problems(graph: Graph, node, item: NodeInfo) -> list[Problem]:
    spec = get_spec(node.type)
    try:
        spec.normalize(node.params)
    except ParamError as exc:
        return [Problem("param_invalid", ERROR, f"'{node.name}': {exc}", node_id=node.id,
                        detail={"param": exc.param})]
    edges = graph.in_edges(node.id)
    if len(edges) < spec.min_inputs:
        if not edges:
            msg = f"'{node.name}' has no input. Wire a layer's output into it."
        else:
            msg = (f"'{node.name}' ({spec.type}) has {len(edges)} input but needs at least {spec.min_inputs}. "
                   "Wire another layer into it.")
        return [Problem("unconnected_input", ERROR, msg, node_id=node.id)]
    if item.error:
        port = item.error_port if item.error_port is not None else (0 if len(edges) == 1 else None)
        edge_id = edges[port].id if port is not None and port < len(edges) else None
        fix = "insert_reshape" if spec.type == "Conv2D" and len(item.input_shapes[0] or ()) == 2 else None
        hint = _VARIABLE_HINT if any(_varies(s) for s in item.input_shapes) else ""
        return [Problem("shape_mismatch", ERROR, f"'{node.name}': {item.error}{hint}", node_id=node.id,
                        edge_id=edge_id, fix=fix, detail={"input_shapes": item.input_shapes})]
    shape = item.input_shapes[0] if item.input_shapes else None
    if spec.type == "Flatten" and _varies(shape):
        return [Problem("flatten_varies", WARNING,
                        f"'{node.name}' receives {_fmt(shape)}: its size varies with the sequence length, so "
                        "its output (None, None) has no fixed size and no Dense can follow it. To get one vector "
                        "per sample use GlobalAveragePooling1D, GlobalMaxPooling1D or a recurrent layer without "
                        "return_sequences, or give the Input a fixed length.",
                        node_id=node.id, edge_id=edges[0].id, detail={"input_shape": shape})]
    if spec.type == "Dense" and _varies(shape[:-1] if shape else None):
        return [Problem("dense_on_nd", WARNING,
                        f"'{node.name}' receives {_fmt(shape)}, a sequence of any length: as in Keras, it applies "
                        "to every step (the last axis). For one output per sample, put GlobalAveragePooling1D or "
                        "a recurrent layer without return_sequences before it.",
                        node_id=node.id, edge_id=edges[0].id, detail={"input_shape": shape})]
    if spec.type == "Dense" and shape and len(shape) > 2:
        return [Problem("dense_on_nd", WARNING,
                        f"'{node.name}' receives {_fmt(shape)} and, as in Keras, applies only to the last axis. "
                        "Insert a Flatten before it to connect every value.",
                        node_id=node.id, edge_id=edges[0].id, fix="insert_flatten",
                        detail={"input_shape": shape})]
    return []


# added to a shape error where an input's size varies (an Input with None in its shape)
_VARIABLE_HINT = (" None is a length that varies from batch to batch (an Input with None in its shape): "
                  "GlobalAveragePooling1D, GlobalMaxPooling1D or a recurrent layer without return_sequences "
                  "gives one vector of fixed size per sample.")


def _varies(shape) -> bool:
    """Whether a dimension after the batch is None (of any length)."""
    return bool(shape) and any(d is None for d in shape[1:])


def _fmt(shape) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"
