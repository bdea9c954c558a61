"""LSTM training in batch-major row blocks (engine/kernels/recurrent_train.py,
layers/recurrent_training.py) against the path it replaces (`ROWS` off: the time-major
kernels of kernels/recurrent.py and the products over all steps): the same outputs,
input and initial-state gradients and weight gradients, with masks, go_backwards,
zero_output_for_mask, return_sequences, return_state, initial states and dropout, in
float32 and float64, with gemm's tiles and with the loops that replace them without
AVX-512, rows split over the workers (`SPLIT`) or not; and a whole model's training.

Outputs and the states' gradients are the same sums in the same order; the weights'
gradients are the same sums in another order (per step and per part instead of one
product over all steps), so they agree to float32's rounding, relative to the largest."""

from __future__ import annotations

import numpy as np
import pytest

import visualnet as keras
from visualnet import layers as vl
from visualnet.engine.kernels import gemm
from visualnet.engine.layers import recurrent_training as rt

CASES = [
    dict(units=16),
    dict(units=32, return_sequences=True, go_backwards=True, zero_output_for_mask=True),
    dict(units=16, return_state=True, go_backwards=True),
    dict(units=3, activation="relu", recurrent_activation="hard_sigmoid", return_sequences=True),
    dict(units=5, activation="linear", use_bias=False, go_backwards=True),
    dict(units=16, dropout=0.3, return_sequences=True),
]
IDS = ["-".join(f"{k}={v}" for k, v in kw.items()) for kw in CASES]
TOLERANCE = {np.float32: (1e-6, 4e-6), np.float64: (1e-12, 1e-10)}  # (outputs and dx, weights' gradients)


def built(kwargs, features, dtype, seed=5):
    layer = vl.LSTM(**kwargs)
    layer.build([(None, 7, features)])
    rng = np.random.default_rng(seed)
    for name in layer.values:
        layer.values[name] = rng.normal(scale=0.4, size=layer.values[name].shape).astype(dtype)
        layer.grads[name] = np.zeros_like(layer.values[name])
    return layer


def run(layer, inputs, mask, dys, rows, split, monkeypatch):
    """(outputs, input gradients, weight gradients) of one training forward and backward."""
    monkeypatch.setattr(rt, "ROWS", rows)
    monkeypatch.setattr(rt, "SPLIT", split)
    keras.utils.set_random_seed(3)  # the same dropout mask on both paths
    out = layer.forward(inputs, True, mask=mask)
    outs = out if isinstance(out, list) else [out]
    dx = layer.backward(dys(outs) if isinstance(out, list) else dys(outs)[0])
    assert (layer._rows is not None) == rows
    return outs, dx, {name: g.copy() for name, g in layer.grads.items()}


def close(a, b, tol, scale=None):
    scale = np.abs(b).max() if scale is None else scale
    assert np.abs(a - b).max() <= tol * max(scale, 1e-30), (np.abs(a - b).max(), scale)


@pytest.mark.parametrize("tiles", [True, False], ids=["tiles", "loops"])
@pytest.mark.parametrize("masked", [False, True], ids=["unmasked", "masked"])
@pytest.mark.parametrize("kwargs", CASES, ids=IDS)
def test_row_kernels_match_the_time_major_path(kwargs, masked, tiles, monkeypatch):
    monkeypatch.setattr(gemm, "AVAILABLE", tiles and gemm._target_has_avx512())
    monkeypatch.setattr(rt, "MIN_PART_MACS", 0)  # small batches split too
    rng = np.random.default_rng(0)
    x = rng.normal(size=(70, 7, 16))  # 70 rows: blocks of 48 and fewer, two parts
    mask = rng.random((70, 7)) > 0.3 if masked else None
    initial = kwargs["units"] == 16 and not masked  # Keras's initial_state, with its gradients
    for dtype in (np.float32, np.float64):
        layer = built(kwargs, 16, dtype)
        u = kwargs["units"]
        inputs = [x.astype(dtype)]
        if initial:
            inputs += [rng.normal(size=(70, u)).astype(dtype) for _ in range(2)]
        grads = [rng.normal(size=s).astype(dtype) for s in ((70, 7, u), (70, u), (70, u), (70, u))]

        def dys(outs):
            return [grads[0][:, :o.shape[1]] if o.ndim == 3 else grads[1 + i] for i, o in enumerate(outs)]

        slow = run(layer, inputs, mask, dys, False, True, monkeypatch)
        tol, wtol = TOLERANCE[dtype]
        for split in (True, False):
            fast = run(layer, inputs, mask, dys, True, split, monkeypatch)
            for a, b in zip(fast[0], slow[0], strict=True):
                close(a, b, tol)
            assert len(fast[1]) == len(slow[1]) == (3 if initial else 1)
            for a, b in zip(fast[1], slow[1]):
                close(a, b, tol)
            for name in slow[2]:
                close(fast[2][name], slow[2][name], wtol)


def test_without_the_input_gradient_the_weights_gradients_are_the_same(monkeypatch):
    layer = built(dict(units=16), 16, np.float64)
    x = np.random.default_rng(1).normal(size=(20, 7, 16))
    dy = np.random.default_rng(2).normal(size=(20, 16))
    monkeypatch.setattr(rt, "ROWS", True)
    layer.forward([x], True)
    with_dx = layer.backward(dy)
    grads = {name: g.copy() for name, g in layer.grads.items()}
    layer.forward([x], True)
    assert layer.backward(dy, need_dx=False) == [None]
    for name, g in grads.items():
        np.testing.assert_array_equal(layer.grads[name], g)
    assert with_dx[0].shape == x.shape


def test_other_layers_and_activations_keep_the_time_major_path():
    def made(layer):
        layer.build([(None, 3, 2)])
        return layer

    assert rt.applies(made(vl.LSTM(4)))
    assert not rt.applies(made(vl.GRU(4))) and not rt.applies(made(vl.SimpleRNN(4)))
    assert not rt.applies(made(vl.LSTM(4, activation="softplus")))  # not computed by the kernels: NumPy's steps


@pytest.mark.parametrize("tiles", [True, False], ids=["tiles", "loops"])
def test_a_model_trains_the_same_either_way(tiles, monkeypatch):
    """Embedding(mask_zero) -> LSTM -> Dense: one epoch from the same start, rows on and off."""
    monkeypatch.setattr(gemm, "AVAILABLE", tiles and gemm._target_has_avx512())
    monkeypatch.setattr(rt, "MIN_PART_MACS", 0)
    rng = np.random.default_rng(0)
    x = rng.integers(0, 50, size=(96, 12)).astype(np.float32)
    x[:, :3] = 0  # padding the mask skips
    y = (rng.random((96, 1)) > 0.5).astype(np.float32)
    weights = {}
    for rows in (True, False):
        monkeypatch.setattr(rt, "ROWS", rows)
        keras.utils.set_random_seed(0)
        model = keras.Sequential([vl.Input((12,)), vl.Embedding(50, 16, mask_zero=True), vl.LSTM(16),
                                  vl.Dense(1, activation="sigmoid")])
        model.compile(optimizer="sgd", loss="binary_crossentropy")  # Adam would magnify rounding on ~0 gradients
        model.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=0)
        weights[rows] = [np.asarray(w) for w in model.get_weights()]
    for a, b in zip(weights[True], weights[False], strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-5)
