"""`clone_model`: the same architecture with new layers (freshly initialized weights), as
Keras's `keras.models.clone_model`; nested models go through `clone_function` too."""

from __future__ import annotations

from .lambda_layer import Lambda
from .model_structure import user_structure
from .nesting import shared_layer
from .sequential import Sequential
from .subclassed import clone_subclassed, is_subclassed
from .symbolic_ops import is_op_layer
from .tensor import KerasTensor
from .tracing import input_tensor


def _clone_layer(layer):
    """Keras's default `clone_function`. A Lambda, whose config would be code, is made again
    from its function in memory (what Keras gives after `enable_unsafe_deserialization()`;
    nothing is written or read)."""
    if isinstance(layer, Lambda):
        return Lambda(layer.function, output_shape=layer._lambda_output_shape, mask=layer.mask,
                      arguments=dict(layer.arguments), name=layer.name, trainable=layer.trainable)
    return layer.__class__.from_config(layer.get_config())


def clone_model(model, input_tensors=None, clone_function=None, **kwargs):
    """A copy of the Sequential or functional `model` with new weights. `clone_function(layer)`
    makes each new layer (default: `layer.__class__.from_config(layer.get_config())`);
    `input_tensors` replace the new `Input`s."""
    if kwargs:
        raise ValueError(f"Unexpected keyword argument(s) passed to clone_model: {sorted(kwargs)}. "
                         "VisualNet's clone_model takes input_tensors and clone_function.")
    if is_subclassed(model):    # Keras's: from its config, built, fresh weights (subclassed.py)
        return clone_subclassed(model, input_tensors, clone_function)
    clone_function = clone_function or _clone_layer
    if not callable(clone_function):
        raise ValueError(f"Expected `clone_function` argument to be a callable. Received: "
                         f"clone_function={clone_function}")
    model._require_built("clone_model")
    if input_tensors is not None:
        input_tensors = list(input_tensors) if isinstance(input_tensors, (list, tuple)) else [input_tensors]
        if not all(isinstance(t, KerasTensor) for t in input_tensors):
            raise ValueError(f"Argument `input_tensors` must be KerasTensors. Received invalid value: "
                             f"input_tensors={input_tensors}")
    old_inputs = model.inputs
    inputs = input_tensors or [input_tensor(t.shape[1:], t.name) for t in old_inputs]
    if len(inputs) != len(old_inputs):
        raise ValueError(f"Model '{model.name}' has {len(old_inputs)} input(s); input_tensors holds {len(inputs)}.")
    if isinstance(model, Sequential):
        return type(model)([inputs[0], *(clone_function(layer) for layer in model.layers)], name=model.name,
                           trainable=model.trainable)
    return _clone_functional(model, inputs, clone_function)


def _clone_functional(model, inputs, clone_function):
    """Replay the model's calls, tensor by tensor, on the new inputs: each layer (or nested
    model) cloned once, and called as often as the original was (shared layers stay shared)."""
    made = {id(t): new for t, new in zip(model.inputs, inputs)}  # id(original tensor) -> new tensor
    clones, nested_calls = {}, {}  # id(layer or nested model) -> clone; id(call args) -> outputs
    calls = {}  # id(a call's list of outputs) -> the new call's outputs (an LSTM's [output, h, c])

    def clone_of(item):
        if id(item) not in clones:   # an op on symbolic tensors is replayed, not cloned (symbolic_ops.py)
            clones[id(item)] = item.fresh() if is_op_layer(item) else clone_function(item)
        return clones[id(item)]

    for t in _tensors(model.outputs):
        if id(t) in made:
            continue
        if t.owner is None:
            if t.call is not None and id(t.call) in calls:   # another output of a call made already
                made[id(t)] = calls[id(t.call)][t.port]
                continue
            args = [made[id(p)] for p in t.inputs]
            out = _call(clone_of(t.layer), t.layer, args)
            if t.call is not None:
                calls[id(t.call)] = out
                out = out[t.port]
            made[id(t)] = out
            continue
        if id(t.call_args) not in nested_calls:
            args = [made[id(a)] for a in t.call_args]
            out = clone_of(t.owner)(args[0] if len(args) == 1 else args)
            nested_calls[id(t.call_args)] = out if isinstance(out, list) else [out]
        outs = [shared_layer(t.owner.layers_by_node_id[n]) for n in t.owner.output_node_ids]
        if any(t.layer is o for o in outs):
            made[id(t)] = nested_calls[id(t.call_args)][next(i for i, o in enumerate(outs) if t.layer is o)]
    outputs = [made[id(t)] for t in model.outputs]
    new_inputs = user_structure(model, inputs[0] if len(inputs) == 1 else inputs, "_input_keys")
    new_outputs = user_structure(model, outputs[0] if len(outputs) == 1 else outputs, "_output_keys")
    return type(model)(new_inputs, new_outputs, name=model.name)


def _call(layer, original, args):
    """Call a clone as the original was called: a recurrent layer given states takes them
    as `initial_state` (Keras's `layer(x, initial_state=[h, c])`)."""
    if len(args) > 1 and getattr(original, "layer_type", None) in ("SimpleRNN", "LSTM", "GRU", "Bidirectional"):
        return layer(args[0], initial_state=args[1:])
    return layer(args[0] if len(args) == 1 else args)


def _tensors(outputs) -> list[KerasTensor]:
    """The tensors `outputs` depend on, each after those it is computed from."""
    order, seen = [], set()
    for root in outputs:
        stack = [(root, False)]
        while stack:
            t, expanded = stack.pop()
            if expanded:
                order.append(t)
            elif id(t) not in seen:
                seen.add(id(t))
                stack.append((t, True))
                stack += [(p, False) for p in reversed(t.inputs + list(t.call_args or []))]
    return order
