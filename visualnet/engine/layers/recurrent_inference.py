"""The forward-only path of SimpleRNN, LSTM and GRU: what predict and evaluate run.

A forward that no backward follows (training=False) runs kernels/recurrent_infer.py: the
batch-major input as it arrives, each step's input product fused into the step, nothing
stored for backward, the outputs written batch-major. The batch's rows are independent,
so they run as parallel parts on the runtime's workers (runtime/split.py) where the work
pays for the hand-over; inside a parallel prediction's part (`serial_layers`) they run as
one. Switches, each with a test comparing it with the path it replaces:
`FORWARD_ONLY` (off: the training kernels' forward, one step's gates kept), `SPLIT`
(off: one part), `EMBEDDED` (off: the product per step, below) and `ONE_LOOP` (off: LSTM,
GRU and SimpleRNN with Keras's default activations run a loop per gate, as other activations
do, instead of one loop per row for all of a unit's gates; the same results, bit for bit).

Embedding -> recurrent layer: where the layer's input is exactly the array an Embedding
returned in this thread's last forward (`note_embedding`; checked by identity, so an
eager call on other data never takes it) and it looks up more ids than the table has
rows, the step reads row `id` of the table projected once (table · kernel + bias, the same
sums) instead of multiplying the embedded vector: W5's input product, half its work,
becomes a copy. The projection is kept (with copies of the weights it was made from,
compared on each use) while the weights stay the same.
"""

from __future__ import annotations

import threading
import weakref

import numpy as np

from ..kernels import recurrent as compiled
from ..kernels import recurrent_infer as infer
from ..runtime.split import split

FORWARD_ONLY = True  # whether predict/evaluate run the fused forward-only kernels
SPLIT = True  # whether their rows run as parallel parts
EMBEDDED = True  # whether an Embedding's output is read through its projected table
ONE_LOOP = True  # whether Keras's default activations run in one loop per row (LSTM, GRU, SimpleRNN)
MIN_PART_MACS = 1 << 21  # multiply-adds below which a part costs less than handing it to another thread
_local = threading.local()  # .last: (weakref to an Embedding's output, its table, its ids)
_projections: dict = {}  # (id(table), id(kernel)) -> (table, kernel, bias copies, projection)
_lock = threading.Lock()


def note_embedding(table, ids, output) -> None:
    """An Embedding's forward (not training) returned `output` = table[ids]."""
    _local.last = (weakref.ref(output), table, ids)


def _embedded(x, kernel, packed, bias, has_bias, tiles):
    """(ids, projected table) when `x` is the last noted Embedding output and projecting
    pays, else two empty arrays."""
    last = getattr(_local, "last", None)
    none = np.zeros((0, 0), np.int64), np.zeros((0, 0), kernel.dtype)
    if not EMBEDDED or last is None or last[0]() is not x:
        return none
    _, table, ids = last
    if table.dtype != kernel.dtype or ids.shape != x.shape[:2] or ids.size < table.shape[0]:
        return none
    key = (id(table), id(kernel))
    with _lock:
        kept = _projections.get(key)
    if kept is None or not (np.array_equal(kept[0], table) and np.array_equal(kept[1], kernel)
                            and np.array_equal(kept[2], bias)):
        projected = np.empty((table.shape[0], kernel.shape[1]), kernel.dtype)
        infer.project(np.ascontiguousarray(table), kernel, packed, bias, has_bias, tiles, projected)
        kept = (table.copy(), kernel.copy(), bias.copy(), projected)
        with _lock:
            if len(_projections) >= 4:
                _projections.clear()
            _projections[key] = kept
    return np.ascontiguousarray(ids, dtype=np.int64), kept[3]


def forward_only(layer, x, mask, initial=None):
    """`layer`'s output for `x` (batch, steps, features) with `mask` (batch, steps) or None,
    from `initial` states ([h] or [h, c], each (batch, units); None: zeros) (with
    return_state, [output, *final states]), or None where these kernels do not run it
    (switched off, an activation they do not compute). A backward cannot follow it."""
    if not FORWARD_ONLY or not layer.kernels:
        return None
    act = compiled.activation_code(layer.act)
    rec = compiled.activation_code(layer.rec_act) if layer.gates > 1 else 0
    if act < 0 or rec < 0:
        return None
    cfg = layer.config
    kernel = np.ascontiguousarray(layer.values["kernel"])
    dtype = kernel.dtype
    n, steps, features = x.shape
    units = cfg["units"]
    tiles = compiled.tiles_apply(dtype, units)
    packed = infer.panels(kernel)
    bias = layer._input_bias()
    has_bias = bias is not None
    bias = np.ascontiguousarray(bias) if has_bias else np.zeros(0, dtype)
    ids, table = _embedded(x, kernel, packed, bias, has_bias, tiles)
    x = np.ascontiguousarray(x, dtype=dtype)
    rk = np.ascontiguousarray(layer.values["recurrent_kernel"])
    states = [np.zeros((n, units), dtype) if initial is None else np.ascontiguousarray(s, dtype=dtype)
              for s in (initial or [None] * (2 if layer.gates == 4 else 1))]
    masked = mask is not None
    keep = np.ascontiguousarray(mask, dtype=bool) if masked else np.zeros((0, 0), bool)
    sequences = cfg["return_sequences"]
    out = np.empty((n, steps if sequences else 1, units), dtype)
    finals = [np.empty((n, units), dtype) for _ in states]
    flags = (keep, masked, cfg["go_backwards"], masked and cfg["zero_output_for_mask"], sequences)
    inputs = (x, ids, table, kernel, packed, bias, has_bias)
    if layer.gates == 4:
        def rows(lo, hi, part):
            infer.lstm_rows(*inputs, rk, infer.panels(rk), *states, *flags, act, rec, ONE_LOOP, tiles, lo, hi, out,
                            *finals)
    elif layer.gates == 3:
        after = cfg["reset_after"]
        has_rbias = after and cfg["use_bias"]
        rbias = np.ascontiguousarray(layer.values["bias"][1]) if has_rbias else np.zeros(0, dtype)
        main = infer.panels(rk if after else rk[:, :2 * units])
        rk_h = infer.panels(rk[:, 2 * units:])

        def rows(lo, hi, part):
            infer.gru_rows(*inputs, rk, main, rk_h, rbias, has_rbias, after, *states, *flags, act, rec, ONE_LOOP, tiles,
                           lo, hi, out, *finals)
    else:
        def rows(lo, hi, part):
            infer.simple_rows(*inputs, rk, infer.panels(rk), *states, *flags, act, ONE_LOOP, tiles, lo, hi, out,
                              *finals)
    macs = n * steps * layer.gates * units * (features + units)
    split(n, rows, None if SPLIT and n >= 16 and macs >= 2 * MIN_PART_MACS else 1)
    layer._backward_ready = False
    out = out if sequences else out[:, 0]
    return [out, *finals] if cfg.get("return_state") else out
