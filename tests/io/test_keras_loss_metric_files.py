"""The compile config of Keras files keeps the losses and metrics of issue 24 both ways, in both
dialects: saved by VisualNet and loaded by real Keras, saved by Keras and loaded by VisualNet."""

import re

import numpy as np
import pytest

import visualnet
from visualnet import models as vm

keras = pytest.importorskip("keras")
pytestmark = [pytest.mark.oracle, pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::UserWarning")]


def _model(lib):
    return lib.models.Sequential([lib.layers.Input((4,)), lib.layers.Dense(6, activation="softmax")])


@pytest.mark.parametrize("ext", ["keras", "h5"])
def test_keras_loads_our_losses_and_metrics(tmp_path, ext):
    m = _model(visualnet)
    m.compile("adam", visualnet.losses.CategoricalFocalCrossentropy(gamma=1.5, label_smoothing=0.1),
              metrics=["auc", "top_k_categorical_accuracy", visualnet.metrics.AUC(curve="PR", name="pr_auc"),
                       visualnet.metrics.TopKCategoricalAccuracy(k=2, name="top2")])
    m.save(tmp_path / f"m.{ext}")
    k = keras.models.load_model(tmp_path / f"m.{ext}")
    assert type(k.loss).__name__ == "CategoricalFocalCrossentropy" and k.loss.gamma == 1.5
    assert k.loss.label_smoothing == 0.1
    x = np.random.default_rng(0).normal(size=(8, 4)).astype(np.float32)
    y = np.eye(6, dtype=np.float32)[np.arange(8) % 6]
    logs = k.evaluate(x, y, verbose=0, return_dict=True)
    logs = {re.sub(r"_\d+$", "", key): value for key, value in logs.items()}   # Keras's h5 loader: auc_1, ...
    assert {"auc", "top_k_categorical_accuracy", "pr_auc", "top2"} <= set(logs)
    again = vm.load_model(tmp_path / f"m.{ext}")   # and back
    assert again.compiled.loss_fn.get_config() == m.compiled.loss_fn.get_config()
    ours = again.evaluate(x, y, verbose=0, return_dict=True)
    for key in ("loss", "auc", "pr_auc", "top2", "top_k_categorical_accuracy"):
        assert ours[key] == pytest.approx(logs[key], rel=1e-5, abs=1e-6), key


@pytest.mark.parametrize("ext", ["keras", "h5"])
@pytest.mark.parametrize("loss", ["log_cosh", "kld", "mape", "squared_hinge",
                                  lambda L: L.BinaryFocalCrossentropy(apply_class_balancing=True, gamma=3.0),
                                  lambda L: L.CosineSimilarity(reduction="sum")])
def test_we_load_keras_losses_and_metrics(tmp_path, ext, loss):
    k = _model(keras)
    k.compile("adam", loss if isinstance(loss, str) else loss(keras.losses),
              metrics=["r2_score", keras.metrics.AUC(multi_label=True, name="ml_auc"), "poisson",
                       keras.metrics.MeanIoU(num_classes=6, sparse_y_true=False, sparse_y_pred=False, name="miou")])
    k.save(tmp_path / f"k.{ext}")
    v = vm.load_model(tmp_path / f"k.{ext}")
    assert v.compiled is not None
    ref = keras.losses.get(loss) if isinstance(loss, str) else loss(keras.losses)
    ref_config = ref.get_config() if hasattr(ref, "get_config") else {}
    ours = v.compiled.loss_fn.get_config()
    assert {k: ours[k] for k in ref_config if k in ours and k != "name"} == \
        {k: v for k, v in ref_config.items() if k in ours and k != "name"}
    x = np.random.default_rng(1).uniform(0.1, 1, size=(9, 4)).astype(np.float32)
    y = np.eye(6, dtype=np.float32)[np.arange(9) % 6]
    logs = k.evaluate(x, y, verbose=0, return_dict=True)
    ours = v.evaluate(x, y, verbose=0, return_dict=True)
    assert set(ours) == set(logs)
    for key, value in logs.items():
        assert ours[key] == pytest.approx(value, rel=1e-5, abs=1e-6), key
