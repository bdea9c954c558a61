"""Real Keras 3 (on PyTorch) as the oracle: Keras saves, VisualNet imports and predicts the
same; VisualNet exports, Keras loads and predicts the same (max abs diff <= 1e-5)."""

import json

import numpy as np
import pytest

from visualnet import layers as vl, models as vm
from visualnet.io import KerasFileError, UnsupportedLayersError
from visualnet.io.keras_files import import_keras_model

from .helpers import cnn, mlp, randomize
from .keras_cases import CASES, cnn_block, random_weights, sample

keras = pytest.importorskip("keras")
TOL = 1e-5


def keras_model(name, shape, build, sequential=False):
    if sequential:
        model = keras.Sequential([keras.Input(shape)], name=name)
        build(model)
    else:
        inp = keras.Input(shape)
        model = keras.Model(inp, build(keras.layers, inp), name=name)
    model.set_weights(random_weights(model.get_weights(), [w.path for w in model.weights]))
    return model


def vn_model(shape, build):
    inp = vl.Input(shape)
    model = vm.Model(inp, build(vl, inp))
    randomize(model, seed=3)
    return model


def close(a, b):
    assert a.shape == b.shape
    assert np.abs(a - b).max() <= TOL


@pytest.mark.parametrize("ext", [".keras", ".h5"])
@pytest.mark.parametrize("case", list(CASES))
def test_keras_saves_visualnet_imports(tmp_path, case, ext):
    shape, build = CASES[case]
    km = keras_model(case, shape, build)
    path = tmp_path / f"m{ext}"
    km.save(path)
    model = vm.load_model(path)
    x = sample(shape)
    close(model.predict(x, verbose=0), np.asarray(km.predict(x, verbose=0)))


@pytest.mark.parametrize("ext", [".keras", ".h5"])
@pytest.mark.parametrize("case", list(CASES))
def test_visualnet_exports_keras_loads(tmp_path, case, ext):
    shape, build = CASES[case]
    model = vn_model(shape, build)
    path = tmp_path / f"m{ext}"
    model.save(path)
    km = keras.models.load_model(path)
    x = sample(shape)
    close(np.asarray(km.predict(x, verbose=0)), model.predict(x, verbose=0))


def test_leaky_relu_defaults_survive_both_ways(tmp_path):
    km = keras_model("l", (3,), lambda L, x: L.LeakyReLU()(x))
    km.save(tmp_path / "k.keras")
    assert vm.load_model(tmp_path / "k.keras").layers[-1].config["negative_slope"] == pytest.approx(0.3)
    vn_model((3,), lambda L, x: L.LeakyReLU(negative_slope=0.05)(x)).save(tmp_path / "v.h5")
    loaded = keras.models.load_model(tmp_path / "v.h5")
    assert loaded.layers[-1].negative_slope == pytest.approx(0.05)


@pytest.mark.parametrize("ext", [".keras", ".h5"])
def test_sequential_both_ways(tmp_path, ext):
    def stack(m):
        for layer in (keras.layers.Dense(8, activation="relu"), keras.layers.BatchNormalization(),
                      keras.layers.Dropout(0.2), keras.layers.Dense(2, activation="softmax")):
            m.add(layer)
    km = keras_model("seq", (5,), stack, sequential=True)
    km.compile(optimizer=keras.optimizers.Adam(learning_rate=0.003), loss="categorical_crossentropy",
               metrics=["accuracy"])
    km.save(tmp_path / f"k{ext}")
    model = vm.load_model(tmp_path / f"k{ext}")
    assert type(model).__name__ == "Sequential" and [l.name for l in model.layers] == [l.name for l in km.layers]
    assert model.compiled is not None and model.compiled.optimizer.learning_rate == pytest.approx(0.003)
    assert model.compiled.metric_ids == ["accuracy"]
    x = sample((5,))
    close(model.predict(x, verbose=0), np.asarray(km.predict(x, verbose=0)))
    model.save(tmp_path / f"v{ext}")
    back = keras.models.load_model(tmp_path / f"v{ext}")
    assert type(back).__name__ == "Sequential"
    assert back.optimizer.learning_rate.numpy() == pytest.approx(0.003)
    close(np.asarray(back.predict(x, verbose=0)), model.predict(x, verbose=0))


