"""Keras 3's per-batch methods (`train_on_batch`, `test_on_batch`, `predict_on_batch`),
its metric bookkeeping (`metrics_names`, `reset_metrics`) and `get_layer`, mixed into the
model classes.

As in Keras 3, each batch method starts from reset metrics, so it reports that batch alone:
the loss, or `[loss, *metrics]`, or a dict with `return_dict=True`.
"""

from __future__ import annotations

import numpy as np

from .callbacks import keras_logs
from .compiled import require_compiled
from .data_adapter import as_inputs, as_model_targets, sample_weights
from .loop import evaluate_arrays
from .prediction import parallel_layers
from .steps import train_step


class BatchAPI:
    """`train_on_batch`, `test_on_batch`, `predict_on_batch`, `metrics_names`,
    `reset_metrics` and `get_layer` with Keras 3's arguments and results."""

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One optimizer step on this batch; returns its loss (and metrics)."""
        c = require_compiled(self)
        xs = as_inputs(self, x)
        y = as_model_targets(self, y, len(xs[0]))
        weights = sample_weights(y, sample_weight, class_weight)
        c.ensure_optimizer()
        c.resolve_metrics(y)
        self.reset_metrics()
        with parallel_layers(self):
            loss = train_step(self, xs, y, weights)
        return _results({"loss": loss, **{m.name: float(m.result()) for m in c.metrics}}, return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """The loss (and metrics) of this batch, the model in inference mode."""
        require_compiled(self)
        xs = as_inputs(self, x)
        y = as_model_targets(self, y, len(xs[0]))
        self.reset_metrics()
        logs = evaluate_arrays(self, xs, y, len(xs[0]), weights=sample_weights(y, sample_weight, None))
        return _results(logs, return_dict)

    def predict_on_batch(self, x) -> np.ndarray:
        """The model's outputs for this batch (inference mode), as one NumPy array."""
        n = len(x[0] if isinstance(x, (list, tuple)) else x)
        return self.predict(x, batch_size=max(n, 1), verbose=0)

    @property
    def metrics_names(self) -> list[str]:
        """Keras 3's names of the model's metric trackers: [] before compile(), then 'loss',
        'compile_metrics' when compile() was given `metrics`, and each output's loss."""
        c = self.compiled
        if c is None:
            return []
        per_output = [] if c.outputs is None else [f"{n}_loss" for n in c.outputs.loss_order]   # multi_output.py
        return ["loss"] + (["compile_metrics"] if c.metrics_given else []) + per_output

    def reset_metrics(self) -> None:
        """Reset the state of the compiled metrics."""
        c = self.compiled
        for m in (c.metrics or []) if c is not None else []:
            m.reset_state()

    def get_layer(self, name: str | None = None, index: int | None = None):
        """The layer called `name`, or at `index` of `model.layers` (one of the two)."""
        if index is not None and name is not None:
            raise ValueError(f"Provide only a layer name or a layer index. Received: index={index}, name={name}.")
        if index is not None:
            if len(self.layers) <= index:
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only has "
                                 f"{len(self.layers)} layers.")
            return self.layers[index]
        if name is not None:
            for layer in self.layers:
                if layer.name == name:
                    return layer
            raise ValueError(f"No such layer: {name}. Existing layers are: {[l.name for l in self.layers]}.")
        raise ValueError("Provide either a layer name or layer index at `get_layer`.")


def _results(logs: dict, return_dict: bool):
    """Keras's return value: the logs, their one value, or their values in order."""
    if return_dict:
        return keras_logs(logs)   # keys sorted, as Keras's
    values = list(logs.values())
    return values[0] if len(values) == 1 else values
