"""`trainable` set after a model is built, as Keras 3 has it.

`layer.trainable` and `model.trainable` are flags read when they matter: the weight lists
and `summary()` reflect them at once, a frozen BatchNormalization runs in inference mode,
and the next `compile()`, `fit()` or `train_on_batch()` re-partitions the weights
(`sync_trainable`): the frozen ones leave the optimizer's vector, the executor stops
back-propagating into layers that no longer learn. As on Keras 3's PyTorch backend, a
change takes effect without re-compiling: the optimizer keeps its iterations and each
weight's slots (a weight frozen and unfrozen again finds its slots where it left them).
"""

from __future__ import annotations

import numpy as np

from .parameters import ParameterStore


class TrainableState:
    """Keras's `trainable`, `trainable_weights` and `non_trainable_weights` for a model."""

    @property
    def trainable(self) -> bool:
        """Whether the model trains at all; setting it sets every layer's flag (Keras)."""
        return self._trainable

    @trainable.setter
    def trainable(self, value) -> None:
        value = bool(value)
        self._trainable = value
        for layer in self._flag_layers():
            layer.trainable = value
        for owner in {id(o): o for o in getattr(self, "_owners", {}).values()}.values():
            if owner is not self:       # a nested model's own flag too, as Keras sets it recursively
                owner.trainable = value

    def _flag_layers(self) -> list:
        """Every layer whose flag `model.trainable = ...` sets."""
        return list(getattr(self, "_layers_by_id", {}).values()) or list(self.layers)

    def _is_trainable(self, layer, w) -> bool:
        return self.trainable and layer.trainable and w.trainable

    @property
    def trainable_weights(self) -> list[np.ndarray]:
        """The weights training changes, in Keras's order ([] before the model is built)."""
        return [l.values[w.name] for l, w in self._entries() if self._is_trainable(l, w)]

    @property
    def non_trainable_weights(self) -> list[np.ndarray]:
        """The other weights: frozen layers' and moving statistics, in Keras's order."""
        return [l.values[w.name] for l, w in self._entries() if not self._is_trainable(l, w)]

    def _entries(self):
        return [(l, w) for l, w, _ in self._store.entries] if self.built else []


def trainable_key(model) -> tuple:
    """The flags the model's weights were partitioned by."""
    return (model.trainable, *(layer.trainable for layer in model._store.layers))


def sync_trainable(model) -> None:
    """Re-partition `model`'s weights if a `trainable` flag changed since they were
    partitioned, or another model sharing its layers took them into its own store; a built
    optimizer keeps its iterations and every weight's slots."""
    if not model.built or (model._store_key == trainable_key(model) and model._store.is_bound()):
        return
    old = model._store
    c = model.compiled
    slots = _slots_by_weight(old, c) if c is not None and c.optimizer_built else None
    model._store = ParameterStore(old.layers, model.trainable)
    model._store_key = trainable_key(model)
    model._executor.plan_gradients(model.trainable)
    if slots is not None:
        _rebuild_optimizer(model._store, c, slots)


def _weights(store):
    """(key, start, stop) of each trainable weight in the store's flat vector."""
    start = 0
    for layer, w, t in store.entries:
        if t:
            stop = start + int(np.prod(w.shape))
            yield (id(layer), w.name), start, stop
            start = stop


def _slots_by_weight(store, compiled) -> dict:
    """{weight key: {slot: values}}: the optimizer's state of each weight it was built for,
    those parked when frozen earlier included."""
    state = compiled.optimizer._state
    slots = dict(compiled.parked_slots)
    for key, a, b in _weights(store):
        slots[key] = {k: v[a:b].copy() for k, v in state.items()}
    return slots


def _rebuild_optimizer(store, compiled, slots: dict) -> None:
    """Build the optimizer for the store's trainable weights, each with its slots from
    `slots` (initial values for a weight it has never seen); park the others."""
    opt = compiled.optimizer
    opt.build(store.sizes)
    for key, a, b in _weights(store):
        for k, values in slots.pop(key, {}).items():
            if k in opt._state:
                opt._state[k][a:b] = values
    compiled.parked_slots = slots
