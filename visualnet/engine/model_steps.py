"""Keras 3's overridable training pieces of a `Model`: `train_step`, `test_step`,
`predict_step`, `compute_loss`, `compute_metrics`, `get_metrics_result` and `metrics`.

A subclass that overrides one of the steps is run batch by batch through it (custom_fit.py):
Keras's contract, `data` in (`x`, `(x, y)` or `(x, y, sample_weight)`), a dict of logs out.
The defaults here are what Keras's do, so `super().train_step(data)` works; models that
override nothing keep the engine's own loops. `metrics` is Keras's list: the loss tracker
(a `Mean` named "loss"), `compile_metrics` (the metrics given to `compile`, one object whose
result is a dict), then the `Metric` objects the model holds as attributes, in assignment
order; fit and evaluate reset them all at each epoch's and each evaluation's start.
"""

from __future__ import annotations

import numpy as np

from .metrics import Mean, Metric
from .tape import TapeTensor, as_array
from .variables import as_tensor

STEPS = ("train_step", "test_step", "predict_step")


def overridden(model, name: str) -> bool:
    """Whether the model's class writes its own `name` (one of STEPS)."""
    return getattr(type(model), name, None) is not getattr(StepMethods, name)


def is_step_subclass(model) -> bool:
    """Whether `Model()` without inputs is a subclass to set up as Keras's subclassed models:
    one that writes `call`, or only its own steps (a GAN's train_step over two models)."""
    return callable(getattr(type(model), "call", None)) or any(overridden(model, name) for name in STEPS)


def compile_without_loss(model, optimizer="rmsprop", metrics=None, **kwargs) -> None:
    """Keras's `compile()` without a loss, for a model whose own `train_step` computes it."""
    from .compiled import Compiled, compile_model

    compile_model(model, optimizer, "mean_squared_error", metrics, **kwargs)   # the same checks
    model.compiled = Compiled(model, optimizer, None, metrics)
    model.optimizer = model.compiled.optimizer
    model.loss = None


