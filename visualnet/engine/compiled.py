"""What `compile()` fixes: the optimizer, loss and metrics of a model."""

from __future__ import annotations

import copy

import numpy as np

from . import losses, metrics as metrics_mod, optimizers
from .freezing import sync_trainable
from .multi_output import OutputLosses, check_loss_weights, is_multi_output, one_loss_weight, single_output_args


class AddedLossesOnly(losses.Loss):
    """The loss of `compile()` without one: zero, so training minimises what the model adds
    (`add_loss`, regularizers) alone, as Keras does."""

    needs_targets = False   # fit(x) and evaluate(x) take no y (data_adapter.as_model_targets)

    def __init__(self, model):
        super().__init__(name="added_losses_only")
        self._model = model

    def _compute(self, y_true, y_pred, need_grad):
        if not _adds_losses(self._model):
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        zeros = np.zeros(y_pred.shape[:1], np.float32)
        return zeros, (np.zeros_like(y_pred) if need_grad else None), None

    def _check(self, y_true, y_pred, orig_true, orig_pred):
        """Any targets (or none) go with no loss."""

    def _prepare(self, y_true, y_pred):
        y_pred = np.asarray(y_pred, dtype=np.float32)
        return y_pred, y_pred

    def get_config(self):
        return None


class WeightedLoss(losses.Loss):
    """compile()'s loss of a one-output model times its `loss_weights` (Keras 3's CompileLoss
    multiplies it): the loss reported and the gradient both carry the weight. No fused
    kernel, so fit() takes the step that calls `fused_value_and_grad` (weighted here)."""

    def __init__(self, loss, weight: float):
        self.loss, self.weight = loss, float(weight)
        self._w = np.float32(weight)

    name = property(lambda self: self.loss.name)
    reduction = property(lambda self: self.loss.reduction,
                         lambda self, value: setattr(self.loss, "reduction", value))

    weighted = property(lambda self: self.loss)   # the loss the weight multiplies (files write it)

    def __getattr__(self, key):   # what the loss has besides (needs_targets, ...)
        if key in ("loss", "weight", "_w"):
            raise AttributeError(key)
        return getattr(self.loss, key)

    def __copy__(self):   # tape_losses copies a loss to change its reduction: not the wrapped one's
        return WeightedLoss(copy.copy(self.loss), self.weight)

    def __call__(self, y_true, y_pred, sample_weight=None, y_mask=None):
        value = self.loss(y_true, y_pred, sample_weight=sample_weight, y_mask=y_mask)
        return value * (self.weight if isinstance(value, float) else self._w)

    def call(self, y_true, y_pred):
        return self.loss.call(y_true, y_pred) * self._w

    def value_and_grad(self, y_true, y_pred, sample_weight=None, y_mask=None):
        value, grad = self.loss.value_and_grad(y_true, y_pred, sample_weight=sample_weight, y_mask=y_mask)
        return value * self.weight, grad * self._w

    def fused_value_and_grad(self, y_true, y_pred, activation_name, sample_weight=None, y_mask=None):
        out = self.loss.fused_value_and_grad(y_true, y_pred, activation_name, sample_weight=sample_weight,
                                             y_mask=y_mask)
        return None if out is None else (out[0] * self.weight, out[1] * self._w)

    def fused_kernel(self, activation_name, y_pred_shape):
        return None

    def get_config(self):
        return self.loss.get_config()

    def keras_entry(self) -> dict:
        """The wrapped loss as Keras writes it (losses.serialize); the weight is compile()'s."""
        return losses.serialize(self.loss)

    def __repr__(self):
        return f"<WeightedLoss {self.loss!r} x {self.weight}>"


def _adds_losses(model) -> bool:
    """Whether the last forward pass added a loss (add_loss, a regularizer)."""
    from .penalties import has_weight_penalties

    for layer in model._executor.layers.values():
        tape_losses = getattr(layer, "_tape_losses", None)
        if (tape_losses() if tape_losses is not None else layer.adds_loss):
            return True
    return has_weight_penalties(model)


