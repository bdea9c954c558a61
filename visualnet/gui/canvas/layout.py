"""Auto-arrange: a layered left-to-right layout (Sugiyama-style, kept simple).

Pure Python on the graph's public API: each node goes in the column of its longest path
from a source; a wire that skips columns reserves a lane in every column it crosses (so
a skip connection runs beside the layers it skips, not through them); columns are
ordered by the barycentre of their neighbours to reduce crossings, and each column is
centred on the same horizontal axis."""

from __future__ import annotations

from collections import defaultdict

from visualnet.graph import Graph, topological_order

from .metrics import COLUMN_GAP, NODE_HEIGHT, NODE_WIDTH, ROW_GAP, node_height, snap


def layered_positions(graph: Graph, origin: tuple[float, float] = (0.0, 0.0)) -> dict[str, tuple[float, float]]:
    """Top-left position of every node: columns left to right in data-flow order."""
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
    heights = {nid: node_height(input_port_count(graph, nid)) for nid in graph.nodes}
    positions = {}
    ox, oy = origin
    for c in sorted(columns):
        ids = columns[c]
        total = sum(heights.get(n, NODE_HEIGHT) for n in ids) + ROW_GAP * (len(ids) - 1)
        y = -total / 2
        for nid in ids:
            if nid in graph.nodes:
                positions[nid] = (snap(ox + c * (NODE_WIDTH + COLUMN_GAP)), snap(oy + y))
            y += heights.get(nid, NODE_HEIGHT) + ROW_GAP
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


def input_port_count(graph: Graph, nid: str) -> int:
    """Input ports drawn on a node: merging layers with no upper limit keep one free port."""
    spec = graph.nodes[nid].spec
    wired = len(graph.in_edges(nid))
    if spec.max_inputs is None:
        return max(spec.min_inputs, wired + 1)
    return spec.max_inputs
