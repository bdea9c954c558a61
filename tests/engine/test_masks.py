"""Masks (issue 22): Embedding(mask_zero) and Masking make them; the recurrent layers,
Bidirectional, TimeDistributed and GlobalAveragePooling1D use or pass them; the loss and the
metrics weight by the output's mask. Backward against central finite differences (float64)
with masked steps, the executor's plan, and real Keras 3 (the oracle) on identical weights:
predictions within 1e-5, one epoch of training (shuffle=False) within 2e-3 per weight."""

from __future__ import annotations

import numpy as np
import pytest

import visualnet
from visualnet import layers as vl
from visualnet import models as vm
from visualnet.engine.layers import LAYER_CLASSES

from .layer_harness import numeric_grad

RNNS = ("SimpleRNN", "LSTM", "GRU")
# (batch 3, steps 5): right padding, a hole in the middle and left padding, one step left
MASK = np.array([[1, 1, 1, 0, 0], [1, 0, 1, 1, 0], [0, 0, 0, 0, 1]], bool)


# ---------------------------------------------------------------------- gradients with masks
def check_masked(layer_type: str, kwargs: dict, shape=(3, 5, 2), mask=MASK, seed=0):
    """Forward and backward of `layer_type(**kwargs)` given `mask`, against finite differences
    (float64) for the input and every weight."""
    layer = LAYER_CLASSES[layer_type](**kwargs)
    layer.build([(None, *shape[1:])])
    rng = np.random.default_rng(seed)
    for w in layer.weight_specs:
        layer.values[w.name] = rng.normal(0, 0.5, w.shape)
        layer.grads[w.name] = np.zeros(w.shape)
    x = rng.normal(0, 1, shape)
    y = layer.forward([x], True, mask=mask)
    r = rng.normal(0, 1, y.shape)

    def loss():
        return float(np.sum(layer.forward([x], True, mask=mask) * r))

    layer.forward([x], True, mask=mask)
    (dx,) = layer.backward(r.copy(), need_dx=True)
    np.testing.assert_allclose(dx, numeric_grad(loss, x), atol=1e-6, rtol=1e-4, err_msg=f"{layer_type}: input")
    for w in layer.weight_specs:
        np.testing.assert_allclose(layer.grads[w.name], numeric_grad(loss, layer.values[w.name]), atol=1e-6,
                                   rtol=1e-4, err_msg=f"{layer_type}: weight {w.name}")
    return layer, x, y


OPTIONS = [dict(return_sequences=s, go_backwards=b, zero_output_for_mask=z)
           for s in (False, True) for b in (False, True) for z in (False, True) if s or not z]


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: "-".join(f"{k[:4]}{int(v)}" for k, v in o.items()))
@pytest.mark.parametrize("layer_type", RNNS)
def test_masked_bptt_matches_finite_differences(layer_type, options):
    check_masked(layer_type, dict(units=3, **options))


@pytest.mark.parametrize("layer_type", RNNS)
def test_masked_steps_keep_the_state(layer_type):
    """The state at a masked step is the previous one: appending masked steps changes nothing,
    and a fully masked sequence gives zeros."""
    layer, x, y = check_masked(layer_type, dict(units=3))
    short = layer.forward([x[:1, :3]], False, mask=MASK[:1, :3])
    np.testing.assert_allclose(y[:1], short, atol=1e-12)
    empty = layer.forward([x], False, mask=np.zeros_like(MASK))
    np.testing.assert_array_equal(empty, 0)


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave"])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_masked_bidirectional_matches_finite_differences(merge_mode, return_sequences):
    check_masked("Bidirectional", dict(wrapped="GRU", units=2, merge_mode=merge_mode,
                                       return_sequences=return_sequences))


def test_masked_average_pooling_matches_finite_differences():
    layer, x, y = check_masked("GlobalAveragePooling1D", {})
    np.testing.assert_allclose(y[2], x[2, 4])  # only the last step counts
    np.testing.assert_allclose(y[0], x[0, :3].mean(axis=0))


