"""The compiled recurrent steps (engine/kernels/recurrent.py, issue 22) against the layers'
NumPy loops: the same outputs, input gradients and weight gradients for SimpleRNN, LSTM and
GRU (both reset_after) with masks, go_backwards, zero_output_for_mask, return_sequences and
every activation the kernels compute, with gemm's register tiles and with the loop that
replaces them on machines without AVX-512; the NumPy loops still run the activations the
kernels lack; the kernels' exp and tanh; a kernel leaves the GIL to other threads; and a
prediction stores one step, not all (backward then refuses)."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from visualnet import layers as vl
from visualnet.engine._jit import njit
from visualnet.engine.kernels import gemm
from visualnet.engine.kernels import recurrent as kernels
from visualnet.engine.layers import recurrent_inference
from visualnet.engine.layers.recurrent import _Recurrent

CASES = [
    ("SimpleRNN", dict(units=16)),
    ("SimpleRNN", dict(units=3, activation="relu", return_sequences=True, go_backwards=True)),
    ("SimpleRNN", dict(units=4, activation=None, use_bias=False)),
    ("LSTM", dict(units=16)),
    ("LSTM", dict(units=16, return_sequences=True, go_backwards=True, zero_output_for_mask=True)),
    ("LSTM", dict(units=3, activation="relu", recurrent_activation="hard_sigmoid", return_sequences=True)),
    ("LSTM", dict(units=5, activation="linear", use_bias=False, go_backwards=True)),
    ("GRU", dict(units=16)),
    ("GRU", dict(units=16, reset_after=False, return_sequences=True, zero_output_for_mask=True)),
    ("GRU", dict(units=3, use_bias=False, go_backwards=True)),
    ("GRU", dict(units=3, reset_after=False, use_bias=False, activation="sigmoid", recurrent_activation="tanh")),
]


def run(layer_type, kwargs, x, mask, dtype, compiled, monkeypatch):
    """Outputs, input gradient and weight gradients of one forward and backward."""
    monkeypatch.setattr(_Recurrent, "kernels", compiled)
    layer = getattr(vl, layer_type)(**kwargs)
    layer.build([(None, *x.shape[1:])])
    rng = np.random.default_rng(5)
    for name in list(layer.values):
        layer.values[name] = rng.normal(scale=0.4, size=layer.values[name].shape).astype(dtype)
        layer.grads[name] = np.zeros_like(layer.values[name])
    y = layer.forward([x.astype(dtype)], True, mask=mask)
    assert (layer._kargs is not None) == compiled
    dy = np.random.default_rng(1).normal(size=y.shape).astype(dtype)
    dx = layer.backward(dy)[0]
    return [y, dx, *(layer.grads[name].copy() for name in sorted(layer.grads))]


@pytest.mark.parametrize("tiles", [True, False], ids=["tiles", "loops"])
@pytest.mark.parametrize("masked", [False, True], ids=["unmasked", "masked"])
@pytest.mark.parametrize("layer_type,kwargs", CASES, ids=lambda v: v if isinstance(v, str) else "-".join(
    f"{k}={w}" for k, w in v.items()))
def test_compiled_steps_match_the_numpy_loops(layer_type, kwargs, masked, tiles, monkeypatch):
    monkeypatch.setattr(gemm, "AVAILABLE", tiles and gemm._target_has_avx512())
    rng = np.random.default_rng(0)
    x = rng.normal(size=(6, 7, 4)).astype(np.float32)
    mask = rng.random((6, 7)) > 0.3 if masked else None
    for dtype, rtol, atol in ((np.float32, 1e-5, 1e-5), (np.float64, 1e-12, 1e-12)):
        fast = run(layer_type, kwargs, x, mask, dtype, True, monkeypatch)
        slow = run(layer_type, kwargs, x, mask, dtype, False, monkeypatch)
        for a, b in zip(fast, slow):
            assert a.dtype == b.dtype == dtype
            np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


@pytest.mark.parametrize("kwargs", [dict(activation="softsign"), dict(activation="elu"),
                                    dict(recurrent_activation="softsign"), dict(activation="leaky_relu")])
def test_other_activations_keep_the_numpy_loops(kwargs, monkeypatch):
    layer = vl.LSTM(3, **kwargs)
    layer.build([(None, 5, 2)])
    y = layer.forward([np.ones((2, 5, 2), np.float32)], True)
    assert layer._kargs is None
    assert layer.backward(np.ones_like(y))[0].shape == (2, 5, 2)


def test_exp_and_tanh_are_float32_accurate():
    @njit(cache=False)
    def values(x, code, out):
        one = x.dtype.type(1)
        for i in range(x.size):
            out[i] = kernels._forward(code, x[i], one)

    x = np.concatenate([np.linspace(-100, 100, 200_001), np.linspace(-1, 1, 20_001), [0.0, 1e-30, -1e-30]])
    x32, out = x.astype(np.float32), np.empty(x.size, np.float32)
    exact = x32.astype(np.float64)
    values(x32, 1, out)
    np.testing.assert_allclose(out, np.tanh(exact), rtol=1e-6, atol=1.2e-7)  # NumPy's float32 tanh: 1 ulp
    values(x32, 2, out)
    np.testing.assert_allclose(out, 1 / (1 + np.exp(-exact)), rtol=0, atol=2e-7)
    nan = np.float32([np.nan, np.nan])
    for code in (1, 2):
        values(nan, code, out[:2])
        assert np.isnan(out[:2]).all()


def test_a_kernel_leaves_the_gil_to_other_threads():
    """While `lstm_forward` runs in a thread, this thread keeps running Python: ticks fall in
    the middle half of the kernel's calls (a kernel holding the GIL would let none through)."""
    n, steps, units = 32, 1500, 32
    rng = np.random.default_rng(0)
    xw = rng.normal(size=(steps, n, 4 * units)).astype(np.float32)
    rk = rng.normal(scale=0.1, size=(units, 4 * units)).astype(np.float32)
    outs = [np.empty_like(xw), np.empty_like(xw)] + [np.empty((steps, n, units), np.float32) for _ in range(3)]
    zeros = np.zeros((n, units), np.float32)  # the initial states
    args = (xw, rk, zeros, zeros, np.zeros((0, 0), bool), False, 1, 2, kernels.tiles_apply(np.float32, units), *outs)
    kernels.lstm_forward(*args)  # compiled before the measurement
    windows = []

    def work():
        for _ in range(3):
            start = time.perf_counter()
            kernels.lstm_forward(*args)
            windows.append((start, time.perf_counter()))

    thread = threading.Thread(target=work)
    ticks = []
    thread.start()
    while thread.is_alive():
        ticks.append(time.perf_counter())
    thread.join()
    ticks = np.array(ticks)
    inside = [np.count_nonzero((ticks > a + (b - a) / 4) & (ticks < b - (b - a) / 4)) for a, b in windows]
    assert max(inside) >= 10, inside


