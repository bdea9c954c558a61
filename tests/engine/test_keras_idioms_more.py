"""Three Keras idioms that stopped a Keras program, each run in real Keras 3 (torch backend)
and in VisualNet with the same code and weights:

1. `initializers.Constant(array)`: Keras 2's pretrained-embedding idiom (`Embedding(n, d,
   embeddings_initializer=Constant(embedding_matrix), trainable=False)`); Keras 3 computes
   `cast(value) * ones(shape)`, writes the array as a `__numpy__` object in `.keras` files.
2. `keras.Input(shape=())`: one number per sample, a batch of shape (None,) (a user id to look up).
3. `compile(loss_weights=...)` on a one-output model: the loss and its gradient times the weight.
"""

import json
import zipfile

import numpy as np
import pytest

import visualnet as vn
from visualnet.graph import from_json, initializer_rules, to_json

keras = pytest.importorskip("keras")
pytestmark = pytest.mark.oracle

RNG = np.random.default_rng(316)


def _np(x):
    return keras.ops.convert_to_numpy(x) if not isinstance(x, np.ndarray) else x


def _close(a, b, tol=1e-5):
    np.testing.assert_allclose(_np(a), _np(b), rtol=tol, atol=tol)


def _same_weights(k, v, scale=0.3):
    weights = [RNG.normal(0, scale, w.shape).astype("float32") for w in k.get_weights()]
    k.set_weights(weights)
    v.set_weights(weights)


def _fit_both(models, x, y, **kwargs):
    """One epoch on each model (no shuffling); their histories."""
    return [m.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0, **kwargs).history for m in models]


def _weights_close(k, v, tol=2e-3):
    kw, vw = k.get_weights(), v.get_weights()
    assert len(kw) == len(vw)
    for a, b in zip(kw, vw):
        np.testing.assert_allclose(b, _np(a), atol=tol, rtol=0)


def _history_close(hk, hv, tol=1e-5):
    assert list(hv) == list(hk)
    for key in hk:
        np.testing.assert_allclose(hv[key], hk[key], rtol=tol, atol=tol)


# ====================================================================== 1. Constant(array)
MATRIX = RNG.normal(size=(12, 6))          # float64, as keras.io's embedding_matrix (np.zeros then rows)
MATRIX[0] = 0.0


def embedding_model(lib, trainable=False):
    """keras.io's "Using pre-trained word embeddings" head, Keras 2's way of loading the matrix."""
    L = lib.layers
    inp = lib.Input(shape=(5,), dtype="int32")
    x = L.Embedding(12, 6, embeddings_initializer=lib.initializers.Constant(MATRIX), trainable=trainable,
                    name="emb")(inp)
    x = L.GlobalAveragePooling1D()(x)
    out = L.Dense(3, activation="softmax", bias_initializer=lib.initializers.Constant([0.1, -0.2, 0.3]),
                  name="head")(x)
    return lib.Model(inp, out)


def _tokens(n=32):
    return RNG.integers(0, 12, size=(n, 5)).astype("int32")


def test_constant_array_gives_the_matrix_and_trains_as_keras():
    k, v = embedding_model(keras), embedding_model(vn)
    np.testing.assert_array_equal(v.get_layer("emb").get_weights()[0], MATRIX.astype("float32"))
    np.testing.assert_array_equal(v.get_layer("head").get_weights()[1], np.float32([0.1, -0.2, 0.3]))
    kernel = RNG.normal(0, 0.5, (6, 3)).astype("float32")
    for m in (k, v):   # the head's kernel is random: the same on both
        m.get_layer("head").set_weights([kernel, m.get_layer("head").get_weights()[1]])
    x, y = _tokens(), RNG.integers(0, 3, 32)
    _close(k.predict(x, verbose=0), v.predict(x, verbose=0))
    for m in (k, v):
        m.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["acc"])
    hk, hv = _fit_both((k, v), x, y)
    _history_close(hk, hv)
    _weights_close(k, v)
    np.testing.assert_array_equal(v.get_layer("emb").get_weights()[0], MATRIX.astype("float32"))   # frozen


@pytest.mark.parametrize("value, shape", [
    (np.arange(3.0), (2, 3)),                    # a row broadcast over the rows
    ([[1, 2], [3, 4]], (2, 2)),                  # nested lists of ints
    (np.array(2.5), (2, 2)),                     # a 0-d array: a number
    (np.arange(6, dtype="float32").reshape(2, 3, 1), (2, 3, 4)),
])
def test_constant_broadcasts_as_keras(value, shape):
    _close(keras.initializers.Constant(value)(shape), vn.initializers.Constant(value)(shape), tol=0)


