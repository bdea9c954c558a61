"""The PyTorch script's `keras_loss` (io/torch_losses.py) computes the engine's loss for every
entry of `LOSSES`, with the compiled loss's own arguments and reduction."""

import importlib.util

import numpy as np
import pytest

from visualnet.engine import losses as L
from visualnet.io.code_export import export_torch_script

from .helpers import mlp

torch = pytest.importorskip("torch")


def _targets(name, rng, shape):
    if name == "sparse_categorical_crossentropy":
        return rng.integers(0, shape[-1], shape[:-1]).astype(np.float32)
    if name in ("categorical_crossentropy", "categorical_focal_crossentropy", "categorical_hinge", "kl_divergence"):
        return np.eye(shape[-1], dtype=np.float32)[rng.integers(0, shape[-1], shape[:-1])]
    if name in ("binary_crossentropy", "binary_focal_crossentropy", "hinge", "squared_hinge"):
        return rng.integers(0, 2, shape).astype(np.float32)
    return rng.uniform(0.1, 3, shape).astype(np.float32) * rng.choice([-1, 1], shape) \
        if name in ("mean_absolute_percentage_error", "huber", "log_cosh", "cosine_similarity",
                    "mean_squared_error", "mean_absolute_error") else rng.uniform(0, 3, shape).astype(np.float32)


def _script(tmp_path, loss):
    model = mlp(compile=False)
    model.compile(optimizer="sgd", loss=loss)
    path = tmp_path / "exported.py"
    export_torch_script(model, path, weights=None)
    spec = importlib.util.spec_from_file_location("exported", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    return script


CONFIGURED = [
    L.Huber(delta=0.4, reduction="sum"), L.CosineSimilarity(axis=-1), L.BinaryCrossentropy(from_logits=True,
                                                                                           label_smoothing=0.2),
    L.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1),
    L.SparseCategoricalCrossentropy(from_logits=True, ignore_class=1),
    L.BinaryFocalCrossentropy(apply_class_balancing=True, alpha=0.3, gamma=1.5, from_logits=True),
    L.CategoricalFocalCrossentropy(alpha=0.5, gamma=1.0, label_smoothing=0.1),
    L.CategoricalFocalCrossentropy(from_logits=True), L.MeanSquaredError(reduction="none"),
]


@pytest.mark.parametrize("loss", [*L.LOSSES, *CONFIGURED], ids=lambda l: l if isinstance(l, str) else repr(l))
def test_the_torch_script_computes_the_engines_loss(tmp_path, loss):
    script = _script(tmp_path, loss)
    ours = L.get(loss)
    rng = np.random.default_rng(3)
    shape = (6, 4)
    y = _targets(script.LOSS_NAME, rng, shape)
    logits = getattr(ours, "from_logits", False)
    if logits or script.LOSS_NAME in ("huber", "log_cosh", "cosine_similarity", "hinge", "squared_hinge",
                                      "categorical_hinge", "mean_squared_error", "mean_absolute_error",
                                      "mean_absolute_percentage_error"):
        p = rng.normal(size=shape).astype(np.float32)
    else:
        p = rng.uniform(0.05, 0.95, shape).astype(np.float32)
    got = script.keras_loss(script.LOSS_NAME)(torch.tensor(p), torch.tensor(y)).numpy()
    np.testing.assert_allclose(got, ours(y, p), rtol=1e-5, atol=1e-6)
