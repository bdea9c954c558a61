"""Keras's `model.losses` and weight constraints, for a model's training and evaluation.

* Weight regularizers (`kernel_regularizer`, ...): Keras adds `regularizer(weight)` of each
  trainable weight to the loss (trainer.compute_loss sums `model.losses`), in training and
  in evaluate alike; the training step adds each one's gradient to the weight's.
* Activity regularizers (and ActivityRegularization): the layers' `added_loss` from the
  last forward pass (Keras's, divided by the batch size); their gradients come through
  backward (layers/base.py).
* Constraints (`kernel_constraint`, ...): applied to each trainable weight after every
  optimizer step, as Keras's base_optimizer does after the update.
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

_RULES: WeakKeyDictionary = WeakKeyDictionary()  # ParameterStore -> (regularized, constrained)


def _rules(model) -> tuple[list, list]:
    """[(regularizer, layer, weight name)], [(constraint, layer, weight name)] over the
    trainable weights of the model's parameter store, found once per store."""
    store = model._store
    found = _RULES.get(store)
    if found is None:
        regs, cons = [], []
        for layer, w, trainable in store.entries:
            if not trainable:
                continue
            reg, con = layer.weight_rule("regularizer", w.name), layer.weight_rule("constraint", w.name)
            if reg is not None:
                regs.append((reg, layer, w.name))
            if con is not None:
                cons.append((con, layer, w.name))
        _RULES[store] = found = (regs, cons)
    return found


def has_penalties(model) -> bool:
    """Whether training this model adds anything to the loss (a regularizer, ActivityRegularization)."""
    return has_weight_penalties(model) or has_activity_penalties(model)


def has_weight_penalties(model) -> bool:
    return bool(_rules(model)[0])


def has_activity_penalties(model) -> bool:
    """Whether a layer adds a penalty on its output (activity_regularizer, ActivityRegularization)."""
    return any(layer.adds_loss for layer in model._executor.layers.values())


def has_constraints(model) -> bool:
    return bool(_rules(model)[1])


def weight_penalty(model, gradients: bool = False) -> float:
    """The sum of the weight regularizers' penalties; with `gradients`, each one's gradient
    is added to its weight's gradient (call after backward, before the optimizer step)."""
    total = 0.0
    for reg, layer, name in _rules(model)[0]:
        value = layer.values[name]
        total += reg(value)
        if gradients:
            layer.grads[name] += reg.gradient(value)
    return total


def activity_penalty(model) -> float:
    """What the layers added to the loss in the last forward pass (their `added_loss`)."""
    return sum(layer.added_loss for layer in model._executor.layers.values() if layer.adds_loss)


def apply_constraints(model) -> None:
    """Each constrained trainable weight replaced by its projection, in place."""
    for con, layer, name in _rules(model)[1]:
        value = layer.values[name]
        value[...] = con(value)


def penalty_of_pass(model) -> float:
    """Keras's `model.losses` after a forward pass (evaluate's): the activity penalties of
    that pass and the weight penalties, without gradients."""
    return activity_penalty(model) + weight_penalty(model)