class Compiled:
    """What compile() fixed: the optimizer, loss and metric identifiers."""

    def __init__(self, model, optimizer, loss, metrics, outputs=None):
        self.model = model
        self.optimizer = optimizers.get(optimizer)
        self.outputs = outputs  # multi_output.OutputLosses of a model with several outputs, else None
        self.loss_fn = losses.get(loss) if outputs is None else None
        self.metric_ids = list(metrics or []) if outputs is None else []
        self.metrics_given = metrics is not None  # Keras then tracks 'compile_metrics'
        self.metrics: list | None = None
        self.loss_weights = None  # compile()'s loss_weights as given (JSON numbers), which files keep
        self.reset_optimizer()

    def reset_optimizer(self) -> None:
        """Forget the optimizer's state: the next `ensure_optimizer` builds it afresh."""
        self._stale_builds = self.optimizer._builds if self.optimizer is not None else 0
        self.parked_slots = {}  # {weight: {slot: values}} of weights frozen since the build (freezing.py)

    @property
    def optimizer_built(self) -> bool:
        """True once the optimizer holds state for the model's weights: built (or loaded by
        `load_state_dict`) for their sizes since compile() or the model's last rebuild."""
        opt = self.optimizer
        return opt._builds > self._stale_builds and opt.variable_sizes == tuple(self.model._store.sizes)

    def ensure_optimizer(self) -> None:
        """Apply `trainable` changes (freezing.py), then build the optimizer if it is not."""
        sync_trainable(self.model)
        if not self.optimizer_built:
            self.optimizer.build(self.model._store.sizes)

    def resolve_metrics(self, y) -> list:
        """The metric objects, made for the targets `y` (a list with several outputs)."""
        if self.metrics is None and self.outputs is not None:
            self.metrics = self.outputs.resolve(y, self.model)
        if self.metrics is None:
            out_shape = (len(y), *self.model.output_shape[1:])
            self.metrics = [metrics_mod.get(m, y_true_shape=y.shape, y_pred_shape=out_shape) for m in self.metric_ids]
        return self.metrics


def compile_model(model, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None, weighted_metrics=None,
                  run_eagerly=False, steps_per_execution=1, jit_compile="auto", auto_scale_loss=True):
    if loss is None and not is_multi_output(model):   # Keras trains on the model's added losses alone
        # (and, having no compiled loss to weight, leaves loss_weights unused)
        if weighted_metrics is not None or isinstance(metrics, dict):
            raise ValueError("compile() without a loss takes no weighted_metrics or per-output metrics; "
                             "received loss=None.")
        model.compiled = Compiled(model, optimizer, None, metrics)
        model.compiled.loss_fn = AddedLossesOnly(model)
        model.optimizer = model.compiled.optimizer
        model.loss = None
        return
    if weighted_metrics is not None:
        raise ValueError("weighted_metrics are not supported; compile()'s metrics are unweighted, as in Keras.")
    check_loss_weights(loss_weights)
    outputs, weight = None, None
    if is_multi_output(model):
        outputs = OutputLosses(model, loss, loss_weights, metrics)
    elif isinstance(metrics, dict) or isinstance(loss, (dict, list, tuple)) or loss_weights is not None:
        if hasattr(model, "_output_ids"):   # {"dense": "mse"}, loss_weights=[0.5], as Keras
            loss, metrics, weight = single_output_args(model, loss, metrics, loss_weights)
        elif isinstance(metrics, dict) or isinstance(loss, (dict, list, tuple)):
            raise ValueError(f"Model '{model.name}' has one output: pass a single loss and a list of metrics "
                             "(per-output losses and metrics are for models with several outputs).")
        else:   # a subclassed model: one output, a bare weight (or a list of one)
            weight = one_loss_weight(loss_weights, [], False)
    if loss is None:
        raise ValueError("compile() needs a loss, e.g. loss='categorical_crossentropy'; received loss=None.")
    model.compiled = Compiled(model, optimizer, loss, metrics, outputs)
    model.compiled.loss_weights = _plain(loss_weights)   # as given: files write it as Keras's compile_config does
    if weight is not None and weight != 1.0:
        model.compiled.loss_fn = WeightedLoss(model.compiled.loss_fn, weight)
    model.optimizer = model.compiled.optimizer
    model.loss = loss


def require_compiled(model):
    if model.compiled is None:
        raise RuntimeError(f"You must call compile() before training or evaluating model '{model.name}'.")
    return model.compiled


def _plain(value):
    """compile()'s loss_weights as JSON takes them (NumPy numbers as Python floats)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return None if value is None else float(value)
