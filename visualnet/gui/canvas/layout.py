"""Auto-arrange: the layered layout of `visualnet.graph.layout` (pure Python, also drawn by
`utils.plot_model`) with the canvas's node sizes and grid."""

from __future__ import annotations

from visualnet.graph import Graph
from visualnet.graph.layout import input_port_count
from visualnet.graph.layout import layered_positions as _layered_positions

from .metrics import COLUMN_GAP, GRID, NODE_WIDTH, ROW_GAP, node_height

__all__ = ["layered_positions", "input_port_count"]


def layered_positions(graph: Graph, origin: tuple[float, float] = (0.0, 0.0)) -> dict[str, tuple[float, float]]:
    """Top-left position of every node: columns left to right in data-flow order."""
    return _layered_positions(
        graph, origin, node_width=NODE_WIDTH, column_gap=COLUMN_GAP, row_gap=ROW_GAP, grid=GRID,
        node_height=lambda nid: node_height(0 if nid is None else input_port_count(graph, nid)))
