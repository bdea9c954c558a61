"""Keras's masks in the exported PyTorch script: which tensors carry a mask, the lines that
compute each mask from the model's inputs as Keras does (Embedding(mask_zero=True): ids != 0;
Masking: any feature != mask_value; passed on, merged or dropped layer by layer as the engine's
`compute_mask`), and the masked forward of the layers that use one (SimpleRNN, LSTM, GRU,
Bidirectional, GlobalAveragePooling1D, Attention, AdditiveAttention). A mask that
reaches another layer that uses it is refused, naming the layer.

Which layers use a mask the engine says (`layers_using_masks`: one pass on zeros; which
tensors carry masks depends on the graph only)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..engine.executor import layers_using_masks
from ..engine.layers.base import Layer

# the recurrent layers (their mask passes on with return_sequences); the merges whose mask is
# the union of their inputs' (none unless every input has one)
_RECURRENT = ("SimpleRNN", "LSTM", "GRU")
_OR_MASKS = ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum")


@dataclass
class MaskPlan:
    """`forward[nid]`: the masked forward expression of a node that uses a mask; `after[nid]`:
    the lines defining the node's own mask; `mask[nid]`: the variable holding a node's mask;
    `output`: the model output's mask variable (None: none); `helpers`: what the lines call."""

    forward: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)
    mask: dict = field(default_factory=dict)
    output: str | None = None
    helpers: list = field(default_factory=list)


def _default_rule(layer) -> bool:
    """Whether `layer` computes its mask by the base rule (the first input's, if it supports masking)."""
    return getattr(type(layer), "compute_mask", None) is Layer.compute_mask


def _passes_first_mask(layer) -> bool:
    return getattr(layer, "supports_masking", False) and _default_rule(layer)


def _drops_masks(layer) -> bool:
    return not getattr(layer, "supports_masking", False) and _default_rule(layer)


def mask_plan(model, graph, order, ids, refs) -> MaskPlan | None:
    """The masks of `model` for the script (None when no layer makes one); `refs(nid)`: the
    forward's values wired into node `nid` (code_export's `_torch_refs`). Each node's mask
    follows the engine's `compute_mask` rules; the layers that use one are the engine's own
    list (`layers_using_masks`)."""
    layers = {nid: model.get_layer(graph.nodes[nid].name) for nid in order if graph.nodes[nid].type != "Input"}
    if not any(getattr(layer, "makes_mask", False) for layer in layers.values()):
        return None
    with np.errstate(invalid="ignore", divide="ignore"):   # its probe is all padding: a masked mean is 0/0
        users = set(layers_using_masks(model))
    plan, used = MaskPlan(), set(ids.values())
    unknown: dict[str, str] = {}   # node -> the layer whose mask the script cannot compute

    def variable(nid) -> str:
        name, i = f"{ids[nid]}_mask", 1
        while name in used:
            name, i = f"{ids[nid]}_mask{i}", i + 1
        used.add(name)
        return name

    for nid in order:
        node = graph.nodes[nid]
        if nid not in layers:
            continue
        layer = layers[nid]
        edges = graph.in_edges(nid)
        # as the executor: each input's mask is that of its source's first output
        in_masks = [plan.mask.get(e.src) if e.src_port == 0 else None for e in edges]
        in_unknown = [unknown.get(e.src) if e.src_port == 0 else None for e in edges]
        xs = refs(nid)
        if node.name in users:
            reach = range(len(edges)) if getattr(layer, "takes_all_masks", False) else range(1)
            if any(in_unknown[i] for i in reach) or not any(in_masks[i] for i in reach):
                source = next((in_unknown[i] for i in reach if in_unknown[i]), "a layer before it")
                raise ValueError(f"The model cannot be exported to PyTorch faithfully: the mask of {source!r} "
                                 f"reaches '{node.name}' ({node.type}), and the script cannot compute that mask.")
            plan.forward[nid] = _masked_forward(node, xs, in_masks, f"self.{ids[nid]}", plan.helpers)
        name = None
        if node.type == "Embedding" and node.params.get("mask_zero"):
            name = variable(nid)
            plan.after[nid] = [f"{name} = {xs[0]} != 0"]
        elif node.type == "Masking":
            name = variable(nid)
            plan.after[nid] = [f"{name} = ({xs[0]} != {node.params['mask_value']!r}).any(-1)"]
        elif getattr(layer, "makes_mask", False):
            unknown[nid] = node.name
        elif not any(in_masks) and not any(in_unknown) or _drops_masks(layer) or node.type == "Embedding":
            pass
        elif node.type in (*_RECURRENT, "Bidirectional"):   # passed on with return_sequences
            if node.params["return_sequences"]:
                name = in_masks[0]
                if in_unknown[0]:
                    unknown[nid] = in_unknown[0]
        elif _passes_first_mask(layer):
            name = in_masks[0]
            if in_unknown[0]:
                unknown[nid] = in_unknown[0]
        elif any(in_unknown):
            unknown[nid] = next(u for u in in_unknown if u)
        elif node.type in _OR_MASKS:   # Keras's: none unless every input has one
            if all(in_masks):
                name = variable(nid)
                plan.after[nid] = [f"{name} = " + " | ".join(in_masks)]
        elif node.type == "Concatenate":
            name = variable(nid)
            masks = ", ".join(m or "None" for m in in_masks)
            plan.after[nid] = [f"{name} = concat_mask([{', '.join(xs)}], [{masks}], {node.params['axis']})"]
            plan.helpers.append("concat_mask")
        else:
            unknown[nid] = node.name
        if name is not None:
            plan.mask[nid] = name
    out_id = graph.output_nodes()[0].id
    plan.output = plan.mask.get(out_id)
    if out_id in unknown:
        raise ValueError(f"The model cannot be exported to PyTorch faithfully: its output carries the mask of layer "
                         f"'{unknown[out_id]}', which the script's loss would need and cannot compute.")
    return plan


def _masked_forward(node, xs, masks, m, helpers) -> str:
    """The forward expression of `node` using its inputs' masks."""
    p, mask = node.params, masks[0]
    if node.type in _RECURRENT:
        helpers.append("masked_rnn")
        return (f"masked_rnn({m}, {xs[0]}, {mask}, [{', '.join(xs[1:])}], {p['return_sequences']}, "
                f"{p['return_state']}, {p['go_backwards']}, {p['zero_output_for_mask']})")
    if node.type == "Bidirectional":
        helpers.append("masked_birnn")
        return (f"masked_birnn({m}, {xs[0]}, {mask}, [{', '.join(xs[1:])}], {p['units']}, "
                f"{p['return_sequences']}, {p['merge_mode']!r}, {p['return_state']})")
    if node.type == "GlobalAveragePooling1D":
        helpers.append("masked_average")
        return f"masked_average({xs[0]}, {mask}, {p['keepdims']})"
    if node.type in ("Attention", "AdditiveAttention"):
        expr = node.spec.torch.forward(p, None, xs, m)
        if not expr.startswith("attention(") or not expr.endswith(")"):
            raise AssertionError(f"unexpected attention call {expr!r}")
        v_mask = masks[1] if len(masks) > 1 else None
        return f"{expr[:-1]}, q_mask={mask}, v_mask={v_mask})"
    raise ValueError(f"The model cannot be exported to PyTorch faithfully: a mask (Embedding's mask_zero or "
                     f"Masking) reaches '{node.name}' ({node.type}), which the script cannot run with a mask.")
