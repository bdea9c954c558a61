"""User-written losses: a function `(y_true, y_pred)` built from ops, or a `Loss` subclass
that writes `call(y_true, y_pred)`. The values come from the function; their gradient
from the tape (tape.py), weighted and reduced as Keras reduces them."""

from __future__ import annotations

import numpy as np

from .losses import Loss, _both, _same_rank
from .tape import Tape, as_array


class TapeLoss(Loss):
    """A loss whose per-sample values a Python function computes (Keras's
    `LossFunctionWrapper` for a function; the subclass's own `call` for a `Loss`)."""

    def __init__(self, fn, name=None, reduction="sum_over_batch_size", same_rank=True, source=None):
        super().__init__(name or getattr(fn, "__name__", "loss"), reduction)
        self.fn, self._same_rank = fn, same_rank
        self.source = fn if source is None else source  # what compile() took

    def call(self, y_true, y_pred):
        return self.fn(y_true, y_pred)

    def _run(self, y_true, y_pred, sample_weight, y_mask, grad: bool):
        p = np.asarray(y_pred, dtype=np.float32)
        t = np.asarray(y_true, dtype=np.float32)
        if self._same_rank:
            t, p2 = _same_rank(t, p)
        else:
            p2 = p
        with Tape() as tape:
            leaf = tape.watch(p2)
            out = self.fn(t, leaf)
        values = np.asarray(as_array(out), dtype=np.float32)
        w, div = self._coef(values, sample_weight, _both(None, y_mask))
        if self.reduction in (None, "none") and values.ndim and not grad:
            return values * w, None
        loss = self._reduce(values, w, div)
        if not grad:
            return loss, None
        scale = (w / div if div else np.zeros_like(w)).astype(np.float32)
        tape.gradients([out], [np.broadcast_to(scale, values.shape)])
        g = np.zeros(p2.shape, np.float32) if leaf.grad is None else np.asarray(leaf.grad, np.float32)
        return loss, np.ascontiguousarray(g.reshape(p.shape))

    def __call__(self, y_true, y_pred, sample_weight=None, y_mask=None):
        return self._run(y_true, y_pred, sample_weight, y_mask, False)[0]

    def value_and_grad(self, y_true, y_pred, sample_weight=None, y_mask=None):
        return self._run(y_true, y_pred, sample_weight, y_mask, True)

    def fused_value_and_grad(self, y_true, y_pred, activation_name, sample_weight=None, y_mask=None):
        return None

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}

    def keras_entry(self) -> dict:
        """How Keras serializes the loss compile() took: a function by its name, a `Loss`
        subclass by its class and config (files name code, never hold it)."""
        src = self.source
        if isinstance(src, Loss):
            cls = type(src)
            return {"module": None if cls.__module__ == "__main__" else cls.__module__, "class_name": cls.__name__,
                    "config": src.get_config(), "registered_name": cls.__name__}
        return {"module": "builtins", "class_name": "function", "config": getattr(src, "__name__", "loss"),
                "registered_name": "function"}


def from_entry(entry, custom_objects):
    """The loss a Keras compile_config names when it is user code (a function, a `Loss`
    subclass), made from the caller's `custom_objects`; None for a built-in loss.
    ValueError names the loss when `custom_objects` does not hold it."""
    if not isinstance(entry, dict):
        return None
    module, cls_name = entry.get("module"), entry.get("class_name")
    if cls_name != "function" and (entry.get("registered_name") is None or str(module).startswith("keras")):
        return None
    custom = custom_objects or {}
    if cls_name == "function":
        name = entry.get("config")
        found = custom.get(name)
    else:
        name = entry.get("registered_name") or cls_name
        found = custom.get(name) or custom.get(cls_name)
        if isinstance(found, type):
            found = found.from_config(dict(entry.get("config") or {}))
    if found is None:
        raise ValueError(f"the loss '{name}' is user code; pass it as custom_objects={{'{name}': ...}} to "
                         "load_model (VisualNet never takes code from a file)")
    return wrap(found)


def wrap(identifier):
    """A `TapeLoss` for a user function or a `Loss` subclass that writes `call`; None when
    `identifier` is neither."""
    if isinstance(identifier, TapeLoss):
        return identifier
    if isinstance(identifier, Loss):
        if type(identifier).call is not Loss.call and type(identifier)._compute is Loss._compute:
            return TapeLoss(identifier.call, identifier.name, identifier.reduction, same_rank=False, source=identifier)
        return None
    if callable(identifier) and not isinstance(identifier, type):
        return TapeLoss(identifier)
    return None
