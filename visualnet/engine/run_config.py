"""A run's settings (`TrainingConfig`, JSON-safe, Keras's defaults), the optimizers' default
parameters for a settings form, and the learning-rate schedules a session applies."""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field

from . import optimizers, schedules

SCHEDULE_KINDS = ("constant", "step", "exponential", "cosine", "plateau")


def optimizer_defaults(name: str) -> dict:
    """Keras's default parameters of optimizer `name` (learning rate, betas, momentum, ...;
    AdamW's weight_decay), without the name, clipping and the other arguments every optimizer
    takes (unset by default): what a settings form starts from."""
    config = optimizers.get(name).get_config()
    common = set(optimizers.COMMON_DEFAULTS) | {"name"}
    return {k: v for k, v in config.items()
            if v is not None and (k not in common or v != optimizers.COMMON_DEFAULTS.get(k, v))}


@dataclass
class TrainingConfig:
    """The hyper-parameters of a run (JSON-safe; defaults follow Keras's `compile`/`fit`).

    optimizer_params: the optimizer's arguments (learning_rate, beta_1, momentum, ...) and
      gradient clipping (clipnorm, clipvalue or global_clipnorm).
    early_stopping: None, or {"monitor": "val_loss", "patience": 0, "min_delta": 0,
      "mode": "auto", "restore_best_weights": False} (Keras's EarlyStopping arguments).
    lr_schedule: None, or {"kind": one of SCHEDULE_KINDS, "warmup_steps": 0, ...}:
      step: "step_size" (batches), "factor"; exponential: "decay_steps", "decay_rate";
      cosine: "decay_steps", "alpha"; plateau: ReduceLROnPlateau's "monitor", "factor",
      "patience", "min_delta", "cooldown", "min_lr".
    seed: shuffling order (None: a fresh order each run).
    track_every: record per-layer gradient norms every this many batches, or further
      apart in a long run: about 100 records a run (session.TRACKED_RECORDS; 0: never).
    """
    optimizer: str = "rmsprop"
    optimizer_params: dict = field(default_factory=dict)
    loss: "str | dict" = "sparse_categorical_crossentropy"   # a dict by output name for several outputs
    metrics: "list | dict" = field(default_factory=lambda: ["accuracy"])
    loss_weights: "dict | None" = None      # by output name, for several outputs (Keras's compile argument)
    batch_size: int = 32
    epochs: int = 1
    validation_split: float = 0.0
    shuffle: bool = True
    seed: "int | None" = None
    early_stopping: "dict | None" = None
    lr_schedule: "dict | None" = None
    track_every: int = 10

    def to_dict(self) -> dict:
        return copy.deepcopy(asdict(self))

    @classmethod
    def from_dict(cls, d: dict) -> "TrainingConfig":
        known = set(cls.__dataclass_fields__)
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown training settings: {', '.join(sorted(unknown))}")
        return cls(**copy.deepcopy(d))


def schedule_factor(spec: "dict | None"):
    """factor(iteration) for the schedule `spec` (Keras's schedules at rate 1.0)."""
    spec = dict(spec or {})
    kind = spec.get("kind", "constant") or "constant"
    if kind not in SCHEDULE_KINDS:
        raise ValueError(f"lr_schedule kind must be one of {SCHEDULE_KINDS}; received kind={kind!r}")
    warmup = int(spec.get("warmup_steps", 0) or 0)
    if warmup < 0:
        raise ValueError(f"warmup_steps must be >= 0; received warmup_steps={warmup}")
    if kind == "step":
        sched = schedules.ExponentialDecay(1.0, int(spec.get("step_size", 1000)), float(spec.get("factor", 0.5)),
                                           staircase=True)
    elif kind == "exponential":
        sched = schedules.ExponentialDecay(1.0, int(spec.get("decay_steps", 1000)),
                                           float(spec.get("decay_rate", 0.96)))
    elif kind == "cosine":
        sched = schedules.CosineDecay(1.0, int(spec.get("decay_steps", 1000)), alpha=float(spec.get("alpha", 0.0)))
    else:
        sched = None

    def factor(iteration: int) -> float:
        f = 1.0 if sched is None else float(sched(max(iteration - warmup, 0)))
        if iteration < warmup:
            f *= (iteration + 1) / warmup
        return f

    return factor


