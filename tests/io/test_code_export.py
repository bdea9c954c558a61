"""The exported Keras and PyTorch scripts, run in a subprocess, reproduce VisualNet's
predictions (<= 1e-4) and run their training set-up."""

import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest

from visualnet import layers as vl, models as vm
from visualnet.engine.losses import LOSSES
from visualnet.io.code_export import export_keras_script, export_torch_script

from .helpers import mlp, randomize
from .keras_cases import sample

TOL = 1e-4


def run(script, *args, cwd):
    env = dict(os.environ, KERAS_BACKEND="torch")
    proc = subprocess.run([sys.executable, str(script), *map(str, args)], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def every_layer_model(uneven_average_pooling=True):
    """One functional model holding every supported layer type. Keras-on-torch's 'same' average
    pooling with uneven padding differs from Keras on TensorFlow (and VisualNet), so the Keras
    script gets an even one."""
    inp = vl.Input((7, 7, 2), name="image")
    x = vl.Conv2D(4, 3, strides=2, padding="same", activation="relu", name="conv")(inp)
    x = vl.BatchNormalization(name="bn")(x)
    a = (vl.AveragePooling2D(3, strides=2, padding="same", name="avg") if uneven_average_pooling
         else vl.AveragePooling2D(2, padding="same", name="avg"))(x)
    b = vl.MaxPooling2D(3, strides=2, padding="same", name="max")(x)
    m = vl.Multiply(name="mul")([vl.Add(name="add")([a, b]), vl.Subtract(name="sub")([a, b])])
    g = vl.GlobalMaxPooling2D(name="gmp")(m)
    h = vl.GlobalAveragePooling2D(keepdims=True, name="gap")(m)
    f = vl.Flatten(name="flat")(vl.Reshape((4, 1), name="reshape")(vl.Flatten(name="flat0")(h)))
    d = vl.Dropout(0.3, name="drop")(vl.Dense(4, activation="gelu", name="dense")(vl.Flatten(name="flat1")(m)))
    j = vl.Concatenate(name="cat")([vl.LeakyReLU(0.2, name="leaky")(d), g, f])
    j = vl.Average(name="avg2")([vl.Activation("hard_sigmoid", name="act")(j), j])
    out = vl.Softmax(name="softmax")(vl.Dense(3, name="logits")(j))
    model = vm.Model(inp, out, name="everything")
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    randomize(model, seed=5)
    return model


@pytest.mark.parametrize("kind, weights", [("keras", "npz"), ("torch", "embed"), ("torch", "npz")])
def test_scripts_reproduce_predictions(tmp_path, kind, weights):
    model = every_layer_model(uneven_average_pooling=kind == "torch")
    shape = model.input_shape[1:]
    x = sample(shape, n=5)
    np.save(tmp_path / "x.npy", x)
    export = export_torch_script if kind == "torch" else export_keras_script
    npz = export(model, tmp_path / f"{kind}_model.py", weights=weights, training={"epochs": 1, "batch_size": 4})
    assert (npz is not None) == (weights == "npz")
    run(tmp_path / f"{kind}_model.py", "--predict", "x.npy", "y.npy", cwd=tmp_path)
    y = np.load(tmp_path / "y.npy")
    assert np.abs(y - model.predict(x, verbose=0)).max() <= TOL


@pytest.mark.parametrize("kind", ["keras", "torch"])
def test_scripts_train(tmp_path, kind):
    model = mlp()
    x = sample((6,), n=32)
    y = np.eye(3, dtype="float32")[np.arange(32) % 3]
    np.savez(tmp_path / "data.npz", x=x, y=y)
    export = export_torch_script if kind == "torch" else export_keras_script
    export(model, tmp_path / "s.py", weights=None, training={"epochs": 2, "batch_size": 8})
    out = run(tmp_path / "s.py", "--train", "data.npz", cwd=tmp_path)
    assert "loss" in out
    text = (tmp_path / "s.py").read_text()
    assert "categorical_crossentropy" in text and '"Adam"' in text and "EPOCHS = 2" in text


def test_scripts_need_no_visualnet_and_load_no_objects(tmp_path):
    model = mlp()
    export_keras_script(model, tmp_path / "k.py")
    export_torch_script(model, tmp_path / "t.py", weights="embed")
    for name in ("k.py", "t.py"):
        text = (tmp_path / name).read_text()
        assert "visualnet" not in text.replace("VisualNet", "")
        assert "allow_" + "pickle" not in text
    with np.load(tmp_path / "k_weights.npz") as data:
        assert sorted(data.files) == sorted(f"{l.name}/{i}" for l in model.layers for i in range(len(l.weight_specs)))


@pytest.mark.parametrize("loss", ["mse", "MeanAbsoluteError", *LOSSES])
def test_the_torch_script_knows_every_loss(tmp_path, loss):
    """The engine's loss table is the one the PyTorch script's keras_loss reads."""
    pytest.importorskip("torch")
    model = mlp(compile=False)
    model.compile(optimizer="sgd", loss=loss)
    path = tmp_path / "exported.py"
    export_torch_script(model, path, weights=None)
    spec = importlib.util.spec_from_file_location("exported", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.LOSS_NAME in LOSSES and callable(script.keras_loss(script.LOSS_NAME))
