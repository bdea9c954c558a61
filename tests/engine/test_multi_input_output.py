"""Models with several inputs and outputs against real Keras 3 (the oracle): inputs as a
list or a dict by Input name, per-output losses, loss weights and metrics, targets as a
list or a dict by output name, Keras's log names and evaluate's order; same weights and
data (shuffle=False) give the same weights (2e-3) and logs (1e-4 relative)."""

import numpy as np
import pytest

import visualnet as vn

keras = pytest.importorskip("keras")
pytestmark = pytest.mark.oracle

N = 40


def two_in_two_out(lib, chained=False):
    L = lib.layers
    a, b = L.Input((4,), name="input_a"), L.Input((3,), name="input_b")
    h = L.Dense(6, activation="tanh", name="hid")(L.Concatenate(name="cat")([a, b]))
    out1 = L.Dense(3, activation="softmax", name="out1")(h)
    src = L.Concatenate(name="cat2")([h, out1]) if chained else h   # out1 also feeds out2
    out2 = L.Dense(1, name="out2")(src)
    return lib.Model([a, b], [out1, out2])


def _data(seed=0):
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=(N, 4)).astype("float32"), rng.normal(size=(N, 3)).astype("float32")
    return x1, x2, rng.integers(0, 3, N), rng.normal(size=(N, 1)).astype("float32")


def _pair(chained=False):
    k, v = two_in_two_out(keras, chained), two_in_two_out(vn, chained)
    rng = np.random.default_rng(3)
    weights = [rng.normal(0, 0.5, w.shape).astype("float32") for w in k.get_weights()]
    k.set_weights(weights)
    v.set_weights(weights)
    return k, v


def _close(a, b):
    assert a == pytest.approx(b, rel=1e-4, abs=1e-6)


COMPILES = {
    "lists": dict(loss=["sparse_categorical_crossentropy", "mse"], loss_weights=[1.0, 0.5],
                  metrics=[["accuracy"], ["mae"]]),
    "dicts": dict(loss={"out2": "mse", "out1": "sparse_categorical_crossentropy"}, loss_weights={"out2": 2.0, "out1": 0.7},
                  metrics={"out2": ["mse", "mae"], "out1": "accuracy"}),
    "one_loss": dict(loss="mse"),
}


@pytest.mark.parametrize("how", COMPILES)
@pytest.mark.parametrize("chained", [False, True])
def test_fit_evaluate_predict_like_keras(how, chained):
    k, v = _pair(chained)
    x1, x2, y1, y2 = _data()
    if how == "one_loss":
        y1 = np.eye(3, dtype="float32")[y1]
    for model, lib in ((k, keras), (v, vn)):
        model.compile(optimizer=lib.optimizers.SGD(learning_rate=0.1), **COMPILES[how])
    fit = dict(epochs=2, batch_size=16, shuffle=False, verbose=0)
    hk = k.fit({"input_a": x1, "input_b": x2}, {"out1": y1, "out2": y2}, validation_data=([x1, x2], [y1, y2]), **fit)
    hv = v.fit({"input_a": x1, "input_b": x2}, {"out1": y1, "out2": y2}, validation_data=([x1, x2], [y1, y2]), **fit)
    assert list(hv.history) == list(hk.history)
    assert v.metrics_names == k.metrics_names
    for key in hk.history:
        for a, b in zip(hv.history[key], hk.history[key]):
            _close(a, b)
    for wv, wk in zip(v.get_weights(), k.get_weights()):
        np.testing.assert_allclose(wv, wk, atol=2e-3)
    ek, ev = k.evaluate([x1, x2], [y1, y2], verbose=0), v.evaluate([x1, x2], [y1, y2], verbose=0)
    assert len(ev) == len(ek)
    for a, b in zip(ev, ek):
        _close(a, b)
    assert list(v.evaluate([x1, x2], [y1, y2], verbose=0, return_dict=True)) == \
        list(k.evaluate([x1, x2], [y1, y2], verbose=0, return_dict=True))
    pk, pv = k.predict({"input_a": x1, "input_b": x2}, verbose=0), v.predict({"input_a": x1, "input_b": x2}, verbose=0)
    assert isinstance(pv, list) and len(pv) == 2
    for a, b in zip(pv, pk):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_sample_weight_weights_every_output_like_keras():
    k, v = _pair()
    x1, x2, y1, y2 = _data(1)
    sw = np.random.default_rng(5).uniform(0.1, 2.0, N).astype("float32")
    for model, lib in ((k, keras), (v, vn)):
        model.compile(optimizer=lib.optimizers.Adam(learning_rate=0.01), **COMPILES["lists"])
    hk = k.fit([x1, x2], [y1, y2], sample_weight=sw, epochs=2, batch_size=8, shuffle=False, verbose=0)
    hv = v.fit([x1, x2], [y1, y2], sample_weight=sw, epochs=2, batch_size=8, shuffle=False, verbose=0)
    for key in hk.history:
        for a, b in zip(hv.history[key], hk.history[key]):
            _close(a, b)
    for wv, wk in zip(v.get_weights(), k.get_weights()):
        np.testing.assert_allclose(wv, wk, atol=2e-3)