@pytest.mark.parametrize("ext", [".keras", ".h5"])
def test_functional_cnn_both_ways(tmp_path, ext):
    km = keras_model("cnn", (8, 8, 3), cnn_block)
    km.save(tmp_path / f"k{ext}")
    x = sample((8, 8, 3))
    close(vm.load_model(tmp_path / f"k{ext}").predict(x, verbose=0), np.asarray(km.predict(x, verbose=0)))
    model = cnn()
    model.save(tmp_path / f"v{ext}")
    back = keras.models.load_model(tmp_path / f"v{ext}")
    assert [l.name for l in back.layers] == [l.name for l in model.layers]
    assert type(back.optimizer).__name__ == "SGD"
    close(np.asarray(back.predict(x, verbose=0)), model.predict(x, verbose=0))


def test_trained_optimizer_state_goes_to_keras(tmp_path):
    model = mlp()
    x = sample((6,), n=32)
    y = np.eye(3, dtype="float32")[np.arange(32) % 3]
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    model.save(tmp_path / "m.keras")
    km = keras.models.load_model(tmp_path / "m.keras")
    assert int(km.optimizer.iterations.numpy()) == model.compiled.optimizer.iterations == 8
    close(np.asarray(km.predict(x, verbose=0)), model.predict(x, verbose=0))


def test_weights_files_both_ways(tmp_path):
    shape = (8, 8, 3)
    model = cnn()
    km = keras_model("cnn", shape, cnn_block)
    x = sample(shape)
    model.save_weights(tmp_path / "v.weights.h5")
    km.load_weights(tmp_path / "v.weights.h5")
    close(np.asarray(km.predict(x, verbose=0)), model.predict(x, verbose=0))
    km.set_weights(random_weights(km.get_weights(), [w.path for w in km.weights], seed=9))
    km.save_weights(tmp_path / "k.weights.h5")
    model.load_weights(tmp_path / "k.weights.h5")
    close(model.predict(x, verbose=0), np.asarray(km.predict(x, verbose=0)))
    km.save(tmp_path / "k.h5")
    randomize(model, seed=11)
    model.load_weights(tmp_path / "k.h5")
    close(model.predict(x, verbose=0), np.asarray(km.predict(x, verbose=0)))
    with pytest.raises(ValueError, match=".weights.h5"):
        model.save_weights(tmp_path / "w.h5")


