"""Layers and models called inside a custom layer's `call` (or a subclassed model's), on
the tape: a registry layer runs forward on this pass's twin of it (tape.pass_twin) and its
`backward` becomes the op's rule; a model runs its layers so, one by one."""

from __future__ import annotations

import numpy as np

from .custom_layer import is_python_layer
from .tape import TapeTensor, active_tape, as_array, lift, pass_twin


def call_on_tape(layer, items: list, training, mask=None) -> TapeTensor:
    """A registry layer called inside a custom `call`: its forward on this pass's twin of
    it (with the input's `mask` when given), its backward as the rule (the twin's weight
    gradients added to the layer's)."""
    arrays = [np.ascontiguousarray(as_array(t), dtype=np.float32) for t in items]
    if layer._without_batch(arrays):   # one sample without its batch axis, as Keras takes it
        from .tensor_ops import expand_dims, squeeze
        return squeeze(call_on_tape(layer, [expand_dims(t, 0) for t in items], training), 0)
    layer.build([(None, *a.shape[1:]) for a in arrays])
    tape = active_tape()
    if tape is not None:
        tape.note_layer(layer)
    twin = pass_twin(layer)
    y = twin.forward(arrays, bool(training)) if mask is None else twin.forward(arrays, bool(training), mask=mask)
    y = np.array(y, dtype=np.float32)
    args = [lift(t) for t in items]

    def rule(g):
        dxs = twin.backward(np.ascontiguousarray(g, dtype=np.float32), True)
        for name, grad in twin.grads.items():
            if name in layer.grads:
                layer.grads[name] += grad
        return [None if dx is None else np.array(dx) for dx in dxs]
    return TapeTensor(y, args, rule, tracked=True)


def call_model_on_tape(model, inputs, training):
    """A model called inside a custom `call`: its layers in order, each on the tape."""
    items = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    if not model.built and hasattr(model, "_build_from_data"):
        model._build_from_data(as_array(items[0]))
    model._require_built("calling it")
    ex = model._executor
    # inputs as tensors (untracked when given as arrays), so that `x * weight` is an op on the tape
    made = dict(zip(ex.input_ids, [_as_tensor(lift(t)) for t in items]))
    masks = {}                     # Keras's masks, carried as the executor carries them
    for nid, layer, parents in ex._forward_plan:
        ins = [made[p] for p in parents]
        layer = layer.shares_with or layer
        ms = [masks.get(p) for p in parents]
        mask = None
        if layer.takes_mask and any(m is not None for m in ms):
            mask = ms if getattr(layer, "takes_all_masks", False) else ms[0]
        if is_python_layer(layer):
            made[nid] = layer._call_user(ins[0] if len(ins) == 1 else ins, training,
                                         {} if mask is None else {"mask": mask})
        else:
            made[nid] = call_on_tape(layer, ins, training, mask)
        if ex.makes_masks and (layer.makes_mask or any(m is not None for m in ms)):
            out_mask = layer.compute_mask([np.asarray(as_array(t)) for t in ins], ms)
            if out_mask is not None:
                masks[nid] = out_mask
    outs = [made[n] for n in model._output_ids]
    return outs[0] if len(outs) == 1 else outs


def _as_tensor(x):
    return x if isinstance(x, TapeTensor) else TapeTensor(np.asarray(x, np.float32) if x.dtype == np.float64 else x)
