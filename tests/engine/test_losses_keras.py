"""The losses added for issue 24 (Huber, LogCosh, KLDivergence, Poisson, the hinges, CosineSimilarity,
MAPE, MSLE and the focal crossentropies): gradients against finite differences, values against
real Keras on the same inputs (1e-6 relative, with sample weights, masks and every reduction),
and one epoch of fit against Keras on identical weights."""

import json

import numpy as np
import pytest

from tests.engine.gradcheck import numeric_grad
from visualnet.engine import losses as L

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _probs(rng, shape):
    p = rng.uniform(0.2, 1.0, size=shape)
    return (p / p.sum(-1, keepdims=True)).astype(np.float32)


def _case(kind, shape=(6, 4), seed=0):
    """(loss, y_true, y_pred) for a configuration of a new loss."""
    rng = np.random.default_rng(seed)
    normal = lambda: rng.normal(size=shape).astype(np.float32)  # noqa: E731
    onehot = np.eye(shape[-1], dtype=np.float32)[rng.integers(0, shape[-1], shape[:-1])]
    binary = rng.integers(0, 2, size=shape).astype(np.float32)
    sig = rng.uniform(0.05, 0.95, size=shape).astype(np.float32)
    cases = {
        "huber": (L.Huber(), normal(), normal() * 2),
        "huber_delta": (L.Huber(delta=0.3), normal(), normal()),
        "log_cosh": (L.LogCosh(), normal(), normal() * 3),
        "kld": (L.KLDivergence(), _probs(rng, shape), _probs(rng, shape)),
        "poisson": (L.Poisson(), rng.poisson(2.0, size=shape).astype(np.float32),
                    rng.uniform(0.2, 4.0, size=shape).astype(np.float32)),
        "hinge": (L.Hinge(), binary, normal()),
        "hinge_signed": (L.Hinge(), binary * 2 - 1, normal()),
        "squared_hinge": (L.SquaredHinge(), binary, normal()),
        "categorical_hinge": (L.CategoricalHinge(), onehot, normal()),
        "cosine": (L.CosineSimilarity(), normal(), normal()),
        "cosine_axis1": (L.CosineSimilarity(axis=1), normal(), normal()),
        "mape": (L.MeanAbsolutePercentageError(), rng.uniform(0.5, 3, size=shape).astype(np.float32)
                 * rng.choice([-1, 1], size=shape), normal()),
        "msle": (L.MeanSquaredLogarithmicError(), rng.uniform(0, 3, size=shape).astype(np.float32),
                 rng.uniform(0.1, 3, size=shape).astype(np.float32)),
        "bfce": (L.BinaryFocalCrossentropy(), binary, sig),
        "bfce_balanced": (L.BinaryFocalCrossentropy(apply_class_balancing=True, alpha=0.4, gamma=1.5,
                                                    label_smoothing=0.1), binary, sig),
        "bfce_logits": (L.BinaryFocalCrossentropy(from_logits=True, gamma=3.0), binary, normal()),
        "cfce": (L.CategoricalFocalCrossentropy(), onehot, _probs(rng, shape) * 2),
        "cfce_smooth": (L.CategoricalFocalCrossentropy(alpha=0.5, gamma=1.0, label_smoothing=0.2), onehot,
                        _probs(rng, shape)),
        "cfce_logits": (L.CategoricalFocalCrossentropy(from_logits=True, gamma=0.5), onehot, normal()),
    }
    return cases[kind]


