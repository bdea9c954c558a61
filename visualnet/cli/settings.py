"""A project's training settings (as the Train page saves them, or a Keras model's compile
settings) as the `TrainingConfig` the page would build, with the command line's overrides."""

from __future__ import annotations

import copy

from .inputs import BadInput, one_line

CLIPPING = ("clipnorm", "global_clipnorm", "clipvalue")


def _optimizer(training: dict) -> tuple[str, dict]:
    """(name, parameters) of the saved optimizer: the page's `optimizer_params` when saved,
    else the serialized optimizer's arguments; Adam (the page's default) when none."""
    from visualnet.engine.run_config import optimizer_defaults

    opt = training.get("optimizer")
    config = {}
    if isinstance(opt, dict):
        name, config = str(opt.get("class_name", "")).lower(), dict(opt.get("config") or {})
    else:
        name = str(opt or "adam").lower()
    if isinstance(training.get("optimizer_params"), dict):
        return name, copy.deepcopy(training["optimizer_params"])
    from visualnet.engine.optimizers import COMMON_DEFAULTS

    params = {k: config[k] for k in optimizer_defaults(name) if k in config}
    params.update({k: config[k] for k in CLIPPING if config.get(k) is not None})
    # Keras's other common arguments (weight_decay, use_ema, gradient_accumulation_steps, ...) where set
    params.update({k: config[k] for k, v in COMMON_DEFAULTS.items() if k in config and config[k] != v})
    return name, params


def training_config(training: dict, prepared, path, epochs=None, batch_size=None, learning_rate=None,
                    seed=None):
    """The run's `TrainingConfig`: the saved settings (loss and metrics the data suggest when
    none are saved) with the given overrides; BadInput names what is wrong."""
    from visualnet.engine.run_config import TrainingConfig

    fields = set(TrainingConfig.__dataclass_fields__) - {"optimizer", "optimizer_params"}
    d = {k: copy.deepcopy(v) for k, v in training.items() if k in fields}
    try:
        d["optimizer"], d["optimizer_params"] = _optimizer(training)
    except (ValueError, KeyError, TypeError) as exc:
        raise BadInput(f"{path}: the saved optimizer cannot be used: {one_line(exc)}") from None
    head = prepared.dataset.suggest_head(one_hot=prepared.recipe.pipeline().one_hot())
    d.setdefault("loss", head.loss)
    d.setdefault("metrics", list(head.metrics))
    for key, value in (("epochs", epochs), ("batch_size", batch_size), ("seed", seed)):
        if value is not None:
            d[key] = value
    if learning_rate is not None:
        d["optimizer_params"]["learning_rate"] = learning_rate
    schedule = d.get("lr_schedule")
    has_validation = len(prepared.validation) > 0 or d.get("validation_split", 0) > 0
    if isinstance(schedule, dict) and schedule.get("kind") == "plateau" and not has_validation \
            and str(schedule.get("monitor", "")).startswith("val_"):
        schedule["monitor"] = schedule["monitor"][4:]          # as the page does without validation data
    try:
        return TrainingConfig(**d)
    except TypeError as exc:
        raise BadInput(f"{path}: the training settings cannot be used: {one_line(exc)}") from None


def settings_of(config) -> dict:
    """A `TrainingConfig` as the project file keeps training settings (as the page saves them)."""
    from visualnet.engine import optimizers

    out = config.to_dict()
    out["optimizer"] = optimizers.serialize(optimizers.get(
        {"class_name": config.optimizer, "config": dict(config.optimizer_params)}))
    return out
