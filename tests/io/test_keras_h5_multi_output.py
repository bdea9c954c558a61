"""Legacy `.h5` files of functional models with several outputs (or an LSTM's state as an
output, or dict outputs): real Keras 3 writes them and VisualNet loads them as it loads the
`.keras` twin (same predictions within 1e-5, compiled the same); VisualNet writes them and
real Keras 3 loads them; tf-keras's Keras 2 dialect (written here by hand) loads too."""

import json

import h5py
import numpy as np
import pytest

import visualnet.io as vio
from visualnet import layers as vl, models as vm
from visualnet.io import KerasFileError, UnsupportedLayersError
from visualnet.io.keras_config_read import config_beyond_graph
from visualnet.io.project import Project

from .helpers import randomize

TOL = 1e-5


# ---------------------------------------------------------------------- which configs take the model path
def _functional(outputs, inputs):
    return {"class_name": "Functional", "config": {"layers": [], "input_layers": inputs,
                                                   "output_layers": outputs}}


@pytest.mark.parametrize("outputs, inputs, beyond", [
    (["out", 0, 0], ["x", 0, 0], False),                      # Keras 3, one output
    ([["out", 0, 0]], [["x", 0, 0]], False),                  # Keras 2, one output
    ([["a", 0, 0], ["b", 0, 0]], [["x", 0, 0]], True),        # two outputs
    (["lstm", 0, 1], ["x", 0, 0], True),                      # an LSTM's state as the output
    ({"a": ["a", 0, 0]}, ["x", 0, 0], True),                  # dict outputs
    (["out", 0, 0], {"x": ["x", 0, 0]}, True),                # dict inputs
])
def test_config_beyond_graph(outputs, inputs, beyond):
    assert config_beyond_graph(_functional(outputs, inputs)) is beyond


def test_sequential_and_malformed_configs_are_not_beyond_a_graph():
    assert not config_beyond_graph({"class_name": "Sequential", "config": {"layers": []}})
    assert not config_beyond_graph({"class_name": "Functional", "config": {"output_layers": []}})
    assert not config_beyond_graph(["not", "a", "config"])


# ---------------------------------------------------------------------- real Keras writes, VisualNet reads
keras = pytest.importorskip("keras")


def _keras_model(kind: str):
    """(model, inputs) of a small Keras functional model of `kind`, with random weights."""
    rng = np.random.default_rng(7)
    if kind == "two_inputs":
        a, b = keras.Input((4,), name="a"), keras.Input((3,), name="b")
        h = keras.layers.Concatenate(name="join")([keras.layers.Dense(5, activation="tanh", name="da")(a), b])
        p = keras.layers.Dense(2, activation="softmax", name="p")(h)
        q = keras.layers.Dense(1, name="q")(keras.layers.Dense(3, activation="relu", name="db")(b))
        model, x = keras.Model([a, b], [q, p]), [rng.random((6, 4), "float32"), rng.random((6, 3), "float32")]
    elif kind == "lstm_state":
        inp = keras.Input((5, 3), name="seq")
        seq, h, c = keras.layers.LSTM(4, return_sequences=True, return_state=True, name="lstm")(inp)
        out = keras.layers.Dense(2, name="head")(keras.layers.GlobalAveragePooling1D(name="pool")(seq))
        model, x = keras.Model(inp, [out, h]), rng.random((6, 5, 3), "float32")
    else:
        inp = keras.Input((4,), name="x")
        h = keras.layers.Dense(8, activation="relu", name="hidden")(inp)
        cls = keras.layers.Dense(3, activation="softmax", name="cls")(h)
        reg = keras.layers.Dense(1, name="reg")(h)
        outputs = {"reversed": [reg, cls], "dict": {"reg": reg, "cls": cls}}.get(kind, [cls, reg])
        model, x = keras.Model(inp, outputs), rng.random((6, 4), "float32")
    model.set_weights([rng.normal(size=w.shape).astype("float32") * 0.5 for w in model.get_weights()])
    return model, x


