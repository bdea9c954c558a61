"""Keras's public `layer.compute_mask(inputs, previous_mask=None)` on the built-in layers.

Inside a model the executor calls `compute_mask(inputs, masks)` with a list of arrays and
a list of masks (one per input). A program calls Keras's form: one tensor and its mask (or
lists of them for a merging layer), e.g. `Embedding(10, 8, mask_zero=True).compute_mask(ids)`.
Each built-in layer's method is wrapped once, at class creation (`Layer.__init_subclass__`),
so that both forms give Keras's answer: a layer that makes or changes masks computes it
from the arrays; one that keeps Keras's base method returns the mask it was given (Keras's
`Layer.compute_mask` returns `previous_mask`, whether or not the layer supports masking).
"""

from __future__ import annotations

import functools

import numpy as np

from ..tape import as_array
from ..variables import as_tensor


def _executor_form(inputs, previous_mask) -> bool:
    """Whether a call is the executor's: a list of arrays and a list of masks (or None)."""
    return (isinstance(inputs, list) and all(isinstance(a, np.ndarray) for a in inputs)
            and (previous_mask is None or isinstance(previous_mask, list)))


def _mask_array(mask):
    return None if mask is None else np.asarray(as_array(mask), dtype=bool)


def keras_form(method, base: bool = False):
    """`method(self, inputs, masks)` (the executor's form) also taking Keras's public form;
    `base`: the base class's method, which in Keras's form returns `previous_mask`."""
    if getattr(method, "keras_form", False):
        return method

    @functools.wraps(method)
    def compute_mask(self, inputs, previous_mask=None):
        if _executor_form(inputs, previous_mask):
            return method(self, inputs, [None] * len(inputs) if previous_mask is None else previous_mask)
        if base:   # a layer that uses the mask up (GlobalAveragePooling1D) returns None, as Keras's
            return None if self.takes_mask and not self.supports_masking else previous_mask
        if isinstance(inputs, (list, tuple)) and getattr(self.spec, "max_inputs", 1) != 1:   # a merging layer
            masks = list(previous_mask) if isinstance(previous_mask, (list, tuple)) else [previous_mask] * len(inputs)
            return method(self, [np.asarray(as_array(x)) for x in inputs], [_mask_array(m) for m in masks])
        return method(self, [np.asarray(as_array(inputs))], [_mask_array(previous_mask)])

    compute_mask.keras_form = True
    return compute_mask


def with_eager_mask(layer, out, arrays: list, masks: list):
    """`out` (a layer's eager result) carrying Keras's `_keras_mask` when the layer makes a
    mask (Embedding with mask_zero, Masking) or passes on the one its input carries."""
    if not (layer.makes_mask or (layer.supports_masking and any(m is not None for m in masks))):
        return out
    mask = layer.compute_mask(arrays, [None if m is None else np.asarray(m, bool) for m in masks])
    if mask is not None:
        out._keras_mask = as_tensor(np.asarray(mask, bool))
    return out


def symbolic_mask(tensor):
    """`KerasTensor._keras_mask`: whether a mask reaches `tensor`, found as the executor
    would make it (each layer's `compute_mask` on placeholder arrays); a (batch, steps)
    boolean KerasTensor, or None."""
    from ..tensor import KerasTensor

    shape = _mask_shape(tensor, {})
    if shape is None:
        return None
    t = KerasTensor(shape, tensor.layer, tensor.inputs)
    t.dtype = "bool"
    return t


def _mask_shape(t, seen: dict):
    """The (batch, steps) shape of the mask reaching `t`, or None without one."""
    key = (t.call_key, t.port)
    if key not in seen:
        seen[key] = _made(t, seen)
    return seen[key]


def _made(t, seen: dict):
    layer, parents = t.layer, t.inputs
    if not parents or t.port:   # an input; a layer's further outputs (an RNN's states) carry none
        return None
    masks = [_mask_shape(p, seen) for p in parents]
    if not (layer.makes_mask or (layer.supports_masking and masks[0] is not None)):
        return None
    own = tuple(parents[0].shape[:2])
    if not hasattr(layer, "config"):   # a user layer that supports masking: passes it on or makes one
        return masks[0] if masks[0] is not None else own
    arrays = [np.zeros((1, *(d or 1 for d in p.shape[1:])), np.float32) for p in parents]
    given = [np.ones(a.shape[:2], bool) if m is not None and a.ndim >= 2 else None for a, m in zip(arrays, masks)]
    try:
        made = layer.compute_mask(arrays, given)
    except (ValueError, TypeError, IndexError, AttributeError):
        made = given[0]
    if made is None:
        return None
    return masks[0] if masks[0] is not None else own
