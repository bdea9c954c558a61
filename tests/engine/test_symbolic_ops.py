"""Operators and `ops` on the functional API's symbolic tensors (issue 23): the same program
written against real Keras and VisualNet gives the same shapes, predictions, training and
Keras files (both ways)."""

import json
import re
import zipfile

import numpy as np
import pytest

import visualnet
from visualnet.engine.symbolic_ops import OpLayer

keras = pytest.importorskip("keras")


def build(k, seed_weights=None):
    """A functional model mixing operators, ops, Python scalars and NumPy constants."""
    ops = k.ops
    i = k.Input((4,))
    x = k.layers.Dense(3)(i)
    y = ops.concatenate([x, x * 2.0], axis=-1) + 1.0
    y = ops.tanh(y) - np.linspace(0.0, 1.0, 6).astype("float32")
    z = y[:, 0:4] ** 2 / 3.0
    z = ops.reshape(ops.expand_dims(z, 1), (-1, 2, 2))
    w = ops.mean(z, axis=-1) @ np.ones((2, 2), "float32")
    out = k.layers.Dense(1)(-w + ops.max(y, axis=-1, keepdims=True))
    model = k.Model(i, out)
    if seed_weights is not None:
        model.set_weights(seed_weights)
    return model


def test_operators_give_keras_shapes():
    ops, layers = visualnet.ops, visualnet.layers
    i = visualnet.Input((4, 5))
    assert (i * 2.0).shape == (None, 4, 5)
    assert (2.0 - i).shape == (None, 4, 5)
    assert i[:, 0].shape == (None, 5)
    assert i[:, 1:3, ::2].shape == (None, 2, 3)
    assert (i @ np.ones((5, 7), "float32")).shape == (None, 4, 7)
    assert (i > 0.5).shape == (None, 4, 5)
    assert ops.concatenate([i, -i], axis=1).shape == (None, 8, 5)
    assert ops.mean(i, axis=-1).shape == (None, 4)
    assert ops.reshape(i, (-1, 20)).shape == (None, 20)
    assert ops.matmul(i, ops.transpose(i, (0, 2, 1))).shape == (None, 4, 4)
    assert ops.shape(i) == (None, 4, 5)
    d = layers.Dense(2)(i)
    assert (d + i[:, :, :2]).shape == (None, 4, 2)
    with pytest.raises(NotImplementedError, match="Iterating"):
        list(i)


def test_an_op_that_drops_the_batch_axis_is_refused_naming_it():
    i = visualnet.Input((3,))
    with pytest.raises(ValueError, match="ops.mean .*batch axis"):
        visualnet.ops.mean(i, axis=0)


def test_predictions_and_training_equal_keras():
    km = build(keras)
    vm = build(visualnet, km.get_weights())
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 4)).astype("float32")
    y = rng.normal(size=(16, 1)).astype("float32")
    np.testing.assert_allclose(vm.predict(x, verbose=0), km.predict(x, verbose=0), rtol=1e-5, atol=1e-5)
    for m, k in ((km, keras), (vm, visualnet)):
        m.compile(optimizer=k.optimizers.SGD(0.05), loss="mse")
        m.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(vm.get_weights(), km.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_summary_names_the_ops_as_keras():
    lines = []
    build(visualnet).summary(print_fn=lines.append)
    text = "\n".join(lines)
    for op in ("multiply (Multiply)", "concatenate (Concatenate)", "get_item (GetItem)", "mean (Mean)"):
        name, kind = op.split()
        assert re.search(rf"{name}(_\d+)? +{re.escape(kind)}|{name}(_\d+)? *│.*\n│ {re.escape(kind)}", text), op


def _config_layers(path):
    return json.loads(zipfile.ZipFile(path).read("config.json"))["config"]["layers"]


def _groups(path):
    import io

    import h5py

    names = []
    with h5py.File(io.BytesIO(zipfile.ZipFile(path).read("model.weights.h5"))) as f:
        f.visit(names.append)
    return sorted(n for n in names if n.startswith("layers/"))


def test_visualnet_file_loads_in_keras_and_back(tmp_path):
    vm = build(visualnet)
    x = np.random.default_rng(1).normal(size=(5, 4)).astype("float32")
    vm.save(tmp_path / "ops.keras")
    entries = {e["class_name"]: e for e in _config_layers(tmp_path / "ops.keras")}
    assert entries["Multiply"]["module"] == "keras.src.ops.numpy"
    assert entries["Multiply"]["inbound_nodes"][0]["args"][1] == 2.0
    assert entries["Concatenate"]["config"] == {"name": entries["Concatenate"]["name"], "axis": -1}
    km = keras.models.load_model(tmp_path / "ops.keras")
    np.testing.assert_allclose(km.predict(x, verbose=0), vm.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    km.save(tmp_path / "keras.keras")
    assert _groups(tmp_path / "ops.keras") == _groups(tmp_path / "keras.keras")   # ops hold no weights group
    back = visualnet.models.load_model(tmp_path / "keras.keras")
    np.testing.assert_allclose(back.predict(x, verbose=0), vm.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    # Keras's model.layers lists Layers only; VisualNet's also lists the ops (as summary() does)
    assert [l.name for l in back.layers if not isinstance(l, OpLayer)] == [l.name for l in km.layers]
    assert [l.name for l in back.operations if isinstance(l, OpLayer)] == [o.name for o in km.operations
                                                                      if not isinstance(o, keras.layers.Layer)]


def test_keras_file_with_an_unknown_op_is_refused_naming_it(tmp_path):
    i = keras.Input((3,))
    keras.Model(i, keras.ops.sparsemax(i)).save(tmp_path / "sparsemax.keras")   # an op VisualNet lacks
    with pytest.raises(ValueError, match="sparsemax.*Sparsemax"):
        visualnet.models.load_model(tmp_path / "sparsemax.keras")


def test_project_of_a_model_with_ops_is_refused_naming_the_op():
    i = visualnet.Input((3,))
    model = visualnet.Model(i, visualnet.layers.Dense(2)(i) * 2.0)
    with pytest.raises(ValueError, match=r"'multiply(_\d+)?' \(Multiply\)"):
        model.to_graph()


def test_config_json_and_clone_keep_the_ops():
    vm = build(visualnet)
    x = np.random.default_rng(2).normal(size=(3, 4)).astype("float32")
    for copy in (visualnet.Model.from_config(vm.get_config()), visualnet.models.model_from_json(vm.to_json()),
                 visualnet.models.clone_model(vm)):
        assert [type(l).__name__ for l in copy.layers] == [type(l).__name__ for l in vm.layers]
        copy.set_weights(vm.get_weights())
        np.testing.assert_allclose(copy.predict(x, verbose=0), vm.predict(x, verbose=0), rtol=1e-6)