# kind, compile() arguments, expected per output name: (loss class, loss weight, metric names)
CASES = {
    "lists": ("plain", dict(loss=["sparse_categorical_crossentropy", "mse"], loss_weights=[0.5, 2.0],
                            metrics=[["accuracy"], ["mae"]]),
              {"cls": ("SparseCategoricalCrossentropy", 0.5, ["accuracy"]), "reg": ("MeanSquaredError", 2.0, ["mae"])}),
    "dicts_by_layer_name": ("plain", dict(loss={"reg": "mse", "cls": "sparse_categorical_crossentropy"},
                                          loss_weights={"cls": 1.0, "reg": 3.0},
                                          metrics={"cls": ["accuracy"], "reg": ["mae", "mse"]}),
                            {"cls": ("SparseCategoricalCrossentropy", 1.0, ["accuracy"]),
                             "reg": ("MeanSquaredError", 3.0, ["mae", "mse"])}),
    "reversed_outputs": ("reversed", dict(loss=["mse", "sparse_categorical_crossentropy"]),
                         {"reg": ("MeanSquaredError", 1.0, []), "cls": ("SparseCategoricalCrossentropy", 1.0, [])}),
    "dict_outputs": ("dict", dict(loss={"cls": "sparse_categorical_crossentropy", "reg": "mse"},
                                  metrics={"cls": ["accuracy"]}),
                     {"cls": ("SparseCategoricalCrossentropy", 1.0, ["accuracy"]),
                      "reg": ("MeanSquaredError", 1.0, [])}),
    "two_inputs": ("two_inputs", dict(loss=["mse", "categorical_crossentropy"], loss_weights=[1.0, 0.25]),
                   {"q": ("MeanSquaredError", 1.0, []), "p": ("CategoricalCrossentropy", 0.25, [])}),
    "loss_objects": ("plain", dict(loss=[keras.losses.SparseCategoricalCrossentropy(), keras.losses.Huber()],
                                   metrics=[[keras.metrics.SparseCategoricalAccuracy()], []]),
                     {"cls": ("SparseCategoricalCrossentropy", 1.0, ["sparse_categorical_accuracy"]),
                      "reg": ("Huber", 1.0, [])}),
}


def _as_list(out, names):
    return [np.asarray(out[n]) for n in names] if isinstance(out, dict) else [np.asarray(o) for o in out]


def _compiled(model) -> dict:
    """{output name: (loss class, loss weight, metric names)} of a VisualNet model."""
    outs = model.compiled.outputs
    return {n: (type(fn).__name__, w, [m if isinstance(m, str) else m.name for m in ids])
            for n, fn, w, ids in zip(outs.names, outs.loss_fns, outs.weights, outs.metric_ids)}


def _saved_by_keras(tmp_path, case):
    kind, args, expected = CASES[case]
    km, x = _keras_model(kind)
    km.compile(optimizer=keras.optimizers.Adam(learning_rate=0.003), **args)
    km.save(tmp_path / "m.h5")
    km.save(tmp_path / "m.keras")
    return km, x, expected


@pytest.mark.parametrize("case", list(CASES))
def test_keras_h5_with_several_outputs_loads_as_its_keras_twin(tmp_path, case):
    km, x, expected = _saved_by_keras(tmp_path, case)
    ref = km.predict(x, verbose=0)
    names = list(expected)
    h5 = vm.load_model(tmp_path / "m.h5")
    twin = vm.load_model(tmp_path / "m.keras")
    for model in (h5, twin):
        got = _as_list(model.predict(x, verbose=0), names)
        want = _as_list(ref, names)
        assert len(got) == len(want) == len(names)
        for g, w in zip(got, want):
            assert g.shape == w.shape
            assert np.abs(g - w).max() <= TOL
    assert _compiled(h5) == _compiled(twin) == expected
    assert type(h5.compiled.optimizer).__name__ == "Adam"
    assert h5.compiled.optimizer.learning_rate == pytest.approx(0.003)


