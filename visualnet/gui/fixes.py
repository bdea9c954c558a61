"""One-click fixes for the problems whose repair is obvious, each one undoable command:
'insert_flatten' puts a Flatten before a Dense that receives an image; 'insert_reshape'
puts a Reshape before a Conv2D fed vectors, to a shape that layer accepts (shape inference
tries (h, w, 1) closest to square first), asking the user when the size is not a perfect
square; 'set_params' applies `detail["params"]` to the problem's layer (for validation
rules that know the right value, e.g. the number of classes), labelled by
`detail["fix_label"]`. A layer left without its wire gets two: 'connect' (from the likely
layer: the nearest one before it whose output is free; for an unused Input, to the nearest
layer after it still without input) and 'delete' (`fix_variants`)."""

from __future__ import annotations

import dataclasses
import math
from typing import Callable

from visualnet.graph import GraphError, Problem, from_dict, infer_shapes, to_dict

from .canvas.metrics import COLUMN_GAP, NODE_WIDTH
from .commands import ConnectCommand, DeleteCommand, InsertLayerCommand, SetParamsCommand

LABELS = {"insert_flatten": "Insert Flatten", "insert_reshape": "Insert Reshape"}
MAX_TRIALS = 24          # Reshape targets tried by shape inference (each on a copy of the graph)


def fix_label(problem: Problem) -> str | None:
    if problem.fix in ("connect", "delete"):
        return problem.detail.get("fix_label")
    if problem.fix == "set_params":
        params = problem.detail.get("params")
        if problem.node_id and isinstance(params, dict) and params:
            return problem.detail.get("fix_label") or "Set " + ", ".join(f"{k}={v}" for k, v in params.items())
        return None
    return LABELS.get(problem.fix) if problem.edge_id else None


