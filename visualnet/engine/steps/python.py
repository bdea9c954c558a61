"""The general training step, run from Python: any loss, sample weights, any metric."""

from __future__ import annotations


def train_step(model, xs, y, sample_weight=None) -> float:
    """One optimizer step on one batch; returns the batch loss. Updates the metrics."""
    c = model.compiled
    ex = model._executor
    y_pred = ex.forward(xs, training=True)
    act = model._layers_by_id[model._output_id].output_activation
    fused = c.loss_fn.fused_value_and_grad(y, y_pred, act, sample_weight=sample_weight) if act else None
    if fused is not None:
        loss_value, grad = fused
        ex.backward(grad, fused_activation=True)
    else:
        loss_value, grad = c.loss_fn.value_and_grad(y, y_pred, sample_weight=sample_weight)
        ex.backward(grad)
    c.optimizer.apply(model._store.trainable, model._store.grads)
    for m in c.metrics:
        m.update_state(y, y_pred, sample_weight=sample_weight)
    return float(loss_value)


class PythonStep:
    """`train_step` on the batch's rows (gathered with NumPy's indexing)."""

    def __init__(self, model, xs, y, weights):
        self.model, self.xs, self.y, self.weights = model, xs, y, weights

    def __call__(self, idx, n, ahead=None) -> float:
        return train_step(self.model, [a[idx] for a in self.xs], self.y[idx],
                          None if self.weights is None else self.weights[idx])

    def close(self) -> None:
        """Nothing runs ahead of this step."""
