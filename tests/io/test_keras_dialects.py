"""Keras files in the other shapes they come in: tf-keras's Keras 2 dialect (written here by
hand, as tf-keras writes it), Keras 3 weight files without recorded layer names, and the
file summary for `visualnet info`."""

import json

import h5py
import numpy as np
import pytest

import visualnet.io as vio
from visualnet import models as vm

from .helpers import cnn
from .keras_cases import sample


def tf_keras_h5(path, with_input_layer: bool):
    """A Sequential model the way tf-keras 2.x saves it."""
    dense = {"class_name": "Dense", "config": {
        "name": "dense", "trainable": True, "dtype": "float32", "units": 3, "activation": "relu", "use_bias": True,
        "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
        "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": None,
        "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None}}
    layers = [dense,
              {"class_name": "LeakyReLU", "config": {"name": "leaky_re_lu", "trainable": True, "dtype": "float32",
                                                     "alpha": 0.1}},
              {"class_name": "BatchNormalization", "config": {
                  "name": "batch_normalization", "trainable": True, "dtype": "float32",
                  "axis": [1] if with_input_layer else -1,  # older tf-keras wrote a list
                  "momentum": 0.99, "epsilon": 0.001, "center": True, "scale": True,
                  "beta_initializer": {"class_name": "Zeros", "config": {}},
                  "gamma_initializer": {"class_name": "Ones", "config": {}},
                  "moving_mean_initializer": {"class_name": "Zeros", "config": {}},
                  "moving_variance_initializer": {"class_name": "Ones", "config": {}},
                  "beta_regularizer": None, "gamma_regularizer": None, "beta_constraint": None,
                  "gamma_constraint": None}}]
    if with_input_layer:
        layers.insert(0, {"class_name": "InputLayer", "config": {
            "batch_input_shape": [None, 4], "dtype": "float32", "sparse": False, "ragged": False,
            "name": "dense_input"}})
    else:
        dense["config"]["batch_input_shape"] = [None, 4]
    rng = np.random.default_rng(0)
    weights = {"dense": [("kernel", (4, 3)), ("bias", (3,))],
               "batch_normalization": [("gamma", (3,)), ("beta", (3,)), ("moving_mean", (3,)),
                                       ("moving_variance", (3,))]}
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = b"2.13.1"
        f.attrs["backend"] = b"tensorflow"
        f.attrs["model_config"] = json.dumps({"class_name": "Sequential", "config": {
            "name": "sequential", "layers": layers}}).encode()
        mw = f.create_group("model_weights")
        mw.attrs["layer_names"] = np.array([b"dense", b"leaky_re_lu", b"batch_normalization"])
        mw.attrs["backend"] = b"tensorflow"
        mw.attrs["keras_version"] = b"2.13.1"
        for lname in ("dense", "leaky_re_lu", "batch_normalization"):
            g = mw.create_group(lname)
            names = [f"{lname}/{w}:0" for w, _ in weights.get(lname, [])]
            g.attrs["weight_names"] = np.array([n.encode() for n in names]) if names else np.array([], np.float64)
            for n, (w, shape) in zip(names, weights.get(lname, [])):
                value = rng.normal(size=shape).astype("float32")
                g.create_dataset(n, data=np.abs(value) + 0.5 if w == "moving_variance" else value)


@pytest.mark.parametrize("with_input_layer", [True, False])
def test_tf_keras_dialect_imports(tmp_path, with_input_layer):
    keras = pytest.importorskip("keras")
    path = tmp_path / "tf.h5"
    tf_keras_h5(path, with_input_layer)
    model = vm.load_model(path)
    assert [l.name for l in model.layers] == ["dense", "leaky_re_lu", "batch_normalization"]
    assert model.layers[1].config["negative_slope"] == pytest.approx(0.1)
    x = sample((4,))
    with h5py.File(path) as f:
        w = {k: f["model_weights"][k.split("/")[0]][k][()] for k in (
            "dense/kernel:0", "dense/bias:0", "batch_normalization/gamma:0", "batch_normalization/beta:0",
            "batch_normalization/moving_mean:0", "batch_normalization/moving_variance:0")}
    h = np.maximum(x @ w["dense/kernel:0"] + w["dense/bias:0"], 0)
    h = np.where(h > 0, h, 0.1 * h)
    expected = ((h - w["batch_normalization/moving_mean:0"]) / np.sqrt(w["batch_normalization/moving_variance:0"]
                + 1e-3) * w["batch_normalization/gamma:0"] + w["batch_normalization/beta:0"])
    assert np.abs(model.predict(x, verbose=0) - expected).max() <= 1e-5
    if with_input_layer:  # Keras 3's legacy loader misreads a batch_input_shape on a Dense layer
        oracle = keras.models.load_model(path)
        assert np.abs(model.predict(x, verbose=0) - np.asarray(oracle.predict(x, verbose=0))).max() <= 1e-5


def test_keras3_weights_without_recorded_names_match_by_position(tmp_path):
    model = cnn()
    model.save_weights(tmp_path / "w.weights.h5")
    with h5py.File(tmp_path / "w.weights.h5", "a") as f:
        for g in f["layers"].values():
            del g["vars"].attrs["name"]
    other = cnn()
    vio.load_weights(other, tmp_path / "w.weights.h5")
    x = sample((8, 8, 3))
    np.testing.assert_array_equal(other.predict(x, verbose=0), model.predict(x, verbose=0))


def test_file_summary(tmp_path):
    model = cnn()
    model.save(tmp_path / "c.keras")
    text = vio.file_summary(tmp_path / "c.keras")
    assert "functional model 'cnn'" in text and "Conv2D" in text and "compiled: optimizer SGD" in text
    vio.save_project(vio.Project.from_model(model, training={"epochs": 4}), tmp_path / "p.vnet")
    text = vio.file_summary(tmp_path / "p.vnet")
    assert "VisualNet project (format_version 1" in text and "'epochs': 4" in text and "trained" in text
    (tmp_path / "bad.keras").write_bytes(b"PK\x03\x04 nothing")
    with pytest.raises(vio.KerasFileError):
        vio.file_summary(tmp_path / "bad.keras")
