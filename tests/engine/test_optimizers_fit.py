"""One epoch of fit with each optimizer of issue 24 and Keras's common arguments equals
Keras's (PyTorch backend) on the same weights and data (2e-3): the fused kernels inside the
training steps (compiled programs included), gradient accumulation, the moving average
swapped in at the end of fit, the loss scale."""

import numpy as np
import pytest

import visualnet

keras = pytest.importorskip("keras")
pytestmark = [pytest.mark.oracle, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

CASES = {
    "adamw": ("AdamW", {"learning_rate": 0.01}),
    "nadam": ("Nadam", {"learning_rate": 0.01}),
    "adamax": ("Adamax", {"learning_rate": 0.01}),
    "adadelta": ("Adadelta", {"learning_rate": 1.0}),
    "ftrl": ("Ftrl", {"learning_rate": 0.1, "l1_regularization_strength": 0.001, "l2_regularization_strength": 0.01}),
    "lion": ("Lion", {"learning_rate": 0.001}),
    "adam-ema": ("Adam", {"learning_rate": 0.01, "use_ema": True, "ema_momentum": 0.9}),
    "sgd-ema-overwrite": ("SGD", {"learning_rate": 0.05, "use_ema": True, "ema_overwrite_frequency": 4}),
    "rmsprop-accumulation": ("RMSprop", {"learning_rate": 0.01, "gradient_accumulation_steps": 2}),
    "adam-loss-scale": ("Adam", {"learning_rate": 0.01, "loss_scale_factor": 64.0}),
    "nadam-decay-clip": ("Nadam", {"learning_rate": 0.01, "weight_decay": 0.05, "global_clipnorm": 1.0}),
}


def _model(lib, hidden_activation):
    return lib.models.Sequential([lib.layers.Input((10,)), lib.layers.Dense(16, activation=hidden_activation),
                                  lib.layers.Dense(3, activation="softmax")])


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("hidden_activation", ["relu", "gelu"])   # relu: a compiled program where it applies
def test_one_epoch_of_fit_equals_keras(case, hidden_activation):
    name, kwargs = CASES[case]
    rng = np.random.default_rng(5)
    k, v = _model(keras, hidden_activation), _model(visualnet, hidden_activation)
    weights = [rng.normal(0, 0.4, w.shape).astype(np.float32) for w in k.get_weights()]
    k.set_weights(weights)
    v.set_weights(weights)
    x = rng.normal(size=(128, 10)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 128)]
    k.compile(getattr(keras.optimizers, name)(**kwargs), "categorical_crossentropy")
    v.compile(getattr(visualnet.optimizers, name)(**kwargs), "categorical_crossentropy")
    hk = k.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    hv = v.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    for i, (a, b) in enumerate(zip(v.get_weights(), k.get_weights())):
        np.testing.assert_allclose(a, b, atol=2e-3, err_msg=f"weight {i}")
    assert not np.allclose(v.get_weights()[0], weights[0])
    assert hv.history["loss"][0] == pytest.approx(hk.history["loss"][0], abs=2e-3)
    assert v.optimizer.iterations == int(k.optimizer._iterations) == 8
