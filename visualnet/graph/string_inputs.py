"""Text inputs: an Input of dtype 'string' holds raw text, which only a TextVectorization
layer turns into numbers, so it may feed nothing else (the canvas's validation and the
functional API's tracing both apply this rule)."""

from __future__ import annotations

from .model import Graph

TEXT_CONSUMERS = ("TextVectorization", "StringLookup", "Hashing")   # the layers that take strings


def string_input_misuses(graph: Graph) -> list[tuple]:
    """[(Input node, node it feeds)] for every wire from a string Input into a layer that
    does not take text."""
    out = []
    for node in graph.input_nodes():
        if node.params.get("dtype") != "string":
            continue
        for edge in graph.out_edges(node.id):
            consumer = graph.nodes[edge.dst]
            if consumer.type not in TEXT_CONSUMERS:
                out.append((node, consumer))
    return out


def misuse_message(node, consumer) -> str:
    return (f"Input '{node.name}' holds text (dtype 'string'), which only a TextVectorization layer takes; it "
            f"feeds '{consumer.name}' ({consumer.type}). Put a TextVectorization between them, or set the "
            "Input's dtype to float32 or an integer type.")
