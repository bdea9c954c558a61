"""The PyTorch (`torch.nn`) script of a model (code_export.py): one `nn.Module` whose
submodules and forward come from each layer type's `TorchForm`, the masks of masked models
(torch_masks.py), the weights mapped to PyTorch's layout, Keras's losses, optimizers,
regularizers and constraints, and training (under torchrun too)."""

from __future__ import annotations

import json

from ..graph import infer_shapes
from . import torch_losses, torch_optimizers, torch_weight_rules
from .code_export_parts import (_TORCH_MAIN, _check_weights_option, _idents, _keras_shapes, _parts, _py_literals,
                                _recipe_comment, _torch_refs, _weights_block, _weights_npz)
from .torch_helpers import helper_source
from .torch_masks import mask_plan
from .torch_script_source import RUN_SOURCE, SAVE_SOURCE

_TORCH_LOSSES = torch_losses.SOURCE  # keras_loss(name, config): every loss of the engine's LOSSES


def _loss_name(loss) -> str | None:
    """The engine's name of the compiled loss, which the PyTorch script's `keras_loss` takes."""
    from ..engine.losses import canonical_name

    return None if loss is None else canonical_name(loss)


def _torch_weight_map(node, shapes) -> dict:
    form = node.spec.torch
    return form.weights(node.params, shapes) if callable(form.weights) else form.weights


def _torch_parts(graph, order, ids, info, activity=None, masks=None):
    """(submodule lines, forward lines, state_dict lines, helper names) of the model;
    `activity`: {node id: (class, config)} of the activity regularizers to apply; `masks`:
    the model's MaskPlan (torch_masks.py), None without masks."""
    init, fwd, state, helpers = [], [], [], []
    for nid in order:
        node = graph.nodes[nid]
        if node.type == "Input":
            continue
        form, shapes = node.spec.torch, info[nid].input_shapes
        if form is None:
            raise ValueError(f"Layer type {node.type} has no PyTorch export rule.")
        helpers += form.helpers
        m = f"self.{ids[nid]}"
        if form.module is not None:
            init.append(f"        {m} = {form.module(node.params, shapes)}")
        xs = _torch_refs(graph, ids, nid)
        expr = form.forward(node.params, shapes, xs, m)
        if masks is not None and nid in masks.forward:
            expr = masks.forward[nid]
        if activity and nid in activity:
            cls, config = activity[nid]
            expr = f"activity_regularize(self, {expr}, {cls!r}, {config!r})"
        fwd.append(f"        {ids[nid]} = {expr}")
        if masks is not None:
            fwd += [f"        {line}" for line in masks.after.get(nid, ())]
        weights = _torch_weight_map(node, shapes)
        for i, w in enumerate(node.spec.weights(node.params, shapes)):
            entry = weights[w.name]
            for name, suffix in (entry if isinstance(entry[0], tuple) else (entry,)):
                state.append(f"        \"{ids[nid]}.{name}\": data[{f'{node.name}/{i}'!r}]{suffix},")
    if masks is not None:
        helpers += masks.helpers
    return init, fwd, state, helpers


def torch_script(model, weights: str | None = "npz", training: dict | None = None, recipe=None,
                 npz_name: str = "model_weights.npz") -> tuple[str, bytes | None]:
    """The PyTorch script's text and the weights .npz bytes (None without weights)."""
    _check_weights_option(weights)
    graph, order, out_id, settings = _parts(model, training)
    ids = _idents(graph, order)
    inputs = [nid for nid in order if graph.nodes[nid].type == "Input"]
    info = infer_shapes(graph)
    regularized, constrained, activity = torch_weight_rules.tables(graph, order, ids, info, _torch_weight_map)
    masks = mask_plan(model, graph, order, ids, lambda nid: _torch_refs(graph, ids, nid))
    init, fwd, state, helpers = _torch_parts(graph, order, ids, info, activity, masks)
    if masks is not None and masks.output is not None:   # Keras's loss is the mean over the unmasked entries
        fwd.append(f"        self.output_mask = {masks.output}")
    fwd.append(f"        return {ids[out_id]}")
    npz = _weights_npz(model, graph, order) if weights else None
    opt, loss = settings.get("optimizer"), settings.get("loss")
    text = f'''"""Rebuilds the VisualNet model {model.name!r} in PyTorch (torch.nn), with its training set-up.

Exported by VisualNet. Tensors stay channels-last (batch, height, width, channels) as in Keras.
Run `python {{this file}} --help`.
"""

import argparse
import base64
import io
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

INPUT_NAMES = {[graph.nodes[i].name for i in inputs]!r}
OPTIMIZER = {json.dumps(opt) if opt is not None else "None"}
LOSS = {json.dumps(loss) if loss is not None else "None"}
LOSS_NAME = {_loss_name(loss)!r}
METRICS = {json.dumps(settings.get("metrics") or [])}
EPOCHS = {int(settings.get("epochs", 10))!r}
BATCH_SIZE = {int(settings.get("batch_size", 32))!r}
SHUFFLE = {bool(settings.get("shuffle", True))!r}
REGULARIZED = {json.dumps(regularized)}
CONSTRAINED = {json.dumps(constrained)}
{_recipe_comment(recipe)}{helper_source(helpers)}{_TORCH_LOSSES}{torch_optimizers.source(opt)}{torch_weight_rules.SOURCE}

class Model(nn.Module):
    def __init__(self):
        super().__init__()
{chr(10).join(init) if init else "        pass"}

    def forward(self, {", ".join(ids[i] for i in inputs)}):
{chr(10).join(fwd)}


def build_model():
    return Model()


{_weights_block(weights, npz, npz_name)}

def state_from(data):
    """The model's state_dict entries from the Keras-ordered arrays `data` (kernels in PyTorch's layout)."""
    return {{
{chr(10).join(state)}
    }}


def load_weights(model):
    """The Keras-ordered arrays as the model's state_dict."""
    data = weight_arrays()
    if data is None:
        return
    model.load_state_dict({{k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in state_from(data).items()}})


KERAS_SHAPES = {{{"".join(f"{chr(10)}    {k!r}: {v!r}," for k, v in _keras_shapes(model, graph, order).items())}
}}
{SAVE_SOURCE}{RUN_SOURCE}''' + _TORCH_MAIN
    return _py_literals(text), npz