def test_weights_of_another_shape_are_refused_before_any_change(tmp_path):
    mlp().save_weights(tmp_path / "a.weights.h5")
    other = vm.Sequential([vl.Input((6,)), vl.Dense(8), vl.BatchNormalization(), vl.Dense(4)])
    before = other.get_weights()
    with pytest.raises(KerasFileError, match="shape"):
        other.load_weights(tmp_path / "a.weights.h5")
    for a, b in zip(before, other.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_unsupported_layers_are_all_listed_and_never_run(tmp_path):
    sentinel = tmp_path / "ran.txt"

    @keras.saving.register_keras_serializable(package="vn_test")
    class Twice(keras.layers.Layer):
        def call(self, x):
            return x * 2

    @keras.saving.register_keras_serializable(package="vn_test")
    class Penalty(keras.regularizers.Regularizer):   # a regularizer VisualNet does not have
        def __call__(self, x):
            return keras.ops.sum(x) * 0.0

        def get_config(self):
            return {}

    def touch(x):
        sentinel.write_text("ran")
        return x

    inp = keras.Input((6, 4))
    x = keras.layers.RMSNormalization()(inp)  # not a layer type VisualNet has
    x = keras.layers.Lambda(touch)(x)
    x = Twice()(x)
    x = keras.layers.Flatten()(x)
    out = keras.layers.Dense(2, kernel_regularizer=Penalty())(x)
    km = keras.Model(inp, out)
    for ext in (".keras", ".h5"):
        km.save(tmp_path / f"m{ext}")
        sentinel.unlink(missing_ok=True)
        with pytest.raises(UnsupportedLayersError) as info:
            vm.load_model(tmp_path / f"m{ext}")
        text = str(info.value)
        assert len(info.value.unsupported) == 4, text
        for what in ("RMSNormalization", "Lambda", "Twice", "kernel_regularizer"):
            assert what in text
        assert not sentinel.exists()


def test_import_for_the_canvas(tmp_path):
    km = keras_model("cnn", (8, 8, 3), cnn_block)
    km.compile(optimizer="rmsprop", loss="categorical_crossentropy")
    km.save(tmp_path / "k.keras")
    imported = import_keras_model(tmp_path / "k.keras")
    graph = imported.graph
    assert len(graph.nodes) == len(km.layers)
    assert all(n.position is not None for n in graph.nodes.values())
    assert len({n.position for n in graph.nodes.values()}) == len(graph.nodes)
    assert set(graph.nodes) == set(imported.model.layers_by_node_id)
    assert imported.model.compiled is not None


def test_model_api_and_checkpoints(tmp_path):
    from visualnet.callbacks import ModelCheckpoint

    model = mlp()
    x = sample((6,), n=24)
    y = np.eye(3, dtype="float32")[np.arange(24) % 3]
    model.fit(x, y, epochs=2, batch_size=8, verbose=0, validation_split=0.25,
              callbacks=[ModelCheckpoint(str(tmp_path / "ck-{epoch}.keras")),
                         ModelCheckpoint(str(tmp_path / "best.weights.h5"), save_weights_only=True,
                                         save_best_only=True)])
    assert (tmp_path / "ck-1.keras").exists() and (tmp_path / "ck-2.keras").exists()
    close(vm.load_model(tmp_path / "ck-2.keras").predict(x, verbose=0), model.predict(x, verbose=0))
    assert (tmp_path / "best.weights.h5").exists()
    model.save(tmp_path / "m.h5")
    back = vm.load_model(tmp_path / "m.h5")
    close(back.predict(x, verbose=0), model.predict(x, verbose=0))
    assert back.compiled is not None
    assert vm.load_model(tmp_path / "m.h5", compile=False).compiled is None
    with pytest.raises(ValueError, match="extension"):
        model.save(tmp_path / "m.txt")
    with pytest.raises(FileExistsError):
        model.save(tmp_path / "m.h5", overwrite=False)


def test_keras2_dialect_layout(tmp_path):
    """What tf-keras needs (checked on the file, since tf-keras is not installed here)."""
    import h5py

    cnn().save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5") as f:
        config = json.loads(f.attrs["model_config"])
        assert config["class_name"] == "Functional"
        first = config["config"]["layers"][0]
        assert first["class_name"] == "InputLayer" and "batch_input_shape" in first["config"]
        assert "batch_shape" not in json.dumps(config)
        assert config["config"]["input_layers"] == [["image", 0, 0]]
        assert config["config"]["output_layers"] == [["probs", 0, 0]]
        conv = next(l for l in config["config"]["layers"] if l["class_name"] == "Conv2D")
        assert conv["inbound_nodes"] == [[["bn", 0, 0, {}]]] or conv["inbound_nodes"] == [[["image", 0, 0, {}]]]
        assert isinstance(conv["config"]["dtype"], str)
        mw = f["model_weights"]
        names = [n.decode() for n in mw.attrs["layer_names"]]
        assert "conv" in names and mw.attrs["keras_version"] and f.attrs["backend"]
        wn = [n.decode() for n in mw["bn"].attrs["weight_names"]]
        assert wn == ["bn/gamma:0", "bn/beta:0", "bn/moving_mean:0", "bn/moving_variance:0"]
        assert mw["conv"]["conv/kernel:0"].shape == (3, 3, 3, 4)
        training = json.loads(f.attrs["training_config"])
        assert training["optimizer_config"]["class_name"] == "SGD"


@pytest.mark.parametrize("ext", [".keras", ".h5"])
def test_two_inputs_both_ways(tmp_path, ext):
    def build(L, In, Model):
        a, b = In((4,), name="left"), In((3,), name="right")
        j = L.Concatenate()([L.Dense(5, activation="relu")(a), b])
        return Model([a, b], L.Dense(2)(j))
    km = build(keras.layers, keras.Input, keras.Model)
    km.set_weights(random_weights(km.get_weights(), [w.path for w in km.weights]))
    km.save(tmp_path / f"k{ext}")
    xs = [sample((4,)), sample((3,), seed=2)]
    model = vm.load_model(tmp_path / f"k{ext}")
    close(model.predict(xs, verbose=0), np.asarray(km.predict(xs, verbose=0)))
    model.save(tmp_path / f"v{ext}")
    close(np.asarray(keras.models.load_model(tmp_path / f"v{ext}").predict(xs, verbose=0)),
          model.predict(xs, verbose=0))
