"""The exported PyTorch script beyond one machine: DistributedDataParallel under
`torchrun --nproc_per_node 2` (gloo on CPU), its trained weights written by rank 0 as a
Keras-ordered .npz, and VisualNet loading them back and predicting as the script's model (1e-5)."""

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from visualnet import layers as vl, models as vm
from visualnet.io.code_export import export_torch_script
from visualnet.io.project import Project, open_project, save_project

TOL = 1e-5


def _script_module(path):
    spec = importlib.util.spec_from_file_location(f"exported_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def image_model():
    inp = vl.Input((8, 8, 3), name="image")
    x = vl.Conv2D(4, 3, padding="same", activation="relu", name="conv")(inp)
    x = vl.BatchNormalization(name="bn")(x)
    x = vl.DepthwiseConv2D(3, depth_multiplier=2, name="depthwise")(x)
    x = vl.SeparableConv2D(5, 3, name="separable")(x)
    x = vl.Conv2DTranspose(3, 3, strides=2, name="up")(x)
    x = vl.GlobalAveragePooling2D(name="gap")(x)
    return vm.Model(inp, vl.Dense(3, activation="softmax", name="probs")(x), name="image_model")


def sequence_model():
    inp = vl.Input((5, 4), name="steps")
    x = vl.LSTM(6, return_sequences=True, name="lstm")(inp)
    x = vl.GRU(5, name="gru")(x)
    return vm.Model(inp, vl.Dense(2, name="out")(x), name="sequence_model")


@pytest.mark.parametrize("build, shape", [(image_model, (8, 8, 3)), (sequence_model, (5, 4))])
def test_saved_arrays_are_keras_order_for_every_weight_layout(tmp_path, build, shape):
    """Random PyTorch weights (transposed kernels, reordered gates, PyTorch's extra GRU bias) written by the
    script's save_weights and read by VisualNet predict the same."""
    import torch

    model = build()
    export_torch_script(model, tmp_path / "s.py", weights=None)
    script = _script_module(tmp_path / "s.py")
    torch.manual_seed(0)
    net = script.build_model()
    with torch.no_grad():
        for name, value in net.state_dict().items():
            value.copy_(torch.rand_like(value) + 0.5 if "variance" in name else torch.randn_like(value) * 0.5)
    script.save_weights(net, tmp_path / "w.npz")
    model.load_weights(tmp_path / "w.npz")
    x = np.random.default_rng(1).normal(size=(7, *shape)).astype("float32")
    assert np.abs(model.predict(x, verbose=0) - script.predict(net, x)).max() <= TOL


def _data(tmp_path, n=256):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 6)).astype("float32")
    y = (x[:, 0] + 0.5 * x[:, 1] - x[:, 2] > 0).astype("int64") + (x[:, 3] > 0.8)
    np.savez(tmp_path / "data.npz", x=x, y=y)
    np.save(tmp_path / "x.npy", x[:20])
    return x


def _classifier():
    inp = vl.Input((6,), name="features")
    x = vl.Dense(16, activation="relu", name="hidden")(inp)
    x = vl.BatchNormalization(name="bn")(x)
    model = vm.Model(inp, vl.Dense(3, activation="softmax", name="probs")(x), name="classifier")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _losses(out: str) -> list[float]:
    return [float(v) for v in re.findall(r"epoch \d+/\d+ - loss: ([\d.]+)", out)]


def _run(args, cwd, env_extra=None):
    env = dict(os.environ, **(env_extra or {}))
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def test_plain_python_trains_as_before_and_the_weights_come_back(tmp_path):
    x = _data(tmp_path)
    model = _classifier()
    export_torch_script(model, tmp_path / "s.py", training={"epochs": 3, "batch_size": 32})
    out = _run([sys.executable, "s.py", "--train", "data.npz", "--predict", "x.npy", "p.npy"], tmp_path)
    losses = _losses(out)
    assert len(losses) == 3 and losses[-1] < losses[0] and "processes" not in out
    assert (tmp_path / "s_trained.npz").is_file()        # the default: beside the script
    model.load_weights(tmp_path / "s_trained.npz")
    assert np.abs(model.predict(x[:20], verbose=0) - np.load(tmp_path / "p.npy")).max() <= TOL


@pytest.mark.skipif(shutil.which("torchrun", path=str(Path(sys.executable).parent)) is None,
                    reason="torchrun is not installed beside this Python")
def test_torchrun_two_cpu_processes_train_and_the_result_loads_into_visualnet(tmp_path):
    x = _data(tmp_path)
    model = _classifier()
    export_torch_script(model, tmp_path / "s.py", training={"epochs": 2, "batch_size": 32})
    project = tmp_path / "p.vnet"
    save_project(Project.from_model(model), project)
    torchrun = str(Path(sys.executable).parent / "torchrun")
    out = _run([torchrun, "--standalone", "--nproc_per_node", "2", "s.py",
                "--train", "data.npz", "--save-weights", "cluster.npz", "--predict", "x.npy", "p.npy"], tmp_path,
               {"OMP_NUM_THREADS": "1"})
    losses = _losses(out)
    assert len(losses) == 2 and losses[1] < losses[0], out      # printed once, by rank 0, over both shards
    assert out.count("(2 processes)") == 2 and "accuracy: " in out
    assert out.count("saved the trained weights") == 1
    predicted = np.load(tmp_path / "p.npy")
    model.load_weights(tmp_path / "cluster.npz")                 # the API
    assert np.abs(model.predict(x[:20], verbose=0) - predicted).max() <= TOL
    from visualnet.__main__ import main                          # and the command, into a project
    assert main(["import-weights", str(project), str(tmp_path / "cluster.npz"), "-o", str(tmp_path / "q.vnet")]) == 0
    back = open_project(tmp_path / "q.vnet").build_model(compile=False)
    assert np.abs(back.predict(x[:20], verbose=0) - predicted).max() <= TOL
