"""Copy and paste of layers: the selected layers and the wires between them as a JSON
fragment on the system clipboard (its own MIME type, plus text for other programs)."""

from __future__ import annotations

import json

from PySide6.QtCore import QMimeData

from visualnet.graph import Graph, get_spec

FRAGMENT_MIME = "application/x-visualnet-fragment"


def make_fragment(graph: Graph, node_ids) -> dict:
    """The layers `node_ids` (type, name, parameters, position) and their internal wires."""
    ids = [n for n in graph.nodes if n in set(node_ids)]  # graph order
    nodes = []
    for nid in ids:
        node = graph.nodes[nid]
        spec = get_spec(node.type)
        params = {k: spec.param(k).to_json(v) if k in spec.param_names else v for k, v in node.params.items()}
        nodes.append({"id": nid, "type": node.type, "name": node.name, "params": params,
                      "position": list(node.position) if node.position else None})
    chosen = set(ids)
    edges = [{"src": e.src, "dst": e.dst, "dst_port": e.dst_port} for e in graph.edges.values()
             if e.src in chosen and e.dst in chosen]
    return {"visualnet_fragment": 1, "nodes": nodes, "edges": edges}


def fragment_to_mime(fragment: dict) -> QMimeData:
    mime = QMimeData()
    text = json.dumps(fragment)
    mime.setData(FRAGMENT_MIME, text.encode("utf-8"))
    mime.setText(text)
    return mime


def fragment_from_mime(mime: QMimeData | None) -> dict | None:
    """The fragment on the clipboard, with tuple parameters restored; None if there is none."""
    if mime is None:
        return None
    if mime.hasFormat(FRAGMENT_MIME):
        raw = bytes(mime.data(FRAGMENT_MIME)).decode("utf-8")
    elif mime.hasText() and '"visualnet_fragment"' in mime.text():
        raw = mime.text()
    else:
        return None
    try:
        data = json.loads(raw)
        for node in data["nodes"]:
            get_spec(node["type"])
            node["params"] = {k: tuple(v) if isinstance(v, list) else v for k, v in node.get("params", {}).items()}
        return data
    except (ValueError, KeyError, TypeError):
        return None
