"""The changes a `TrainingSession` takes between batches: the learning rate, batch size,
number of epochs, the optimizer's arguments or another optimizer. Each is a marker in the
run's history with the step, epoch and batch where it took effect. A mixin of
`TrainingSession`."""

from __future__ import annotations

import math

from . import optimizers
from .data_adapter import check_batch_size
from .run_history import json_safe


class SessionChanges:
    """Changes between batches (see the module docstring)."""

    def _marker(self, kind: str, old, new, text: str) -> dict:
        marker = {"kind": kind, "step": self.step_count, "epoch": self.epoch, "batch": self.batch,
                  "old": old, "new": new, "text": text}
        self.history.markers.append(json_safe(marker))
        self._report("marker", marker)
        return marker

    def _change_base_rate(self, value: float, kind: str, why: str) -> None:
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
            raise ValueError(f"the learning rate must be a positive number; received learning_rate={value!r}")
        old = self.base_learning_rate
        if value == old:
            return
        self.base_learning_rate = float(value)
        self._marker(kind if kind == "plateau" else "learning_rate", old, float(value),
                     f"learning rate {old:.3g} -> {value:.3g} ({why})")

    def set_learning_rate(self, value: float) -> None:
        """The base learning rate from the next batch on (a schedule keeps scaling it)."""
        self._change_base_rate(value, "learning_rate", "changed by the user")

    def set_batch_size(self, value: int) -> None:
        value = check_batch_size(value)
        if value != self.batch_size:
            old, self.batch_size = self.batch_size, value
            self.loop.set_batch_size(value)
            self._marker("batch_size", old, value, f"batch size {old} -> {value}")

    def set_epochs(self, value: int) -> None:
        """Train for `value` epochs in all; raising it after the end lets the run go on."""
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"epochs must be a positive integer; received epochs={value!r}")
        if value < self.epoch + (1 if self._in_epoch else 0):
            raise ValueError(f"epoch {self.epoch + 1} is already under way; epochs must be at least that")
        if value != self.epochs:
            old, self.epochs = self.epochs, value
            self._marker("epochs", old, value, f"epochs {old} -> {value}")
            if self.status == "finished" and self.epoch < value:
                self.status = "paused"

    def set_optimizer_params(self, **params) -> None:
        """Change the optimizer's arguments (beta_1, momentum, clipnorm, ...; learning_rate
        sets the base rate); its state is kept (`Optimizer.configure`)."""
        params = dict(params)
        if "learning_rate" in params:
            self.set_learning_rate(params.pop("learning_rate"))
        if not params:
            return
        changed = self.optimizer.configure(**params)
        if changed:
            text = ", ".join(f"{k} {a} -> {b}" for k, (a, b) in changed.items())
            self._marker("optimizer", {k: a for k, (a, _) in changed.items()},
                         {k: b for k, (_, b) in changed.items()}, text)
        self.config.optimizer_params.update(params)

    def set_optimizer(self, name: str, params: "dict | None" = None) -> None:
        """Switch to another optimizer (its state starts fresh; the weights are kept)."""
        params = dict(params or {})
        params.setdefault("learning_rate", self.base_learning_rate)
        new = optimizers.get({"class_name": name, "config": params})
        new.build(self.model._store.sizes)
        new.iterations = self.optimizer.iterations
        old = self.optimizer
        self.loop.settle()
        self.model.compiled.optimizer = self.model.optimizer = self.optimizer = new
        self.loop.step = None     # a step holds the optimizer it was made with
        self.base_learning_rate = float(new.learning_rate)
        self.config.optimizer, self.config.optimizer_params = name, params
        self._marker("optimizer", old.name, new.name, f"optimizer {old.name} -> {new.name} (state reset)")
