"""Run records and the trained model's bookkeeping, without Qt.

A run record is a JSON-safe dict: {"history": RunHistory.to_dict(), "graph", "recipe",
"duration", "started_at"} and, for a run that came from a project file, "run" (the file's
`Run`, saved back as it came). `structure(graph)` is what the optimizer state's layout
depends on; `model_weights` copies a model's weights by node id; `RestoredModel` stands in
for a session when the weights came from a project (evaluation and the inside view use it).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from visualnet.engine.run_history import RunHistory
from visualnet.graph import to_dict


def structure(graph) -> tuple:
    """What the optimizer state's layout depends on: the layers (ids and types, in order) and
    the wires. Weights and optimizer state carry over while this stays the same (the weights'
    shapes are checked apart)."""
    d = graph if isinstance(graph, dict) else to_dict(graph)
    nodes = tuple((n["id"], n["type"]) for n in d.get("nodes", []))
    edges = tuple(sorted((e["src"], e.get("src_port", 0), e["dst"], e.get("dst_port", 0)) for e in d.get("edges", [])))
    return nodes, edges


def model_weights(model, copy: bool = True) -> dict:
    """node id -> weight name -> array (copies unless `copy` is False)."""
    return {nid: {w.name: layer.values[w.name].copy() if copy else layer.values[w.name] for w in layer.weight_specs}
            for nid, layer in model.layers_by_node_id.items() if layer.weight_specs}


class RestoredModel:
    """What evaluation and the inside view use of a session, for a model whose weights came
    from a project (no run behind it)."""

    def __init__(self, model, config):
        self.model = model
        self.history = RunHistory()
        self.step_count = 0
        self.batch_size = config.batch_size
        metrics = dict(config.metrics) if isinstance(config.metrics, dict) else list(config.metrics)   # by output
        model.compile(optimizer=config.optimizer, loss=config.loss, metrics=metrics, loss_weights=config.loss_weights)

    def evaluate(self, x, y) -> dict:
        return self.model.evaluate(x, y, batch_size=self.batch_size, verbose=0, return_dict=True)


def project_runs(records: list, unfinished: dict | None = None) -> list:
    """The runs as the project file's `Run` records (the engine's RunHistory: info JSON
    and curves, with the page's own record under info["page"]); runs that came from a
    project go back as they came. `unfinished`: the record of a run still going on."""
    from visualnet.io.project import Run
    out = []
    for rec in records + ([unfinished] if unfinished is not None else []):
        if rec.get("run") is not None:
            if rec.get("test") is not None:                  # evaluated since the project was opened
                rec["run"].info.setdefault("page", {})["test"] = rec["test"]
            out.append(rec["run"])
            continue
        run = Run.from_run_history(RunHistory.from_dict(rec["history"]))
        keys = ("duration", "started_at", "test") + tuple(k for k in ("graph", "recipe")
                                                          if rec["history"].get(k) is None)
        run.info["page"] = {k: rec.get(k) for k in keys}    # graph and recipe: once, in the history
        out.append(run)
    return out


def record_from_run(run) -> dict:
    """A project's `Run` as a page record (the Run itself is kept, to be saved as it came)."""
    info = run.info
    page = info.get("page") if isinstance(info.get("page"), dict) else {}
    try:
        if info.get("kind") == "run_history":
            h = run.to_run_history()
        else:        # a Keras-style History: one value per epoch and metric
            h = RunHistory(status=str(info.get("status", "finished")))
            n = max((len(v) for v in run.curves.values()), default=0)
            epochs = list(info.get("epochs") or range(n))
            for i in range(n):
                row = {"epoch": epochs[i] if i < len(epochs) else i, "step": i + 1}
                row.update({k: float(v[i]) for k, v in run.curves.items() if i < len(v) and np.isfinite(v[i])})
                h.append("epoch", row)
            h.final = {k: float(v[-1]) for k, v in run.curves.items() if len(v) and np.isfinite(v[-1])}
        # its fields as they are: made just now from the file, already JSON-safe (to_dict's
        # deep copy took seconds for a long run)
        history = {f.name: getattr(h, f.name) for f in dataclasses.fields(h)}
    except (ValueError, TypeError, KeyError) as exc:
        history = {"status": "unreadable", "reason": str(exc)}
    if history.get("graph") is None and isinstance(page.get("graph"), dict):    # runs saved before the
        history["graph"] = page["graph"]                                           # history kept them
    if history.get("recipe") is None and isinstance(page.get("recipe"), dict):
        history["recipe"] = page["recipe"]
    return {"history": history, "graph": history.get("graph"), "recipe": history.get("recipe"),
            "duration": page.get("duration", history.get("duration")), "started_at": page.get("started_at"),
            "test": page.get("test") if isinstance(page.get("test"), dict) else None, "run": run}
