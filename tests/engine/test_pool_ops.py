"""Pooling kernels: outputs vs real Keras layers, gradients vs torch autograd and float64
finite differences, max-pool ties (first maximum, as TF), avg-pool 'same' division."""

import os

import numpy as np
import pytest

from visualnet.engine.kernels import pool
from visualnet.engine.kernels.padding import conv_output_length, same_padding

os.environ.setdefault("KERAS_BACKEND", "torch")

# (N, H, W, C, pool_size, strides, padding)
CASES = [
    (2, 8, 8, 3, (2, 2), None, "valid"),
    (2, 7, 9, 3, (2, 2), None, "valid"),
    (2, 7, 9, 3, (2, 2), None, "same"),
    (2, 9, 8, 4, (3, 3), (2, 2), "valid"),
    (2, 9, 8, 4, (3, 3), (2, 2), "same"),
    (1, 10, 11, 2, (3, 2), (1, 3), "same"),
    (2, 11, 10, 5, (2, 3), (3, 1), "valid"),
]
IDS = [f"{c[4][0]}x{c[4][1]}-s{c[5]}-{c[6]}-{c[1]}x{c[2]}" for c in CASES]
KINDS = {"max": (pool.max_pool2d_forward, pool.max_pool2d_backward, "MaxPooling2D"),
         "avg": (pool.avg_pool2d_forward, pool.avg_pool2d_backward, "AveragePooling2D")}


def _x(n, h, w, c, dtype=np.float32, seed=0):
    return np.random.default_rng(seed).standard_normal((n, h, w, c)).astype(dtype)


def _keras_torch_replicates(h, w, size, strides):
    """Whether Keras-on-torch's replicated padding changes some window's mean here."""
    strides = strides or size
    pads = [same_padding(n, k, s) for n, k, s in zip((h, w), size, strides)]
    return any(a != b for a, b in pads) and max(size) > 2


def _naive(kind, x, size, strides, padding):
    """Loop-by-loop float64 reference with TF semantics (real cells only)."""
    (ph, pw), (sh, sw) = size, strides or size
    n, h, w, c = x.shape
    oh, ow = conv_output_length(h, ph, sh, padding), conv_output_length(w, pw, sw, padding)
    top = same_padding(h, ph, sh)[0] if padding == "same" else 0
    left = same_padding(w, pw, sw)[0] if padding == "same" else 0
    y = np.empty((n, oh, ow, c))
    for i in range(oh):
        for j in range(ow):
            h0, w0 = i * sh - top, j * sw - left
            win = x[:, max(h0, 0):h0 + ph, max(w0, 0):w0 + pw].astype(np.float64)
            y[:, i, j] = win.max(axis=(1, 2)) if kind == "max" else win.mean(axis=(1, 2))
    return y


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_forward_matches_a_naive_tf_reference(kind, case):
    n, h, w, c, size, strides, padding = case
    x = _x(n, h, w, c, seed=9)
    y, _ = KINDS[kind][0](x, size, strides, padding)
    np.testing.assert_allclose(y, _naive(kind, x, size, strides, padding), atol=1e-6, rtol=0)


@pytest.mark.oracle
@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_forward_matches_keras_layer(kind, case):
    keras = pytest.importorskip("keras")
    n, h, w, c, size, strides, padding = case
    forward, _, name = KINDS[kind]
    if kind == "avg" and padding == "same" and _keras_torch_replicates(h, w, size, strides):
        pytest.skip("Keras's torch backend pads uneven 'same' avg-pooling by replication, unlike TF")
    x = _x(n, h, w, c)
    layer = getattr(keras.layers, name)(pool_size=size, strides=strides, padding=padding)
    expected = keras.ops.convert_to_numpy(layer(x))
    y, _ = forward(x, size, strides, padding)
    assert y.shape == expected.shape
    np.testing.assert_allclose(y, expected, atol=1e-6, rtol=0)


@pytest.mark.oracle
@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("case", [c for c in CASES if c[6] == "valid"],
                         ids=[i for c, i in zip(CASES, IDS) if c[6] == "valid"])