def unpack_data(data):
    """Keras's `unpack_x_y_sample_weight`: (x, y or None, sample_weight or None)."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data
    raise ValueError(f"Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, "
                     f"found: {data!r}")


class CompileMetrics(Metric):
    """The metrics given to `compile()`, updated and reset together (Keras's
    `compile_metrics`); `result()` is a dict of their results by name."""

    def __init__(self, model):
        self.model = model
        super().__init__(name="compile_metrics")

    def _metrics(self, y=None) -> list:
        c = self.model.compiled
        if c.metrics is None and y is not None:
            c.resolve_metrics(np.asarray(as_array(y)))
        return c.metrics or []

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = np.asarray(as_array(y_true)), np.asarray(as_array(y_pred))
        for m in self._metrics(y_true):        # compile()'s metrics take no sample weights in Keras 3
            m.update_state(y_true, y_pred)

    def result(self) -> dict:
        return {m.name: float(m.result()) for m in self._metrics()}

    def reset_state(self):
        for m in self._metrics():
            m.reset_state()


class StepMethods:
    """Keras's `train_step` / `test_step` / `predict_step` and their helpers (a mixin of Model)."""

    def train_step(self, data):
        """One optimizer step on one batch; returns the logs (`compute_metrics`'s)."""
        from .data_adapter import as_inputs, as_model_targets, sample_weights
        from .prediction import parallel_layers
        from .steps import train_step

        x, y, sample_weight = unpack_data(data)
        xs = as_inputs(self, x)
        y = as_model_targets(self, y, len(xs[0]))
        c = self.compiled
        c.ensure_optimizer()
        c.resolve_metrics(y)
        with parallel_layers(self):
            loss = train_step(self, xs, y, sample_weights(y, sample_weight, None))   # updates compile()'s metrics
        _step_state(self)[0].update_state(loss, sample_weight=len(xs[0]))
        return self.get_metrics_result()

    def test_step(self, data):
        """The loss and metrics of one batch, the model in inference mode."""
        x, y, sample_weight = unpack_data(data)
        y_pred = self(x, training=False)
        loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=False)
        _step_state(self)[0].update_state(loss, sample_weight=_batch_size(x))
        return self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)

    def predict_step(self, data):
        """The model's outputs for one batch of inputs."""
        x, _, _ = unpack_data(data)
        return self(x, training=False)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled loss of `y_pred` against `y` (with the model's penalties when it runs
        outside a gradient tape); differentiable when `y_pred` was made on a tape."""
        from .penalties import has_penalties, penalty_of_pass

        c = self.compiled
        if c is None or (c.loss_fn is None and c.outputs is None):
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        if c.outputs is not None:
            raise NotImplementedError(f"Model '{self.name}': compute_loss for a model with several outputs is not "
                                      "supported by VisualNet's custom steps; compute each output's loss with the "
                                      "loss functions instead.")
        tracked = isinstance(y_pred, TapeTensor) and y_pred.tracked
        penalized = self.built and has_penalties(self)
        if tracked and penalized:
            raise NotImplementedError(f"Model '{self.name}' has weight or activity regularizers, whose penalties "
                                      "VisualNet cannot yet differentiate inside a GradientTape; add them with ops "
                                      "to the loss you return instead.")
        if tracked:
            from .tape_losses import loss_on_tape
            return loss_on_tape(c.loss_fn, y, y_pred, sample_weight)
        loss = c.loss_fn(y, y_pred, sample_weight=sample_weight)
        if penalized:
            loss = loss + penalty_of_pass(self)
        return loss if isinstance(loss, TapeTensor) else as_tensor(np.float32(loss))

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Update `compile()`'s metrics with the batch; returns `get_metrics_result()`."""
        if self.compiled is not None and self.compiled.metrics_given:
            _step_state(self)[1].update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def get_metrics_result(self) -> dict:
        """{name: result} of `self.metrics`, a dict result (compile_metrics) spread out."""
        out = {}
        for metric in self.metrics:
            result = metric.result()
            if isinstance(result, dict):
                out.update(result)
            else:
                out[metric.name] = result
        return out

    @property
    def metrics(self) -> list:
        """Keras's trackers: the loss, compile_metrics, then the model's own `Metric` attributes."""
        own = [v for k, v in self.__dict__.items() if isinstance(v, Metric) and not k.startswith("__")]
        if self.compiled is None:
            return own
        tracker, compiled = _step_state(self)
        return [tracker, *([compiled] if self.compiled.metrics_given else []), *own]

    @property
    def compiled_loss(self):
        """Keras 2's `compiled_loss(y, y_pred, sample_weight=None, regularization_losses=None)`."""
        def loss(y, y_pred, sample_weight=None, regularization_losses=None):
            return self.compute_loss(y=y, y_pred=y_pred, sample_weight=sample_weight)
        return loss

    @property
    def compiled_metrics(self) -> CompileMetrics:
        """Keras 2's `compiled_metrics` (`update_state(y, y_pred)`)."""
        return _step_state(self)[1]

    @property
    def trainable_variables(self) -> list:
        return self.trainable_weights

    @property
    def non_trainable_variables(self) -> list:
        return self.non_trainable_weights


def _step_state(model) -> tuple:
    """The model's (loss tracker, CompileMetrics), made anew for each compile()."""
    state = model.__dict__.get("_step_metrics")
    if state is None or state[0] is not model.compiled:
        state = (model.compiled, Mean(name="loss"), CompileMetrics(model))
        model.__dict__["_step_metrics"] = state
    return state[1:]


def _batch_size(x) -> int:
    while isinstance(x, (list, tuple)):
        x = x[0]
    if isinstance(x, dict):
        return _batch_size(next(iter(x.values())))
    return len(as_array(x))


def pythonify_logs(logs) -> dict:
    """A step's logs as floats, dict results spread out (Keras's `pythonify_logs`)."""
    if logs is None:
        return {}
    if not isinstance(logs, dict):
        raise TypeError(f"train_step/test_step must return a dict of logs; received {type(logs).__name__}.")
    out = {}
    for key, value in logs.items():
        if isinstance(value, dict):
            out.update(pythonify_logs(value))
            continue
        a = np.asarray(as_array(value))
        out[key] = float(a) if a.size == 1 else a
    return out