def test_constant_that_does_not_broadcast_names_both_shapes():
    with pytest.raises(ValueError, match=r"value of shape \(2,\) does not broadcast to the weight's shape \(3,\)"):
        vn.layers.Dense(3, bias_initializer=vn.initializers.Constant([1.0, 2.0])).build((None, 4))


@pytest.mark.parametrize("value, message", [
    ([[1.0, 2.0], [3.0]], "must be a finite number or an array of them"),
    ([1.0, np.nan], r"must hold finite numbers only .* shape \(2,\) with 1 non-finite"),
    ("a", "must be a finite number or an array of them"),
    (np.array([True, False]), "must be a finite number or an array of them"),
])
def test_constant_arrays_that_are_refused(value, message):
    with pytest.raises(ValueError, match="Invalid argument for Dense: 'bias_initializer': Constant's value " + message):
        vn.layers.Dense(2, bias_initializer=vn.initializers.Constant(value))


def test_constant_array_beyond_the_limit_names_it(monkeypatch):
    monkeypatch.setattr(initializer_rules, "MAX_CONSTANT_VALUES", 50)
    with pytest.raises(ValueError, match=r"holds 72 values, more than .* \(MAX_CONSTANT_VALUES = 50\)\. Build the "
                                         r"layer and set its weights instead .* value of shape \(12, 6\)"):
        vn.layers.Embedding(12, 6, embeddings_initializer=vn.initializers.Constant(MATRIX))


def test_layer_config_round_trips_with_the_array():
    layer = vn.layers.Embedding(12, 6, embeddings_initializer=vn.initializers.Constant(MATRIX), trainable=False)
    config = layer.get_config()
    json.dumps(config)   # JSON-safe: the array is a nested list
    init = config["embeddings_initializer"]
    assert init["class_name"] == "Constant" and np.array_equal(init["config"]["value"], MATRIX)
    again = vn.layers.Embedding.from_config(config)
    again.build((None, 5))
    np.testing.assert_array_equal(again.get_weights()[0], MATRIX.astype("float32"))
    # Keras's own config of the layer (the array as a serialized `__numpy__` object) builds the same
    kconfig = keras.layers.Embedding(12, 6, embeddings_initializer=keras.initializers.Constant(MATRIX)).get_config()
    assert kconfig["embeddings_initializer"]["config"]["value"]["class_name"] == "__numpy__"
    from_keras = vn.layers.Embedding.from_config({k: v for k, v in kconfig.items() if k != "dtype"})
    from_keras.build((None, 5))
    np.testing.assert_array_equal(from_keras.get_weights()[0], MATRIX.astype("float32"))


def test_keras_file_with_a_constant_array_both_ways(tmp_path):
    v, k = embedding_model(vn), embedding_model(keras)
    x = _tokens(8)
    # VisualNet writes; Keras loads it, its initializer holding the array
    v.save(tmp_path / "vn.keras")
    cfg = json.loads(zipfile.ZipFile(tmp_path / "vn.keras").read("config.json"))
    emb = next(layer for layer in cfg["config"]["layers"] if layer["class_name"] == "Embedding")
    value = emb["config"]["embeddings_initializer"]["config"]["value"]
    assert value["class_name"] == "__numpy__" and np.allclose(value["config"]["value"], MATRIX)
    loaded = keras.models.load_model(tmp_path / "vn.keras")
    _close(v.predict(x, verbose=0), loaded.predict(x, verbose=0))
    np.testing.assert_allclose(_np(loaded.get_layer("emb").embeddings_initializer((12, 6))), MATRIX, atol=1e-6)
    # Keras writes; VisualNet loads it, and the model description keeps the array for a rebuild
    k.save(tmp_path / "k.keras")
    back = vn.models.load_model(tmp_path / "k.keras")
    _close(k.predict(x, verbose=0), back.predict(x, verbose=0))
    graph = back.to_graph()
    node = next(n for n in graph.nodes.values() if n.type == "Embedding")
    assert initializer_rules.describe(node.params["embeddings_initializer"]) == \
        "Constant(value=<array of shape (12, 6)>)"
    rebuilt = vn.Model.from_graph(from_json(to_json(graph)))   # the project file's form: a JSON list
    np.testing.assert_array_equal(rebuilt.get_layer("emb").get_weights()[0], MATRIX.astype("float32"))


