"""The PyTorch script's `make_optimizer` for the optimizers of issue 24: torch's AdamW, NAdam,
Adamax and Adadelta, and the script's own Ftrl and Lion, follow VisualNet's (so Keras's)
updates over 20 steps; the exported script carries the class it needs and no other."""

import numpy as np
import pytest

from visualnet.engine import optimizers as O
from visualnet.io import torch_optimizers

torch = pytest.importorskip("torch")

SIZES = [6, 4]
# (config, tolerance): Ftrl, Lion, Nadam and Adadelta compute Keras's update; torch's AdamW and
# Adamax place epsilon differently (see the notes in make_optimizer)
CASES = [
    ("AdamW", {"learning_rate": 0.01, "weight_decay": 0.1}, 1e-4),
    ("Nadam", {"learning_rate": 0.01}, 1e-5),
    ("Nadam", {"learning_rate": 0.01, "weight_decay": 0.05}, 1e-5),
    ("Adamax", {"learning_rate": 0.01}, 1e-4),
    ("Adadelta", {"learning_rate": 1.0, "rho": 0.9}, 1e-5),
    ("Ftrl", {"learning_rate": 0.1}, 1e-5),
    ("Ftrl", {"learning_rate": 0.1, "learning_rate_power": -0.7, "l1_regularization_strength": 0.01,
              "l2_regularization_strength": 0.1, "l2_shrinkage_regularization_strength": 0.05, "beta": 0.5,
              "weight_decay": 0.01}, 1e-5),
    ("Lion", {"learning_rate": 0.01}, 1e-6),
    ("Lion", {"learning_rate": 0.01, "beta_1": 0.5, "weight_decay": 0.1}, 1e-6),
]


def _script_namespace(config):
    namespace = {"torch": torch, "OPTIMIZER": config}
    exec(torch_optimizers.source(config), namespace)   # the text the exported script holds
    return namespace


@pytest.mark.parametrize("name, kwargs, tol", CASES)
def test_script_optimizer_follows_visualnet(name, kwargs, tol):
    rng = np.random.default_rng(2)
    params = rng.normal(size=sum(SIZES)).astype(np.float32)
    grads = [rng.normal(size=sum(SIZES)).astype(np.float32) * 2 for _ in range(20)]
    ours = getattr(O, name)(**kwargs)
    ours.build(SIZES)
    p = params.copy()
    weights = [torch.nn.Parameter(torch.tensor(a)) for a in np.split(params, np.cumsum(SIZES)[:-1])]
    config = O.serialize(getattr(O, name)(**kwargs))
    module = torch.nn.Module()
    for i, w in enumerate(weights):
        module.register_parameter(f"w{i}", w)
    theirs = _script_namespace(config)["make_optimizer"](module)
    for g in grads:
        ours.apply(p, g.copy())
        for w, part in zip(weights, np.split(g, np.cumsum(SIZES)[:-1])):
            w.grad = torch.tensor(part)
        theirs.step()
        got = np.concatenate([w.detach().numpy() for w in weights])
        np.testing.assert_allclose(got, p, rtol=tol, atol=tol)


def test_script_holds_only_the_class_it_needs():
    assert "class Ftrl" in torch_optimizers.source({"class_name": "Ftrl", "config": {}})
    assert "class Lion" not in torch_optimizers.source({"class_name": "Ftrl", "config": {}})
    plain = torch_optimizers.source({"class_name": "Adam", "config": {}})
    assert "class " not in plain and "def make_optimizer" in plain
    assert torch_optimizers.source(None) == plain


@pytest.mark.parametrize("optimizer", ["lion", "ftrl", "nadam"])
def test_exported_torch_script_trains_with_the_optimizer(tmp_path, optimizer):
    import subprocess
    import sys

    from visualnet import layers, models
    from visualnet.io.code_export import export_torch_script

    model = models.Sequential([layers.Input((4,)), layers.Dense(3, activation="softmax")])
    model.compile(optimizer=optimizer, loss="categorical_crossentropy")
    export_torch_script(model, tmp_path / "s.py", weights=None, training={"epochs": 1, "batch_size": 4})
    text = (tmp_path / "s.py").read_text()
    assert f'"class_name": "{O.get(optimizer).__class__.__name__}"' in text
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "data.npz", x=rng.normal(size=(8, 4)).astype(np.float32),
             y=np.eye(3, dtype=np.float32)[rng.integers(0, 3, 8)])
    out = subprocess.run([sys.executable, str(tmp_path / "s.py"), "--train", "data.npz"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
