"""Models used as layers, against Keras 3: a Sequential in a Sequential, a functional
model called on a tensor of another, and the mixes. Same weights order and shapes,
predictions (<= 1e-5), summary rows, one epoch of SGD (<= 2e-3), the inner model
sharing the outer's weights, and `trainable` of the inner model as Keras has it."""

import numpy as np
import pytest

import visualnet as vn

keras = pytest.importorskip("keras")
pytestmark = pytest.mark.oracle


def _inner_seq(lib):
    L = lib.layers
    return lib.Sequential([L.Input((6,), name="inner_x"), L.Dense(5, activation="relu", name="inner_a"),
                           L.Dense(4, activation="tanh", name="inner_b")], name="inner")


def _inner_fun(lib):
    L = lib.layers
    i = L.Input((6,), name="inner_x")
    a = L.Dense(5, activation="relu", name="inner_a")(i)
    b = L.Dense(4, activation="tanh", name="inner_b")(a)
    return lib.Model(i, L.Concatenate(name="inner_cat")([a, b]), name="inner")


def seq_in_seq(lib):
    return lib.Sequential([_inner_seq(lib), lib.layers.Dense(3, activation="softmax", name="out")], name="outer")


def seq_in_fun(lib):
    L = lib.layers
    i = L.Input((6,), name="x")
    h = _inner_seq(lib)(i)
    return lib.Model(i, L.Dense(3, activation="softmax", name="out")(L.Concatenate(name="cat")([h, i])),
                     name="outer")


def fun_in_fun(lib):
    L = lib.layers
    i = L.Input((6,), name="x")
    pre = L.Dense(6, activation="relu", name="pre")(i)
    return lib.Model(i, L.Dense(3, activation="softmax", name="out")(_inner_fun(lib)(pre)), name="outer")


def fun_in_seq(lib):
    return lib.Sequential([lib.layers.Input((6,), name="x"), _inner_fun(lib),
                           lib.layers.Dense(3, activation="softmax", name="out")], name="outer")


CASES = {"seq_in_seq": seq_in_seq, "seq_in_fun": seq_in_fun, "fun_in_fun": fun_in_fun, "fun_in_seq": fun_in_seq}


def _twins(build, rng):
    v, k = build(vn), build(keras)
    assert [w.shape for w in v.get_weights()] == [tuple(w.shape) for w in k.get_weights()]
    weights = [rng.normal(0, 0.5, w.shape).astype("float32") for w in k.get_weights()]
    v.set_weights(weights)
    k.set_weights(weights)
    return v, k


def _rows(model):
    """(layer (type), output shape, params) of each summary row."""
    lines = []
    model.summary(print_fn=lambda text, *a, **kw: lines.extend(str(text).splitlines()))
    rows = []
    for line in lines:
        cells = [c.strip() for c in line.strip("│").split("│")]
        if line.startswith("│") and len(cells) >= 3 and cells[0].endswith(")") and "(" in cells[0]:
            rows.append(tuple(cells[:3]))
        elif line.startswith("│") and rows and cells[0]:
            rows[-1] = (rows[-1][0] + " " + cells[0], *rows[-1][1:])  # a wrapped name
    return rows


@pytest.mark.parametrize("name", list(CASES))
def test_nested_predicts_and_summarizes_as_keras(name):
    rng = np.random.default_rng(0)
    v, k = _twins(CASES[name], rng)
    assert [layer.name for layer in v.layers] == [layer.name for layer in k.layers]
    assert [type(layer).__name__ for layer in v.layers] == [
        type(layer).__name__.replace("Functional", "Model") for layer in k.layers]
    x = rng.normal(0, 1, (8, 6)).astype("float32")
    np.testing.assert_allclose(v.predict(x, verbose=0), k.predict(x, verbose=0), atol=1e-5, rtol=1e-5)
    np.testing.assert_allclose(v(x).numpy(), keras.ops.convert_to_numpy(k(x)), atol=1e-5, rtol=1e-5)
    assert _rows(v) == _rows(k)
    assert v.count_params() == k.count_params()


