"""The checks a project's parts pass before they are saved or returned by opening: weights
against the shapes the graph gives, finite values, optimizer state sized for the model, and
training settings that name a known loss, optimizer and metrics."""

from __future__ import annotations

import math

import numpy as np

from ..graph import Graph, infer_shapes
from .errors import ProjectFileError
from .project_hdf5 import MAX_WEIGHTS


def _expected_weights(graph: Graph) -> dict[str, dict[str, tuple]]:
    """node id -> weight name -> shape, for the nodes whose shapes can be inferred."""
    info = infer_shapes(graph)
    out = {}
    for nid, node in graph.nodes.items():
        item = info.get(nid)
        if item is None or item.error or item.shape is None or any(s is None for s in item.input_shapes):
            continue
        try:
            specs = node.spec.weights(node.spec.normalize(node.params), item.input_shapes)
        except (ValueError, TypeError, KeyError, IndexError):
            continue
        if specs:
            out[nid] = {w.name: tuple(w.shape) for w in specs}
    return out


def _trainable_size(expected: dict) -> int:
    """How many values the optimizer's flat state vectors hold for these weight shapes."""
    return sum(math.prod(s) for shapes in expected.values() for k, s in shapes.items()
               if k not in ("moving_mean", "moving_variance"))


def _check_saved_parts(project: "Project", expected: dict) -> None:
    """What opening rejects, refused before writing: non-finite weights or optimizer state,
    and optimizer state sized for another model."""
    for nid, arrays in project.weights.items():
        for k, v in arrays.items():
            check_finite_weight(v, project.graph.nodes[nid].name, k, ProjectFileError,
                                " (training diverged); retrain or leave the weights out")
    if project.optimizer is not None:
        n = _trainable_size(expected)
        for k, v in project.optimizer.arrays.items():
            v = np.asarray(v)
            if v.ndim == 1 and v.shape != (n,):
                raise ProjectFileError(f"optimizer state '{k}' holds {v.size} values but the model has {n} "
                                       "trainable weights (the model changed since training); leave it out.")
            if not np.all(np.isfinite(v)):
                raise ProjectFileError(f"optimizer state '{k}' holds NaN or infinite values.")


def check_finite_weight(value, layer: str, weight: str, error=ProjectFileError, advice: str = "") -> None:
    """Refuses a weight holding NaN or infinities, naming the layer and the weight: the one
    check for projects (saving) and Keras files (reading)."""
    value = np.asarray(value)
    if value.size and not np.all(np.isfinite(value)):
        raise error(f"weight '{weight}' of layer '{layer}' holds NaN or infinite values{advice}.")


def _check_weights(graph: Graph, weights: dict, error=ProjectFileError) -> dict:
    expected = _expected_weights(graph)
    total = sum(math.prod(s) for shapes in expected.values() for s in shapes.values())
    if total > MAX_WEIGHTS:
        raise error(f"the model claims {total:,} weights; VisualNet accepts at most {MAX_WEIGHTS:,}.")
    for nid, arrays in weights.items():
        node = graph.nodes.get(nid)
        if node is None:
            raise error(f"weights are stored for node {nid}, which is not in the model.")
        if nid not in expected:
            raise error(f"weights are stored for '{node.name}', whose shapes cannot be worked out "
                        "(the model has a problem there).")
        want = expected[nid]
        got = {k: tuple(np.shape(v)) for k, v in arrays.items()}
        if set(got) != set(want):
            raise error(f"layer '{node.name}' needs weights {sorted(want)}; the project has {sorted(got)}.")
        for k, shape in got.items():
            if shape != want[k]:
                raise error(f"weight '{k}' of layer '{node.name}' has shape {shape}; the model needs {want[k]}.")
    return expected


def _check_training(training) -> None:
    """The training settings VisualNet acts on must make sense; other keys are kept as they are."""
    from ..engine import losses, optimizers

    if not isinstance(training, dict):
        raise ProjectFileError("the training settings must be a JSON object.")
    loss = training.get("loss")
    if isinstance(loss, dict) and "class_name" not in loss:       # by output name (several outputs, issue 23)
        for per_output in loss.values():
            _check_training({"loss": per_output})
        loss = None
    if loss is not None:
        if not isinstance(loss, (str, dict)):
            raise ProjectFileError(f"the training settings' loss must be a name or a config; found {loss!r}.")
        try:
            losses.get(loss)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise ProjectFileError(f"the training settings' loss is invalid: {exc}") from None
    opt = training.get("optimizer")
    if opt is not None:
        if not isinstance(opt, (str, dict)):
            raise ProjectFileError(f"the training settings' optimizer must be a name or a config; found {opt!r}.")
        try:
            optimizers.get(opt)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise ProjectFileError(f"the training settings' optimizer is invalid: {exc}") from None
    _check_metrics(training.get("metrics", []))
    for key in ("epochs", "batch_size"):
        value = training.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise ProjectFileError(f"the training settings' {key} must be a positive integer; found {value!r}.")


def _check_optimizer(config: dict, arrays: dict) -> None:
    from ..engine.optimizers import deserialize

    try:
        opt = deserialize(config)
    except (ValueError, TypeError, KeyError) as exc:
        raise ProjectFileError(f"the optimizer config is invalid: {exc}") from None
    missing = sorted(set(opt.slot_names) - set(arrays))
    extra = sorted(set(arrays) - set(opt.slot_names) - {"iterations", "learning_rate"})
    if missing or extra:
        raise ProjectFileError(f"the optimizer state does not match a {config['class_name']} optimizer "
                               f"(missing: {missing or 'none'}, unexpected: {extra or 'none'}).")


def _check_metrics(settings) -> None:
    """Metric names, or built-in metrics' configs that make a metric (nothing else is read);
    for several outputs, such a list by output name."""
    from ..engine import metrics

    if settings is None:
        return
    if isinstance(settings, dict) and "class_name" not in settings:      # by output name (several outputs)
        for per_output in settings.values():
            _check_metrics(per_output if not isinstance(per_output, (str, dict)) else [per_output])
        return
    if isinstance(settings, dict):          # by output name (several outputs, issue 23)
        for per_output in settings.values():
            _check_metrics(per_output)
        return
    if not isinstance(settings, list) or not all(isinstance(m, (str, dict)) for m in settings):
        raise ProjectFileError("the training settings' metrics must be a list of names or metric configs; found "
                               f"{settings!r}.")
    for m in settings:
        if not isinstance(m, dict):
            continue
        if not (isinstance(m.get("class_name"), str) and isinstance(m.get("config", {}), dict)):
            raise ProjectFileError(f"a metric config must be an object with 'class_name' and 'config'; found {m!r}.")
        try:
            metrics.deserialize(m)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise ProjectFileError(f"the training settings' metric {m['class_name']!r} is invalid: {exc}") from None