def test_valid_gradients_match_torch_autograd(kind, case):
    torch = pytest.importorskip("torch")
    n, h, w, c, size, strides, padding = case
    forward, backward, _ = KINDS[kind]
    x = _x(n, h, w, c, seed=1)
    y, ctx = forward(x, size, strides, padding)
    xt = torch.tensor(x).permute(0, 3, 1, 2).requires_grad_()
    op = torch.nn.functional.max_pool2d if kind == "max" else torch.nn.functional.avg_pool2d
    yt = op(xt, size, strides or size)
    np.testing.assert_allclose(y, yt.detach().permute(0, 2, 3, 1).numpy(), atol=1e-6, rtol=0)
    dy = _x(*y.shape, seed=2)
    yt.backward(torch.tensor(dy).permute(0, 3, 1, 2))
    np.testing.assert_allclose(backward(dy, ctx), xt.grad.permute(0, 2, 3, 1).numpy(), atol=1e-6, rtol=0)


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_gradients_match_central_differences_in_float64(kind, case):
    n, h, w, c, size, strides, padding = case
    forward, backward, _ = KINDS[kind]
    x = _x(1, h, w, 2, dtype=np.float64, seed=3)  # distinct values: no ties to straddle
    y, ctx = forward(x, size, strides, padding)
    assert y.dtype == np.float64
    dy = np.random.default_rng(4).standard_normal(y.shape)
    dx = backward(dy, ctx)
    numeric = np.empty_like(x)
    for idx in np.ndindex(x.shape):
        keep = x[idx]
        x[idx] = keep + 1e-6
        plus = np.sum(forward(x, size, strides, padding)[0] * dy)
        x[idx] = keep - 1e-6
        minus = np.sum(forward(x, size, strides, padding)[0] * dy)
        x[idx] = keep
        numeric[idx] = (plus - minus) / 2e-6
    np.testing.assert_allclose(dx, numeric, atol=1e-7, rtol=1e-6)


def test_max_pool_ties_send_the_gradient_to_the_first_maximum():
    x = np.zeros((1, 4, 4, 1), np.float32)
    x[0, 2:, 2:, 0] = [[5, 5], [5, 1]]  # tie in the last window
    x[0, 0, 1, 0] = x[0, 1, 0, 0] = 3  # tie in the first window: (0, 1) comes first
    y, ctx = pool.max_pool2d_forward(x, 2, None, "valid")
    np.testing.assert_array_equal(y[0, :, :, 0], [[3, 0], [0, 5]])
    dx = pool.max_pool2d_backward(np.ones_like(y), ctx)[0, :, :, 0]
    expected = np.zeros((4, 4), np.float32)
    expected[0, 1] = expected[2, 2] = 1
    expected[0, 2] = expected[2, 0] = 1  # all-zero windows: their first cell
    np.testing.assert_array_equal(dx, expected)


@pytest.mark.parametrize("h, w", [(6, 8), (7, 9), (5, 4)])
@pytest.mark.parametrize("gated", [False, True])
def test_2x2_backward_writes_what_the_scatter_would(h, w, gated):
    """The 2x2 stride-2 backward (each cell written once) against the general scatter, with
    ties, odd sizes (a last row and column outside every window) and a ReLU gate; dx's
    buffer starts dirty, as a layer's reused buffer does."""
    rng = np.random.default_rng(h * w)
    x = rng.integers(-2, 3, (3, h, w, 5)).astype(np.float32)  # many ties
    y, ctx = pool.max_pool2d_forward(x, 2, 2, "valid")
    assert ctx[2]
    dy = rng.standard_normal(y.shape).astype(np.float32)
    relu = np.maximum(y, 0) if gated else None
    fast = pool.max_pool2d_backward(dy, ctx, out=np.full(x.shape, np.nan, np.float32), relu_output=relu)
    general = pool.max_pool2d_backward(dy, (*ctx[:2], False), relu_output=relu)
    np.testing.assert_array_equal(fast, general)


def test_max_pool_overlapping_windows_accumulate_on_a_shared_maximum():
    x = np.zeros((1, 3, 3, 1), np.float32)
    x[0, 1, 1, 0] = 1  # the maximum of all four 2x2 windows (stride 1)
    y, ctx = pool.max_pool2d_forward(x, 2, 1, "valid")
    dx = pool.max_pool2d_backward(np.full_like(y, 2.0), ctx)
    assert dx[0, 1, 1, 0] == 8 and dx.sum() == 8