def test_keras_h5_with_an_lstm_state_as_output_loads(tmp_path):
    km, x = _keras_model("lstm_state")
    km.save(tmp_path / "m.h5")
    model = vm.load_model(tmp_path / "m.h5")
    for g, w in zip(model.predict(x, verbose=0), km.predict(x, verbose=0)):
        assert np.abs(g - np.asarray(w)).max() <= TOL
    assert model.compiled is None   # Keras saved it uncompiled


@pytest.mark.parametrize("ext", [".h5", ".keras"])
def test_file_import_of_several_outputs_keeps_their_order_on_the_canvas(tmp_path, ext):
    km, x, _ = _saved_by_keras(tmp_path, "reversed_outputs")
    imported = vio.import_keras_model(tmp_path / f"m{ext}")
    assert [n.name for n in imported.graph.output_nodes()] == ["reg", "cls"]
    assert imported.compile_config["loss"] == ["mse", "sparse_categorical_crossentropy"]
    rebuilt = Project.from_model(imported.model, graph=imported.graph).build_model()
    for g, w in zip(rebuilt.predict(x, verbose=0), km.predict(x, verbose=0)):
        assert np.abs(g - np.asarray(w)).max() <= TOL
    assert [type(fn).__name__ for fn in rebuilt.compiled.outputs.loss_fns] == ["MeanSquaredError",
                                                                               "SparseCategoricalCrossentropy"]


def test_file_import_refuses_dict_outputs_naming_what_the_canvas_cannot_show(tmp_path):
    _saved_by_keras(tmp_path, "dict_outputs")
    with pytest.raises(UnsupportedLayersError, match="returns a dict.*visualnet.models.load_model"):
        vio.import_keras_model(tmp_path / "m.h5")


def test_a_missing_layer_in_a_several_output_h5_names_it(tmp_path):
    _saved_by_keras(tmp_path, "lists")
    with h5py.File(tmp_path / "m.h5", "a") as f:
        del f["model_weights/reg"]
    with pytest.raises(KerasFileError, match="'reg'"):
        vm.load_model(tmp_path / "m.h5")


# ---------------------------------------------------------------------- VisualNet writes, real Keras reads
def _visualnet_two_in_two_out():
    a, b = vl.Input((4,), name="a"), vl.Input((3,), name="b")
    h = vl.Concatenate(name="join")([vl.Dense(5, activation="tanh", name="da")(a), b])
    p = vl.Dense(2, activation="softmax", name="p")(h)
    q = vl.Dense(1, name="q")(vl.Dense(3, activation="relu", name="db")(b))
    model = vm.Model([a, b], [q, p], name="two_by_two")   # outputs in another order than made
    randomize(model, seed=5)
    rng = np.random.default_rng(2)
    x = [rng.random((8, 4), "float32"), rng.random((8, 3), "float32")]
    y = [rng.random((8, 1), "float32"), np.eye(2, dtype="float32")[rng.integers(0, 2, 8)]]
    return model, x, y


def test_visualnet_h5_with_several_outputs_loads_in_keras(tmp_path):
    model, x, y = _visualnet_two_in_two_out()
    # names Keras 3.x's legacy loader can deserialize ("mse" it cannot, even in its own .h5 files)
    model.compile(optimizer="adam", loss=["mean_squared_error", "categorical_crossentropy"],
                  metrics=[["mae"], ["accuracy"]])
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    vio.save_model(model, tmp_path / "vn.h5")
    km = keras.models.load_model(tmp_path / "vn.h5")
    ours = model.predict(x, verbose=0)
    theirs = km.predict(x, verbose=0)
    assert len(theirs) == 2
    for g, w in zip(ours, theirs):
        assert np.asarray(w).shape == g.shape
        assert np.abs(np.asarray(w) - g).max() <= TOL
    assert int(km.optimizer.iterations.numpy()) == 2   # its state came along
    assert km.evaluate(x, y, verbose=0)[0] == pytest.approx(model.evaluate(x, y, verbose=0)[0], abs=1e-5)
    again = vm.load_model(tmp_path / "vn.h5")           # and VisualNet reads its own file back
    for g, w in zip(again.predict(x, verbose=0), ours):
        assert np.array_equal(g, w)
    assert [type(fn).__name__ for fn in again.compiled.outputs.loss_fns] == ["MeanSquaredError",
                                                                             "CategoricalCrossentropy"]


