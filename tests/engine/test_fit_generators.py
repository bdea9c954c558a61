"""Python generators in fit/evaluate/predict against real Keras 3 (the oracle): the same
batches per epoch (an exhausted generator replays its two peeked batches, with Keras's
warning), the same weights (2e-3) and logs (1e-4 relative) from the same start."""

import warnings

import numpy as np
import pytest

import visualnet as vn

keras = pytest.importorskip("keras")
pytestmark = pytest.mark.oracle

RNG = np.random.default_rng(0)
X = RNG.normal(size=(20, 4)).astype("float32")
Y = RNG.normal(size=(20, 1)).astype("float32")
W = RNG.uniform(0.5, 2.0, 20).astype("float32")


def gen(n=3, loop=False, weighted=False):
    while True:
        for i in range(n):
            s = slice(i * 8, i * 8 + 8)     # the last batch has 4 samples
            yield (X[s], Y[s], W[s]) if weighted else (X[s], Y[s])
        if not loop:
            return


class Batches(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.seen = []

    def on_epoch_begin(self, epoch, logs=None):
        self.seen.append([])

    def on_train_batch_end(self, batch, logs=None):
        self.seen[-1].append(batch)


class VNBatches(vn.callbacks.Callback):
    on_epoch_begin, on_train_batch_end = Batches.on_epoch_begin, Batches.on_train_batch_end

    def __init__(self):
        super().__init__()
        self.seen = []


def _pair(lr=0.05):
    L = keras.layers
    k = keras.Sequential([L.Input((4,)), L.Dense(3, activation="tanh"), L.Dense(1)])
    v = vn.Sequential([vn.layers.Input((4,)), vn.layers.Dense(3, activation="tanh"), vn.layers.Dense(1)])
    weights = [np.random.default_rng(1).normal(0, 0.5, w.shape).astype("float32") for w in k.get_weights()]
    k.set_weights(weights)
    v.set_weights(weights)
    k.compile(keras.optimizers.SGD(lr), "mse", metrics=["mae"])
    v.compile(vn.optimizers.SGD(lr), "mse", metrics=["mae"])
    return k, v


def _fit_both(make, make_val=None, **kwargs):
    """Both models fit on fresh generators from `make` (and `make_val` for validation)."""
    k, v = _pair()
    out = []
    for model, cb in ((k, Batches()), (v, VNBatches())):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            val = {} if make_val is None else {"validation_data": make_val()}
            h = model.fit(make(), verbose=0, shuffle=False, callbacks=[cb], **val, **kwargs)
        out.append((h.history, cb.seen, [str(x.message) for x in w if "ran out of data" in str(x.message)],
                    model.get_weights()))
    return out


def _agree(kr, vr):
    (hk, sk, wk, weights_k), (hv, sv, wv, weights_v) = kr, vr
    assert sv == sk
    assert len(wv) == len(wk)
    assert list(hv) == list(hk)
    for key in hk:
        assert hv[key] == pytest.approx(hk[key], rel=1e-4)
    for a, b in zip(weights_v, weights_k):
        np.testing.assert_allclose(a, b, atol=2e-3)


@pytest.mark.parametrize("kwargs", [dict(epochs=3), dict(epochs=3, steps_per_epoch=2),
                                    dict(epochs=2, steps_per_epoch=4)])
def test_exhausted_generator_epochs_like_keras(kwargs):
    kr, vr = _fit_both(gen, **kwargs)
    _agree(kr, vr)
    assert vr[2][0].startswith("Your input ran out of data; interrupting training.")


def test_weighted_generator_with_generator_validation_like_keras():
    kr, vr = _fit_both(lambda: gen(loop=True, weighted=True), gen, epochs=2, steps_per_epoch=3)
    _agree(kr, vr)


def test_validation_steps_and_array_validation_like_keras():
    _agree(*_fit_both(lambda: gen(loop=True), lambda: gen(loop=True), epochs=2, steps_per_epoch=2,
                      validation_steps=2))
    _agree(*_fit_both(lambda: gen(loop=True), lambda: (X, Y), epochs=2, steps_per_epoch=3))


def test_evaluate_and_predict_on_generators_like_keras():
    k, v = _pair()
    for steps in (None, 2, 5):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ek, ev = k.evaluate(gen(), steps=steps, verbose=0), v.evaluate(gen(), steps=steps, verbose=0)
            assert ev == pytest.approx(ek, rel=1e-4)
            pk, pv = k.predict(gen(), steps=steps, verbose=0), v.predict(gen(), steps=steps, verbose=0)
            np.testing.assert_allclose(pv, pk, atol=1e-5)
    assert v.predict((b[:1] for b in gen()), verbose=0).shape == (20, 1)


def test_generator_argument_errors_are_keras_s():
    _, v = _pair()
    with pytest.raises(ValueError, match="When providing `x` as a generator, `y` should not be passed"):
        v.fit(gen(), Y, verbose=0)
    with pytest.raises(ValueError, match="`validation_split` is only supported for tensors or NumPy arrays"):
        v.fit(gen(), validation_split=0.2, verbose=0)
    with pytest.raises(ValueError, match="`class_weight` is not supported for Python generator inputs"):
        v.fit(gen(), class_weight={0: 1.0}, verbose=0)
    with pytest.raises(ValueError, match="the generator must yield at least one batch"):
        v.fit((b for b in ()), verbose=0)
    with pytest.raises(ValueError, match=r"must return a tuple, either \(input,\)"):
        v.fit((b[0] for b in gen()), verbose=0)
    with pytest.warns(UserWarning, match="`shuffle=True` was passed, but will be ignored"):
        v.fit(gen(loop=True), steps_per_epoch=1, verbose=0)


def test_padded_batches_of_different_lengths_train_like_keras():
    """Masking -> LSTM on Input((None, 2)): batches padded to 5, 9 and 5 timesteps."""
    rng = np.random.default_rng(2)
    batches = []
    for t in (5, 9, 5):
        x = rng.normal(size=(6, t, 2)).astype("float32")
        x[:3, :2] = 0.0                                   # padding the mask hides
        batches.append((x, rng.normal(size=(6, 1)).astype("float32")))
    models = []
    for lib in (keras, vn):
        L = lib.layers
        models.append(lib.Sequential([L.Input((None, 2)), L.Masking(), L.LSTM(4), L.Dense(1)]))
    k, v = models
    v.set_weights(k.get_weights())
    k.compile(keras.optimizers.Adam(0.01), "mse")
    v.compile(vn.optimizers.Adam(0.01), "mse")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        hk = k.fit((b for b in batches), epochs=2, verbose=0, shuffle=False)
        hv = v.fit((b for b in batches), epochs=2, verbose=0, shuffle=False)
        np.testing.assert_allclose(v.predict((b for b in batches), verbose=0),
                                   k.predict((b for b in batches), verbose=0), atol=1e-4)
    assert hv.history["loss"] == pytest.approx(hk.history["loss"], rel=1e-4)
    for a, b in zip(v.get_weights(), k.get_weights()):
        np.testing.assert_allclose(a, b, atol=2e-3)


def test_arrays_with_generator_validation_like_keras():
    k, v = _pair()
    hk = k.fit(X, Y, batch_size=8, epochs=2, shuffle=False, verbose=0, validation_data=gen(), validation_steps=2)
    hv = v.fit(X, Y, batch_size=8, epochs=2, shuffle=False, verbose=0, validation_data=gen(), validation_steps=2)
    assert list(hv.history) == list(hk.history)
    for key in hk.history:
        assert hv.history[key] == pytest.approx(hk.history[key], rel=1e-4)


def test_progress_bar_of_a_generator_counts_unknown_steps(capsys):
    _, v = _pair()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        v.fit(gen(), epochs=1, verbose=1)
    assert "3/Unknown" in capsys.readouterr().out


def test_a_generator_builds_a_sequential_without_input():
    m = vn.Sequential([vn.layers.Dense(3, activation="relu"), vn.layers.Dense(1)])
    m.compile("adam", "mse", metrics=["mae"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        h = m.fit(gen(), epochs=2, verbose=0, shuffle=False)
    assert m.built and list(h.history) == ["loss", "mae"] and len(h.history["loss"]) == 2
