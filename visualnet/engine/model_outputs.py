"""Calling a model on arrays (`model(x, training=...)`) and predicting with several
outputs: the executor runs once per chunk and every output node's result is kept."""

from __future__ import annotations

import numpy as np

from .data_adapter import as_inputs
from .layers.augmentation import called_without_training
from .model_structure import output_shapes, pack_outputs
from .prediction import parallel_layers, prediction_chunk
from .variables import as_tensor


def call_eager(model, x, training=None):
    """Keras's `model(x)`: one forward pass, Dropout and BatchNormalization in training
    mode with `training=True`, augmentation layers also without `training` (None); an
    array-like per output (a dict for dict outputs)."""
    xs = as_inputs(model, x)
    ex = model._executor
    with called_without_training(training is None):
        y = ex.forward(xs, training=bool(training), fuse=False)
    outs = [as_tensor(np.array(r)) for r in ex.results()]
    return pack_outputs(model, outs[0] if len(outs) == 1 else outs)


def predict_outputs(model, x) -> list[np.ndarray]:
    """`predict` of a model with several outputs: one array per output, in order."""
    xs = as_inputs(model, x)
    n, chunk, ex = len(xs[0]), prediction_chunk(model), model._executor
    parts = [[] for _ in model._output_ids]
    with parallel_layers(model):
        for start in range(0, n, chunk):
            ex.forward([a[start:start + chunk] for a in xs], training=False, fuse=True)
            for part, result in zip(parts, ex.results()):
                part.append(result.copy())
    return [np.concatenate(p) if p else np.empty((0, *s[1:]), np.float32)
            for p, s in zip(parts, output_shapes(model))]

