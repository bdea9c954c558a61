"""Does a model with several Inputs or Outputs fit a table's column mapping? Each Input
against its column group's shape, each output layer against its target column (classes vs
units, activation, loss), and every Input or output the mapping leaves out, each a problem
on its node, with the obvious fix where there is one: `fix="set_mapping"` (the data
mapping in `detail["mapping"]`) or compatibility.py's `set_params` and `set_loss`."""

from __future__ import annotations

from ..graph import ERROR, WARNING, Graph, Problem, infer_shapes
from .compatibility import _fmt, output_problems
from .recipe import Recipe
from .table_mapping import suggest_mapping


def _activation(node) -> "str | None":
    return "softmax" if node.type == "Softmax" else node.params.get("activation")


def suggested_mapping(graph: Graph, recipe: Recipe) -> "dict | None":
    """The recipe's mapping completed the obvious way for `graph` (None: not a table)."""
    fitted = recipe.fitted or {}
    columns = fitted.get("table_columns") or fitted.get("columns")
    if not columns:
        return None
    return suggest_mapping([n.name for n in graph.input_nodes()],
                           [(n.name, _activation(n)) for n in graph.output_nodes()], columns,
                           None if recipe.mapping else fitted.get("task"), recipe.mapping)


def check_mapped_model(graph: Graph, recipe: Recipe, loss=None) -> list[Problem]:
    """Problems between a graph with several Inputs or Outputs (or a recipe with a column
    mapping) and the fitted recipe; `loss`: one name for every output or a dict by output."""
    fitted = recipe.fitted or {}
    mapping = recipe.mapping or {"inputs": {}, "outputs": {}}
    mapped = fitted.get("mapping") or {"inputs": {}, "outputs": {}}
    suggestion = suggested_mapping(graph, recipe)
    problems: list[Problem] = []

    def fix(kind: str, name: str) -> dict:
        if suggestion is None or name not in suggestion[kind] or suggestion == recipe.mapping:
            return {}
        entry = suggestion[kind][name]
        what = ", ".join(entry["columns"]) if kind == "inputs" else entry["column"]
        return {"fix": "set_mapping", "detail": {"mapping": suggestion, "fix_label": f"Map {what} to '{name}'"}}

    info = infer_shapes(graph)
    why = "" if fitted.get("kind") == "table" else \
        f" (the data are {fitted.get('kind')} samples: several Inputs or Outputs train on the columns of a table)"
    for node in graph.input_nodes():
        group = mapped["inputs"].get(node.name)
        if node.name not in mapping["inputs"] or group is None:
            problems.append(Problem(
                "data_unmapped_input", ERROR,
                f"No table columns feed the Input '{node.name}': map columns to it in the data mapping{why}.",
                node_id=node.id, **fix("inputs", node.name)))
            continue
        shape, x_shape = tuple(node.params.get("shape") or ()), tuple(group["output_shape"])
        if len(shape) != len(x_shape) or any(d is not None and d != x for d, x in zip(shape, x_shape)):
            problems.append(Problem(
                "data_input_shape", ERROR,
                f"The columns mapped to the Input '{node.name}' ({', '.join(mapping['inputs'][node.name]['columns'])})"
                f" give samples of shape {_fmt(x_shape)} but it expects {_fmt(shape)}.",
                node_id=node.id, fix="set_params",
                detail={"params": {"shape": x_shape}, "fix_label": f"Set Input shape to {_fmt(x_shape)}"}))
    for out in graph.output_nodes():
        target = mapped["outputs"].get(out.name)
        if out.name not in mapping["outputs"] or target is None:
            problems.append(Problem(
                "data_unmapped_output", ERROR,
                f"The output '{out.name}' has no target column: map a column to it in the data mapping{why}.",
                node_id=out.id, **fix("outputs", out.name)))
            continue
        own = loss.get(out.name) if isinstance(loss, dict) else loss
        problems += output_problems(info, out, target["task"], len(target["class_names"]), own, recipe)
    names = {n.name for n in graph.input_nodes()} | {n.name for n in graph.output_nodes()}
    for kind, what in (("inputs", "an Input"), ("outputs", "an output")):
        for name in mapping[kind]:
            if name not in names:
                problems.append(Problem(
                    "data_mapping_unknown", WARNING,
                    f"The data mapping has columns for {what} named '{name}', which the model does not have.",
                    fix="set_mapping" if suggestion is not None else None,
                    detail={"mapping": suggestion, "fix_label": "Drop it from the mapping"} if suggestion else {}))
    return problems
