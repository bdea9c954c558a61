"""Runs a graph of engine layers: forward in topological order, backward in reverse,
summing the gradients of outputs that feed several layers."""

from __future__ import annotations

import numpy as np

from ..graph import Graph, topological_order


class Executor:
    """A compiled plan over `graph` whose node ids map to built `layers`."""

    def __init__(self, graph: Graph, layers: dict, input_ids: list[str], output_id: str):
        order = topological_order(graph)
        needed = _ancestors(graph, output_id)
        self.order = [n for n in order if n in needed]
        self.parents = {n: graph.inputs_of(n) for n in self.order}
        self.layers = layers
        self.input_ids = list(input_ids)
        self.output_id = output_id
        # A node needs the gradient of its output if a trainable weight lies at or above it.
        has_weights = {n: bool(layers[n].weight_specs) and layers[n].trainable for n in self.order}
        self.grad_flows = {}
        for n in self.order:
            self.grad_flows[n] = has_weights[n] or any(self.grad_flows[p] for p in self.parents[n])
        self.outputs: dict[str, np.ndarray] = {}

    def forward(self, xs: list[np.ndarray], training: bool) -> np.ndarray:
        outputs = self.outputs
        outputs.clear()
        for nid, x in zip(self.input_ids, xs):
            outputs[nid] = x
        for nid in self.order:
            if nid in outputs:
                continue
            outputs[nid] = self.layers[nid].forward([outputs[p] for p in self.parents[nid]], training)
        return outputs[self.output_id]

    def backward(self, dy: np.ndarray, fused_activation: bool = False) -> None:
        """Back-propagate `dy` (the gradient of the output, or of the output layer's
        pre-activation when `fused_activation`) and fill every layer's `grads`."""
        grads = {self.output_id: dy}
        for nid in reversed(self.order):
            g = grads.pop(nid, None)
            if g is None or not self.grad_flows[nid]:
                continue
            parents = self.parents[nid]
            need_dx = any(self.grad_flows[p] for p in parents)
            dxs = self.layers[nid].backward(g, need_dx=need_dx,
                                            skip_activation=fused_activation and nid == self.output_id)
            if not need_dx:
                continue
            for p, dx in zip(parents, dxs):
                if dx is None or not self.grad_flows[p]:
                    continue
                if p in grads:
                    grads[p] = grads[p] + dx
                else:
                    grads[p] = dx


def _ancestors(graph: Graph, node_id: str) -> set[str]:
    seen, stack = set(), [node_id]
    while stack:
        n = stack.pop()
        if n not in seen:
            seen.add(n)
            stack.extend(graph.inputs_of(n))
    return seen
