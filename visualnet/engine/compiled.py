"""What `compile()` fixes: the optimizer, loss and metrics of a model."""

from __future__ import annotations

import numpy as np

from . import losses, metrics as metrics_mod, optimizers
from .freezing import sync_trainable
from .multi_output import OutputLosses, is_multi_output, single_output_args


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
        if weighted_metrics is not None or loss_weights is not None or isinstance(metrics, dict):
            raise ValueError("compile() without a loss takes no loss_weights, weighted_metrics or per-output "
                             "metrics; received loss=None.")
        model.compiled = Compiled(model, optimizer, None, metrics)
        model.compiled.loss_fn = AddedLossesOnly(model)
        model.optimizer = model.compiled.optimizer
        model.loss = None
        return
    if weighted_metrics is not None:
        raise ValueError("weighted_metrics are not supported; compile()'s metrics are unweighted, as in Keras.")
    outputs = None
    if is_multi_output(model):
        outputs = OutputLosses(model, loss, loss_weights, metrics)
    elif isinstance(metrics, dict) or isinstance(loss, (dict, list, tuple)) or loss_weights is not None:
        if not hasattr(model, "_output_ids"):
            raise ValueError(f"Model '{model.name}' has one output: pass a single loss and a list of metrics "
                             "(per-output losses, metrics and loss_weights are for models with several outputs).")
        loss, metrics = single_output_args(model, loss, metrics, loss_weights)   # {"dense": "mse"}, as Keras
    if loss is None:
        raise ValueError("compile() needs a loss, e.g. loss='categorical_crossentropy'; received loss=None.")
    model.compiled = Compiled(model, optimizer, loss, metrics, outputs)
    model.optimizer = model.compiled.optimizer
    model.loss = loss


def require_compiled(model):
    if model.compiled is None:
        raise RuntimeError(f"You must call compile() before training or evaluating model '{model.name}'.")
    return model.compiled
