"""LSTM training in batch-major row blocks over the cores: what a forward with training=True
and its backward run (kernels/recurrent_train.py).

The other training path (layers/recurrent.py with kernels/recurrent.py) copies the input
time-major, projects every step's input at once, runs the steps over the whole batch on
one core, then forms the weights' and the input's gradients in three products over all
steps. Here the batch's rows run as parallel parts on the runtime's workers
(runtime/split.py), forward and backward each one compiled call per part: per step the
input's product, the gates stored for backward; backward per step the gates' gradients and
every product that reads them while they are in cache, each part summing the weights'
gradients of its rows, added up here. Outputs and the states' gradients equal the other
path's (bit for bit where the products run in the same tiles), the weights' gradients to
float32's rounding (tests/engine/test_recurrent_training_speed_paths.py).
Switches, each compared with the path it replaces in those tests: `ROWS` (off: the other
path) and `SPLIT` (off: one part).
"""

from __future__ import annotations

import numpy as np

from ..kernels import gemm
from ..kernels import recurrent as compiled
from ..kernels import recurrent_infer as infer
from ..kernels import recurrent_train as train
from ..runtime.split import parts_available, split

ROWS = True  # whether LSTM training runs the row-block kernels
SPLIT = True  # whether their rows run as parallel parts
MIN_PART_MACS = 1 << 21  # multiply-adds below which a part costs less than handing it to another thread
_STORES_Z = (3, 4)  # activation codes whose derivative reads the pre-activation (relu, hard_sigmoid)


def _parts(n, macs):
    return None if SPLIT and n >= 16 and macs >= 2 * MIN_PART_MACS else 1


def applies(layer) -> bool:
    """Whether `layer`'s training forward runs here: an LSTM with `ROWS` on, its kernels
    on and activations the kernels compute."""
    return ROWS and layer.kernels and layer.gates == 4 and compiled.activation_code(layer.act) >= 0 \
        and compiled.activation_code(layer.rec_act) >= 0


def forward(layer, x, mask):
    """The training forward of `layer` (an LSTM, `applies`) on x (batch, steps, features),
    already scaled by the dropout mask, from the layer's `_h0`, `_c0`; stores what
    `backward` reads in `layer._rows` and returns the output (with return_state, [output,
    h, c])."""
    cfg = layer.config
    kernel = np.ascontiguousarray(layer.values["kernel"])
    dtype = kernel.dtype
    x = np.ascontiguousarray(x, dtype=dtype)
    n, steps, features = x.shape
    u = cfg["units"]
    k = 4 * u
    act, rec = compiled.activation_code(layer.act), compiled.activation_code(layer.rec_act)
    tiles = compiled.tiles_apply(dtype, u)
    bias = layer._input_bias()
    has_bias = bias is not None
    bias = np.ascontiguousarray(bias) if has_bias else np.zeros(0, dtype)
    rk = np.ascontiguousarray(layer.values["recurrent_kernel"])
    masked = mask is not None
    keep = np.ascontiguousarray(mask, dtype=bool) if masked else np.zeros((0, 0), bool)
    store_z = act in _STORES_Z or rec in _STORES_Z
    zs = np.empty((steps, n, k) if store_z else (0, 0, 0), dtype)
    gs = np.empty((steps, n, k), dtype)  # time-major: a step's rows are contiguous
    cs, tcs, hs = (np.empty((steps, n, u), dtype) for _ in range(3))
    packed, rk_packed = infer.panels(kernel), infer.panels(rk)
    backwards = cfg["go_backwards"]

    def rows(lo, hi, part):
        train.lstm_forward(x, kernel, packed, bias, has_bias, rk, rk_packed, layer._h0, layer._c0, keep, masked,
                           backwards, act, rec, tiles, lo, hi, zs, gs, cs, tcs, hs)

    macs = n * steps * k * (features + u)
    split(n, rows, _parts(n, macs))
    layer._rows = (x, keep, masked, act, rec, tiles, zs, gs, cs, tcs, hs)
    layer._kargs = (act, rec, keep, masked, tiles)  # compiled (the other path's flag and codes)
    layer._backward_ready = True
    zero_masked = masked and cfg["zero_output_for_mask"]
    kept = keep[:, ::-1] if backwards and masked else keep
    if cfg["return_sequences"]:
        out = hs.transpose(1, 0, 2)
        out = np.where(kept[:, :, None], out, dtype.type(0)) if zero_masked else np.ascontiguousarray(out)
    else:
        out = np.where(kept[:, -1:], hs[-1], dtype.type(0)) if zero_masked else hs[-1].copy()
    if cfg["return_state"]:
        return [out, hs[-1].copy(), cs[-1].copy()]
    return out


def backward(layer, dys, need_dx):
    """`forward`'s backward from the outputs' gradients `dys` ([output, h, c], None: no
    gradient): sets the layer's gradients and returns the input's gradient (None without
    `need_dx`), the initial states' `layer._dh0`, `layer._dc`."""
    x, keep, masked, act, rec, tiles, zs, gs, cs, tcs, hs = layer._rows
    cfg = layer.config
    n, steps, features = x.shape
    u = hs.shape[2]
    k = 4 * u
    dtype = hs.dtype
    sequences = cfg["return_sequences"]
    zeros = np.zeros((n, u), dtype)

    def given(d, shape):
        return zeros.reshape(shape) if d is None else np.ascontiguousarray(d, dtype=dtype).reshape(shape)

    dout = given(dys[0], (n, steps if sequences else 1, u))
    dh_last, dc_last = given(dys[1], (n, u)), given(dys[2], (n, u))
    kernel = layer.values["kernel"]
    kernel_t = np.ascontiguousarray(kernel.T)
    rk_t = np.ascontiguousarray(layer.values["recurrent_kernel"].T)
    tiles_x = tiles and features % gemm.LANES == 0
    dx = np.empty_like(x) if need_dx else np.zeros((1, 1, 1), dtype)
    layer._dh0 = np.empty((n, u), dtype)
    layer._dc = np.empty((n, u), dtype)
    macs = n * steps * k * (2 * features + 2 * u)
    count = _parts(n, macs) or min(n, parts_available())  # each part sums into its own gradients
    dkernel = np.zeros((count, features, k), dtype)
    drk = np.zeros((count, u, k), dtype)
    dbias = np.zeros((count, k), dtype)
    flags = (cfg["go_backwards"], act, rec, tiles, tiles_x)

    def rows(lo, hi, part):
        train.lstm_backward(x, kernel_t, infer.panels(kernel_t), rk_t, infer.panels(rk_t), layer._h0, layer._c0,
                            keep, masked, *flags, zs, gs, cs, tcs, hs, dout, sequences,
                            masked and cfg["zero_output_for_mask"], dh_last, dc_last, need_dx, lo, hi, dx,
                            dkernel[part], drk[part], dbias[part], layer._dh0, layer._dc)

    split(n, rows, count)
    layer.grads["kernel"][...] = dkernel.sum(axis=0) if count > 1 else dkernel[0]
    layer.grads["recurrent_kernel"][...] = drk.sum(axis=0) if count > 1 else drk[0]
    if cfg["use_bias"]:
        layer.grads["bias"][...] = dbias.sum(axis=0) if count > 1 else dbias[0]
    return dx if need_dx else None
