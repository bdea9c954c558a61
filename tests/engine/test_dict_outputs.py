"""Models built with dicts, `Model(inputs={...}, outputs={...})`, against real Keras 3 (the
oracle): the dicts flatten in sorted key order; data, targets, losses, loss weights and
metrics go by key (a key may differ from its layer's name: the key names the logs);
predict and `model(x)` return dicts; same weights and data give the same epoch (2e-3)."""

import numpy as np
import pytest

import visualnet as vn

N = 48


def dict_model(lib):
    L = lib.layers
    title, body = L.Input((5,), name="title"), L.Input((3,), name="body")   # given in unsorted key order
    h = L.Dense(8, activation="tanh", name="hidden")(L.Concatenate(name="cat")([title, body]))
    priority = L.Dense(1, name="priority_head")(h)                  # keys differ from the layer names
    department = L.Dense(4, activation="softmax", name="department_head")(h)
    return lib.Model(inputs={"title": title, "body": body},
                     outputs={"priority": priority, "department": department})


def _data(seed=0):
    rng = np.random.default_rng(seed)
    x = {"title": rng.normal(size=(N, 5)).astype("float32"), "body": rng.normal(size=(N, 3)).astype("float32")}
    y = {"priority": rng.random((N, 1)).astype("float32"), "department": rng.integers(0, 4, N)}
    return x, y


COMPILE = dict(loss={"priority": "binary_crossentropy", "department": "sparse_categorical_crossentropy"},
               loss_weights={"priority": 1.0, "department": 0.2},
               metrics={"department": ["accuracy"], "priority": ["mae"]})


def test_outputs_flatten_in_sorted_key_order_and_predict_gives_a_dict():
    model = dict_model(vn)
    assert [t.name for t in model.outputs] == ["department_head", "priority_head"]
    assert [t.name for t in model.inputs] == ["body", "title"]
    assert list(model.output) == ["priority", "department"]   # the structure as given
    assert list(model.input) == ["title", "body"]
    x, _ = _data()
    out = model.predict(x, verbose=0)
    assert list(out) == ["department", "priority"]      # sorted, as Keras's
    assert out["priority"].shape == (N, 1) and out["department"].shape == (N, 4)
    eager = model(x)
    assert list(eager) == ["department", "priority"]
    np.testing.assert_allclose(eager["department"].numpy(), out["department"], atol=1e-6)   # .numpy(), as Keras
    np.testing.assert_allclose(model.predict([x["body"], x["title"]], verbose=0)["priority"], out["priority"])


def test_logs_are_named_by_key():
    model = dict_model(vn)
    model.compile(optimizer="sgd", **COMPILE)
    x, y = _data()
    history = model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    assert sorted(history.history) == ["department_accuracy", "department_loss", "loss", "priority_loss",
                                       "priority_mae"]
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert set(logs) == set(history.history)


def test_errors_name_the_keys():
    model = dict_model(vn)
    with pytest.raises(ValueError, match="'priority_head'.*'department', 'priority'"):
        model.compile(optimizer="sgd", loss={"priority_head": "mse", "department": "mse"})
    model.compile(optimizer="sgd", loss="mse")
    x, y = _data()
    with pytest.raises(ValueError, match="missing the targets of 'priority'"):
        model.fit(x, {"department": y["department"]}, verbose=0)
    with pytest.raises(ValueError, match='Missing data for input "title"'):
        model.predict({"body": x["body"]}, verbose=0)


def test_single_output_dict():
    L = vn.layers
    inp = L.Input((3,), name="x")
    model = vn.Model(inp, {"score": L.Dense(2, name="dense_out")(inp)})
    model.compile(optimizer="sgd", loss="mse")
    x = np.ones((4, 3), "float32")
    model.fit(x, {"score": np.zeros((4, 2), "float32")}, verbose=0)
    assert list(model.predict(x, verbose=0)) == ["score"]


@pytest.mark.oracle
def test_one_epoch_like_keras():
    keras = pytest.importorskip("keras")
    k, v = dict_model(keras), dict_model(vn)
    rng = np.random.default_rng(3)
    weights = [rng.normal(0, 0.5, w.shape).astype("float32") for w in k.get_weights()]
    k.set_weights(weights)
    v.set_weights(weights)
    x, y = _data()
    for model, lib in ((k, keras), (v, vn)):
        model.compile(optimizer=lib.optimizers.RMSprop(1e-3), **COMPILE)
    hk = k.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    hv = v.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    assert sorted(hv.history) == sorted(hk.history)   # Keras orders every key by name; VisualNet puts loss first
    assert v.metrics_names == k.metrics_names         # the losses in the loss dict's order
    for key in hk.history:
        assert hv.history[key][0] == pytest.approx(hk.history[key][0], abs=2e-3), key
    for wv, wk in zip(v.get_weights(), k.get_weights()):
        np.testing.assert_allclose(wv, wk, atol=2e-3)
    ek, ev = k.evaluate(x, y, verbose=0), v.evaluate(x, y, verbose=0)
    assert len(ev) == len(ek)
    for a, b in zip(ev, ek):
        assert a == pytest.approx(b, abs=2e-3)
    pk, pv = k.predict(x, verbose=0), v.predict(x, verbose=0)
    assert list(pv) == list(pk)
    for key in pk:
        np.testing.assert_allclose(pv[key], np.asarray(pk[key]), atol=2e-3)
