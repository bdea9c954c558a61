"""A table's columns mapped to a model's several Inputs and Outputs (issue 23).

A recipe's optional "mapping" says which table columns feed each Input node (by the
Input's name) and which column each output layer learns (by the layer's name), with the
output's task:

    "mapping": {"inputs": {"measurements": {"columns": ["length", "diameter", ...]},
                           "sex_in": {"columns": ["sex"]}},
                "outputs": {"sex": {"column": "sex", "task": "classification"},
                            "rings": {"column": "rings", "task": "regression"}}}

An input entry may carry its own "steps" (preprocessing step configs) instead of the
recipe's feature steps; an output entry may say "one_hot" (default: the recipe has a
one_hot step). Keys this version does not know are kept as they are. Each input group's
steps are fitted on the training split alone; the fitted statistics, the groups' shapes
and each output's classes go to the recipe's `fitted["mapping"]`. Numeric columns are one
feature each, text (categorical) columns their one-hot encoding; a class output's labels
are class indices (sorted classes), a number output's the values.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from .dataset import Dataset, encode_labels
from .errors import DataError
from .preprocessing import Pipeline

TASKS = ("classification", "regression")


@dataclass
class Column:
    """One table column as the mapping sees it: numbers, or class codes with their categories."""
    name: str
    kind: str                  # "numeric" | "categorical"
    values: np.ndarray         # float64 values, or int64 codes into `categories`
    categories: list

    def features(self) -> tuple[np.ndarray, list]:
        """(n, width) float64 features and their names: the value, or the one-hot encoding."""
        if self.kind == "numeric":
            return self.values.reshape(-1, 1), [self.name]
        eye = np.eye(len(self.categories), dtype=np.float64)
        return eye[self.values], [f"{self.name}={c}" for c in self.categories]


def table_columns(dataset: Dataset) -> dict[str, Column]:
    """The columns of a table dataset (its features and its target), by name, in file order."""
    if dataset.kind != "table":
        raise DataError(f"a column mapping needs a table; {dataset.name or 'the data'} holds {dataset.kind} samples")
    cols: dict[str, Column] = {}
    spec = dataset.columns
    if spec is None:                       # generated tables: one numeric feature per column
        for j, name in enumerate(dataset.feature_names or [f"x{j + 1}" for j in range(dataset.x.shape[1])]):
            cols[name] = Column(name, "numeric", dataset.x[:, j].astype(np.float64), [])
        if dataset.y is not None:
            cols["target"] = _target_column("target", dataset, None)
        return cols
    at, found = 0, []
    for f in spec["features"]:
        if f["type"] == "numeric":
            found.append((f["index"], Column(f["name"], "numeric", dataset.x[:, at].astype(np.float64), [])))
            at += 1
        else:
            k = len(f["categories"])
            codes = np.argmax(dataset.x[:, at:at + k], axis=1).astype(np.int64)
            found.append((f["index"], Column(f["name"], "categorical", codes, list(f["categories"]))))
            at += k
    target = spec.get("target")
    if target is not None and dataset.y is not None:
        found.append((target["index"], _target_column(target["name"], dataset, target)))
    for _, col in sorted(found, key=lambda item: item[0]):
        cols[col.name] = col
    return cols


def _target_column(name: str, dataset: Dataset, spec: "dict | None") -> Column:
    if dataset.task == "regression":
        return Column(name, "numeric", np.asarray(dataset.y, dtype=np.float64), [])
    if spec is not None and spec.get("type") == "numeric" and spec.get("classes"):
        return Column(name, "numeric", np.asarray(spec["classes"], dtype=np.float64)[dataset.y], [])
    return Column(name, "categorical", np.asarray(dataset.y, dtype=np.int64), list(dataset.class_names))


def check_mapping(mapping) -> dict:
    """The mapping, validated (errors name the node and the value); unknown keys kept."""
    if not isinstance(mapping, dict):
        raise DataError(f"the recipe's mapping is a JSON object; received: {type(mapping).__name__}")
    out = copy.deepcopy(mapping)
    inputs, outputs = out.setdefault("inputs", {}), out.setdefault("outputs", {})
    if not isinstance(inputs, dict) or not isinstance(outputs, dict):
        raise DataError("the mapping's inputs and outputs are objects by node name")
    for name, entry in inputs.items():
        cols = entry.get("columns") if isinstance(entry, dict) else None
        if not isinstance(cols, list) or not cols or not all(isinstance(c, str) for c in cols):
            raise DataError(f"the Input '{name}' needs a list of column names; received: {entry!r}")
        if "steps" in entry:
            entry["steps"] = Pipeline(entry["steps"]).get_config()
    for name, entry in outputs.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("column"), str):
            raise DataError(f"the output '{name}' needs a target column; received: {entry!r}")
        entry.setdefault("task", "classification")
        if entry["task"] not in TASKS:
            raise DataError(f"the task of output '{name}' must be one of {TASKS}; received: task={entry['task']!r}")
    seen: dict[str, str] = {}
    uses = [(c, f"the Input '{n}'") for n, e in inputs.items() for c in e["columns"]]
    uses += [(e["column"], f"the output '{n}'") for n, e in outputs.items()]
    for column, user in uses:
        if column in seen:
            raise DataError(f"column {column!r} is used by {seen[column]} and by {user}: map each column once")
        seen[column] = user
    return out


def _column(cols: dict, name: str, user: str) -> Column:
    if name in cols:
        return cols[name]
    folded = {k.strip().lower(): k for k in cols}
    if name.strip().lower() in folded:
        return cols[folded[name.strip().lower()]]
    raise DataError(f"{user} maps column {name!r}, which the table does not have; the columns are: "
                    f"{', '.join(repr(c) for c in cols)}")


def _group(cols: dict, name: str, entry: dict) -> tuple[np.ndarray, list]:
    parts = [_column(cols, c, f"the Input '{name}'").features() for c in entry["columns"]]
    return np.concatenate([p[0] for p in parts], axis=1), [f for p in parts for f in p[1]]


def _labels(cols: dict, name: str, entry: dict) -> tuple[np.ndarray, str, list]:
    """(targets, task, class names) of output `name`."""
    col = _column(cols, entry["column"], f"the output '{name}'")
    if entry["task"] == "regression":
        if col.kind != "numeric":
            raise DataError(f"the output '{name}' predicts a number but column {col.name!r} holds text categories; "
                            "make it a class output")
        return col.values, "regression", []
    if col.kind == "categorical":
        y, names = col.values, list(col.categories)
    else:
        y, names = encode_labels(col.values)
    if len(names) < 2:
        raise DataError(f"the target column {col.name!r} of output '{name}' holds a single value: nothing to learn")
    return y, "binary" if len(names) == 2 else "multiclass", names


def stratify_labels(mapping: dict, dataset: Dataset) -> np.ndarray:
    """The class labels a stratified split keeps in proportion: the first class output's."""
    cols = table_columns(dataset)
    for name, entry in mapping["outputs"].items():
        if entry["task"] == "classification":
            return _labels(cols, name, entry)[0]
    raise DataError("a stratified split needs a class output; every mapped output predicts a number")


