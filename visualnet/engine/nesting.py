"""Models used as layers: `inner(x)` on symbolic tensors replays the inner model's layers
on `x`, each new tensor owned by `inner` (tracing.py), so an outer Sequential or functional
model holds the same layer objects (shared weights) and lists `inner` as one layer; a
model called twice shares its layers between the calls, as any shared layer."""

from __future__ import annotations

from .tensor import KerasTensor


def call_symbolic(model, inputs):
    """The output tensor(s) of `model` called on the KerasTensor(s) `inputs`."""
    items = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    if not model.built and hasattr(model, "_build_from_data"):
        model.build(items[0].shape)
    model._require_built("calling it on a tensor")
    expected = [model._layers_by_id[n].output_shape for n in model._input_ids]
    if len(items) != len(expected):
        raise ValueError(f"Model '{model.name}' expects {len(expected)} input(s); received {len(items)}.")
    for t, shape in zip(items, expected):
        if len(t.shape) != len(shape) or any(a is not None and b is not None and a != b   # None: any size
                                             for a, b in zip(t.shape[1:], shape[1:])):
            raise ValueError(f"Input '{t.name}' of shape {t.shape} is incompatible with model '{model.name}', "
                             f"which expects shape {tuple(shape)}.")
    graph = model._graph
    made = dict(zip(model._input_ids, items))
    for nid in model._executor.order:
        if nid not in made:
            layer = shared_layer(model._layers_by_id[nid])
            ins = [made[e.src][e.src_port] if isinstance(made[e.src], list) else made[e.src]
                   for e in graph.in_edges(nid)]   # a layer with several outputs (return_state): a list
            shapes = layer.output_shapes if _outputs(layer) > 1 else [layer.output_shape]
            if len(shapes) > 1:
                call: list = []
                call += [KerasTensor(s, layer, ins, owner=model, call_args=items, port=i, call=call)
                         for i, s in enumerate(shapes)]
                made[nid] = call
            else:
                made[nid] = KerasTensor(shapes[0], layer, ins, owner=model, call_args=items)
    ports = model.__dict__.get("_output_ports") or [0] * len(model._output_ids)
    outs = [made[n][k] if isinstance(made[n], list) else made[n] for n, k in zip(model._output_ids, ports)]
    return outs[0] if len(outs) == 1 else outs


def _outputs(layer) -> int:
    """How many outputs a layer has (a user layer's: one)."""
    try:
        return layer.output_count
    except (AttributeError, KeyError, TypeError):
        return 1


def is_model(item) -> bool:
    """Whether a layer of `model.layers` is a nested model."""
    return hasattr(item, "output_node_ids")


def top_level(model) -> list[tuple]:
    """[(layer or nested model, its node ids)] in Keras's layer order: `model.layers`
    with the graph nodes each stands for."""
    groups: dict[int, tuple] = {}
    for nid in model._order:
        item = model._owners.get(nid) or model._layers_by_id[nid]
        groups.setdefault(id(item), (item, []))[1].append(nid)
    for nid, item in model._owners.items():  # further calls of shared layers and nested models
        if model._layers_by_id[nid].shares_with is not None:
            groups[id(item)][1].append(nid)
    return list(groups.values())


def calls_of(model, item, nids: list[str]) -> list[list[str]]:
    """The node ids of each call of `item` (a layer or nested model of `model` standing
    for `nids`), first call first: a layer has a node per call; a nested model's calls
    are the connected parts of its nodes."""
    if not is_model(item):
        return [[n] for n in nids]
    graph, own, parts, seen = model._graph, set(nids), [], set()
    for start in nids:
        if start in seen:
            continue
        part, stack = [], [start]
        while stack:
            n = stack.pop()
            if n in seen:
                continue
            seen.add(n)
            part.append(n)
            stack += [m for m in graph.inputs_of(n) + [e.dst for e in graph.out_edges(n)] if m in own]
        parts.append(sorted(part, key=nids.index))
    return parts


def shared_layer(layer):
    """The layer a node runs: itself, or for a further call of a shared layer, that layer."""
    return layer.shares_with or layer