def test_multi_input_single_output_list_and_dict():
    L = vn.layers
    a, b = L.Input((4,), name="input_a"), L.Input((3,), name="input_b")
    m = vn.Model([a, b], L.Dense(1, name="d")(L.Concatenate()([a, b])))
    m.compile("sgd", "mse", metrics=["mae"])
    x1, x2, _, y2 = _data()
    m.fit([x1, x2], y2, epochs=1, verbose=0)
    m.fit({"input_b": x2, "input_a": x1}, {"d": y2}, epochs=1, verbose=0)
    assert m.evaluate({"input_a": x1, "input_b": x2}, y2, verbose=0) == pytest.approx(m.evaluate([x1, x2], y2, verbose=0))
    np.testing.assert_array_equal(m.predict({"input_a": x1, "input_b": x2}, verbose=0), m.predict([x1, x2], verbose=0))
    with pytest.raises(ValueError, match='Missing data for input "input_b"'):
        m.predict({"input_a": x1, "input_c": x2}, verbose=0)


def test_errors_name_the_outputs():
    v = two_in_two_out(vn)
    x1, x2, y1, y2 = _data()
    with pytest.raises(ValueError, match="got losses for 'out3', but the model's outputs are 'out1', 'out2'"):
        v.compile("sgd", loss={"out1": "mse", "out3": "mse"})
    with pytest.raises(ValueError, match="`loss_weights` must match the number of losses, got 2 losses and 1"):
        v.compile("sgd", loss="mse", loss_weights=[1.0])
    with pytest.raises(ValueError, match="loss_weights has no weight for 'out1'"):
        v.compile("sgd", loss="mse", loss_weights={"out2": 2.0})
    with pytest.raises(ValueError, match="list of lists, one per output"):
        v.compile("sgd", loss="mse", metrics=["mae"])
    v.compile("sgd", loss=["sparse_categorical_crossentropy", "mse"])
    with pytest.raises(ValueError, match="got targets for 'out3', but the model's outputs are 'out1', 'out2'"):
        v.fit([x1, x2], {"out1": y1, "out3": y2}, verbose=0)
    with pytest.raises(ValueError, match="holds 1 target array"):
        v.fit([x1, x2], [y1], verbose=0)
    with pytest.raises(ValueError, match="only supported for Models with a single output"):
        v.fit([x1, x2], [y1, y2], class_weight={0: 1.0}, verbose=0)


def test_train_on_batch_and_validation_split():
    v = two_in_two_out(vn)
    x1, x2, y1, y2 = _data()
    v.compile("adam", loss=["sparse_categorical_crossentropy", "mse"], metrics=[["accuracy"], None])
    logs = v.train_on_batch([x1, x2], [y1, y2], return_dict=True)
    assert sorted(logs) == ["loss", "out1_accuracy", "out1_loss", "out2_loss"]
    h = v.fit([x1, x2], [y1, y2], validation_split=0.25, epochs=1, verbose=0)
    assert "val_out2_loss" in h.history