def fit_mapping(mapping: dict, dataset: Dataset, train: np.ndarray, feature_steps: list, one_hot: bool) -> dict:
    """`fitted["mapping"]`: each input group's steps fitted on the `train` rows (their
    statistics), shapes and feature names; each output's task and classes."""
    cols = table_columns(dataset)
    fitted = {"inputs": {}, "outputs": {}}
    for name, entry in mapping["inputs"].items():
        x, features = _group(cols, name, entry)
        steps = entry.get("steps", feature_steps)
        pipeline = Pipeline(_unfitted(steps)).fit(x[train])
        fitted["inputs"][name] = {"feature_names": features, "input_shape": [x.shape[1]],
                                  "output_shape": list(pipeline.output_shape((x.shape[1],))),
                                  "steps": pipeline.get_config()}
    for name, entry in mapping["outputs"].items():
        _, task, names = _labels(cols, name, entry)
        fitted["outputs"][name] = {"column": entry["column"], "task": task, "class_names": names,
                                   "one_hot": bool(entry.get("one_hot", one_hot)) and task != "regression"}
    return fitted


def _unfitted(steps: list) -> list:
    return [{k: v for k, v in c.items() if k != "stats"} for c in steps if c.get("step") != "one_hot"]


def mapped_arrays(mapping: dict, fitted: dict, dataset: Dataset, rows: np.ndarray, dtype: str) -> tuple[dict, dict]:
    """({input name: prepared features}, {output name: targets}) of the dataset's `rows`."""
    cols = table_columns(dataset)
    xs, ys = {}, {}
    for name, entry in mapping["inputs"].items():
        x, _ = _group(cols, name, entry)
        xs[name] = Pipeline(fitted["inputs"][name]["steps"]).transform_x(x[rows], dtype=dtype)
    for name, entry in mapping["outputs"].items():
        y, task, names = _labels(cols, name, entry)
        info = fitted["outputs"][name]
        if names != info["class_names"]:
            raise DataError(f"the classes of output '{name}' differ from those the recipe was fitted on "
                            f"({names} vs {info['class_names']}): refit the recipe")
        y = y[rows]
        if task == "regression":
            y = y.astype(dtype)
        elif info["one_hot"]:
            y = np.eye(len(names), dtype=dtype)[y]
        ys[name] = y
    return xs, ys


