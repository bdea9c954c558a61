"""Keras's `compile_config` (`.keras`) and `training_config` (legacy `.h5`) of a compiled
model: the optimizer's config, the loss (one, or one per output in a dict or list as given)
and the metrics, as Keras writes them (split from keras_config.py)."""

from __future__ import annotations

from typing import Any


def optimizer_config(optimizer, dialect: str) -> dict:
    """An optimizer's Keras config (VisualNet's optimizers use Keras's names and arguments)."""
    from ..engine.optimizers import serialize

    ser = serialize(optimizer)
    cfg = dict(ser["config"])
    cfg.setdefault("use_ema", False)
    cfg.setdefault("ema_momentum", 0.99)
    cfg.setdefault("ema_overwrite_frequency", None)
    if dialect == "keras3":
        if isinstance(cfg.get("learning_rate"), dict):   # a schedule, found by its module as Keras 3 writes it
            cfg["learning_rate"] = {"module": "keras.optimizers.schedules", **cfg["learning_rate"],
                                    "registered_name": None}
        return {"module": "keras.optimizers", "class_name": ser["class_name"], "config": cfg,
                "registered_name": None}
    return {"class_name": ser["class_name"], "config": cfg}


def loss_identifier(model) -> Any:
    """The loss as Keras's compile() took it: a name when one was given, else a config."""
    from ..engine.losses import serialize

    loss = getattr(model, "loss", None)
    if isinstance(loss, str):
        return loss
    if model.compiled.outputs is not None:   # several outputs: per output, in a dict or list as given
        def one(item):
            return item if item is None or isinstance(item, str) else serialize(_loss_object(item))
        if isinstance(loss, dict):
            return {k: one(v) for k, v in loss.items()}
        if isinstance(loss, (list, tuple)):
            return [one(v) for v in loss]
        return one(loss)
    loss_fn = model.compiled.loss_fn
    return serialize(getattr(loss_fn, "weighted", loss_fn))   # a weighted loss: the weight is loss_weights


def _loss_object(item):
    from ..engine import losses

    return losses.get(item)


def _keras_entry(entry, module: str, dialect: str):
    """A built-in loss's or metric's `{"class_name", "config"}` as Keras 3 writes it (with its module)."""
    if isinstance(entry, dict) and "class_name" not in entry:   # per output: {"a": "mse", "b": {...}}
        return {k: _keras_entry(v, module, dialect) for k, v in entry.items()}
    if isinstance(entry, list):
        return [_keras_entry(v, module, dialect) for v in entry]
    if dialect != "keras3" or not isinstance(entry, dict) or "module" in entry:
        return entry
    return {"module": module, **entry, "registered_name": None}


def metric_entries(metric_ids, dialect: str) -> list:
    """compile()'s metrics as Keras writes them: names as given, built-in metric objects as
    configs (a user's metric or function is left out)."""
    from ..engine import metrics as metrics_mod

    built_in = tuple(metrics_mod.METRIC_CLASSES.values())
    return [m if isinstance(m, str) else _keras_entry(metrics_mod.serialize(m), "keras.metrics", dialect)
            for m in metric_ids if isinstance(m, str) or type(m) in built_in]


def has_output_dict(model) -> bool:
    from ..engine.model_structure import has_output_dict as given_as_dict

    return given_as_dict(model)


def compile_config(model, dialect: str) -> dict | None:
    """Keras 3's `compile_config` (keras3) or the legacy `training_config` (keras2)."""
    c = getattr(model, "compiled", None)
    if c is None:
        return None
    metrics = metric_entries(c.metric_ids, dialect)
    if c.outputs is not None:   # per output, by name for dict outputs (as Keras's compile takes them)
        per = [metric_entries(ids, dialect) or None for ids in c.outputs.metric_ids]
        metrics = None if not any(per) else dict(zip(c.outputs.names, per)) if has_output_dict(model) else per
    base = {"loss": _keras_entry(loss_identifier(model), "keras.losses", dialect), "loss_weights": c.loss_weights,
            "metrics": metrics or None,
            "weighted_metrics": None}
    if dialect == "keras3":
        return {"optimizer": optimizer_config(c.optimizer, dialect), **base, "run_eagerly": False,
                "steps_per_execution": 1, "jit_compile": False}
    return {**base, "optimizer_config": optimizer_config(c.optimizer, dialect)}
