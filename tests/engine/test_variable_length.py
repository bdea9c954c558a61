"""Batches of different lengths through one model with Input(shape=(None, ...)) (issue 22):
each batch padded to its own longest sequence, masked, trained from a generator; against real
Keras 3 on identical weights (one epoch within 2e-3 per weight, predictions within 1e-5 at
lengths the model never saw), and the model's Keras files of both dialects opened both ways."""

from __future__ import annotations

import numpy as np
import pytest

import visualnet
from visualnet import models as vm
from visualnet.utils import pad_sequences

from .test_masks import _max_diff


def sequences(rng, n, features=3):
    """Sequences of 1 to 9 steps (no step all zeros: Masking keeps every real step)."""
    return [rng.normal(0, 1, (int(k), features)).astype("float32") + 3.0 for k in rng.integers(1, 10, n)]


def padded_batches(seqs, targets, batch_size=8):
    """Each batch padded (at the end, with 0.0) to its own longest sequence."""
    for lo in range(0, len(seqs), batch_size):
        part = seqs[lo:lo + batch_size]
        yield pad_sequences(part, padding="post", dtype="float32"), targets[lo:lo + batch_size]


def model(lib):
    L = lib.layers
    i = L.Input((None, 3))
    x = L.Bidirectional(L.GRU(3, return_sequences=True))(L.Masking()(i))
    x = L.TimeDistributed(L.Dense(4, activation="tanh"))(x)
    x = L.LSTM(3)(x)
    return lib.models.Model(i, L.Dense(2)(x))


def _same_start(k, v, rng):
    weights = [rng.normal(0, 0.5, w.shape).astype("float32") for w in k.get_weights()]
    k.set_weights(weights)
    v.set_weights(weights)


@pytest.mark.oracle
@pytest.mark.filterwarnings("ignore:Your input ran out of data")  # Keras's, after a finite generator
def test_batches_of_their_own_length_train_like_keras():
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(11)
    k, v = model(keras), model(visualnet)
    assert v.input_shape == (None, None, 3)
    _same_start(k, v, rng)
    seqs = sequences(rng, 40)
    y = rng.normal(0, 1, (40, 2)).astype("float32")
    lengths = {b.shape[1] for b, _ in padded_batches(seqs, y)}
    assert len(lengths) > 1  # the batches do differ in length
    k.compile(keras.optimizers.SGD(learning_rate=0.1), "mse")
    v.compile(visualnet.optimizers.SGD(learning_rate=0.1), "mse")
    hk = k.fit(padded_batches(seqs, y), epochs=1, shuffle=False, verbose=0)
    hv = v.fit(padded_batches(seqs, y), epochs=1, shuffle=False, verbose=0)
    assert _max_diff(k.get_weights(), v.get_weights()) <= 2e-3
    assert hv.history["loss"][0] == pytest.approx(hk.history["loss"][0], rel=1e-4)
    for steps in (1, 4, 13):  # lengths never seen in training
        x = pad_sequences(sequences(rng, 5)[:4] + [rng.normal(0, 1, (steps, 3))], padding="post", dtype="float32")
        np.testing.assert_allclose(v.predict(x, verbose=0), k.predict(x, verbose=0), atol=1e-4, rtol=0)


@pytest.mark.oracle
@pytest.mark.parametrize("ext", [".keras", ".h5"])
def test_keras_files_of_any_length_open_both_ways(tmp_path, ext):
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(12)
    k, v = model(keras), model(visualnet)
    _same_start(k, v, rng)
    k.save(tmp_path / f"keras{ext}")
    v.save(tmp_path / f"visualnet{ext}")
    loaded, back = vm.load_model(tmp_path / f"keras{ext}"), keras.saving.load_model(tmp_path / f"visualnet{ext}")
    assert loaded.input_shape == (None, None, 3) and tuple(back.input_shape) == (None, None, 3)
    for steps in (2, 7):
        x = pad_sequences(sequences(rng, 6, 3)[:5] + [rng.normal(0, 1, (steps, 3))], padding="post", dtype="float32")
        expected = k.predict(x, verbose=0)
        np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, atol=1e-5, rtol=0)
        np.testing.assert_allclose(back.predict(x, verbose=0), expected, atol=1e-5, rtol=0)


@pytest.mark.oracle
@pytest.mark.parametrize("ext", [".keras", ".h5"])
def test_a_keras_sequential_of_any_length_opens(tmp_path, ext):
    keras = pytest.importorskip("keras")
    L = keras.layers
    k = keras.Sequential([keras.Input((None, 3)), L.Masking(), L.SimpleRNN(2), L.Dense(1)])
    k.save(tmp_path / f"s{ext}")
    loaded = vm.load_model(tmp_path / f"s{ext}")
    assert loaded.input_shape == (None, None, 3)
    x = pad_sequences(sequences(np.random.default_rng(1), 4), padding="post", dtype="float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), k.predict(x, verbose=0), atol=1e-5, rtol=0)


def conv_model(lib):
    L = lib.layers
    i = L.Input((None, 3))
    x = L.Conv1D(4, 3, padding="causal", dilation_rate=2, activation="relu")(i)
    x = L.MaxPooling1D(2, padding="same")(x)
    x = L.Conv1D(3, 3, strides=2, padding="same")(x)
    x = L.UpSampling1D(2)(x)
    return lib.models.Model(i, L.Dense(2)(L.GlobalMaxPooling1D()(x)))


@pytest.mark.oracle
@pytest.mark.filterwarnings("ignore:Your input ran out of data")  # Keras's, after a finite generator
def test_one_dimensional_convolutions_of_any_length_train_like_keras():
    """Conv1D sizes its output from each batch's length (its declared length is None)."""
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(13)
    k, v = conv_model(keras), conv_model(visualnet)
    _same_start(k, v, rng)
    batches = [(rng.normal(0, 1, (8, steps, 3)).astype("float32"), rng.normal(0, 1, (8, 2)).astype("float32"))
               for steps in (9, 4, 15, 6)]
    k.compile(keras.optimizers.SGD(learning_rate=0.05), "mse")
    v.compile(visualnet.optimizers.SGD(learning_rate=0.05), "mse")
    k.fit((b for b in batches), epochs=1, shuffle=False, verbose=0)
    v.fit((b for b in batches), epochs=1, shuffle=False, verbose=0)
    assert _max_diff(k.get_weights(), v.get_weights()) <= 2e-3
    for steps in (5, 11):
        x = rng.normal(0, 1, (4, steps, 3)).astype("float32")
        np.testing.assert_allclose(v.predict(x, verbose=0), k.predict(x, verbose=0), atol=1e-5, rtol=0)


@pytest.mark.oracle
def test_exported_scripts_take_any_length(tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("keras")
    import importlib.util

    from visualnet.io.code_export import export_keras_script, export_torch_script

    rng = np.random.default_rng(14)
    v = conv_model(visualnet)
    v.set_weights([rng.normal(0, 0.5, w.shape).astype("float32") for w in v.get_weights()])
    for export, name in ((export_torch_script, "t"), (export_keras_script, "k")):
        export(v, tmp_path / f"{name}.py", weights="npz")
        spec = importlib.util.spec_from_file_location(f"any_length_{name}", tmp_path / f"{name}.py")
        script = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(script)
        model = script.build_model()
        script.load_weights(model)
        for steps in (3, 10):
            x = rng.normal(0, 1, (4, steps, 3)).astype("float32")
            got = script.predict(model, x) if name == "t" else model.predict(x, verbose=0)
            np.testing.assert_allclose(got, v.predict(x, verbose=0), atol=1e-5, rtol=0, err_msg=f"{name} {steps}")
