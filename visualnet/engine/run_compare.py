"""Compare two training runs (no Qt): hyper-parameter, graph and data-recipe differences and
the final metrics side by side.

    cmp = compare_runs(history_a, history_b)     # RunHistory objects or their to_dict()
    cmp.settings   # [Difference("optimizer_params.learning_rate", 0.001, 0.01), ...]
    cmp.graph      # [GraphDifference("changed", "dense_1", "units: 64 -> 128"), ...]
    cmp.recipe     # [Difference("split.validation", 0.1, 0.2), ...]
    cmp.metrics    # [("loss", 0.31, 0.28), ("val_accuracy", 0.9, None), ...]

Nested dictionaries are compared key by key (dotted keys); lists and scalars as values.
A run without a graph snapshot or recipe (histories saved before they were recorded)
gives no differences for it and `graph_known`/`recipe_known` False.
"""

from __future__ import annotations

from dataclasses import dataclass, field

_MISSING = object()


@dataclass(frozen=True)
class Difference:
    key: str
    a: object
    b: object


@dataclass(frozen=True)
class GraphDifference:
    kind: str          # "added" | "removed" | "changed" | "wire added" | "wire removed"
    item: str          # layer name (id) or wire "a:port -> b:port"
    detail: str = ""


@dataclass
class RunComparison:
    settings: list = field(default_factory=list)
    graph: list = field(default_factory=list)
    recipe: list = field(default_factory=list)
    metrics: list = field(default_factory=list)      # (name, a, b)
    graph_known: bool = True
    recipe_known: bool = True

    def lines(self) -> list[str]:
        """The differences as readable lines (for a report or a list widget)."""
        out = [f"{d.key}: {_show(d.a)} -> {_show(d.b)}" for d in self.settings]
        out += [f"layer {d.item} {d.kind}" + (f": {d.detail}" if d.detail else "") if not d.kind.startswith("wire")
                else f"{d.kind}: {d.item}" for d in self.graph]
        out += [f"data {d.key}: {_show(d.a)} -> {_show(d.b)}" for d in self.recipe]
        return out


def _show(v) -> str:
    if v is _MISSING or v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def _as_dict(run) -> dict:
    if isinstance(run, dict):
        return run
    to_dict = getattr(run, "to_dict", None)
    if to_dict is None:
        raise TypeError(f"compare_runs needs RunHistory objects or dicts; received {type(run).__name__}")
    return to_dict()


def dict_differences(a, b, prefix: str = "") -> list[Difference]:
    """Key-by-key differences of two JSON values (nested dicts flattened to dotted keys;
    None against a dict counts as an empty dict); a key present on one side only has None
    on the other."""
    out = []
    if isinstance(a, dict) and isinstance(b, dict):
        for key in list(a) + [k for k in b if k not in a]:
            sub = f"{prefix}.{key}" if prefix else str(key)
            out += dict_differences(a.get(key, _MISSING), b.get(key, _MISSING), sub)
        return out
    if a in (_MISSING, None) and isinstance(b, dict) or b in (_MISSING, None) and isinstance(a, dict):
        return dict_differences(a if isinstance(a, dict) else {}, b if isinstance(b, dict) else {}, prefix)
    if not _equal(a, b):
        out.append(Difference(prefix, None if a is _MISSING else a, None if b is _MISSING else b))
    return out


def _equal(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        try:
            return float(a) == float(b)
        except (TypeError, ValueError):
            return False
    return a == b


def _label(node: dict) -> str:
    name, nid = node.get("name"), node.get("id")
    return f"{name} ({nid})" if name and name != nid else str(nid)


def graph_differences(a: dict, b: dict) -> list[GraphDifference]:
    """Layers added, removed or changed (type, name or parameters; matched by node id) and
    wires added or removed (by their ends) between two model descriptions."""
    na = {n["id"]: n for n in a.get("nodes") or [] if isinstance(n, dict) and "id" in n}
    nb = {n["id"]: n for n in b.get("nodes") or [] if isinstance(n, dict) and "id" in n}
    out = []
    for nid, node in na.items():
        if nid not in nb:
            out.append(GraphDifference("removed", _label(node), str(node.get("type", ""))))
    for nid, node in nb.items():
        if nid not in na:
            out.append(GraphDifference("added", _label(node), str(node.get("type", ""))))
    for nid, old in na.items():
        new = nb.get(nid)
        if new is None:
            continue
        details = []
        if old.get("type") != new.get("type"):
            details.append(f"type: {old.get('type')} -> {new.get('type')}")
        if old.get("name") != new.get("name"):
            details.append(f"name: {old.get('name')} -> {new.get('name')}")
        details += [f"{d.key}: {_show(d.a)} -> {_show(d.b)}"
                    for d in dict_differences(old.get("params") or {}, new.get("params") or {})]
        if details:
            out.append(GraphDifference("changed", _label(new), "; ".join(details)))

    def wires(g, nodes):
        def end(nid, port):
            n = nodes.get(nid, {})
            return f"{n.get('name') or nid}:{port}"
        return {(e.get("src"), e.get("src_port"), e.get("dst"), e.get("dst_port")):
                f"{end(e.get('src'), e.get('src_port'))} -> {end(e.get('dst'), e.get('dst_port'))}"
                for e in g.get("edges") or [] if isinstance(e, dict)}

    wa, wb = wires(a, na), wires(b, nb)
    out += [GraphDifference("wire removed", text) for key, text in wa.items() if key not in wb]
    out += [GraphDifference("wire added", text) for key, text in wb.items() if key not in wa]
    return out


def compare_runs(a, b) -> RunComparison:
    """What differs between runs `a` and `b` (RunHistory objects or their dicts)."""
    da, db = _as_dict(a), _as_dict(b)
    cmp = RunComparison()
    cmp.settings = dict_differences(da.get("settings") or {}, db.get("settings") or {})
    ga, gb = da.get("graph"), db.get("graph")
    if isinstance(ga, dict) and isinstance(gb, dict):
        cmp.graph = graph_differences(ga, gb)
    else:
        cmp.graph_known = False
    ra, rb = da.get("recipe"), db.get("recipe")
    if isinstance(ra, dict) and isinstance(rb, dict):
        cmp.recipe = dict_differences(ra, rb)
    else:
        cmp.recipe_known = False
    fa, fb = da.get("final") or {}, db.get("final") or {}
    names = list(fa) + [k for k in fb if k not in fa]
    cmp.metrics = [(k, fa.get(k), fb.get(k)) for k in names]
    duration_a, duration_b = da.get("duration"), db.get("duration")
    if duration_a is not None or duration_b is not None:
        cmp.metrics.append(("duration", duration_a, duration_b))
    return cmp