@pytest.mark.parametrize("masked", [False, True], ids=["unmasked", "masked"])
@pytest.mark.parametrize("layer_type,kwargs", CASES[::2], ids=lambda v: v if isinstance(v, str) else "-".join(
    f"{k}={w}" for k, w in v.items()))
def test_inference_keeps_one_step_and_the_same_outputs(layer_type, kwargs, masked, monkeypatch):
    """Not training, the compiled steps store one step's gates and states (not every step's)."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(6, 7, 4)).astype(np.float32)
    mask = rng.random((6, 7)) > 0.3 if masked else None
    outputs = []
    monkeypatch.setattr(recurrent_inference, "FORWARD_ONLY", False)   # the training kernels' own forward
    for compiled in (True, False):
        monkeypatch.setattr(_Recurrent, "kernels", compiled)
        layer = getattr(vl, layer_type)(**kwargs)
        layer.build([(None, 7, 4)])
        weights = np.random.default_rng(5)
        for name in layer.values:
            layer.values[name][...] = weights.normal(scale=0.4, size=layer.values[name].shape)
        outputs.append(layer.forward([x], False, mask=mask))
        assert layer._hs.shape[0] == (7 if kwargs.get("return_sequences") or not compiled else 1)
    np.testing.assert_allclose(outputs[0], outputs[1], rtol=1e-5, atol=1e-6)
    with pytest.raises(RuntimeError, match="training=True"):
        monkeypatch.setattr(_Recurrent, "kernels", True)
        layer = getattr(vl, layer_type)(**kwargs)
        layer.build([(None, 7, 4)])
        layer.backward(np.ones_like(layer.forward([x], False, mask=mask)))
