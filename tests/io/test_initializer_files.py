"""Initializer configs in Keras files (issue 23), both dialects and both ways: a VisualNet
file loads in real Keras with the same initializer configs and weights, and a Keras file
loads in VisualNet with them; the Keras script writes the objects."""

import numpy as np
import pytest

import visualnet
from visualnet.io import code_export

keras = pytest.importorskip("keras")


def build(k):
    init = k.initializers
    return k.Sequential([
        k.Input((3,)),
        k.layers.Dense(4, kernel_initializer=init.HeNormal(seed=1), bias_initializer=init.Constant(0.1)),
        k.layers.Dense(4, kernel_initializer=init.VarianceScaling(scale=2.0, mode="fan_out", distribution="uniform",
                                                                  seed=4),
                       bias_initializer=init.RandomNormal(mean=0.5, stddev=0.2, seed=3)),
        k.layers.Dense(4, kernel_initializer=init.Orthogonal(gain=2.0, seed=5), bias_initializer=init.Zeros()),
        k.layers.Dense(4, kernel_initializer=init.Identity(gain=0.5), bias_initializer=init.TruncatedNormal(seed=2)),
    ])


def _configs(model, key):
    out = []
    for layer in model.layers:
        cfg = dict(layer.get_config()[key])
        cfg.pop("module", None), cfg.pop("registered_name", None)
        cfg["config"] = {k: v for k, v in cfg["config"].items() if not (k.endswith("_axes") and v is None)}
        out.append(cfg)
    return out


@pytest.mark.parametrize("ext", [".keras", ".h5"])
def test_visualnet_file_loads_in_keras_with_the_configs(tmp_path, ext):
    model = build(visualnet)
    model.save(tmp_path / f"m{ext}")
    loaded = keras.models.load_model(tmp_path / f"m{ext}")
    for key in ("kernel_initializer", "bias_initializer"):
        assert _configs(loaded, key) == _configs(build(keras), key)
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("ext", [".keras", ".h5"])
def test_keras_file_loads_in_visualnet_with_the_configs(tmp_path, ext):
    model = build(keras)
    model.save(tmp_path / f"k{ext}")
    loaded = visualnet.models.load_model(tmp_path / f"k{ext}")
    assert [l.config["kernel_initializer"] for l in loaded.layers] == [
        {"class_name": "HeNormal", "config": {"seed": 1}},
        {"class_name": "VarianceScaling", "config": {"scale": 2.0, "mode": "fan_out", "distribution": "uniform",
                                                     "seed": 4}},
        {"class_name": "Orthogonal", "config": {"gain": 2.0, "seed": 5}},
        {"class_name": "Identity", "config": {"gain": 1.0}}]   # Keras's Identity.get_config() omits gain
    assert loaded.layers[0].config["bias_initializer"] == {"class_name": "Constant", "config": {"value": 0.1}}
    assert loaded.layers[2].config["bias_initializer"] == "zeros"
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_keras_script_writes_the_initializer_objects():
    text, _ = code_export.keras_script(build(visualnet), weights=None)
    assert "bias_initializer=keras.initializers.Constant(value=0.1)" in text
    assert "kernel_initializer=keras.initializers.Identity(gain=0.5)" in text
    namespace = {"keras": keras}
    line = next(l for l in text.splitlines() if "Constant(value=0.1)" in l)
    call = line.split("bias_initializer=", 1)[1].split("), ", 1)[0] + ")"
    assert eval(call, namespace).get_config() == {"value": 0.1}   # the script's text is Keras's API
