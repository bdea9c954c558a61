import os

import numpy as np
import pytest

from tests.engine.gradcheck import numeric_grad
from visualnet.engine import activation_kernels
from visualnet.engine import activations as A

os.environ.setdefault("KERAS_BACKEND", "torch")
# Keras's torch-to-NumPy conversion warns about NumPy 2's `copy` keyword.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _inputs(shape=(6, 7), seed=0):
    """Values away from every kink (0 for relu/elu, +-3 for hard_sigmoid, +-1 for hard_tanh and
    the sparse ones, +-0.5 for the shrinks)."""
    rng = np.random.default_rng(seed)
    mag = rng.uniform(0.1, 2.9, size=shape)
    for kink in (0.5, 1.0):
        mag = np.where(np.abs(mag - kink) < 0.05, mag + 0.1, mag)
    return (mag * rng.choice([-1.0, 1.0], size=shape)).astype(np.float32)


@pytest.mark.parametrize("name", A.NAMES)
def test_gradient_matches_finite_differences(name):
    act = A.get(name)
    x = _inputs()
    w = np.random.default_rng(1).normal(size=x.shape)

    def f(v):
        return np.sum(w * act.forward(v).astype(np.float64))

    y = act.forward(x)
    analytic = act.backward(x, y, w.astype(np.float32))
    np.testing.assert_allclose(analytic, numeric_grad(f, x), rtol=2e-3, atol=2e-4)


@pytest.mark.parametrize("kwargs", [
    {"negative_slope": 0.1}, {"max_value": 2.0}, {"threshold": 0.5},
    {"negative_slope": 0.1, "max_value": 1.5, "threshold": -1.0}])
def test_parametric_relu_gradient(kwargs):
    act = A._relu_act("relu", **kwargs)
    x = _inputs()
    x[np.isclose(np.abs(x), 0.5, atol=0.05) | np.isclose(np.abs(x), 1.5, atol=0.05)
      | np.isclose(x, 2.0, atol=0.05) | np.isclose(x, -1.0, atol=0.05)] = 0.25
    w = np.random.default_rng(2).normal(size=x.shape)
    analytic = act.backward(x, act.forward(x), w.astype(np.float32))
    numeric = numeric_grad(lambda v: np.sum(w * act.forward(v)), x)
    np.testing.assert_allclose(analytic, numeric, rtol=2e-3, atol=2e-4)


def test_gelu_approximate_gradient():
    act = A.Activation("gelu", activation_kernels.gelu_fwd, activation_kernels.gelu_bwd, (True,))
    x, w = _inputs(), np.random.default_rng(3).normal(size=(6, 7))
    numeric = numeric_grad(lambda v: np.sum(w * act.forward(v)), x)
    np.testing.assert_allclose(act.backward(x, act.forward(x), w.astype(np.float32)),
                               numeric, rtol=2e-3, atol=2e-4)


def test_softmax_other_axis_gradient():
    act = A.Softmax(axis=0)
    x, w = _inputs((4, 3, 5)), np.random.default_rng(4).normal(size=(4, 3, 5))
    y = act.forward(x)
    np.testing.assert_allclose(y.sum(axis=0), 1.0, rtol=1e-6)
    numeric = numeric_grad(lambda v: np.sum(w * act.forward(v)), x)
    np.testing.assert_allclose(act.backward(x, y, w.astype(np.float32)), numeric,
                               rtol=2e-3, atol=2e-4)


@pytest.mark.oracle
@pytest.mark.parametrize("name", A.NAMES)
def test_forward_matches_keras(name):
    keras = pytest.importorskip("keras")
    x = np.random.default_rng(5).normal(scale=4.0, size=(32, 9)).astype(np.float32)
    ref = keras.ops.convert_to_numpy(getattr(keras.activations, name)(x))
    ours = getattr(A, name)(x)
    assert ours.dtype == np.float32 and ours.shape == x.shape
    np.testing.assert_allclose(ours, ref, rtol=2e-6, atol=1e-6)
    np.testing.assert_allclose(A.get(name).forward(x), ours, rtol=0, atol=0)


@pytest.mark.oracle
@pytest.mark.parametrize("call", [
    lambda m, x: m.relu(x, negative_slope=0.1, max_value=6.0, threshold=-1.0),
    lambda m, x: m.relu(x, max_value=2.0),
    lambda m, x: m.relu(x, threshold=0.5),
    lambda m, x: m.leaky_relu(x, negative_slope=0.3),
    lambda m, x: m.elu(x, alpha=0.5),
    lambda m, x: m.gelu(x, approximate=True),
    lambda m, x: m.softmax(x, axis=0),
])
def test_keyword_variants_match_keras(call):
    keras = pytest.importorskip("keras")
    x = np.random.default_rng(6).normal(scale=3.0, size=(8, 5)).astype(np.float32)
    ref = keras.ops.convert_to_numpy(call(keras.activations, x))
    np.testing.assert_allclose(call(A, x), ref, rtol=2e-6, atol=1e-6)


def test_softmax_is_stable_for_huge_logits():
    y = A.softmax(np.array([[1e4, 0.0, -1e4], [88.0, 89.0, 90.0]], np.float32))
    assert np.all(np.isfinite(y))
    np.testing.assert_allclose(y.sum(-1), 1.0, rtol=1e-6)
    s = A.sigmoid(np.array([-200.0, 200.0], np.float32))
    np.testing.assert_array_equal(s, [0.0, 1.0])


def test_get_resolution_and_errors():
    assert A.get(None).name == "linear"
    assert A.get(A.relu).name == "relu"
    act = A.get("swish")
    assert A.get(act) is act and A.serialize(act) == "swish"
    assert A.deserialize("tanh").name == "tanh"
    with pytest.raises(ValueError, match=r"Unknown activation: 'rellu'.*relu, sigmoid"):
        A.get("rellu")
    with pytest.raises(ValueError, match="Custom Python functions"):
        A.get(lambda x: x)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_any_shape_keeps_float_dtype(dtype):
    """float32 stays float32; float64 stays float64 (the layer gradient harness)."""
    x = (np.arange(24).reshape(2, 3, 4) / 10 - 1).astype(dtype)
    for name in A.NAMES:
        act = A.get(name)
        y = act.forward(x)
        dx = act.backward(x, y, np.ones_like(y))
        assert y.dtype == dx.dtype == dtype and y.shape == dx.shape == x.shape
    assert A.relu(np.arange(3, dtype=np.int64)).dtype == np.float32


@pytest.mark.parametrize("bias", [None, np.float32([0.5, -1.0, 0.0, 2.0, np.nan])], ids=["no bias", "bias"])
def test_relu_in_place_equals_relu_into_another_array(bias):
    """The in-place kernels (one array, so that the loop vectorises) compute what the
    two-array ones do, NaN passing through as in Keras."""
    act = A.get("relu")
    z = _inputs((4, 5))
    z[1, 2], z[3, 0] = np.nan, -np.inf
    expected = act.bias_forward_into(z.copy(), bias, np.empty_like(z))
    same = z.copy()
    assert act.bias_forward_into(same, bias, same) is same
    np.testing.assert_array_equal(same, expected)
    same = z.copy()
    assert act.forward_into(same, same) is same
    np.testing.assert_array_equal(same, act.forward_into(z, np.empty_like(z)))