def test_masking_zeroes_masked_steps_and_makes_the_mask():
    x = np.ones((2, 4, 3), np.float32)
    x[0, 1] = 0
    x[1, 3] = [0, 0, 5]
    layer = vl.Masking()
    layer.build([(None, 4, 3)])
    y = layer.forward([x], False)
    mask = layer.compute_mask([x], [None])
    np.testing.assert_array_equal(mask, [[1, 0, 1, 1], [1, 1, 1, 1]])
    np.testing.assert_array_equal(layer.compute_mask(x), mask)   # Keras's public form
    np.testing.assert_array_equal(y, x)
    x[1, 2] = 0.0   # backward masks as forward did; compute_mask reads the inputs it is given
    np.testing.assert_array_equal(layer.backward(np.ones_like(x))[0][:, :, 0], mask)
    assert not layer.compute_mask(x)[1, 2]


# ---------------------------------------------------------------------- the executor's plan
def test_models_without_masks_plan_none():
    i = vl.Input((5,))
    model = vm.Model(i, vl.Dense(2)(vl.LSTM(3)(vl.Embedding(10, 4)(i))))
    assert not model._executor.makes_masks
    model.predict(np.ones((2, 5), np.float32), verbose=0)
    assert model._executor.masks == {}


def test_masks_pass_on_and_stop_as_in_keras():
    """Dense passes the mask on; an RNN without return_sequences, Flatten and Conv1D stop it."""
    i = vl.Input((5,))
    e = vl.Embedding(10, 4, mask_zero=True, name="e")(i)
    seq = vl.Dense(3, name="d")(vl.LSTM(3, return_sequences=True, name="seq")(e))
    last = vl.LSTM(2, name="last")(seq)
    conv = vl.Flatten(name="f")(vl.Conv1D(2, 2, name="c")(e))
    model = vm.Model(i, vl.Concatenate(name="cat")([last, conv]))
    assert model._executor.makes_masks
    x = np.array([[1, 2, 0, 0, 0], [3, 0, 4, 5, 6]], np.float32)
    model._executor.forward([x], training=False)
    masks = {model._executor.graph.nodes[n].name: m for n, m in model._executor.masks.items()}
    assert sorted(masks) == ["d", "e", "seq"]
    np.testing.assert_array_equal(masks["d"], x != 0)


# ---------------------------------------------------------------------- against real Keras
def _same_start(k, v, rng):
    weights = [rng.normal(0, 0.5, w.shape).astype("float32") for w in k.get_weights()]
    k.set_weights(weights)
    v.set_weights(weights)
    assert [w.shape for w in v.get_weights()] == [w.shape for w in k.get_weights()]


def _max_diff(a, b) -> float:
    return max(float(np.abs(x - y).max()) for x, y in zip(a, b))


def _ids(rng, n=32, steps=6, vocab=12):
    """Ids with zeros as padding: right-padded, some holes."""
    x = rng.integers(1, vocab, (n, steps))
    lengths = rng.integers(1, steps + 1, n)
    x[np.arange(steps) >= lengths[:, None]] = 0
    x[rng.random((n, steps)) < 0.1] = 0
    return x.astype("float32")


def _padded(rng, n=32, steps=6, features=3):
    """Samples whose masked steps hold zeros in every feature (Masking's default value)."""
    x = rng.normal(0, 1, (n, steps, features)).astype("float32")
    x[rng.random((n, steps)) < 0.3] = 0
    return x


def embedding_lstm(lib):
    L = lib.layers
    i = L.Input((6,))
    x = L.LSTM(4)(L.Embedding(12, 3, mask_zero=True)(i))
    return lib.models.Model(i, L.Dense(2)(x))


def masking_gru_pooled(lib):
    L = lib.layers
    i = L.Input((6, 3))
    x = L.GRU(4, return_sequences=True)(L.Masking(0.0)(i))
    x = L.TimeDistributed(L.Dense(3, activation="tanh"))(x)
    return lib.models.Model(i, L.Dense(2)(L.GlobalAveragePooling1D()(x)))