def guess_image_shape(n: int) -> tuple[int, int, int]:
    """(h, w, 1) with h * w = n and h, w as close as possible (h <= w)."""
    h = int(math.isqrt(n))
    while h > 1 and n % h:
        h -= 1
    return (h, n // h, 1)


def reshape_targets(n: int) -> list[tuple[int, int, int]]:
    """Image shapes (h, w, c) holding n values: one channel first, each (h, w) closest to
    square first and then turned."""
    out = []
    for c in [1, 3] + [d for d in range(2, n + 1) if n % d == 0 and d != 3]:
        if n % c:
            continue
        m = n // c
        for h in range(math.isqrt(m), 0, -1):
            if m % h == 0:
                out += [(h, m // h, c)] + ([(m // h, h, c)] if h != m // h else [])
        if len(out) >= MAX_TRIALS:
            break
    return out[:MAX_TRIALS]


def accepts(graph, edge_id: str, target: tuple) -> bool:
    """Whether the layer at the end of wire `edge_id` accepts its input reshaped to
    `target` (tried on a copy of the graph through shape inference)."""
    trial = from_dict(to_dict(graph))
    edge = trial.edges[edge_id]
    trial.disconnect(edge_id)
    try:
        node = trial.add_node("Reshape", {"target_shape": tuple(target)})
        trial.connect(edge.src, node.id)
        trial.connect(node.id, edge.dst, edge.dst_port)
    except (GraphError, ValueError):
        return False
    info = infer_shapes(trial)
    return info[node.id].error is None and info[edge.dst].error is None


def likely_source(graph, node_id: str) -> str | None:
    """The layer most likely meant to feed `node_id`: one whose output is not used yet
    (else any) that `node_id` does not feed, nearest to the left of it (else nearest)."""
    node = graph.nodes[node_id]
    candidates = [n for n in graph.nodes.values()
                  if n.id != node_id and not graph.reaches(node_id, n.id) and _can_connect(graph, n.id, node_id)]
    return _nearest(node, candidates, graph, before=True)


def likely_target(graph, node_id: str) -> str | None:
    """The layer an unused Input most likely feeds: the nearest one to its right that has
    no input yet, else one with a free input (a merging layer)."""
    node = graph.nodes[node_id]
    candidates = [n for n in graph.nodes.values() if n.id != node_id and _can_connect(graph, node_id, n.id)]
    return _nearest(node, candidates, graph, before=False)


def _can_connect(graph, src: str, dst: str) -> bool:
    try:
        graph.check_connect(src, dst)
    except GraphError:
        return False
    return True


def _nearest(node, candidates: list, graph, before: bool) -> str | None:
    if not candidates:
        return None
    here = node.position or (0.0, 0.0)

    def key(n):
        x, y = n.position or (0.0, 0.0)
        wrong_side = (x > here[0]) if before else (x < here[0])
        busy = bool(graph.out_edges(n.id) if before else graph.in_edges(n.id))
        return (busy, wrong_side, (x - here[0]) ** 2 + (y - here[1]) ** 2, n.name)

    return min(candidates, key=key).id


def fix_variants(problem: Problem, graph) -> list[Problem]:
    """The one-click fixes offered for `problem`: itself when it names one, else for a
    layer without its wire 'connect' (when a likely layer exists) and 'delete'."""
    if fix_label(problem) is not None:
        return [problem]
    node = graph.nodes.get(problem.node_id)
    if node is None:
        return []
    out = []
    if problem.code == "unconnected_input" and not graph.in_edges(node.id):
        src = likely_source(graph, node.id)
        if src is not None:
            out.append(dataclasses.replace(problem, fix="connect", detail={
                **problem.detail, "src": src, "dst": node.id,
                "fix_label": f"Connect from {graph.nodes[src].name}"}))
    elif problem.code == "unused_input":
        dst = likely_target(graph, node.id)
        if dst is not None:
            out.append(dataclasses.replace(problem, fix="connect", detail={
                **problem.detail, "src": node.id, "dst": dst,
                "fix_label": f"Connect to {graph.nodes[dst].name}"}))
    else:
        return []
    out.append(dataclasses.replace(problem, fix="delete", detail={**problem.detail,
                                                                  "fix_label": f"Delete {node.name}"}))
    return out


class ProblemFixer:
    """Builds the command repairing a problem. `ask_shape(n, guess)` asks the user for the
    Reshape target when n values are not a perfect square (returns None to cancel);
    `inserted(node_ids)` is told of the layers a fix added (to show them)."""

    def __init__(self, document, ask_shape: Callable[[int, tuple], tuple | None],
                 inserted: Callable[[list], None] | None = None):
        self.document = document
        self.ask_shape = ask_shape
        self.inserted = inserted

    def apply(self, problem: Problem) -> bool:
        graph = self.document.graph
        if fix_label(problem) is None:
            return False
        if problem.fix == "set_params":
            if problem.node_id not in graph.nodes:
                return False
            command = SetParamsCommand(graph, problem.node_id, dict(problem.detail["params"]))
            command.setText(f"{fix_label(problem)} ({graph.nodes[problem.node_id].name})")
            return self.document.push(command)
        if problem.fix == "delete":
            return problem.node_id in graph.nodes and self.document.push(DeleteCommand(graph, [problem.node_id]))
        if problem.fix == "connect":
            src, dst = problem.detail["src"], problem.detail["dst"]
            if src not in graph.nodes or dst not in graph.nodes or not _can_connect(graph, src, dst):
                return False
            return self.document.push(ConnectCommand(graph, src, dst))
        if problem.edge_id not in graph.edges:
            return False
        if problem.fix == "insert_flatten":
            command = InsertLayerCommand(graph, problem.edge_id, "Flatten", width=NODE_WIDTH, gap=COLUMN_GAP)
        else:
            info = self.document.info.get(graph.edges[problem.edge_id].src)
            shape = info.shape if info else None
            if shape is None or len(shape) != 2 or shape[1] is None:
                return False
            n = shape[1]
            fitting = next((t for t in reshape_targets(n) if accepts(graph, problem.edge_id, t)), None)
            guess = fitting or guess_image_shape(n)
            square = math.isqrt(n) ** 2 == n and fitting == reshape_targets(n)[0]   # (r, r, 1) fits: no question
            target = guess if square else self.ask_shape(n, guess)
            if target is None:
                return False
            command = InsertLayerCommand(graph, problem.edge_id, "Reshape", {"target_shape": tuple(target)},
                                         width=NODE_WIDTH, gap=COLUMN_GAP)
        if not self.document.push(command):
            return False
        if self.inserted is not None:
            self.inserted([command.node_id])
        return True