@pytest.mark.parametrize("name", list(CASES))
def test_nested_trains_as_keras_and_shares_the_inner_weights(name):
    rng = np.random.default_rng(1)
    v, k = _twins(CASES[name], rng)
    x = rng.normal(0, 1, (32, 6)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, 32)]
    v.compile(optimizer=vn.optimizers.SGD(0.1), loss="categorical_crossentropy")
    k.compile(optimizer=keras.optimizers.SGD(0.1), loss="categorical_crossentropy")
    v.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    k.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(v.get_weights(), k.get_weights()):
        np.testing.assert_allclose(a, b, atol=2e-3, rtol=2e-3)
    vi, ki = v.get_layer("inner"), k.get_layer("inner")
    np.testing.assert_allclose(vi.predict(x, verbose=0), ki.predict(x, verbose=0), atol=2e-3, rtol=2e-3)


def test_frozen_inner_model_as_keras():
    rng = np.random.default_rng(2)
    v, k = _twins(seq_in_seq, rng)
    v.get_layer("inner").trainable = False
    k.get_layer("inner").trainable = False
    assert len(v.trainable_weights) == len(k.trainable_weights) == 2
    assert _rows(v) == _rows(k)
    x = rng.normal(0, 1, (16, 6)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, 16)]
    before = v.get_layer("inner").get_weights()
    v.compile(optimizer=vn.optimizers.SGD(0.1), loss="categorical_crossentropy")
    v.fit(x, y, epochs=1, verbose=0)
    for a, b in zip(before, v.get_layer("inner").get_weights()):
        np.testing.assert_array_equal(a, b)


def test_saving_a_nested_model_says_why_not(tmp_path):
    with pytest.raises(ValueError, match="nested model.*'inner'"):
        seq_in_seq(vn).save(tmp_path / "m.keras")


def test_a_model_added_twice_is_refused():
    inner = _inner_seq(vn)
    with pytest.raises(ValueError, match="'inner' is already in this model"):
        vn.Sequential([inner, inner])


def shared_dense(lib):
    """One Dense called on two inputs (weights shared, gradients summed)."""
    L = lib.layers
    a, b = L.Input((6,), name="left"), L.Input((6,), name="right")
    shared = L.Dense(4, activation="tanh", name="shared")
    merged = L.Concatenate(name="cat")([shared(a), shared(b)])
    return lib.Model([a, b], L.Dense(3, activation="softmax", name="out")(merged), name="siamese")


def shared_model(lib):
    """A Sequential base called on two inputs: the siamese network of Keras's examples."""
    L = lib.layers
    base = _inner_seq(lib)
    a, b = L.Input((6,), name="left"), L.Input((6,), name="right")
    diff = L.Subtract(name="diff")([base(a), base(b)])
    return lib.Model([a, b], L.Dense(3, activation="softmax", name="out")(diff), name="siamese")


@pytest.mark.parametrize("build", [shared_dense, shared_model])
def test_shared_layers_as_keras(build):
    rng = np.random.default_rng(4)
    v, k = _twins(build, rng)
    assert [layer.name for layer in v.layers] == [layer.name for layer in k.layers]
    assert v.count_params() == k.count_params() and _rows(v) == _rows(k)
    x = [rng.normal(0, 1, (32, 6)).astype("float32") for _ in range(2)]
    np.testing.assert_allclose(v.predict(x, verbose=0), k.predict(x, verbose=0), atol=1e-5, rtol=1e-5)
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, 32)]
    v.compile(optimizer=vn.optimizers.SGD(0.1), loss="categorical_crossentropy")
    k.compile(optimizer=keras.optimizers.SGD(0.1), loss="categorical_crossentropy")
    v.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    k.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(v.get_weights(), k.get_weights()):
        np.testing.assert_allclose(a, b, atol=2e-3, rtol=2e-3)
    np.testing.assert_allclose(v.predict(x, verbose=0), k.predict(x, verbose=0), atol=2e-3, rtol=2e-3)


@pytest.mark.parametrize("build", [shared_dense, shared_model])
def test_shared_layers_config_and_clone(build):
    import json
    v = build(vn)
    k = keras.models.model_from_json(v.to_json())
    assert json.loads(json.dumps(k.get_config())) == json.loads(json.dumps(build(keras).get_config()))
    back = vn.models.model_from_json(build(keras).to_json())
    assert back.count_params() == v.count_params() and _rows(back) == _rows(v)
    clone = vn.models.clone_model(v)
    assert clone.count_params() == v.count_params() and _rows(clone) == _rows(v)
    with pytest.raises(ValueError, match="more than once|nested"):
        v.save_weights("/nonexistent/never.weights.h5")
