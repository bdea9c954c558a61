"""The fused kernels of the regression, margin and probabilistic losses
(loss_kernels_more.py) against the NumPy path they replace in the training step: the same
loss and dL/dz within 1e-6, for each reduction; the fit's fast step takes them, and a fit
through them trains as the general step does."""

import numpy as np
import pytest

import visualnet
from visualnet.engine import losses
from visualnet.engine.steps import FusedStep, choose_step

RNG = np.random.default_rng(7)
N, K = 37, 5


def _targets(name):
    if name in ("hinge", "squared_hinge"):
        return RNG.integers(0, 2, (N, K)).astype(np.float32)
    if name == "hinge_pm1":
        return RNG.choice([-1.0, 1.0], (N, K)).astype(np.float32)
    if name == "categorical_hinge":
        return np.eye(K, dtype=np.float32)[RNG.integers(0, K, N)]
    if name == "kl_divergence":
        t = RNG.random((N, K)).astype(np.float32)
        return t / t.sum(axis=1, keepdims=True)
    if name in ("poisson", "mean_squared_logarithmic_error"):
        return RNG.random((N, K)).astype(np.float32) * 3
    t = RNG.normal(size=(N, K)).astype(np.float32)
    if name == "mean_absolute_percentage_error":
        t[0, 0] = 0.0                       # max(|t|, epsilon) in the denominator
    return t


def _predictions(name):
    if name == "kl_divergence":
        z = RNG.normal(size=(N, K)).astype(np.float32) * 2
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)
    p = RNG.normal(size=(N, K)).astype(np.float32) * 1.5
    if name in ("poisson",):
        p = np.abs(p) + 0.1
    if name == "mean_squared_logarithmic_error":
        p[1, :2] = (-1.0, 0.0)              # below epsilon: no gradient
    if name == "cosine_similarity":
        p[2] = 0.0                          # a zero vector: the capped norm
    return p


NAMES = ["mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
         "mean_squared_logarithmic_error", "huber", "log_cosh", "poisson", "hinge", "hinge_pm1", "squared_hinge",
         "categorical_hinge", "cosine_similarity", "kl_divergence"]


def _numpy_path(loss, t, p, activation):
    """The general step's loss and gradient w.r.t. the pre-activation."""
    value, g = loss.value_and_grad(t, p)
    if activation == "softmax":
        g = p * (g - np.sum(g * p, axis=-1, keepdims=True))
    return value, g


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "mean", "none"])
@pytest.mark.parametrize("name", NAMES)
def test_fused_kernel_equals_the_numpy_path(name, reduction):
    loss_name = "hinge" if name == "hinge_pm1" else name
    cls = losses.LOSSES[loss_name]
    loss = cls(delta=0.7, reduction=reduction) if loss_name == "huber" else cls(reduction=reduction)
    activation = "softmax" if name == "kl_divergence" else "linear"
    t, p = _targets(name), _predictions(name)
    kernel = loss.fused_kernel(activation, p.shape)
    assert kernel is not None
    assert loss.fused_kernel("sigmoid" if activation == "linear" else "linear", p.shape) is None
    want_value, want_dz = _numpy_path(loss, t, p, activation)
    dz = np.full_like(p, np.nan)
    value = kernel(kernel.targets(t, p.shape), p, dz)
    assert value == pytest.approx(want_value, rel=1e-6, abs=1e-6)
    np.testing.assert_allclose(dz, want_dz, rtol=1e-6, atol=1e-6 * max(1.0, float(np.abs(want_dz).max())))


def test_what_does_not_fuse_falls_back():
    assert losses.BinaryFocalCrossentropy().fused_kernel("sigmoid", (4, 1)) is None
    assert losses.CategoricalFocalCrossentropy().fused_kernel("softmax", (4, 3)) is None
    assert losses.MeanSquaredError().fused_kernel("linear", (4, 3, 2)) is None        # 2-D predictions only
    assert losses.CosineSimilarity(axis=0).fused_kernel("linear", (4, 3)) is None
    assert losses.KLDivergence().fused_kernel("linear", (4, 3)) is None


def _fit(loss, activation, x, y, weighted):
    visualnet.utils.set_random_seed(3)
    inputs = visualnet.Input(shape=(x.shape[1],))
    h = visualnet.layers.Dense(8, activation="tanh")(inputs)
    model = visualnet.Model(inputs, visualnet.layers.Dense(y.shape[1], activation=activation)(h))
    model.compile(optimizer=visualnet.optimizers.SGD(0.05), loss=loss, metrics=["mae"])
    history = model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0,
                        sample_weight=np.ones(len(y), np.float32) if weighted else None)
    step = choose_step(model, [x], y, np.ones(len(y), np.float32) if weighted else None, 16)  # as fit chose
    return type(step), history.history, model.get_weights()


@pytest.mark.parametrize("loss, activation", [("huber", None), ("log_cosh", None), ("poisson", "softplus"),
                                              ("kl_divergence", "softmax"), ("categorical_hinge", None)])
def test_fit_through_the_fused_kernels_trains_as_the_general_step(loss, activation):
    x = RNG.normal(size=(64, 6)).astype(np.float32)
    y = np.abs(_targets("kl_divergence" if loss == "kl_divergence" else "poisson")[:, :3])
    y = np.tile(y, (2, 1))[:64]
    if loss == "categorical_hinge":
        y = np.eye(3, dtype=np.float32)[RNG.integers(0, 3, 64)]
    fused_step, fused, fused_weights = _fit(loss, activation, x, y, weighted=False)
    general_step, general, general_weights = _fit(loss, activation, x, y, weighted=True)  # weights: the general step
    assert general_step is not FusedStep
    assert (fused_step is FusedStep) == (activation in (None, "softmax"))   # softplus: no fused form
    np.testing.assert_allclose(fused["loss"], general["loss"], rtol=1e-5)
    for a, b in zip(fused_weights, general_weights):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_kl_divergence_behind_softmax_trains_as_a_dense_program_as_the_general_step():
    from visualnet.engine.runtime import program
    from visualnet.engine.runtime.split import layer_parallel

    if not program.available():
        pytest.skip("compiled programs are not available here")
    rng = np.random.default_rng(4)
    x = rng.normal(size=(512, 64)).astype(np.float32)
    y = rng.dirichlet(np.ones(16), 512).astype(np.float32)
    results = []
    for weighted in (False, True):
        visualnet.utils.set_random_seed(2)
        inputs = visualnet.Input(shape=(64,))
        h = visualnet.layers.Dense(256, activation="relu")(inputs)
        model = visualnet.Model(inputs, visualnet.layers.Dense(16, activation="softmax")(h))
        model.compile(optimizer=visualnet.optimizers.SGD(0.1), loss="kl_divergence")
        sw = np.ones(len(y), np.float32) if weighted else None
        history = model.fit(x, y, batch_size=128, epochs=2, shuffle=False, verbose=0, sample_weight=sw)
        results.append((history.history["loss"], model.get_weights()))
        if not weighted:
            step = choose_step(model, [x], y, None, 128)
            with layer_parallel():
                step(slice(0, 128), 128)
            assert any(entry is not None for entry in step.program.tables.values())   # ran as one program
    (fused, fw), (general, gw) = results
    np.testing.assert_allclose(fused, general, rtol=1e-5)
    for a, b in zip(fw, gw):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
