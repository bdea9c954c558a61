"""The forward-only recurrent kernels (engine/kernels/recurrent_infer.py, layers/recurrent_inference.py)
against the path they replace (the training kernels' forward, `FORWARD_ONLY` off): the same
outputs for SimpleRNN, LSTM and GRU with masks, go_backwards, zero_output_for_mask,
return_sequences, initial states, in float32 and float64, with gemm's tiles and with the
loops that replace them without AVX-512; rows split over the workers or not; an Embedding's
output read through its projected table or multiplied; predict and evaluate of whole models."""

from __future__ import annotations

import numpy as np
import pytest

import visualnet as keras
from visualnet import layers as vl
from visualnet.engine.kernels import gemm
from visualnet.engine.layers import recurrent_inference as ri

CASES = [
    ("SimpleRNN", dict(units=16)),
    ("SimpleRNN", dict(units=3, activation="relu", return_sequences=True, go_backwards=True)),
    ("LSTM", dict(units=16)),
    ("LSTM", dict(units=32, return_sequences=True, go_backwards=True, zero_output_for_mask=True)),
    ("LSTM", dict(units=3, activation="relu", recurrent_activation="hard_sigmoid", return_sequences=True)),
    ("LSTM", dict(units=5, activation="linear", use_bias=False, go_backwards=True)),
    ("GRU", dict(units=16)),
    ("GRU", dict(units=16, reset_after=False, return_sequences=True, zero_output_for_mask=True)),
    ("GRU", dict(units=3, use_bias=False, go_backwards=True)),
]
IDS = ["-".join([t, *(f"{k}={v}" for k, v in kw.items())]) for t, kw in CASES]


def built(layer_type, kwargs, shape, dtype=np.float32, seed=5):
    layer = getattr(vl, layer_type)(**kwargs)
    layer.build([(None, *shape)])
    rng = np.random.default_rng(seed)
    for name in layer.values:
        layer.values[name] = rng.normal(scale=0.4, size=layer.values[name].shape).astype(dtype)
    return layer


def both_paths(layer, inputs, mask, monkeypatch):
    """(forward-only output, the training kernels' forward output) of one layer."""
    monkeypatch.setattr(ri, "FORWARD_ONLY", True)
    fast = layer.forward(inputs, False, mask=mask)
    monkeypatch.setattr(ri, "FORWARD_ONLY", False)
    slow = layer.forward(inputs, False, mask=mask)
    monkeypatch.setattr(ri, "FORWARD_ONLY", True)
    return fast, slow


@pytest.mark.parametrize("tiles", [True, False], ids=["tiles", "loops"])
@pytest.mark.parametrize("masked", [False, True], ids=["unmasked", "masked"])
@pytest.mark.parametrize("layer_type,kwargs", CASES, ids=IDS)
def test_forward_only_matches_the_training_kernels(layer_type, kwargs, masked, tiles, monkeypatch):
    monkeypatch.setattr(gemm, "AVAILABLE", tiles and gemm._target_has_avx512())
    rng = np.random.default_rng(0)
    x = rng.normal(size=(70, 7, 4))      # 70 rows: a block of 48 and a partial one
    mask = rng.random((70, 7)) > 0.3 if masked else None
    for dtype, tol in ((np.float32, 1e-6), (np.float64, 1e-12)):
        layer = built(layer_type, kwargs, (7, 4), dtype)
        fast, slow = both_paths(layer, [x.astype(dtype)], mask, monkeypatch)
        assert fast.dtype == slow.dtype == dtype and fast.shape == slow.shape
        np.testing.assert_allclose(fast, slow, rtol=tol, atol=tol)


