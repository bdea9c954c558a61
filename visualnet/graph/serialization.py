"""The graph as versioned JSON (`format_version`), read back with every field checked:
layer types come only from the registry and nothing in the file is executed."""

from __future__ import annotations

import json
import re
from typing import Any

from .model import Graph, GraphError
from .registry import UnknownLayerError, get_spec

FORMAT_VERSION = 1
_ID = re.compile(r"^[0-9A-Za-z_\-]{1,64}$")


class GraphFormatError(ValueError):
    """A model description that cannot be read; the message names the place."""


def to_dict(graph: Graph) -> dict[str, Any]:
    nodes = []
    for n in graph.nodes.values():
        spec = get_spec(n.type)
        params = {}
        for k, v in n.params.items():
            params[k] = spec.param(k).to_json(v) if k in spec.param_names else v
        item = {"id": n.id, "type": n.type, "name": n.name, "params": params}
        if n.position is not None:
            item["position"] = list(n.position)
        nodes.append(item)
    edges = [{"id": e.id, "src": e.src, "src_port": e.src_port, "dst": e.dst, "dst_port": e.dst_port}
             for e in graph.edges.values()]
    return {"format_version": FORMAT_VERSION, "nodes": nodes, "edges": edges}


def to_json(graph: Graph, indent: int | None = 1) -> str:
    return json.dumps(to_dict(graph), indent=indent)


def from_json(text: str) -> Graph:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise GraphFormatError(f"The model description is not valid JSON: {exc}") from None
    return from_dict(data)


def from_dict(data: Any) -> Graph:
    """Rebuild a graph. Parameter values out of range are kept (validation reports them);
    anything structurally wrong raises GraphFormatError naming the item."""
    if not isinstance(data, dict):
        raise GraphFormatError("The model description must be a JSON object.")
    version = data.get("format_version")
    if not isinstance(version, int):
        raise GraphFormatError("The model description has no integer 'format_version'.")
    if version > FORMAT_VERSION:
        raise GraphFormatError(
            f"The model description has format_version {version}; this VisualNet reads up to "
            f"{FORMAT_VERSION}. Update VisualNet to open it.")
    graph = Graph()
    for i, item in enumerate(_list(data, "nodes")):
        where = f"nodes[{i}]"
        _require(item, where, {"id": str, "type": str, "name": str, "params": dict})
        if not _ID.match(item["id"]):
            raise GraphFormatError(f"{where}: invalid id {item['id']!r}.")
        position = item.get("position")
        if position is not None and not (isinstance(position, list) and len(position) == 2
                                         and all(isinstance(v, (int, float)) for v in position)):
            raise GraphFormatError(f"{where} ('{item['name']}'): position must be [x, y]; got {position!r}.")
        try:
            graph.add_node(item["type"], _tuples(item["params"]), name=item["name"], position=position,
                           node_id=item["id"], strict=False)
        except (UnknownLayerError, GraphError) as exc:
            raise GraphFormatError(f"{where} ('{item['name']}'): {exc}") from None
    for i, item in enumerate(_list(data, "edges")):
        where = f"edges[{i}]"
        _require(item, where, {"id": str, "src": str, "dst": str, "dst_port": int})
        for end in ("src", "dst"):
            if item[end] not in graph.nodes:
                raise GraphFormatError(f"{where}: '{end}' refers to a node that does not exist ({item[end]}).")
        try:
            src_port = item.get("src_port", 0)
            if not isinstance(src_port, int) or isinstance(src_port, bool) or src_port < 0:
                raise GraphFormatError(f"{where}: 'src_port' must be an integer >= 0; got {src_port!r}.")
            graph.connect(item["src"], item["dst"], item["dst_port"], edge_id=item["id"], allow_cycle=True,
                          src_port=src_port)
        except GraphError as exc:
            raise GraphFormatError(f"{where}: {exc}") from None
    return graph


def _list(data: dict, key: str) -> list:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise GraphFormatError(f"'{key}' must be a list.")
    return value


def _require(item: Any, where: str, fields: dict[str, type]) -> None:
    if not isinstance(item, dict):
        raise GraphFormatError(f"{where} must be an object.")
    for key, typ in fields.items():
        if not isinstance(item.get(key), typ) or isinstance(item.get(key), bool):
            raise GraphFormatError(f"{where}: field '{key}' is missing or not a {typ.__name__}.")


def _tuples(params: dict) -> dict:
    """JSON lists back to tuples, nested ones too (the canonical form of tuple parameters)."""
    return {k: _tuple(v) for k, v in params.items()}


def _tuple(value):
    return tuple(_tuple(v) for v in value) if isinstance(value, list) else value
