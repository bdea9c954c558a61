"""Prediction in cache-sized chunks: what `predict`, `evaluate` and validation run."""

from __future__ import annotations

import contextlib

import numpy as np

from .data_adapter import as_inputs, check_batch_size, clipped, unpack_dataset
from .runtime.fpmode import flush_denormals
from .runtime.split import layer_parallel, layer_parts, serial_layers, split


@contextlib.contextmanager
def parallel_layers(model, predicting: bool = False):
    """The threading and floating-point mode of a loop over `model`'s batches: denormals
    flushed (runtime/fpmode.py), and `layer_parallel()` when a layer splits its batch over
    the cores (convolutions, large Dense layers; see runtime/split.py; `predicting`, also
    the recurrent layers' forward-only rows), yielding its control; else OpenBLAS's own
    threads, yielding None."""
    with flush_denormals():
        if any(getattr(layer, "splits_batch", False)
               or (predicting and getattr(layer, "splits_rows_predicting", False))
               for layer in model._layers_by_id.values()):
            with layer_parallel() as control:
                yield control
        else:
            yield None


CACHE_BYTES = 8 << 20  # the largest activation of a prediction chunk stays about this size (measured)


def prediction_chunk(model) -> int:
    """Samples per forward pass when predicting: as many as keep the largest layer output
    within a few MB, so each layer's output is still in cache when the next reads it.
    Prediction is per sample (no layer mixes samples when not training), so the batch
    size only changes speed: the results are those of the requested batches."""
    largest = max((int(np.prod([d for d in l.output_shape[1:] if d])) for l in model._layers_by_id.values()
                   if l.output_shape is not None), default=1)
    return max(8, CACHE_BYTES // (4 * max(largest, 1)))


def forward_predict(model, xs, start, stop, chunk, out=None):
    """The outputs for samples start:stop, computed `chunk` samples at a time into `out`
    (allocated when None) or, in one piece, returned as the executor's buffer. Inside
    `layer_parallel`, with `out` given, each part runs whole chunks on its own replica of
    the executor (no hand-over between layers, each core's data in its own cache)."""
    ex = model._executor
    if stop - start <= chunk and out is None:
        return ex.forward([a[start:stop] for a in xs], training=False, fuse=True)
    runners = prediction_runners(ex) if out is not None else [ex]
    step = chunk * len(runners)
    for s0 in range(start, stop, step):
        s1 = min(s0 + step, stop)
        if len(runners) == 1:
            y = ex.forward([a[s0:s1] for a in xs], training=False, fuse=True)
            if out is None:
                out = np.empty((stop - start, *y.shape[1:]), dtype=np.float32)
            out[s0 - start:s1 - start] = y
            continue

        def part(lo, hi, i, s0=s0):
            with serial_layers():
                y = runners[i].forward([a[s0 + lo:s0 + hi] for a in xs], training=False, fuse=True)
            out[s0 - start + lo:s0 - start + hi] = y

        split(s1 - s0, part, len(runners))
    return out


def prediction_runners(ex):
    """`ex` and, inside `layer_parallel` with several parts, a replica per further part
    (made once per executor)."""
    return [ex] + ex.replicas((layer_parts() or 1) - 1)


def predict(model, x, batch_size=None, verbose="auto", callbacks=None):
    """Keras's `predict`: the outputs for all samples, in chunks whatever the batch size.
    With `callbacks`, batch by batch (`batch_size`, 32 by default), each batch's outputs
    passed to `on_predict_batch_end` as Keras passes them."""
    x, _, batch_size = unpack_dataset(x, None, batch_size)
    xs = as_inputs(model, x)
    batch_size = check_batch_size(batch_size)  # checked as Keras does; the results do not depend on it
    n = len(xs[0])
    if n == 0:
        return np.empty((0, *model.output_shape[1:]), dtype=np.float32)
    out = np.empty((n, *model.output_shape[1:]), dtype=np.float32) if None not in model.output_shape[1:] else None
    if callbacks and out is not None:
        return _predict_with_callbacks(model, xs, n, out, batch_size, callbacks, verbose)
    # chunks of prediction_chunk samples, whatever the batch size; a model running user code
    # (whose call may mix samples, as ops.tensordot over the batch does) in Keras's batches
    chunk = clipped(batch_size or 32, n) if model._executor._python else prediction_chunk(model)
    with parallel_layers(model, predicting=True):
        return forward_predict(model, xs, 0, n, chunk, out)


def _predict_with_callbacks(model, xs, n, out, batch_size, callbacks, verbose):
    from .callbacks import CallbackList

    cbs = CallbackList(callbacks)
    cbs.set_model(model)
    step = clipped(batch_size, n)
    cbs.set_params({"steps": -(-n // step), "verbose": verbose})
    cbs.on_predict_begin()
    chunk = prediction_chunk(model)
    with parallel_layers(model, predicting=True):
        for batch, start in enumerate(range(0, n, step)):
            stop = min(start + step, n)
            cbs.on_predict_batch_begin(batch)
            forward_predict(model, xs, start, stop, chunk, out[start:stop])
            cbs.on_predict_batch_end(batch, {"outputs": out[start:stop]})
    cbs.on_predict_end()
    return out