@pytest.mark.parametrize("layer_type,kwargs", CASES[::2], ids=IDS[::2])
def test_rows_split_over_the_workers_change_nothing(layer_type, kwargs, monkeypatch):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(300, 30, 8)).astype(np.float32)
    mask = rng.random((300, 30)) > 0.2
    layer = built(layer_type, kwargs, (30, 8))
    real, seen = ri.split, []

    def two_parts(n, fn, parts):   # two parts whatever the machine's core count
        seen.append(parts)
        return real(n, fn, 2 if parts is None else parts)

    monkeypatch.setattr(ri, "split", two_parts)
    monkeypatch.setattr(ri, "MIN_PART_MACS", 1)
    split = layer.forward([x], False, mask=mask)
    monkeypatch.setattr(ri, "SPLIT", False)
    whole = layer.forward([x], False, mask=mask)
    assert seen == [None, 1]
    np.testing.assert_array_equal(split, whole)


def test_initial_and_final_states_match_the_training_kernels(monkeypatch):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(9, 6, 4)).astype(np.float32)
    h0, c0 = (rng.normal(size=(9, 16)).astype(np.float32) for _ in range(2))
    mask = rng.random((9, 6)) > 0.3
    for layer_type, states in (("LSTM", [h0, c0]), ("GRU", [h0]), ("SimpleRNN", [h0])):
        layer = built(layer_type, dict(units=16, return_state=True, return_sequences=True), (6, 4))
        fast, slow = both_paths(layer, [x, *states], mask, monkeypatch)
        assert len(fast) == len(slow) == 1 + len(states)
        for a, b in zip(fast, slow):
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


def test_backward_after_a_forward_only_pass_refuses():
    layer = built("LSTM", dict(units=16), (5, 3))
    y = layer.forward([np.ones((4, 5, 3), np.float32)], False)
    with pytest.raises(RuntimeError, match="training=True"):
        layer.backward(np.ones_like(y))


@pytest.fixture
def calls(monkeypatch):
    """One entry per projection of an Embedding's table (the cache of projections emptied)."""
    made = []
    project = ri.infer.project
    monkeypatch.setattr(ri.infer, "project", lambda *a: made.append(1) or project(*a))
    monkeypatch.setattr(ri, "_projections", {})
    return made


def embedding_model(rnn):
    keras.utils.set_random_seed(0)
    return keras.models.Sequential([vl.Input((40,)), vl.Embedding(300, 32), rnn, vl.Flatten(),
                                    vl.Dense(1, activation="sigmoid")])


@pytest.mark.parametrize("rnn", [lambda: vl.LSTM(32), lambda: vl.GRU(16, return_sequences=True),
                                 lambda: vl.SimpleRNN(16, go_backwards=True)], ids=["LSTM", "GRU", "SimpleRNN"])
def test_an_embedding_read_through_its_projected_table(rnn, monkeypatch, calls):
    model = embedding_model(rnn())
    x = np.random.default_rng(0).integers(0, 300, (500, 40)).astype(np.float32)
    embedded = model.predict(x, verbose=0)
    assert calls                                           # the table was projected (and then kept)
    monkeypatch.setattr(ri, "EMBEDDED", False)
    multiplied = model.predict(x, verbose=0)
    monkeypatch.setattr(ri, "FORWARD_ONLY", False)
    before = model.predict(x, verbose=0)
    np.testing.assert_array_equal(embedded, multiplied)
    np.testing.assert_allclose(embedded, before, rtol=1e-6, atol=1e-6)


def test_the_projected_table_follows_the_weights(monkeypatch):
    model = embedding_model(vl.LSTM(32))
    model.compile(optimizer="adam", loss="binary_crossentropy")
    x = np.random.default_rng(0).integers(0, 300, (400, 40)).astype(np.float32)
    y = (x[:, :1] > 150).astype(np.float32)
    first = model.predict(x, verbose=0)
    model.fit(x, y, epochs=1, batch_size=64, verbose=0)   # changes the table, kernel and bias in place
    after = model.predict(x, verbose=0)
    monkeypatch.setattr(ri, "FORWARD_ONLY", False)
    np.testing.assert_allclose(after, model.predict(x, verbose=0), rtol=1e-6, atol=1e-6)
    assert not np.allclose(first, after)