def test_max_pool_same_padding_ignores_padded_cells():
    x = -np.ones((1, 3, 3, 1), np.float32)  # all negative: a zero pad would win
    y, _ = pool.max_pool2d_forward(x, 2, 2, "same")
    np.testing.assert_array_equal(y, -np.ones((1, 2, 2, 1)))


def test_avg_pool_same_divides_by_the_real_cells():
    x = np.arange(9, dtype=np.float32).reshape(1, 3, 3, 1)
    y, ctx = pool.avg_pool2d_forward(x, 2, 2, "same")  # padding: one cell bottom/right
    np.testing.assert_allclose(y[0, :, :, 0], [[(0 + 1 + 3 + 4) / 4, (2 + 5) / 2], [(6 + 7) / 2, 8]])
    dx = pool.avg_pool2d_backward(np.ones_like(y), ctx)[0, :, :, 0]
    np.testing.assert_allclose(dx, [[0.25, 0.25, 0.5], [0.25, 0.25, 0.5], [0.5, 0.5, 1]])


@pytest.mark.parametrize("kind", ["avg", "max"])
def test_global_pooling_forward_and_backward(kind):
    x = _x(3, 5, 4, 6, seed=5)
    x[1, 3, 2, 0] = x[1, 0, 1, 0] = 10  # a tie: the first in (H, W) order gets the gradient
    forward = getattr(pool, f"global_{kind}_pool2d_forward")
    backward = getattr(pool, f"global_{kind}_pool2d_backward")
    y, ctx = forward(x)
    dy = np.random.default_rng(7).standard_normal((3, 6)).astype(np.float32)
    dx = backward(dy, ctx)
    assert dx.shape == x.shape and dx.dtype == np.float32
    if kind == "avg":
        np.testing.assert_allclose(y, x.mean(axis=(1, 2)), atol=1e-6)
        np.testing.assert_allclose(dx, np.broadcast_to(dy[:, None, None, :] / 20, x.shape), atol=1e-7)
    else:
        np.testing.assert_array_equal(y, x.max(axis=(1, 2)))
        assert dx[1, 0, 1, 0] == dy[1, 0] and dx[1, 3, 2, 0] == 0
        np.testing.assert_allclose(dx.sum(axis=(1, 2)), dy, atol=1e-6)


@pytest.mark.parametrize("kind", ["avg", "max"])
def test_global_pooling_of_a_large_batch_in_parts_into_given_buffers(kind):
    x = _x(64, 10, 10, 128, seed=9)  # above the size at which the images are split over the cores
    forward = getattr(pool, f"global_{kind}_pool2d_forward")
    backward = getattr(pool, f"global_{kind}_pool2d_backward")
    y_out, dx_out = np.empty((64, 128), np.float32), np.empty_like(x)
    y, ctx = forward(x, out=y_out)
    dy = np.random.default_rng(10).standard_normal((64, 128)).astype(np.float32)
    dx = backward(dy, ctx, out=dx_out)
    assert y is y_out and np.shares_memory(dx, dx_out)
    expected_y, expected_ctx = forward(x)
    np.testing.assert_array_equal(y, expected_y)
    np.testing.assert_array_equal(dx, backward(dy, expected_ctx))
    if kind == "avg":
        np.testing.assert_allclose(y, x.astype(np.float64).mean(axis=(1, 2)), atol=1e-6)


@pytest.mark.oracle
@pytest.mark.parametrize("kind", ["Average", "Max"])
def test_global_pooling_matches_keras(kind):
    keras = pytest.importorskip("keras")
    x = _x(2, 7, 6, 5, seed=8)
    expected = keras.ops.convert_to_numpy(getattr(keras.layers, f"Global{kind}Pooling2D")()(x))
    y, _ = getattr(pool, f"global_{'avg' if kind == 'Average' else 'max'}_pool2d_forward")(x)
    np.testing.assert_allclose(y, expected, atol=1e-6, rtol=0)
