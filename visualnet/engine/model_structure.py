"""A functional model's inputs and outputs as the user gave them: a tensor, a list, or a dict.

Keras flattens a dict in sorted key order (`tree.flatten`): that order is the model's
`inputs` / `outputs`, and its keys name the data (`x={key: ...}`, `y={key: ...}`), the
per-output losses, loss weights and metrics, and the logs ("<key>_loss"), even where a key
differs from the name of the layer that makes the output. `predict` and `model(x)` give a
dict back (sorted by key, as Keras's).
"""

from __future__ import annotations


def flatten_io(inputs, outputs) -> tuple[list, list, list | None, list | None]:
    """(inputs, outputs, input keys, output keys): each a flat list, a dict in sorted key
    order (its keys then listed in the user's order), else keys None."""
    (xs, in_keys), (ys, out_keys) = _flat(inputs, "inputs"), _flat(outputs, "outputs")
    return xs, ys, in_keys, out_keys


def _flat(value, what: str) -> tuple[list, list | None]:
    if not isinstance(value, dict):
        return (list(value) if isinstance(value, (list, tuple)) else [value]), None
    if not value:
        raise ValueError(f"Model({what}={{}}) needs at least one tensor in the dict.")
    bad = [k for k in value if not isinstance(k, str)]
    if bad:
        raise ValueError(f"The keys of Model's {what} dict must be strings; received key {bad[0]!r}.")
    return [value[k] for k in sorted(value)], list(value)


def _keys(model, which: str) -> list | None:
    return model.__dict__.get(which)


def input_names(model) -> list[str]:
    """The names the data of each input goes by, in input order: the dict's keys for
    `Model(inputs={...})`, else the Input layers' names."""
    keys = _keys(model, "_input_keys")
    return sorted(keys) if keys else [model._layers_by_id[n].name for n in model._input_ids]


def output_names(model) -> list[str]:
    """The names of the outputs, in output order: the dict's keys for `Model(outputs={...})`
    (sorted, as Keras flattens them), else the output layers' names (Keras's `output_names`)."""
    keys = _keys(model, "_output_keys")
    return sorted(keys) if keys else [model._layers_by_id[n].name for n in model._output_ids]


def has_output_dict(model) -> bool:
    """Whether the model was built with `Model(outputs={...})`."""
    return bool(_keys(model, "_output_keys"))


def pack_outputs(model, values):
    """Results in output order (a list, or one value for one output) as Keras gives them: a
    dict in sorted key order for `Model(outputs={...})`, else unchanged."""
    keys = _keys(model, "_output_keys")
    if not keys:
        return values
    return dict(zip(sorted(keys), list(values) if isinstance(values, (list, tuple)) else [values]))


def user_structure(model, tensors, which: str):
    """The model's input or output tensors (`which`: "_input_keys" / "_output_keys") in
    the structure the user passed to `Model` (`model.input`, `model.output`)."""
    keys = _keys(model, which)
    if not keys:
        return tensors
    by_key = dict(zip(sorted(keys), tensors if isinstance(tensors, (list, tuple)) else [tensors]))
    return {k: by_key[k] for k in keys}


def output_values(model, read) -> list:
    """`read(layer)` for each model output, the port's item where the layer has several
    outputs (an LSTM's `[output, h, c]`: `Model(x, [h, c])` reads items 1 and 2)."""
    ports = model.__dict__.get("_output_ports") or [0] * len(model._output_ids)
    values = []
    for nid, port in zip(model._output_ids, ports):
        layer = model._layers_by_id[nid]
        value = read(layer)
        values.append(value[port] if getattr(layer, "output_count", 1) > 1 else value)
    return values


def output_shapes(model) -> list:
    """The shape of each model output, in order."""
    return output_values(model, lambda layer: layer.output_shapes if getattr(layer, "output_count", 1) > 1
                         else layer.output_shape)


def output_refs(model) -> list[tuple[str, int]]:
    """(node id, output port) of each model output, in order: port k of a layer with several
    outputs (`Model(x, [state_h, state_c])` reads ports 1 and 2 of its LSTM), else 0."""
    ports = model.__dict__.get("_output_ports") or [0] * len(model.output_node_ids)
    return list(zip(model.output_node_ids, ports))


def given_keys(model, which: str) -> list | None:
    """The keys of `Model(inputs={...})` (`which="inputs"`) or `Model(outputs={...})`
    (`"outputs"`) in the user's order, else None."""
    return _keys(model, "_input_keys" if which == "inputs" else "_output_keys") or None


def graph_describes(model) -> bool:
    """Whether the model's graph says all it returns (one output, port 0, no dicts), so its
    Keras file can be written from the graph; otherwise from its config (several outputs,
    an LSTM's state as an output, dict inputs or outputs)."""
    refs = output_refs(model)
    return len(refs) == 1 and refs[0][1] == 0 and not given_keys(model, "inputs") and not given_keys(model, "outputs")
