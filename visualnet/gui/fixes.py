"""One-click fixes for the problems whose repair is obvious, each one undoable command:
'insert_flatten' puts a Flatten before a Dense that receives an image; 'insert_reshape'
puts a Reshape before a Conv2D fed vectors, to (h, w, 1) when the size is a perfect
square, else to the shape the user gives; 'set_params' applies `detail["params"]` to the
problem's layer (for validation rules that know the right value, e.g. the number of
classes), labelled by `detail["fix_label"]`."""

from __future__ import annotations

import math
from typing import Callable

from visualnet.graph import Problem

from .canvas.metrics import COLUMN_GAP, NODE_WIDTH
from .commands import InsertLayerCommand, SetParamsCommand

LABELS = {"insert_flatten": "Insert Flatten", "insert_reshape": "Insert Reshape"}


def fix_label(problem: Problem) -> str | None:
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


class ProblemFixer:
    """Builds the command repairing a problem. `ask_shape(n, guess)` asks the user for the
    Reshape target when n values are not a perfect square (returns None to cancel)."""

    def __init__(self, document, ask_shape: Callable[[int, tuple], tuple | None]):
        self.document = document
        self.ask_shape = ask_shape

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
        if problem.edge_id not in graph.edges:
            return False
        if problem.fix == "insert_flatten":
            command = InsertLayerCommand(graph, problem.edge_id, "Flatten", width=NODE_WIDTH, gap=COLUMN_GAP)
        else:
            src = graph.edges[problem.edge_id].src
            info = self.document.info.get(src)
            shape = info.shape if info else None
            if shape is None or len(shape) != 2 or shape[1] is None:
                return False
            n = shape[1]
            root = math.isqrt(n)
            target = (root, root, 1) if root * root == n else self.ask_shape(n, guess_image_shape(n))
            if target is None:
                return False
            command = InsertLayerCommand(graph, problem.edge_id, "Reshape", {"target_shape": tuple(target)},
                                         width=NODE_WIDTH, gap=COLUMN_GAP)
        return self.document.push(command)