def transform_mapped(fitted: dict, x) -> dict:
    """New encoded feature rows, {input name: (n, features)}, through each group's fitted steps."""
    groups = fitted["mapping"]["inputs"]
    if not isinstance(x, dict):
        if len(groups) != 1:
            raise DataError(f"this model takes several inputs ({', '.join(groups)}): pass a dict by Input name")
        x = {next(iter(groups)): x}
    unknown = [k for k in x if k not in groups]
    if unknown:
        raise DataError(f"no Input named {unknown[0]!r} in the data mapping; the inputs are {', '.join(groups)}")
    out = {}
    for name, info in groups.items():
        if name not in x:
            raise DataError(f"the data for Input '{name}' are missing")
        a = np.asarray(x[name], dtype=np.float64)
        a = a.reshape(1, -1) if a.ndim == 1 else a
        if a.shape[1:] != tuple(info["input_shape"]):
            raise DataError(f"the Input '{name}' takes rows of {info['input_shape'][0]} features "
                            f"({', '.join(info['feature_names'])}); received shape {a.shape}")
        out[name] = Pipeline(info["steps"]).transform_x(a, dtype=fitted.get("dtype", "float32"))
    return out


def column_kinds(columns: "dict | None") -> dict[str, str]:
    """A table's columns (a `Dataset.columns` dict, file order) by name: "numeric" or "categorical"."""
    if not columns:
        return {}
    specs = list(columns.get("features") or []) + ([columns["target"]] if columns.get("target") else [])
    return {s["name"]: s["type"] for s in sorted(specs, key=lambda s: s["index"])}


def suggest_mapping(inputs: list, outputs: list, columns: "dict | None", task: "str | None" = None,
                    current: "dict | None" = None) -> dict:
    """The obvious mapping of a table (its `Dataset.columns` and target `task`) to a model's
    `inputs` (Input node names) and `outputs` ((layer name, activation) pairs), keeping what
    `current` maps of them: a column named as an output is its target (a class output when
    the layer ends with softmax or sigmoid or the column holds categories), a column named
    as an Input feeds it, a single output left over learns the table's target, and a single
    Input left over takes every column not used otherwise."""
    kinds = column_kinds(columns)
    folded = {k.strip().lower(): k for k in kinds}
    current = check_mapping(current or {})
    mapping = {**{k: v for k, v in current.items() if k not in ("inputs", "outputs")},
               "inputs": {k: v for k, v in current["inputs"].items() if k in inputs},
               "outputs": {k: v for k, v in current["outputs"].items() if k in dict(outputs)}}
    used = {c for e in mapping["inputs"].values() for c in e["columns"]} | \
        {e["column"] for e in mapping["outputs"].values()}
    for name, activation in outputs:
        column = folded.get(name.strip().lower())
        if name in mapping["outputs"] or column is None or column in used:
            continue
        classes = activation in ("softmax", "sigmoid") or kinds[column] == "categorical"
        mapping["outputs"][name] = {"column": column, "task": "classification" if classes else "regression"}
        used.add(column)
    free_out = [n for n, _ in outputs if n not in mapping["outputs"]]
    target = (columns or {}).get("target")
    if len(free_out) == 1 and target and target["name"] not in used:     # the table's own target
        mapping["outputs"][free_out[0]] = {"column": target["name"],
                                           "task": "regression" if task == "regression" else "classification"}
        used.add(target["name"])
    free = [n for n in inputs if n not in mapping["inputs"]]
    for name in list(free):
        column = folded.get(name.strip().lower())
        if column is not None and column not in used:
            mapping["inputs"][name] = {"columns": [column]}
            used.add(column)
            free.remove(name)
    rest = [c for c in kinds if c not in used]
    if len(free) == 1 and rest:
        mapping["inputs"][free[0]] = {"columns": rest}
    return mapping