KINDS = ["huber", "huber_delta", "log_cosh", "kld", "poisson", "hinge", "hinge_signed", "squared_hinge",
         "categorical_hinge", "cosine", "cosine_axis1", "mape", "msle", "bfce", "bfce_balanced", "bfce_logits",
         "cfce", "cfce_smooth", "cfce_logits"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("shape", [(5, 4), (2, 3, 4)])
def test_gradient_matches_finite_differences(kind, shape):
    loss, y_true, y_pred = _case(kind, shape)
    value, grad = loss.value_and_grad(y_true, y_pred)
    assert grad.dtype == np.float32 and grad.shape == y_pred.shape
    assert value == pytest.approx(loss(y_true, y_pred), rel=1e-6)
    numeric = numeric_grad(lambda p: loss(y_true, p), y_pred, eps=1e-3)
    np.testing.assert_allclose(grad, numeric, rtol=2e-2, atol=3e-4)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("reduction", ["sum", "mean_with_sample_weight"])
def test_weighted_gradient_matches_finite_differences(kind, reduction):
    loss, y_true, y_pred = _case(kind, (5, 3), seed=1)
    loss.reduction = reduction
    sw = np.random.default_rng(2).uniform(0.1, 2.0, size=5).astype(np.float32)
    _, grad = loss.value_and_grad(y_true, y_pred, sample_weight=sw)
    numeric = numeric_grad(lambda p: loss(y_true, p, sample_weight=sw), y_pred, eps=1e-3)
    np.testing.assert_allclose(grad, numeric, rtol=2e-2, atol=3e-4)


def test_gradient_with_a_mask_skips_masked_steps():
    loss, y_true, y_pred = _case("huber", (2, 3, 4), seed=3)
    mask = np.array([[True, True, False], [True, False, False]])
    _, grad = loss.value_and_grad(y_true, y_pred, y_mask=mask)
    assert not grad[~mask].any() and grad[mask].any()
    numeric = numeric_grad(lambda p: loss(y_true, p, y_mask=mask), y_pred, eps=1e-3)
    np.testing.assert_allclose(grad, numeric, rtol=2e-2, atol=3e-4)


# ------------------------------------------------------------------ vs Keras

def _keras_loss(keras, loss):
    return getattr(keras.losses, type(loss).__name__).from_config(loss.get_config())


@pytest.mark.oracle
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("shape", [(16, 5), (3, 4, 6), (8, 1)])
def test_values_match_keras(kind, shape):
    keras = pytest.importorskip("keras")
    if shape[-1] == 1 and kind.startswith(("cfce", "categorical_hinge")):
        pytest.skip("one class: not a categorical problem")
    loss, y_true, y_pred = _case(kind, shape, seed=7)
    ref = _keras_loss(keras, loss)
    assert loss(y_true, y_pred) == pytest.approx(float(ref(y_true, y_pred)), rel=1e-6, abs=1e-7)
    sw = np.random.default_rng(8).uniform(0, 2, size=loss.call(y_true, y_pred).shape).astype(np.float32)
    assert loss(y_true, y_pred, sample_weight=sw) == pytest.approx(
        float(ref(y_true, y_pred, sample_weight=sw)), rel=1e-6, abs=1e-7)


@pytest.mark.oracle
@pytest.mark.parametrize("kind", ["huber_delta", "cosine_axis1", "bfce_balanced", "cfce_logits", "hinge"])
@pytest.mark.parametrize("reduction", ["sum", "mean", "mean_with_sample_weight", "none", None])
def test_reductions_match_keras(kind, reduction):
    keras = pytest.importorskip("keras")
    loss, y_true, y_pred = _case(kind, (6, 3), seed=4)
    loss.reduction = reduction
    sw = np.random.default_rng(5).uniform(0.5, 2, size=6).astype(np.float32)
    ref = _keras_loss(keras, loss)
    assert ref.reduction == reduction
    np.testing.assert_allclose(loss(y_true, y_pred, sample_weight=sw),
                               keras.ops.convert_to_numpy(ref(y_true, y_pred, sample_weight=sw)), rtol=1e-6)


@pytest.mark.oracle
def test_functional_forms_match_keras_per_sample():
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(9)
    y, p = rng.normal(size=(5, 4)).astype(np.float32), rng.normal(size=(5, 4)).astype(np.float32)
    probs, probs2 = _probs(rng, (5, 4)), _probs(rng, (5, 4))
    onehot = np.eye(4, dtype=np.float32)[rng.integers(0, 4, 5)]
    binary = rng.integers(0, 2, (5, 4)).astype(np.float32)
    pairs = [
        (L.huber(y, p, delta=0.5), keras.losses.huber(y, p, delta=0.5)),
        (L.log_cosh(y, p), keras.losses.log_cosh(y, p)),
        (L.kld(probs, probs2), keras.losses.kl_divergence(probs, probs2)),
        (L.poisson(np.abs(y), probs), keras.losses.poisson(np.abs(y), probs)),
        (L.hinge(binary, p), keras.losses.hinge(binary, p)),
        (L.squared_hinge(binary, p), keras.losses.squared_hinge(binary, p)),
        (L.categorical_hinge(onehot, p), keras.losses.categorical_hinge(onehot, p)),
        (L.cosine_similarity(y, p, axis=0), keras.losses.cosine_similarity(y, p, axis=0)),
        (L.mape(y, p), keras.losses.mean_absolute_percentage_error(y, p)),
        (L.msle(np.abs(y), probs), keras.losses.mean_squared_logarithmic_error(np.abs(y), probs)),
        (L.binary_focal_crossentropy(binary, probs, apply_class_balancing=True, gamma=1.0),
         keras.losses.binary_focal_crossentropy(binary, probs, apply_class_balancing=True, gamma=1.0)),
        (L.categorical_focal_crossentropy(onehot, p, from_logits=True, label_smoothing=0.1),
         keras.losses.categorical_focal_crossentropy(onehot, p, from_logits=True, label_smoothing=0.1)),
    ]
    for ours, ref in pairs:
        np.testing.assert_allclose(ours, keras.ops.convert_to_numpy(ref), rtol=1e-6, atol=1e-7)


@pytest.mark.oracle
def test_zero_vectors_and_clipping_match_keras():
    keras = pytest.importorskip("keras")
    y = np.array([[0.0, 0.0], [1.0, 2.0], [0.0, 1.0]], np.float32)
    p = np.array([[1.0, 1.0], [0.0, 0.0], [0.0, 1.5]], np.float32)
    for ours, ref in [(L.CosineSimilarity(), keras.losses.CosineSimilarity()),
                      (L.KLDivergence(), keras.losses.KLDivergence()),
                      (L.MeanSquaredLogarithmicError(), keras.losses.MeanSquaredLogarithmicError()),
                      (L.MeanAbsolutePercentageError(), keras.losses.MeanAbsolutePercentageError())]:
        assert ours(y, p) == pytest.approx(float(ref(y, p)), rel=1e-6, abs=1e-6), type(ours).__name__


# ------------------------------------------------------------------ names, configs, errors

KERAS_STRINGS = ["huber", "log_cosh", "kl_divergence", "kld", "KLD", "poisson", "hinge", "squared_hinge",
                 "categorical_hinge", "cosine_similarity", "mean_absolute_percentage_error", "mape", "MAPE",
                 "mean_squared_logarithmic_error", "msle", "MSLE", "binary_focal_crossentropy",
                 "categorical_focal_crossentropy", "Huber", "LogCosh", "KLDivergence", "Poisson",
                 "CosineSimilarity", "CategoricalFocalCrossentropy", "BinaryFocalCrossentropy"]


@pytest.mark.parametrize("name", KERAS_STRINGS)
def test_keras_strings_give_the_loss(name):
    loss = L.get(name)
    assert type(loss) is L.LOSSES[L.canonical_name(name)]
    blob = json.loads(json.dumps(L.serialize(loss)))
    again = L.deserialize(blob)
    assert type(again) is type(loss) and again.get_config() == loss.get_config()


@pytest.mark.oracle
@pytest.mark.parametrize("name", KERAS_STRINGS)
def test_keras_accepts_the_same_strings(name):
    keras = pytest.importorskip("keras")
    assert keras.losses.get(name) is not None


@pytest.mark.parametrize("name", ["logcosh", "huber_loss", "kullback_leibler_divergence", "rmse"])
def test_strings_keras_refuses_are_refused(name):
    with pytest.raises(ValueError, match=f"Could not interpret loss identifier: '{name}'"):
        L.get(name)


def test_config_round_trip_keeps_every_argument():
    loss = L.BinaryFocalCrossentropy(apply_class_balancing=True, alpha=0.3, gamma=1.5, from_logits=True,
                                     label_smoothing=0.05, axis=-1, reduction="sum", name="focal")
    again = L.deserialize(L.serialize(loss))
    assert again.get_config() == loss.get_config() and again.gamma == 1.5 and again.reduction == "sum"
    assert L.get({"class_name": "Huber", "config": {"delta": 2.5, "dtype": "float32"}}).delta == 2.5
    assert L.deserialize(L.serialize(L.CosineSimilarity(axis=1))).axis == 1


def test_bad_arguments_name_the_argument():
    with pytest.raises(ValueError, match="delta=-1"):
        L.Huber(delta=-1)
    with pytest.raises(ValueError, match="gamma=-2"):
        L.CategoricalFocalCrossentropy(gamma=-2)
    with pytest.raises(ValueError, match="axis=None"):
        L.CosineSimilarity(axis=None)
    with pytest.raises(ValueError, match="reduction"):
        L.Hinge(reduction="average")


# ------------------------------------------------------------------ training with the loss

FIT_CASES = {  # loss, output units and activation, targets
    "huber": (lambda m: m.Huber(delta=0.5), 3, "linear", "regression"),
    "log_cosh": (lambda m: "log_cosh", 3, "linear", "regression"),
    "mape": (lambda m: "mape", 3, "linear", "regression"),
    "msle": (lambda m: "msle", 3, "softplus", "positive"),
    "cosine_similarity": (lambda m: m.CosineSimilarity(), 3, "linear", "regression"),
    "poisson": (lambda m: "poisson", 3, "softplus", "counts"),
    "kl_divergence": (lambda m: "kld", 3, "softmax", "onehot"),
    "hinge": (lambda m: "hinge", 1, "tanh", "binary"),
    "squared_hinge": (lambda m: "squared_hinge", 1, "tanh", "binary"),
    "categorical_hinge": (lambda m: "categorical_hinge", 3, "linear", "onehot"),
    "binary_focal": (lambda m: m.BinaryFocalCrossentropy(apply_class_balancing=True, label_smoothing=0.1),
                     1, "sigmoid", "binary"),
    "binary_focal_logits": (lambda m: m.BinaryFocalCrossentropy(from_logits=True), 1, "linear", "binary"),
    "categorical_focal": (lambda m: m.CategoricalFocalCrossentropy(gamma=1.5), 3, "softmax", "onehot"),
    "categorical_focal_logits": (lambda m: m.CategoricalFocalCrossentropy(from_logits=True), 3, "linear",
                                 "onehot"),
}


def _targets(kind, rng, n, units):
    if kind == "regression":
        return rng.normal(1.0, 1.0, (n, units)).astype(np.float32)
    if kind == "positive":
        return rng.uniform(0, 3, (n, units)).astype(np.float32)
    if kind == "counts":
        return rng.poisson(2.0, (n, units)).astype(np.float32)
    if kind == "binary":
        return rng.integers(0, 2, (n, units)).astype(np.float32)
    return np.eye(units, dtype=np.float32)[rng.integers(0, units, n)]


@pytest.mark.oracle
@pytest.mark.parametrize("name", FIT_CASES)
def test_one_epoch_of_fit_matches_keras(name):
    keras = pytest.importorskip("keras")
    import visualnet

    make_loss, units, activation, kind = FIT_CASES[name]
    rng = np.random.default_rng(11)

    def build(lib):
        return lib.models.Sequential([lib.layers.Input((6,)), lib.layers.Dense(8, activation="tanh"),
                                      lib.layers.Dense(units, activation=activation)])

    k, v = build(keras), build(visualnet)
    weights = [rng.normal(0, 0.5, w.shape).astype(np.float32) for w in k.get_weights()]
    k.set_weights(weights)
    v.set_weights(weights)
    x = rng.normal(size=(48, 6)).astype(np.float32)
    y = _targets(kind, rng, 48, units)
    k.compile(keras.optimizers.SGD(learning_rate=0.05), make_loss(keras.losses))
    v.compile(visualnet.optimizers.SGD(learning_rate=0.05), make_loss(visualnet.losses))
    hk = k.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    hv = v.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    for wk, wv in zip(k.get_weights(), v.get_weights()):
        np.testing.assert_allclose(wv, wk, atol=2e-3, rtol=2e-3)
    assert hv.history["loss"][0] == pytest.approx(hk.history["loss"][0], rel=2e-3, abs=1e-5)
    assert v.evaluate(x, y, verbose=0) == pytest.approx(k.evaluate(x, y, verbose=0), rel=2e-3, abs=1e-5)
