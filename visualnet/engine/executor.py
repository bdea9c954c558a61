"""Runs a graph of engine layers: forward in topological order, backward in reverse,
summing the gradients of outputs that feed several layers. When a layer makes masks
(Embedding's mask_zero, Masking), forward also carries Keras's masks from layer to layer;
the plan decides this once, so models without masks run exactly as before. Likewise a
layer with several outputs (LSTM with return_state) keeps a list as its result, each wire
reads its output port, and its backward gets a list of gradients (None: none reached that
output); models without such layers run the plain loops."""

from __future__ import annotations

import numpy as np

from ..graph import Graph, topological_order
from .custom_layer import is_python_layer
from .tape import begin_pass


class Executor:
    """A compiled plan over `graph` whose node ids map to built `layers`; `extra_outputs`:
    further nodes whose results a multi-output model reads after `forward` (`results()`);
    `output_ports`: which output of each of these nodes is the model's (a layer with several
    outputs, such as an LSTM's state; default 0 each). A node may be listed more than once."""

    def __init__(self, graph: Graph, layers: dict, input_ids: list[str], output_id: str, extra_outputs=(),
                 output_ports=None):
        self.graph = graph
        order = topological_order(graph)
        self.output_ids = [output_id, *extra_outputs]
        needed = set().union(*(_ancestors(graph, n) for n in self.output_ids))
        self.order = [n for n in order if n in needed]
        self.parents = {n: graph.inputs_of(n) for n in self.order}
        self.ports = {n: tuple(e.src_port for e in graph.in_edges(n)) for n in self.order}
        self.layers = layers
        # nodes with several outputs: their result is a list; wires read one port of it
        self.multi = {n: count for n in self.order if (count := _output_count(layers[n])) > 1}
        self.output_ports = list(output_ports or [0] * len(self.output_ids))
        for o, k in zip(self.output_ids, self.output_ports):
            if k >= self.multi.get(o, 1):
                raise ValueError(f"Layer '{layers[o].name}' has no output {k}: it has {self.multi.get(o, 1)}.")
        self._ported = bool(self.multi) or any(any(ps) for ps in self.ports.values())
        self.input_ids = list(input_ids)
        self.output_id = output_id
        self.outputs: dict[str, np.ndarray] = {}
        self._replicas: list[Executor] = []
        self._fused = []  # layers of fused pairs
        self._fuse_relu_into_pooling(graph)
        self._fusion_flags = [(layers[n], layers[n] in self._fused) for n in self.order
                              if hasattr(layers[n], "fused")]
        # The plans, resolved once: (node, layer, parents) to run forward; and backward,
        # (node, layer, parents, need_dx, is_output) for the nodes a gradient flows through.
        inputs = set(self.input_ids)
        self._forward_plan = [(n, layers[n], tuple(self.parents[n])) for n in self.order if n not in inputs]
        # Masks flow only when a layer makes one (decided here: without, forward runs as before)
        self.masks: dict[str, np.ndarray] = {}
        self._masking = any(layers[n].makes_mask for n, _, _ in self._forward_plan)
        self._twins = [layer for n, layer, _ in self._forward_plan if layer.shares_with is not None]
        # user layers (custom_layer.py) add their weights' gradients: zeroed before each backward
        self._python = [layer for n, layer, _ in self._forward_plan if is_python_layer(layer)]
        self.plan_gradients()

    def plan_gradients(self, trainable: bool = True) -> None:
        """Which nodes a gradient flows through, from the layers' `trainable` flags now
        (`trainable=False`: a frozen model, none); called again when a flag changes."""
        # A node needs the gradient of its output if a trainable weight lies at or above it.
        has_weights = {n: trainable and _has_weights(self.layers[n])
                       and (self.layers[n].shares_with or self.layers[n]).trainable for n in self.order}
        self.grad_flows = {}
        for n in self.order:
            self.grad_flows[n] = has_weights[n] or any(self.grad_flows[p] for p in self.parents[n])
        self._backward_plan = [(n, self.layers[n], tuple(self.parents[n]),
                                any(self.grad_flows[p] for p in self.parents[n]), n == self.output_id)
                               for n in reversed(self.order) if self.grad_flows[n]]

    def replicas(self, count: int) -> list["Executor"]:
        """`count` executors with this plan over replicas of the layers (`Layer.replica`),
        for other threads to predict with while this one runs; made once, then reused. None
        for a model with user layers: their Python code runs on one thread."""
        if self._python:
            return []
        while len(self._replicas) < count:
            layers = {n: layer.replica() if n in self.parents else layer for n, layer in self.layers.items()}
            self._replicas.append(Executor(self.graph, layers, self.input_ids, self.output_id, self.output_ids[1:],
                                           self.output_ports))
        return self._replicas[:count]

    def forward(self, xs: list[np.ndarray], training: bool, fuse: bool | None = None) -> np.ndarray:
        """Run the layers; `fuse` (default: when training) lets fused layer pairs skip
        their intermediate results, whose `outputs` then differ from the unfused ones
        (prediction asks for it: it keeps only the model's output)."""
        fuse = bool(training if fuse is None else fuse)
        for layer, fusable in self._fusion_flags:  # set each pass: another model may share the layers
            layer.fused = fuse and fusable
        outputs = self.outputs
        outputs.clear()
        if self._python:
            begin_pass()
        for nid, x in zip(self.input_ids, xs):
            outputs[nid] = x
        if self._masking:
            return self._forward_masked(training)
        if self._ported:
            return self._forward_ported(training)
        for nid, layer, parents in self._forward_plan:
            if len(parents) == 1:
                outputs[nid] = layer.forward([outputs[parents[0]]], training)
            else:
                outputs[nid] = layer.forward([outputs[p] for p in parents], training)
        return outputs[self.output_id]

    def results(self) -> list:
        """The model's outputs from the last `forward`, in order (the port of a node with several)."""
        outputs, multi = self.outputs, self.multi
        return [outputs[o][k] if o in multi else outputs[o] for o, k in zip(self.output_ids, self.output_ports)]

    def _inputs(self, nid: str, parents) -> list:
        """The arrays wired into `nid`, each from its output port."""
        outputs, multi = self.outputs, self.multi
        return [outputs[p][k] if p in multi else outputs[p] for p, k in zip(parents, self.ports[nid])]

    def _forward_ported(self, training: bool) -> np.ndarray:
        """`forward` when a layer has several outputs or a wire reads a port other than 0."""
        outputs = self.outputs
        for nid, layer, parents in self._forward_plan:
            outputs[nid] = layer.forward(self._inputs(nid, parents), training)
        return self.results()[0] if self.output_id in self.multi else outputs[self.output_id]

    def _forward_masked(self, training: bool) -> np.ndarray:
        """`forward` when the model makes masks: each node's mask (Keras's `compute_mask`)
        goes to the layers that take one and is kept in `masks` (the output's included)."""
        outputs, masks = self.outputs, self.masks
        masks.clear()
        for nid, layer, parents in self._forward_plan:
            ins = self._inputs(nid, parents)
            ms = [masks.get(p) if not k else None for p, k in zip(parents, self.ports[nid])]  # port 0's mask
            if layer.takes_mask:
                outputs[nid] = layer.forward(ins, training, mask=ms if getattr(layer, "takes_all_masks", False)
                                             else ms[0])
            else:
                outputs[nid] = layer.forward(ins, training)
            if layer.makes_mask or any(m is not None for m in ms):
                mask = layer.compute_mask(ins, ms)
                if mask is not None:
                    masks[nid] = mask
        return self.results()[0] if self.output_id in self.multi else outputs[self.output_id]

    @property
    def makes_masks(self) -> bool:
        """Whether a layer of the plan makes masks (then `forward` computes them)."""
        return self._masking

    @property
    def output_mask(self) -> np.ndarray | None:
        """The mask of the model's output from the last `forward` (None without one)."""
        return self.output_masks[0]

    @property
    def output_masks(self) -> list:
        """The mask of each output in `output_ids` from the last `forward` (None: none; a
        layer's further outputs, such as an RNN's states, have none)."""
        return [None if k else self.masks.get(o) for o, k in zip(self.output_ids, self.output_ports)]

    def backward(self, dy, fused_activation: bool = False) -> None:
        """Back-propagate `dy` (the gradient of the output, or of the output layer's
        pre-activation when `fused_activation`; a list, one per output in `output_ids`
        (None: no loss), for several outputs) and fill every layer's `grads`."""
        if type(dy) is not list:
            dy = [dy]
        grads = {}
        for o, k, g in zip(self.output_ids, self.output_ports, dy):
            if g is None:
                continue
            if o in self.multi:   # one output of a layer with several: its slot in the layer's list
                slots = grads.setdefault(o, [None] * self.multi[o])
                slots[k] = g if slots[k] is None else slots[k] + g
            else:
                grads[o] = grads[o] + g if o in grads else g
        scratch = set()  # nodes whose gradient nothing else reads: a layer may write over it
        for twin in self._twins:
            for g in twin.grads.values():
                g.fill(0.0)
        for layer in self._python:
            for g in (layer.shares_with or layer).grad_arrays():
                g.fill(0.0)
        for nid, layer, parents, need_dx, is_output in self._backward_plan:
            g = grads.pop(nid, None)
            if g is None:
                continue
            if layer.overwrites_dy and nid in scratch:
                dxs = layer.backward(g, need_dx, fused_activation and is_output, dy_scratch=True)
            else:
                dxs = layer.backward(g, need_dx, fused_activation and is_output)
            if not need_dx:
                continue
            if self._ported:
                self._gather(grads, nid, parents, dxs)
                continue
            for p, dx in zip(parents, dxs):
                if dx is None or not self.grad_flows[p]:
                    continue
                if p in grads:
                    grads[p] = grads[p] + dx  # a new array
                    scratch.add(p)
                else:
                    grads[p] = dx
                    if layer._owns(dx) and sum(d is dx for d in dxs) == 1:  # its own buffer, given once
                        scratch.add(p)
        for twin in self._twins:  # a shared layer's gradient: the sum over its calls
            for name, g in twin.grads.items():
                if name in twin.shares_with.grads:
                    twin.shares_with.grads[name] += g


    def _gather(self, grads: dict, nid: str, parents, dxs) -> None:
        """Add the input gradients `dxs` of `nid` to its parents' (a list per port for a
        parent with several outputs); always new arrays, so no layer writes over them."""
        for p, k, dx in zip(parents, self.ports[nid], dxs):
            if dx is None or not self.grad_flows[p]:
                continue
            if p in self.multi:
                slots = grads.setdefault(p, [None] * self.multi[p])
                slots[k] = dx if slots[k] is None else slots[k] + dx
            elif p in grads:
                grads[p] = grads[p] + dx
            else:
                grads[p] = dx

    def _fuse_relu_into_pooling(self, graph: Graph) -> None:
        """Conv2D(relu) whose only consumer is a MaxPooling2D: when fusing, the pooling
        applies the ReLU to its (4x smaller) output and gates its gradient with it, and the
        convolution skips both ReLU passes over its large output. Exact: ReLU is monotonic,
        so relu(maxpool(z)) == maxpool(relu(z)), and the gradients agree cell by cell.
        With fuse=False (the default when not training) every layer runs as written."""
        from .layers.conv import Conv2D
        from .layers.pooling import MaxPooling2D

        children: dict[str, list[str]] = {n: [] for n in self.order}
        for n in self.order:
            for p in self.parents[n]:
                children[p].append(n)
        for n in self.order:
            layer, kids = self.layers[n], children[n]
            if type(layer) is not Conv2D or len(kids) != 1 or n in self.output_ids:
                continue
            pool = self.layers[kids[0]]
            if type(pool) is MaxPooling2D and len(self.parents[kids[0]]) == 1 and layer.act.in_place:
                layer.relu_deferred = True
                pool.relu_before = True
                self._fused += [layer, pool]
                c = pool.config  # 2x2 windows: when predicting, the convolution pools its own output in cache
                layer.pools_2x2 = pool.pooled_before = (c["pool_size"] == (2, 2) and c["strides"] in (None, (2, 2))
                                                        and c["padding"] == "valid")


def layers_using_masks(model) -> list[str]:
    """The names of `model`'s layers that a mask reaches and that use it, found by one
    forward pass on zeros (which tensors carry masks depends on the graph only)."""
    ex = model._executor
    if not ex.makes_masks:
        return []
    ex.forward([np.zeros((1, *(d or 1 for d in ex.graph.nodes[n].params["shape"])), np.float32)   # None: any length
                for n in ex.input_ids], training=False)
    return [layer.name for n, layer, parents in ex._forward_plan if layer.takes_mask and parents[0] in ex.masks]


def _output_count(layer) -> int:
    """How many outputs a node's layer has (a user layer: one)."""
    return 1 if is_python_layer(layer) else layer.output_count


def _has_weights(layer) -> bool:
    """Whether a node's layer has weights (a user layer: or a layer it holds)."""
    if is_python_layer(layer):
        return any(h.weight_specs for h in (layer.shares_with or layer)._weight_holders())
    return bool(layer.weight_specs)


def _ancestors(graph: Graph, node_id: str) -> set[str]:
    seen, stack = set(), [node_id]
    while stack:
        n = stack.pop()
        if n not in seen:
            seen.add(n)
            stack.extend(graph.inputs_of(n))
    return seen
