"""A short text summary of a project or Keras file (`visualnet info` shows more: visualnet/cli/info.py)."""

from __future__ import annotations

import math
from pathlib import Path

from ..graph import infer_shapes, keras_order, validate


def _graph_lines(graph) -> list[str]:
    info = infer_shapes(graph)
    sinks = graph.output_nodes()
    order = keras_order(graph, [sinks[0].id]) if len(sinks) == 1 else list(graph.nodes)
    lines, total = [], 0
    for nid in order:
        node, item = graph.nodes[nid], info[nid]
        shape = "?" if item.shape is None else str(tuple(item.shape))
        lines.append(f"  {node.name:<24} {node.type:<24} {shape:<20} {item.params:>10,}")
        total += item.params
    errors = [p for p in validate(graph, info) if p.severity == "error"]
    lines.append(f"  {len(graph.nodes)} layers, {total:,} parameters"
                 + (f", {len(errors)} problem(s)" if errors else ""))
    return lines


def file_summary(path) -> str:
    """What a `.vnet`, `.keras` or `.h5` file holds, as a few lines of text. Raises
    ProjectFileError / KerasFileError for files that cannot be read."""
    path = Path(path)
    if path.suffix.lower() == ".vnet":
        from .project import open_project

        p = open_project(path)
        lines = [f"{path.name}: VisualNet project (format_version {p.metadata.get('format_version_read')}, "
                 f"saved by VisualNet {p.metadata.get('app_version', '?')} at {p.metadata.get('saved_at', '?')})"]
        lines += _graph_lines(p.graph)
        from ..data import UnreadRecipe

        if isinstance(p.recipe, UnreadRecipe):
            lines.append(f"  data: not read ({p.recipe.problem})")
        elif p.recipe is not None:
            src = p.recipe.source
            lines.append(f"  data: {src.get('type')} {src.get('name') or src.get('path')}")
        if p.training:
            keys = ("optimizer", "loss", "metrics", "epochs", "batch_size")
            shown = {k: (p.training[k].get("class_name") if isinstance(p.training[k], dict) else p.training[k])
                     for k in keys if k in p.training}
            lines.append(f"  training: {shown}")
        n_weights = sum(math.prod(a.shape) for arrays in p.weights.values() for a in arrays.values())
        lines.append(f"  weights: {'trained, ' + format(n_weights, ',') + ' values' if p.weights else 'none saved'}"
                     + (f", optimizer at step {int(p.optimizer.arrays.get('iterations', 0))}" if p.optimizer else ""))
        for i, run in enumerate(p.runs):
            last = {k: round(float(v[-1]), 4) for k, v in run.curves.items() if len(v)}
            lines.append(f"  run {i + 1}: {len(next(iter(run.curves.values()), []))} epochs, last {last}")
        return "\n".join(lines)
    from .keras_files import read_keras_file

    spec, _, cfg = read_keras_file(path)
    kind = "Sequential" if spec.sequential else "functional"
    lines = [f"{path.name}: Keras {kind} model '{spec.name}'"] + _graph_lines(spec.graph)
    if cfg:
        opt = cfg.get("optimizer")
        lines.append(f"  compiled: optimizer {opt.get('class_name') if isinstance(opt, dict) else opt}, "
                     f"loss {cfg.get('loss')}, metrics {cfg.get('metrics')}")
    return "\n".join(lines)