# ====================================================================== 2. Input(shape=())
def user_model(lib):
    """One user id per sample, looked up (keras.io's collaborative filtering with a scalar id)."""
    L = lib.layers
    user = lib.Input(shape=(), dtype="int32", name="user")
    x = L.Embedding(20, 4, name="emb")(user)
    x = L.Dense(3, activation="relu", name="hidden")(x)
    scalar = lib.Input(shape=(), name="score")
    s = L.Dense(2, name="score_dense")(L.Reshape((1,))(scalar))
    out = L.Dense(1, name="out")(L.Concatenate()([x, s, lib.ops.expand_dims(scalar, -1)]))
    return lib.Model([user, scalar], out)


def _user_data(n=32):
    return [RNG.integers(0, 20, n).astype("int32"), RNG.normal(size=n).astype("float32")], \
        RNG.normal(size=(n, 1)).astype("float32")


def test_scalar_input_predicts_and_trains_as_keras():
    k, v = user_model(keras), user_model(vn)
    assert tuple(v.inputs[0].shape) == tuple(k.inputs[0].shape) == (None,)
    assert tuple(v.get_layer("emb").output.shape) == (None, 4)
    _same_weights(k, v)
    x, y = _user_data()
    _close(k.predict(x, verbose=0), v.predict(x, verbose=0))
    for m in (k, v):
        m.compile(optimizer="adam", loss="mse")
    hk, hv = _fit_both((k, v), x, y)
    _history_close(hk, hv)
    _weights_close(k, v)


def test_scalar_input_in_the_summary_as_keras():
    lines = {}
    for lib in (keras, vn):
        out = []
        user_model(lib).summary(print_fn=lambda text, **kw: out.append(text))
        row = next(line for text in out for line in text.splitlines() if "user (InputLayer)" in line)
        lines[lib] = row.split("│")[2].strip()
    assert lines[vn] == lines[keras] == "(None)"


def test_scalar_input_keras_files_both_ways(tmp_path):
    k, v = user_model(keras), user_model(vn)
    _same_weights(k, v)
    x, _ = _user_data(8)
    v.save(tmp_path / "vn.keras")
    k.save(tmp_path / "k.keras")
    loaded = keras.models.load_model(tmp_path / "vn.keras")
    assert tuple(loaded.inputs[0].shape) == (None,)
    _close(k.predict(x, verbose=0), loaded.predict(x, verbose=0))
    back = vn.models.load_model(tmp_path / "k.keras")
    assert back.traced_graph.node_by_name("user").params["shape"] == ()
    _close(k.predict(x, verbose=0), back.predict(x, verbose=0))


def test_scalar_input_in_the_model_description():
    """The canvas's model description holds a scalar input (shown as 'scalar'); a project
    rebuilds the model from it."""
    user = vn.Input(shape=(), dtype="int32", name="user")
    out = vn.layers.Dense(2)(vn.layers.Reshape((1,))(user))
    model = vn.Model(user, vn.layers.Add()([out, vn.layers.Embedding(20, 2)(user)]))
    graph = from_json(to_json(model.to_graph()))
    assert graph.node_by_name("user").params == {"shape": (), "dtype": "int32"}
    rebuilt = vn.Model.from_graph(graph)
    rebuilt.set_weights(model.get_weights())
    ids = np.arange(5, dtype="int32")
    _close(model.predict(ids, verbose=0), rebuilt.predict(ids, verbose=0), tol=0)


def test_dense_on_a_scalar_input_is_refused_as_keras():
    for lib in (keras, vn):
        with pytest.raises(ValueError):
            lib.layers.Dense(2)(lib.Input(shape=()))
    with pytest.raises(ValueError, match="Dense needs an input whose last dimension is known; it receives"):
        vn.layers.Dense(2)(vn.Input(shape=()))


# ====================================================================== 3. loss_weights, one output
def one_output(lib, activation=None):
    inp = lib.Input((4,))
    return lib.Model(inp, lib.layers.Dense(3, activation=activation, name="out")(inp))