def bidirectional(merge_mode):
    def build(lib):
        L = lib.layers
        i = L.Input((6, 3))
        rs = merge_mode in ("sum", "mul")
        x = L.Bidirectional(L.LSTM(3, return_sequences=rs), merge_mode=merge_mode)(L.Masking()(i))
        if rs:
            x = L.GlobalAveragePooling1D()(x)
        return lib.models.Model(i, L.Dense(2)(x))
    build.__name__ = f"bidirectional_{merge_mode}"
    return build


def stacked_bidirectional(lib):
    L = lib.layers
    i = L.Input((6,))
    x = L.Embedding(12, 3, mask_zero=True)(i)
    x = L.Bidirectional(L.GRU(3, return_sequences=True))(x)
    x = L.Bidirectional(L.LSTM(2), merge_mode="ave")(x)
    return lib.models.Model(i, L.Dense(2)(x))


def conv_and_lstm_branches(lib):
    """The Conv1D branch drops the mask (as in Keras), the LSTM branch uses it."""
    L = lib.layers
    i = L.Input((6,))
    e = L.Embedding(12, 3, mask_zero=True)(i)
    conv = L.GlobalMaxPooling1D()(L.Conv1D(4, 3, activation="relu")(e))
    rnn = L.LSTM(3)(e)
    return lib.models.Model(i, L.Dense(2)(L.Concatenate()([conv, rnn])))


def masked_output(lib):
    """The output carries the mask: the loss is the mean over the unmasked steps."""
    L = lib.layers
    i = L.Input((6, 3))
    x = L.LSTM(3, return_sequences=True)(L.Masking()(i))
    return lib.models.Model(i, L.TimeDistributed(L.Dense(2))(x))


MODELS = [(embedding_lstm, "ids"), (masking_gru_pooled, "padded"),
          *[(bidirectional(m), "padded") for m in ("concat", "sum", "mul", "ave")],
          (stacked_bidirectional, "ids"), (conv_and_lstm_branches, "ids"), (masked_output, "padded")]


@pytest.mark.oracle
@pytest.mark.filterwarnings("ignore:.*does not support masking")
@pytest.mark.parametrize("build,data", MODELS, ids=[b.__name__ for b, _ in MODELS])
def test_masked_model_predicts_and_trains_like_keras(build, data):
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(4)
    k, v = build(keras), build(visualnet)
    _same_start(k, v, rng)
    x = _ids(rng) if data == "ids" else _padded(rng)
    y = rng.normal(0, 1, (len(x), *k.output_shape[1:])).astype("float32")
    np.testing.assert_allclose(v.predict(x, verbose=0), k.predict(x, verbose=0), atol=1e-5, rtol=0)
    k.compile(keras.optimizers.SGD(learning_rate=0.1), "mse", metrics=["mae"])
    v.compile(visualnet.optimizers.SGD(learning_rate=0.1), "mse", metrics=["mae"])
    hk = k.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    hv = v.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    assert _max_diff(k.get_weights(), v.get_weights()) <= 2e-3
    for key in ("loss", "mae"):
        assert hv.history[key][0] == pytest.approx(hk.history[key][0], rel=1e-4), key
    assert v.evaluate(x, y, verbose=0) == pytest.approx(k.evaluate(x, y, verbose=0), rel=1e-4)


@pytest.mark.oracle
@pytest.mark.parametrize("ext", [".keras", ".h5"])
def test_keras_files_with_masks_open_both_ways(tmp_path, ext):
    """Keras 3 records the mask's operations (NotEqual, Any) in functional configs; VisualNet
    recomputes the masks from the layers, and real Keras does the same from VisualNet's files."""
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(2)
    for build, x in ((stacked_bidirectional, _ids(rng, 8)), (masking_gru_pooled, _padded(rng, 8))):
        k, v = build(keras), build(visualnet)
        _same_start(k, v, rng)
        k.save(tmp_path / f"keras{ext}")
        v.save(tmp_path / f"visualnet{ext}")
        expected = k.predict(x, verbose=0)
        np.testing.assert_allclose(vm.load_model(tmp_path / f"keras{ext}").predict(x, verbose=0), expected,
                                   atol=1e-5, rtol=0)
        back = keras.saving.load_model(tmp_path / f"visualnet{ext}")
        np.testing.assert_allclose(back.predict(x, verbose=0), expected, atol=1e-5, rtol=0)
