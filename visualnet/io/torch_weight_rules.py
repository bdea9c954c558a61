"""Regularizers and constraints in the exported PyTorch script (issue 24).

The script keeps Keras's maths on torch's parameter layout: `REGULARIZED` and `CONSTRAINED`
list (parameter name, Keras class, config) with the axes already moved to where the
parameter keeps them (a Dense kernel is `weight = kernel.T`: MaxNorm's axis 0 becomes 1, an
OrthogonalRegularizer's rows become columns). `train` adds `weight_penalty(model)` and the
activity penalties (`activity_penalty`, as ActivityRegularization's) to the loss, and calls
`apply_constraints(model)` after each `optimizer.step()`, as Keras's optimizer does.
What cannot be written so is refused, naming the layer.
"""

from __future__ import annotations

import re

# elementwise: independent of how torch lays the weight out
_ELEMENTWISE = {"L1", "L2", "L1L2", "NonNeg"}

SOURCE = '''

def regularize(w, cls, c):
    """Keras's regularizer `cls` (config `c`) of a parameter."""
    if cls == "OrthogonalRegularizer":
        v = w if c["mode"] == "rows" else w.T
        v = v * torch.rsqrt(v.square().sum(dim=1, keepdim=True)).clamp(max=1.0 / EPSILON)
        size = v.shape[0]
        product = (v @ v.T) * (1.0 - torch.eye(size, dtype=v.dtype))
        return c["factor"] * 0.5 * product.abs().sum() / (size * (size - 1.0) / 2.0)
    return c.get("l1", 0.0) * w.abs().sum() + c.get("l2", 0.0) * w.square().sum()


def weight_penalty(model):
    """The sum of the weight regularizers (Keras adds them to the loss)."""
    params = dict(model.named_parameters())
    return sum((regularize(params[name], cls, c) for name, cls, c in REGULARIZED), torch.zeros(()))


def activity_regularize(model, x, cls, c):
    """Keras's activity_regularizer on a layer's output: while training, its penalty divided by
    the batch size joins `model.penalty`, which `train` adds to the loss."""
    if model.training:
        model.penalty = getattr(model, "penalty", 0.0) + regularize(x, cls, c) / x.shape[0]
    return x


def apply_constraints(model):
    """Keras's constraints, applied to the parameters after each optimizer step."""
    params = dict(model.named_parameters())
    with torch.no_grad():
        for name, cls, c in CONSTRAINED:
            w = params[name]
            if cls == "NonNeg":
                w.clamp_(min=0.0)
                continue
            norms = w.square().sum(dim=tuple(c["axis"]), keepdim=True).sqrt()
            if cls == "MaxNorm":
                desired = norms.clamp(0.0, c["max_value"])
            elif cls == "MinMaxNorm":
                desired = c["rate"] * norms.clamp(c["min_value"], c["max_value"]) + (1 - c["rate"]) * norms
            else:  # UnitNorm
                desired = torch.ones_like(norms)
            w.mul_(desired / (EPSILON + norms))
'''


def _permutation(suffix: str, ndim: int) -> tuple[int, ...] | None:
    """The axes `p` with torch's parameter = Keras's weight.transpose(p), from the suffix the
    weight map writes ('' , '.T', '.transpose(3, 2, 0, 1)', each perhaps followed by a reorder of
    whole rows, which changes no norm, sum or pair of rows); None for any other form."""
    suffix = re.sub(r"\[np\.r_\[[\d:, ]+\]\]$", "", suffix)   # the gate blocks reordered: whole rows moved
    if suffix == "":
        return tuple(range(ndim))
    if suffix == ".T":
        return tuple(reversed(range(ndim)))
    m = re.fullmatch(r"\.transpose\(([\d, ]+)\)", suffix)
    return tuple(int(a) for a in m.group(1).split(",")) if m else None


def _torch_config(node, param, cls: str, config: dict, suffix: str, ndim: int) -> dict:
    """`config` with its axis (or rows/columns mode) moved to torch's layout of the weight."""
    if cls in _ELEMENTWISE:
        return dict(config)
    perm = _permutation(suffix, ndim)
    if perm is None:
        raise ValueError(f"Layer '{node.name}' ({node.type}): its {param.name} {cls} cannot be exported to "
                         "PyTorch (the weight's layout there is not a transpose of Keras's); use L1, L2, L1L2 "
                         "or NonNeg.")
    if cls == "OrthogonalRegularizer":
        flipped = perm == (1, 0)
        return {**config, "mode": config["mode"] if not flipped else {"rows": "columns", "columns": "rows"}[
            config["mode"]]}
    axes = config["axis"] if isinstance(config["axis"], list) else [config["axis"]]
    return {**config, "axis": sorted(perm.index(a % ndim) for a in axes)}


def tables(graph, order, ids, info, torch_weights) -> tuple[list, list, dict]:
    """(REGULARIZED, CONSTRAINED, {node id: (class, config) of its activity regularizer}) for
    the script; `torch_weights(node, shapes)` is the node's weight map (code_export's)."""
    regularized, constrained, activity = [], [], {}
    for nid in order:
        node = graph.nodes[nid]
        rules = [p for p in node.spec.params if p.kind in ("regularizer", "constraint")
                 and node.params.get(p.name) is not None]
        if not rules:
            continue
        shapes = info[nid].input_shapes
        weights = node.spec.weights(node.params, shapes)
        wmap = torch_weights(node, shapes)
        for param in rules:
            value = node.params[param.name]
            cls, config = value["class_name"], value["config"]
            if param.weight is None:
                if node.spec.keras.wrapper is not None or cls not in _ELEMENTWISE:
                    raise ValueError(f"Layer '{node.name}' ({node.type}): its activity_regularizer {cls} cannot be "
                                     "exported to PyTorch (only L1, L2 and L1L2, on layers that wrap none).")
                activity[nid] = (cls, config)
                continue
            for w in weights:
                if w.name != param.weight and not w.name.endswith("/" + param.weight):
                    continue
                entry = wmap[w.name]
                for name, suffix in (entry if isinstance(entry[0], tuple) else (entry,)):
                    if suffix.endswith("* 0"):   # PyTorch's second bias, zero where Keras has one
                        continue
                    row = (f"{ids[nid]}.{name}", cls, _torch_config(node, param, cls, config, suffix, len(w.shape)))
                    (regularized if param.kind == "regularizer" else constrained).append(row)
    return regularized, constrained, activity
