"""Keras's optimizer calls on lists of variables: `optimizer.apply(grads, variables)` and
`optimizer.apply_gradients(zip(grads, variables))`, as a custom `train_step` makes them.

The engine's optimizers step flat vectors (one kernel over all weights). Here the
variables' values are gathered into one vector, stepped, and written back; the optimizer's
state is built for the first list of sizes it is given and kept while the sizes stay (so
`model.optimizer` keeps the state `fit` built for `model.trainable_weights`, and a GAN's two
optimizers each keep their own model's).
"""

from __future__ import annotations

import numpy as np


def _value(variable) -> np.ndarray:
    """The live array of a variable: an array as `trainable_weights` lists it, a `Variable`
    (`layer.kernel`, a custom layer's weight)."""
    value = variable if isinstance(variable, np.ndarray) else getattr(variable, "value", None)
    if not isinstance(value, np.ndarray) or value.dtype != np.float32:
        raise TypeError(f"optimizer.apply takes the model's weights (model.trainable_weights, layer.kernel, ...); "
                        f"received {type(variable).__name__}.")
    return value


def apply_to_variables(optimizer, grads, variables) -> None:
    """One optimizer step: each variable moves by its gradient (None: no gradient, zeros)."""
    grads, variables = list(grads), list(variables)
    if len(grads) != len(variables):
        raise ValueError(f"optimizer.apply received {len(grads)} gradients for {len(variables)} variables.")
    arrays = [_value(v) for v in variables]
    for g, a, v in zip(grads, arrays, variables):
        if g is not None and np.shape(g) != a.shape:
            raise ValueError(f"The gradient for variable {getattr(v, 'path', getattr(v, 'name', '?'))} has shape "
                             f"{np.shape(g)}; the variable has shape {a.shape}.")
    sizes = tuple(a.size for a in arrays)
    if not optimizer.built or tuple(optimizer.variable_sizes or ()) != sizes:
        optimizer.build(list(sizes))
    params = np.concatenate([a.ravel() for a in arrays]) if arrays else np.zeros(0, np.float32)
    flat = np.concatenate([np.zeros(a.size, np.float32) if g is None else
                           np.asarray(g, np.float32).ravel() for g, a in zip(grads, arrays)]) \
        if arrays else np.zeros(0, np.float32)
    optimizer.apply(np.ascontiguousarray(params), np.ascontiguousarray(flat))
    start = 0
    for a in arrays:
        a[...] = params[start:start + a.size].reshape(a.shape)
        start += a.size
    for v in variables:          # a custom layer's weight constraint, after the step as Keras applies it
        constraint = getattr(v, "constraint", None)
        if constraint is not None:
            a = _value(v)
            a[...] = np.asarray(constraint(a), np.float32)


def apply_gradients(optimizer, grads_and_vars) -> None:
    """`apply_gradients(zip(grads, variables))`."""
    pairs = list(grads_and_vars)
    apply_to_variables(optimizer, [g for g, _ in pairs], [v for _, v in pairs])