def test_visualnet_h5_of_an_lstm_state_output_loads_in_keras(tmp_path):
    inp = vl.Input((5, 3), name="seq")
    seq, h, _ = vl.LSTM(4, return_sequences=True, return_state=True, name="lstm")(inp)
    out = vl.Dense(2, name="head")(vl.GlobalAveragePooling1D(name="pool")(seq))
    model = vm.Model(inp, [out, h])
    randomize(model, seed=9)
    x = np.random.default_rng(3).random((4, 5, 3), "float32")
    vio.save_model(model, tmp_path / "state.h5")
    km = keras.models.load_model(tmp_path / "state.h5")
    for g, w in zip(model.predict(x, verbose=0), km.predict(x, verbose=0)):
        assert np.abs(np.asarray(w) - g).max() <= TOL


def test_model_save_writes_several_outputs_to_h5(tmp_path):
    model, x, _ = _visualnet_two_in_two_out()
    model.save(tmp_path / "vn.h5")
    km = keras.models.load_model(tmp_path / "vn.h5", compile=False)
    for g, w in zip(model.predict(x, verbose=0), km.predict(x, verbose=0)):
        assert np.abs(np.asarray(w) - g).max() <= TOL


# ---------------------------------------------------------------------- tf-keras's Keras 2 dialect
def _dense(name, units, activation="linear"):
    return {"class_name": "Dense", "config": {
        "name": name, "trainable": True, "dtype": "float32", "units": units, "activation": activation,
        "use_bias": True, "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
        "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": None,
        "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None}}


def tf_keras_two_output_h5(path, weights: dict):
    """A functional model with two outputs the way tf-keras 2.x saves it: Keras 2 layer
    configs and inbound nodes, outputs in a list, a per-output training config."""
    def layer(entry, inbound):
        return {**entry, "name": entry["config"]["name"], "inbound_nodes": [[[s, 0, 0, {}] for s in inbound]]
                if inbound else []}
    layers = [layer({"class_name": "InputLayer", "config": {"batch_input_shape": [None, 4], "dtype": "float32",
                                                             "sparse": False, "ragged": False, "name": "x"}}, []),
              layer(_dense("hidden", 8, "relu"), ["x"]), layer(_dense("cls", 3, "softmax"), ["hidden"]),
              layer(_dense("reg", 1), ["hidden"])]
    config = {"class_name": "Functional", "config": {"name": "model", "layers": layers,
                                                     "input_layers": [["x", 0, 0]],
                                                     "output_layers": [["cls", 0, 0], ["reg", 0, 0]]}}
    training = {"loss": {"cls": "sparse_categorical_crossentropy", "reg": "mean_squared_error"},
                "metrics": {"cls": ["accuracy"]}, "weighted_metrics": None,
                "loss_weights": {"cls": 1.0, "reg": 0.5},
                "optimizer_config": {"class_name": "Adam", "config": {
                    "name": "Adam", "weight_decay": None, "clipnorm": None, "global_clipnorm": None, "clipvalue": None,
                    "use_ema": False, "ema_momentum": 0.99, "ema_overwrite_frequency": None, "jit_compile": False,
                    "is_legacy_optimizer": False, "learning_rate": 0.002, "beta_1": 0.9, "beta_2": 0.999,
                    "epsilon": 1e-07, "amsgrad": False}}}
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = b"2.13.1"
        f.attrs["backend"] = b"tensorflow"
        f.attrs["model_config"] = json.dumps(config).encode()
        f.attrs["training_config"] = json.dumps(training).encode()
        mw = f.create_group("model_weights")
        mw.attrs["layer_names"] = np.array([b"x", b"hidden", b"cls", b"reg"])
        mw.attrs["backend"] = b"tensorflow"
        mw.attrs["keras_version"] = b"2.13.1"
        for lname in ("x", "hidden", "cls", "reg"):
            g = mw.create_group(lname)
            names = [f"{lname}/{w}:0" for w in ("kernel", "bias")] if lname in weights else []
            g.attrs["weight_names"] = np.array([n.encode() for n in names]) if names else np.array([], np.float64)
            for n, value in zip(names, weights.get(lname, [])):
                g.create_dataset(n, data=value)


def test_tf_keras_dialect_with_two_outputs_loads(tmp_path):
    km, x = _keras_model("plain")   # Keras 3 as the oracle: the same layers and weights
    weights = {layer.name: [np.asarray(w) for w in layer.get_weights()] for layer in km.layers if layer.weights}
    tf_keras_two_output_h5(tmp_path / "tf.h5", weights)
    model = vm.load_model(tmp_path / "tf.h5")
    for g, w in zip(model.predict(x, verbose=0), km.predict(x, verbose=0)):
        assert np.abs(g - np.asarray(w)).max() <= TOL
    assert _compiled(model) == {"cls": ("SparseCategoricalCrossentropy", 1.0, ["accuracy"]),
                                "reg": ("MeanSquaredError", 0.5, [])}
    assert model.compiled.optimizer.learning_rate == pytest.approx(0.002)


# ---------------------------------------------------------------------- weights only, every output's layers
@pytest.mark.parametrize("filename", ["w.weights.h5", "m.h5", "m.keras"])
def test_load_weights_of_several_outputs_reaches_every_output(tmp_path, filename):
    saved, x, _ = _visualnet_two_in_two_out()
    path = tmp_path / filename
    saved.save_weights(path) if filename.endswith(".weights.h5") else vio.save_model(saved, path)
    fresh, _, _ = _visualnet_two_in_two_out()
    randomize(fresh, seed=11)
    fresh.load_weights(path)
    for g, w in zip(fresh.predict(x, verbose=0), saved.predict(x, verbose=0)):
        assert np.array_equal(g, w)


def test_weights_files_of_several_outputs_are_keras_own(tmp_path):
    model, x, _ = _visualnet_two_in_two_out()
    a, b = keras.Input((4,), name="a"), keras.Input((3,), name="b")
    h = keras.layers.Concatenate(name="join")([keras.layers.Dense(5, activation="tanh", name="da")(a), b])
    p = keras.layers.Dense(2, activation="softmax", name="p")(h)
    q = keras.layers.Dense(1, name="q")(keras.layers.Dense(3, activation="relu", name="db")(b))
    km = keras.Model([a, b], [q, p])
    model.save_weights(tmp_path / "vn.weights.h5")
    km.load_weights(tmp_path / "vn.weights.h5")
    for g, w in zip(model.predict(x, verbose=0), km.predict(x, verbose=0)):
        assert np.abs(np.asarray(w) - g).max() <= TOL
    km.set_weights([w * 0.5 for w in km.get_weights()])
    km.save_weights(tmp_path / "k.weights.h5")
    model.load_weights(tmp_path / "k.weights.h5")
    for g, w in zip(model.predict(x, verbose=0), km.predict(x, verbose=0)):
        assert np.abs(np.asarray(w) - g).max() <= TOL


def test_file_import_refuses_a_state_as_output_naming_the_layer(tmp_path):
    km, _ = _keras_model("lstm_state")
    km.save(tmp_path / "m.h5")
    with pytest.raises(UnsupportedLayersError, match="output 2 of the model is output 1 of layer 'lstm'"):
        vio.import_keras_model(tmp_path / "m.h5")
