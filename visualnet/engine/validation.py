"""The validation pass at the end of a `fit` epoch, as Keras runs it: an evaluation that
the fit's callbacks hear (`on_test_begin`, `on_test_batch_begin/end`, `on_test_end`, with
the logs unprefixed) and whose logs join the epoch's with the "val_" prefix."""

from __future__ import annotations

from .generator_adapter import EpochIterator
from .generator_training import evaluate_source
from .loop import evaluate_arrays


def validation_logs(model, validation, batch_size: int, callbacks=None, should_stop=None) -> dict | None:
    """The "val_" logs of `validation` ((xs, y) or (xs, y, weights) arrays, or an
    EpochIterator), or None when
    `should_stop()` turned true between batches. `callbacks`: fit's CallbackList or None."""
    from .callbacks import uses_hook

    batch_hooks = None
    if callbacks is not None:
        callbacks.on_test_begin()
        if any(uses_hook(callbacks.callbacks, hook) for hook in ("on_test_batch_begin", "on_test_batch_end")):
            batch_hooks = callbacks
    if isinstance(validation, EpochIterator):
        logs = evaluate_source(model, validation, callbacks=batch_hooks, should_stop=should_stop)
    else:
        weights = validation[2] if len(validation) > 2 else None
        logs = evaluate_arrays(model, validation[0], validation[1], batch_size, weights=weights,
                               callbacks=batch_hooks, should_stop=should_stop)
    if logs is None:
        return None
    if callbacks is not None:
        callbacks.on_test_end(logs)
    return {f"val_{k}": v for k, v in logs.items()}
