"""`visualnet info FILE`: the layers with output shapes and parameter counts (Keras's
summary), the training settings, the data recipe and the runs of a project or model file."""

from __future__ import annotations

import math
from pathlib import Path

from .inputs import BadInput, one_line, open_file


def add_arguments(p) -> None:
    p.add_argument("file", metavar="FILE", help="a project (.vnet), Keras model (.keras, .h5) or model description "
                                                "(.json)")


def _header(path: Path, project) -> str:
    meta = project.metadata
    if path.suffix.lower() == ".vnet":
        return (f"{path.name}: VisualNet project (format version {meta.get('format_version_read')}, saved by "
                f"VisualNet {meta.get('app_version', '?')} at {meta.get('saved_at', '?')})")
    return f"{path.name}: {'model description' if path.suffix.lower() == '.json' else 'Keras model'}"


def _recipe_lines(recipe) -> list[str]:
    if recipe is None:
        return ["Data: no recipe"]
    from visualnet.data import UnreadRecipe

    if isinstance(recipe, UnreadRecipe):
        return [f"Data: not read ({recipe.problem}); it is kept in the file"]
    src, split = recipe.source, recipe.split
    lines = [f"Data: {src.get('type')} {src.get('name') or src.get('path')}"
             + (f" {src['params']}" if src.get("params") else ""),
             f"  split: {split.validation:.0%} validation, {split.test:.0%} test, seed {split.seed}"
             + (", shuffled" if split.shuffle else "") + (", stratified" if split.stratify else ""),
             "  steps: " + (", ".join(s.get("step", "?") for s in recipe.steps) or "none")]
    fitted = recipe.fitted
    if fitted:
        classes = fitted.get("class_names") or []
        lines.append(f"  fitted on {fitted.get('n_samples')} samples: {fitted.get('task')}"
                     + (f" ({len(classes)} classes)" if classes else "")
                     + f", input shape {tuple(fitted.get('output_shape') or ())}")
    return lines


def _training_line(training: dict) -> str:
    if not training:
        return "Training settings: none saved"
    opt = training.get("optimizer")
    name = _optimizer_text(opt) if isinstance(opt, dict) else opt
    shown = {"optimizer": name, **{k: training[k] for k in ("loss", "metrics", "batch_size", "epochs", "seed")
                                   if k in training}}
    if isinstance(shown.get("loss"), dict):
        shown["loss"] = _loss_text(shown["loss"])
    return "Training settings: " + ", ".join(f"{k} {v}" for k, v in shown.items())


def _loss_text(loss: dict) -> str:
    """'Huber(delta=0.5)': a loss config's class and the arguments that are not Keras's defaults."""
    from visualnet.engine import losses

    name, config = loss.get("class_name"), loss.get("config") or {}
    try:
        defaults = losses.get(name).get_config()
    except (ValueError, TypeError, AttributeError):
        return str(name)
    args = {k: v for k, v in config.items() if k in defaults and k != "name" and v != defaults[k]}
    return f"{name}({', '.join(f'{k}={v!r}' for k, v in args.items())})"


def _optimizer_text(opt: dict) -> str:
    """'AdamW(learning_rate=0.001, weight_decay=0.004)': the class and the arguments that are
    not Keras's defaults (the learning rate always; a schedule by its class)."""
    from visualnet.engine import optimizers

    name, config = opt.get("class_name"), opt.get("config") or {}
    try:
        defaults = optimizers.optimizer_class(name)().get_config()
    except (ValueError, TypeError, AttributeError):
        return str(name)
    rate = config.get("learning_rate", defaults["learning_rate"])
    args = {"learning_rate": rate.get("class_name") if isinstance(rate, dict) else rate}
    args.update({k: v for k, v in config.items() if k in defaults and k not in ("name", "learning_rate")
                 and v != defaults[k]})
    return f"{name}({', '.join(f'{k}={v}' for k, v in args.items())})"


def _numbers(values: dict) -> str:
    return ", ".join(f"{k} {v:.4f}" for k, v in values.items()
                     if isinstance(v, (int, float)) and math.isfinite(v) and k not in ("epoch", "step", "duration"))


def _run_lines(runs) -> list[str]:
    from visualnet.workspace.runs import record_from_run

    lines = [f"Runs: {len(runs)}"]
    for i, run in enumerate(runs):
        record = record_from_run(run)
        h = record["history"]
        epochs = len((h.get("epoch") or {}).get("epoch") or [])
        line = f"  {i + 1}. {h.get('status', '?')}, {epochs} epoch(s)"
        final = _numbers(h.get("final") or {})
        line += f": {final}" if final else ""
        if record.get("test"):
            line += f"; test: {_numbers(record['test'])}"
        lines.append(line)
    return lines


def _cost_line(graph) -> str:
    """The multiply-adds of one sample, in total and for the costliest layers."""
    from visualnet.graph import infer_shapes

    info = infer_shapes(graph)
    costs = {graph.nodes[n].name: i.multiply_adds for n, i in info.items() if i.shape is not None}
    if any(c is None for c in costs.values()):
        return "Multiply-adds per sample: unknown (a sequence length is not fixed)"
    top = sorted(((c, name) for name, c in costs.items() if c), reverse=True)
    parts = " · ".join(f"{name} {c:,}" for c, name in top[:5]) + (" · ..." if len(top) > 5 else "")
    return f"Multiply-adds per sample: {sum(costs.values()):,}" + (f" ({parts})" if parts else "")


def run(args) -> int:
    from visualnet.engine.summary import summary_text

    path = Path(args.file)
    project = open_file(path)
    try:
        model = project.build_model(compile=project.training.get("loss") is not None)
    except (ValueError, TypeError, KeyError) as exc:
        raise BadInput(f"{path}: the model cannot be built: {one_line(exc)}") from None
    weights = sum(a.size for arrays in project.weights.values() for a in arrays.values())
    lines = [_header(path, project), summary_text(model, line_length=100), _cost_line(project.graph),
             f"Weights: {'trained, ' + format(weights, ',') + ' values' if project.weights else 'initial (untrained)'}"
             + (f"; optimizer state at step {int(project.optimizer.arrays.get('iterations', 0)):,}"
                if project.optimizer else ""),
             _training_line(project.training), *_recipe_lines(project.recipe), *_run_lines(project.runs)]
    print("\n".join(lines))
    return 0