@pytest.mark.parametrize("loss, loss_weights", [
    ("mse", 0.5), ("mse", [0.5]), ("mse", (0.5,)), ("mse", {"out": 0.5}), ("mse", np.float64(0.5)),
    ("mse", [2]), ("mse", {"out": 2}), ("mse", [None]), ("mse", 0),
    ("mse", {"another_name": 0.5}),   # with a single loss Keras takes a dict's one weight whatever its key
    (["mse"], 0.25), ({"out": "mse"}, {"out": 3.0}),
])
def test_one_output_loss_weights_as_keras(loss, loss_weights):
    k, v = one_output(keras), one_output(vn)
    _same_weights(k, v)
    x, y = RNG.normal(size=(32, 4)).astype("float32"), RNG.normal(size=(32, 3)).astype("float32")
    for m in (k, v):
        m.compile(optimizer="sgd", loss=loss, loss_weights=loss_weights)
    ek, ev = (m.evaluate(x, y, verbose=0, return_dict=True) for m in (k, v))
    assert list(ev) == list(ek) == ["loss"]
    np.testing.assert_allclose(ev["loss"], ek["loss"], rtol=1e-5)
    hk, hv = _fit_both((k, v), x, y)
    _history_close(hk, hv)
    _weights_close(k, v)


def test_loss_weight_with_a_fused_softmax_crossentropy_and_sample_weights():
    """The weighted loss leaves fit's fused kernel for the step that weights it."""
    k, v = one_output(keras, "softmax"), one_output(vn, "softmax")
    _same_weights(k, v)
    x, y = RNG.normal(size=(32, 4)).astype("float32"), np.eye(3, dtype="float32")[RNG.integers(0, 3, 32)]
    for m in (k, v):
        m.compile(optimizer="adam", loss="categorical_crossentropy", loss_weights=[0.3], metrics=["accuracy"])
    hk, hv = _fit_both((k, v), x, y)
    _history_close(hk, hv)
    _weights_close(k, v)
    sw = RNG.uniform(0.5, 2.0, 32).astype("float32")
    hk, hv = _fit_both((k, v), x, y, sample_weight=sw)
    _history_close(hk, hv)
    _weights_close(k, v)


@pytest.mark.parametrize("loss, loss_weights, message", [
    ("mse", 2, r"Expected `loss_weights` argument to be a float \(single output case\).*<class 'int'>"),
    ("mse", np.float32(0.5), r"Expected `loss_weights` argument to be a float.*numpy.float32"),
    ("mse", True, r"Expected `loss_weights` argument to be a float.*<class 'bool'>"),
    ("mse", "a", r"Expected `loss_weights` argument to be a float.*<class 'str'>"),
    ("mse", [0.5, 0.5], r"`loss_weights` must match the number of losses, got 1 losses and 2 weights."),
    ({"out": "mse"}, {"other": 0.5}, r"Expected keys \['out'\] in loss_weights dict, but found "
                                     r"loss_weights.keys\(\)=\['other'\]"),
    ("mse", ["a"], r"A loss weight must be a number. Received: loss_weights=\['a'\]"),
])
def test_one_output_loss_weights_refused(loss, loss_weights, message):
    with pytest.raises(ValueError, match=message):
        one_output(vn).compile(optimizer="sgd", loss=loss, loss_weights=loss_weights)
    if "loss_weights dict" not in message and "must be a number" not in message:   # Keras refuses it alike
        with pytest.raises(ValueError, match=message):   # (a list of two at its first evaluation)
            model = one_output(keras)
            model.compile(optimizer="sgd", loss=loss, loss_weights=loss_weights)
            model.evaluate(np.zeros((2, 4)), np.zeros((2, 3)), verbose=0)


def test_loss_weight_in_compute_loss_of_a_custom_train_step():
    """`compute_loss` (Keras's, weighted too) on a tape trains as fit()'s own step, which
    matches Keras's above."""
    from visualnet.gradients import GradientTape

    class Stepped(vn.Model):
        def train_step(self, data):
            x, y = data
            with GradientTape() as tape:
                loss = self.compute_loss(y=y, y_pred=self(x, training=True))
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
            return {"loss": loss}

    x, y = RNG.normal(size=(16, 4)).astype("float32"), RNG.normal(size=(16, 3)).astype("float32")
    histories, weights = [], []
    for cls in (Stepped, vn.Model):
        inp = vn.Input((4,))
        model = cls(inp, vn.layers.Dense(3, kernel_initializer="ones", name="out")(inp))
        model.compile("sgd", "mse", loss_weights={"out": 0.25})
        _close(model.compute_loss(y=y, y_pred=model(x)), 0.25 * np.mean((x.sum(1, keepdims=True) - y) ** 2))
        # one batch an epoch: a custom step's logs are its last batch's, fit()'s own the epoch's mean
        histories.append(model.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0).history)
        weights.append(model.get_weights())
    _history_close(histories[1], histories[0])
    for a, b in zip(*weights):
        _close(a, b)