def test_an_eager_call_on_other_data_never_reads_the_table(monkeypatch, calls):
    """The table is read only for the very array the Embedding returned (identity)."""
    embedding, lstm = vl.Embedding(50, 16), vl.LSTM(16)
    ids = np.random.default_rng(0).integers(0, 50, (64, 20)).astype(np.float32)
    other = np.asarray(embedding(ids)) * 2      # the Embedding's output was noted; this is another array
    got = np.asarray(lstm(other))
    monkeypatch.setattr(ri, "FORWARD_ONLY", False)
    np.testing.assert_allclose(got, np.asarray(lstm(other)), rtol=1e-6, atol=1e-6)
    assert not calls


def test_predict_and_evaluate_match_the_path_they_replace(monkeypatch):
    keras.utils.set_random_seed(1)
    model = keras.models.Sequential([vl.Input((25, 6)), vl.Masking(0.0), vl.LSTM(32, return_sequences=True),
                                     vl.GRU(16), vl.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 25, 6)).astype(np.float32)
    x[:50, :10] = 0.0                                     # masked steps
    y = rng.integers(0, 3, 200)
    fast = model.predict(x, verbose=0), model.evaluate(x, y, verbose=0)
    monkeypatch.setattr(ri, "FORWARD_ONLY", False)
    slow = model.predict(x, verbose=0), model.evaluate(x, y, verbose=0)
    np.testing.assert_allclose(fast[0], slow[0], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(fast[1], slow[1], rtol=1e-6)


def test_an_embedding_with_mask_zero_read_through_its_table(monkeypatch):
    keras.utils.set_random_seed(0)
    model = keras.models.Sequential([vl.Input((30,)), vl.Embedding(100, 16, mask_zero=True),
                                     vl.LSTM(16, return_sequences=True), vl.GRU(16), vl.Dense(1)])
    x = np.random.default_rng(0).integers(0, 100, (300, 30)).astype(np.float32)
    x[:100, :12] = 0                                       # padding in front, masked
    embedded = model.predict(x, verbose=0)
    monkeypatch.setattr(ri, "EMBEDDED", False)
    np.testing.assert_array_equal(embedded, model.predict(x, verbose=0))
    monkeypatch.setattr(ri, "FORWARD_ONLY", False)
    np.testing.assert_allclose(embedded, model.predict(x, verbose=0), rtol=1e-6, atol=1e-6)


@pytest.mark.skipif(not gemm._target_has_avx512(), reason="the register tiles need AVX-512")
@pytest.mark.parametrize("layer_type,kwargs", [c for c in CASES if c[1]["units"] % 16 == 0],
                         ids=[i for i, c in zip(IDS, CASES) if c[1]["units"] % 16 == 0])
def test_the_tiles_and_the_loops_that_replace_them_agree(layer_type, kwargs, monkeypatch):
    """Machines without AVX-512 run the loops: the same sums, to float32's rounding."""
    rng = np.random.default_rng(4)
    x = rng.normal(size=(60, 9, 5)).astype(np.float32)
    mask = rng.random((60, 9)) > 0.3
    layer = built(layer_type, kwargs, (9, 5))
    tiles = layer.forward([x], False, mask=mask)
    monkeypatch.setattr(gemm, "AVAILABLE", False)
    loops = layer.forward([x], False, mask=mask)
    np.testing.assert_allclose(tiles, loops, rtol=1e-6, atol=1e-6)


ONE_LOOP_CASES = [
    ("LSTM", dict(units=16)),
    ("LSTM", dict(units=32, return_sequences=True, go_backwards=True, zero_output_for_mask=True)),
    ("GRU", dict(units=16)),
    ("GRU", dict(units=16, reset_after=False, return_sequences=True, go_backwards=True)),
    ("GRU", dict(units=5, use_bias=False, return_sequences=True, zero_output_for_mask=True)),
    ("GRU", dict(units=3, reset_after=False, use_bias=False, zero_output_for_mask=True, return_sequences=True)),
    ("SimpleRNN", dict(units=16, return_sequences=True, zero_output_for_mask=True)),
    ("SimpleRNN", dict(units=3, go_backwards=True)),
]
ONE_LOOP_IDS = ["-".join([t, *(f"{k}={v}" for k, v in kw.items())]) for t, kw in ONE_LOOP_CASES]


@pytest.mark.parametrize("tiles", [True, False], ids=["tiles", "loops"])
@pytest.mark.parametrize("masked", [False, True], ids=["unmasked", "masked"])
@pytest.mark.parametrize("layer_type,kwargs", ONE_LOOP_CASES, ids=ONE_LOOP_IDS)
def test_one_loop_per_row_matches_the_loops_per_gate(layer_type, kwargs, masked, tiles, monkeypatch):
    """LSTM's, GRU's and SimpleRNN's default activations (tanh, sigmoid) in one loop per row (`ONE_LOOP`)
    run the operations of the loops per gate in the same order: the same bits, in float32 and
    float64, for a whole block of rows and a partial one."""
    monkeypatch.setattr(gemm, "AVAILABLE", tiles and gemm._target_has_avx512())
    kernel = {"LSTM": "lstm_rows", "GRU": "gru_rows", "SimpleRNN": "simple_rows"}[layer_type]
    real, seen = getattr(ri.infer, kernel), []
    finals = 2 if layer_type == "LSTM" else 1

    def recorded(*args):          # ..., one_loop, tiles, lo, hi, out, hn (, cn)
        seen.append(args[-5 - finals])
        return real(*args)

    monkeypatch.setattr(ri.infer, kernel, recorded)
    rng = np.random.default_rng(3)
    x = rng.normal(size=(70, 7, 4))      # 70 rows: a block of 48 and one of 22
    mask = rng.random((70, 7)) > 0.3 if masked else None
    states = [rng.normal(size=(70, kwargs["units"])) for _ in range(finals)]
    for dtype in (np.float32, np.float64):
        layer = built(layer_type, kwargs, (7, 4), dtype)
        inputs = [x.astype(dtype), *(s.astype(dtype) for s in states)]
        monkeypatch.setattr(ri, "ONE_LOOP", True)
        one_loop = layer.forward(inputs, False, mask=mask)
        monkeypatch.setattr(ri, "ONE_LOOP", False)
        per_gate = layer.forward(inputs, False, mask=mask)
        assert one_loop.dtype == per_gate.dtype == dtype
        np.testing.assert_array_equal(one_loop, per_gate)
    assert seen == [True, False, True, False]


@pytest.mark.parametrize("rnn", [lambda: vl.LSTM(16, return_sequences=True), lambda: vl.GRU(16, return_sequences=True),
                                 lambda: vl.GRU(16, reset_after=False), lambda: vl.SimpleRNN(16, return_sequences=True)],
                         ids=["LSTM", "GRU", "GRU-reset_after=False", "SimpleRNN"])
def test_one_loop_per_row_reads_the_projected_table_as_the_loops_per_gate(rnn, monkeypatch, calls):
    """Embedding -> LSTM, GRU or SimpleRNN: the one loop and the loops per gate read the projected
    table's rows in place; both give the bits of the product per step."""
    model = embedding_model(rnn())
    x = np.random.default_rng(0).integers(0, 300, (500, 40)).astype(np.float32)
    results = {}
    for one_loop in (True, False):
        monkeypatch.setattr(ri, "ONE_LOOP", one_loop)
        for embedded in (True, False):
            monkeypatch.setattr(ri, "EMBEDDED", embedded)
            results[one_loop, embedded] = model.predict(x, verbose=0)
    assert calls                                           # the table was read
    for result in results.values():
        np.testing.assert_array_equal(result, results[True, True])
