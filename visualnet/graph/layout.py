"""A layered left-to-right layout of a graph (Sugiyama-style, kept simple), pure Python.

Each node goes in the column of its longest path from a source; a wire that skips columns
reserves a lane in every column it crosses (so a skip connection runs beside the layers it
skips, not through them); columns are ordered by the barycentre of their neighbours to reduce
crossings, and each column is centred on the same horizontal axis. Sizes are arguments: the
canvas passes its own (gui/canvas/layout.py), `plot_model` the sizes of its boxes.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Callable

from .model import Graph
from .topology import topological_order


def input_port_count(graph: Graph, nid: str) -> int:
    """Input ports drawn on a node: merging layers with no upper limit keep one free port; a
    recurrent layer (or Bidirectional) its sequence and the initial states it can take."""
    node = graph.nodes[nid]
    spec = node.spec
    wired = len(graph.in_edges(nid))
    if spec.max_inputs is None:
        return max(spec.min_inputs, wired + 1)
    names = input_port_names(node.type, node.params)
    return max(len(names), wired) if names else spec.max_inputs


def input_port_names(layer_type: str, params: dict) -> "list[str] | None":
    """The names of a node's input ports where they differ: 'sequence', then 'initial h', ...
    (a Bidirectional's: the forward layer's states, then the backward layer's)."""
    from .layer_types.recurrent import STATES
    from .layer_types.wrappers import state_names

    if layer_type in STATES:
        return ["sequence", *(f"initial {s}" for s in STATES[layer_type])]
    if layer_type == "Bidirectional" and params.get("wrapped", "LSTM") in STATES:
        return ["sequence", *(f"initial {s}" for s in state_names(params.get("wrapped", "LSTM")))]
    return None


def _snap(value: float, step: float) -> float:
    return round(value / step) * step if step else value


def layered_positions(graph: Graph, origin: tuple[float, float] = (0.0, 0.0), *, node_width: float,
                      node_height: Callable[[str | None], float], column_gap: float, row_gap: float,
                      grid: float = 0.0) -> dict[str, tuple[float, float]]:
    """Top-left position of every node: columns left to right in data-flow order.

    node_height(node id) gives a node's height (None: a lane's); positions are snapped to
    `grid` when it is not 0."""
    column = _columns(graph)
    columns: dict[int, list[str]] = defaultdict(list)
    for nid in graph.nodes:
        columns[column[nid]].append(nid)
    parents: dict[str, list[str]] = {nid: list(graph.inputs_of(nid)) for nid in graph.nodes}
    for edge in graph.edges.values():  # lanes for wires that skip columns
        prev = edge.src
        for c in range(column[edge.src] + 1, column[edge.dst]):
            lane = f"lane:{edge.id}:{c}"
            columns[c].append(lane)
            parents[lane] = [prev]
            prev = lane
        if prev != edge.src:
            parents[edge.dst] = [prev if p == edge.src else p for p in parents[edge.dst]]
    _order_columns(parents, columns)
    heights = {nid: node_height(nid) for nid in graph.nodes}
    lane_height = node_height(None)
    positions = {}
    ox, oy = origin
    for c in sorted(columns):
        ids = columns[c]
        total = sum(heights.get(n, lane_height) for n in ids) + row_gap * (len(ids) - 1)
        y = -total / 2
        for nid in ids:
            if nid in graph.nodes:
                positions[nid] = (_snap(ox + c * (node_width + column_gap), grid), _snap(oy + y, grid))
            y += heights.get(nid, lane_height) + row_gap
    return positions


def _columns(graph: Graph) -> dict[str, int]:
    column: dict[str, int] = {}
    for nid in topological_order(graph):
        column[nid] = max((column[p] + 1 for p in graph.inputs_of(nid) if p in column), default=0)
    # Nodes on or behind a cycle (left out of the topological order): after their known parents.
    for nid in [n for n in graph.nodes if n not in column]:
        column[nid] = max((column[p] + 1 for p in graph.inputs_of(nid) if p in column), default=0)
    return column


def _order_columns(parents: dict[str, list[str]], columns: dict[int, list[str]]) -> None:
    """Barycentre sweeps: place each node near the mean row of its parents (then children)."""
    children: dict[str, list[str]] = defaultdict(list)
    for nid, ps in parents.items():
        for p in ps:
            children[p].append(nid)
    keys = sorted(columns)
    for sweep in range(4):
        forward = sweep % 2 == 0
        for c in (keys[1:] if forward else keys[-2::-1]):
            row = {nid: i for ids in columns.values() for i, nid in enumerate(ids)}

            def weight(nid, forward=forward, row=row):
                near = [row[n] for n in (parents if forward else children).get(nid, []) if n in row]
                return sum(near) / len(near) if near else row[nid]
            columns[c].sort(key=weight)
