"""`visualnet.ops`: every op's forward against `keras.ops` on random inputs, and its
tape gradient against central differences (gradcheck.py)."""

import numpy as np
import pytest

from visualnet import ops
from visualnet.engine.tape import Tape, TapeTensor

from .gradcheck import numeric_grad

keras = pytest.importorskip("keras")
K = keras.ops

# (id, function of (ops module, *tensors), input shapes, input kind: "any" or "pos")
CASES = [
    ("add", lambda o, a, b: o.add(a, b), [(3, 4), (4,)], "any"),
    ("subtract", lambda o, a, b: o.subtract(a, b), [(3, 1), (3, 4)], "any"),
    ("multiply", lambda o, a, b: o.multiply(a, b), [(2, 3), (2, 3)], "any"),
    ("divide", lambda o, a, b: o.divide(a, b), [(2, 3), (3,)], "pos"),
    ("power", lambda o, a, b: o.power(a, b), [(2, 3), (2, 3)], "pos"),
    ("operators", lambda o, a, b: (-a + b * 2.0 - a / b) ** 2 + 1.0 - b, [(2, 3), (2, 3)], "pos"),
    ("matmul", lambda o, a, b: o.matmul(a, b), [(3, 4), (4, 2)], "any"),
    ("matmul_batched", lambda o, a, b: o.matmul(a, b), [(2, 3, 4), (4, 5)], "any"),
    ("matmul_vector", lambda o, a, b: o.matmul(a, b), [(2, 3, 4), (4,)], "any"),
    ("matmul_operator", lambda o, a, b: a @ b, [(3, 4), (4, 2)], "any"),
    ("matmul_tiles", lambda o, a, b: o.matmul(a, b), [(5, 8), (8, 32)], "any"),   # the engine's GEMM tiles
    ("matmul_tiles_batched", lambda o, a, b: o.matmul(a, b), [(2, 3, 8), (8, 16)], "any"),
    ("dot", lambda o, a, b: o.dot(a, b), [(3, 4), (4, 2)], "any"),
    ("dot_nd", lambda o, a, b: o.dot(a, b), [(2, 3, 4), (4, 2)], "any"),
    ("einsum_matmul", lambda o, a, b: o.einsum("ij,jk->ik", a, b), [(3, 4), (4, 2)], "any"),
    ("einsum_batch", lambda o, a, b: o.einsum("bij,bjk->bik", a, b), [(2, 3, 4), (2, 4, 2)], "any"),
    ("einsum_attention", lambda o, a, b: o.einsum("bqd,bkd->bqk", a, b), [(2, 3, 4), (2, 5, 4)], "any"),
    ("einsum_sum_only", lambda o, a, b: o.einsum("ij,k->ik", a, b), [(3, 4), (2,)], "any"),
    ("einsum_implicit", lambda o, a, b: o.einsum("ij,jk", a, b), [(3, 4), (4, 2)], "any"),
    ("sum", lambda o, a: o.sum(a, axis=1), [(3, 4, 2)], "any"),
    ("sum_keepdims", lambda o, a: o.sum(a, axis=(0, 2), keepdims=True), [(3, 4, 2)], "any"),
    ("sum_all", lambda o, a: o.sum(a), [(3, 4)], "any"),
    ("mean", lambda o, a: o.mean(a, axis=-1), [(3, 4)], "any"),
    ("mean_keepdims", lambda o, a: o.mean(a, axis=0, keepdims=True), [(3, 4)], "any"),
    ("max", lambda o, a: o.max(a, axis=1), [(3, 4)], "any"),
    ("min_keepdims", lambda o, a: o.min(a, axis=-1, keepdims=True), [(3, 4)], "any"),
    ("max_all", lambda o, a: o.max(a), [(3, 4)], "any"),
    ("prod", lambda o, a: o.prod(a, axis=1), [(3, 4)], "any"),
    ("prod_all", lambda o, a: o.prod(a), [(2, 3)], "any"),
    ("std", lambda o, a: o.std(a, axis=1), [(3, 5)], "any"),
    ("var_keepdims", lambda o, a: o.var(a, axis=0, keepdims=True), [(4, 3)], "any"),
    ("logsumexp", lambda o, a: o.logsumexp(a, axis=-1), [(3, 4)], "any"),
    ("exp", lambda o, a: o.exp(a), [(3, 4)], "any"),
    ("log", lambda o, a: o.log(a), [(3, 4)], "pos"),
    ("log1p", lambda o, a: o.log1p(a), [(3, 4)], "pos"),
    ("sqrt", lambda o, a: o.sqrt(a), [(3, 4)], "pos"),
    ("square", lambda o, a: o.square(a), [(3, 4)], "any"),
    ("abs", lambda o, a: o.abs(a), [(3, 4)], "any"),
    ("tanh", lambda o, a: o.tanh(a), [(3, 4)], "any"),
    ("sigmoid", lambda o, a: o.sigmoid(a), [(3, 4)], "any"),
    ("relu", lambda o, a: o.relu(a), [(3, 4)], "any"),
    ("softplus", lambda o, a: o.softplus(a), [(3, 4)], "any"),
    ("softmax", lambda o, a: o.softmax(a), [(3, 4)], "any"),
    ("softmax_axis0", lambda o, a: o.softmax(a, axis=0), [(3, 4)], "any"),
    ("log_softmax", lambda o, a: o.log_softmax(a), [(3, 4)], "any"),
    ("maximum", lambda o, a, b: o.maximum(a, b), [(3, 4), (4,)], "any"),
    ("minimum", lambda o, a, b: o.minimum(a, b), [(3, 4), (3, 4)], "any"),
    ("clip", lambda o, a: o.clip(a, -0.5, 0.5), [(3, 4)], "any"),
    ("where", lambda o, a, b: o.where(o.greater(a, 0.0), a, b), [(3, 4), (3, 4)], "any"),
    ("reshape", lambda o, a: o.reshape(a, (4, -1)), [(2, 3, 2)], "any"),
    ("transpose", lambda o, a: o.transpose(a, (2, 0, 1)), [(2, 3, 4)], "any"),
    ("transpose_default", lambda o, a: o.transpose(a), [(2, 3)], "any"),
    ("expand_dims", lambda o, a: o.expand_dims(a, 1), [(2, 3)], "any"),
    ("squeeze", lambda o, a: o.squeeze(a, axis=1), [(2, 1, 3)], "any"),
    ("concatenate", lambda o, a, b: o.concatenate([a, b], axis=1), [(2, 3), (2, 2)], "any"),
    ("concatenate_default", lambda o, a, b: o.concatenate([a, b]), [(2, 3), (1, 3)], "any"),
    ("stack", lambda o, a, b: o.stack([a, b], axis=1), [(2, 3), (2, 3)], "any"),
    ("split", lambda o, a: o.split(a, 2, axis=1)[1] * 2.0 + o.split(a, 2, axis=1)[0], [(2, 4)], "any"),
    ("take", lambda o, a: o.take(a, np.array([2, 0, 2]), axis=1), [(2, 3)], "any"),
    ("take_flat", lambda o, a: o.take(a, np.array([[1, 5], [5, 0]])), [(2, 3)], "any"),
    ("getitem", lambda o, a: a[:, 1:3], [(3, 4)], "any"),
    ("getitem_fancy", lambda o, a: a[np.array([0, 2, 0])], [(3, 4)], "any"),
    ("getitem_int", lambda o, a: a[..., 1], [(3, 4, 2)], "any"),
    ("cast", lambda o, a: o.cast(a, "float32") * 3.0, [(3, 4)], "any"),
    ("ones_like", lambda o, a: a * o.ones_like(a) + o.zeros_like(a), [(3,)], "any"),
    ("broadcast_to", lambda o, a: o.broadcast_to(a, (2, 3, 4)), [(3, 1)], "any"),
    ("tile", lambda o, a: o.tile(a, (2, 1, 3)), [(2, 3)], "any"),
    ("repeat", lambda o, a: o.repeat(a, 3, axis=1), [(2, 3)], "any"),
    ("repeat_flat", lambda o, a: o.repeat(a, 2), [(2, 3)], "any"),
    ("pad", lambda o, a: o.pad(a, ((1, 0), (2, 1))), [(2, 3)], "any"),
    ("cumsum", lambda o, a: o.cumsum(a, axis=1), [(2, 4)], "any"),
    ("cumsum_flat", lambda o, a: o.cumsum(a), [(2, 3)], "any"),
    ("flip", lambda o, a: o.flip(a, axis=0), [(3, 2)], "any"),
    ("expm1", lambda o, a: o.expm1(a), [(3, 4)], "any"),
    ("leaky_relu", lambda o, a: o.leaky_relu(a), [(3, 4)], "any"),
    ("gelu", lambda o, a: o.gelu(a), [(3, 4)], "any"),
    ("gelu_exact", lambda o, a: o.gelu(a, approximate=False), [(3, 4)], "any"),
    ("silu", lambda o, a: o.silu(a), [(3, 4)], "any"),
    ("elu", lambda o, a: o.elu(a, alpha=0.5), [(3, 4)], "any"),
    *[(f"activations.{name}", (lambda o, a, name=name: getattr(_activations(o), name)(a)), [(3, 4)], "any")
      for name in ("relu", "sigmoid", "tanh", "softmax", "gelu", "elu", "selu", "softplus", "silu", "log_softmax",
                   "leaky_relu")],
]


def _activations(o):
    """`keras.activations` beside `keras.ops`, ours beside ours."""
    import visualnet.activations

    return visualnet.activations if o is ops else keras.activations


def _inputs(shapes, kind, seed):
    rng = np.random.default_rng(seed)
    if kind == "pos":
        return [rng.uniform(0.5, 2.0, s).astype(np.float32) for s in shapes]
    return [rng.normal(size=s).astype(np.float32) for s in shapes]


@pytest.mark.parametrize("fn,shapes,kind", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_forward_matches_keras(fn, shapes, kind):
    xs = _inputs(shapes, kind, 0)
    ours = ops.convert_to_numpy(fn(ops, *xs))
    theirs = K.convert_to_numpy(fn(K, *[K.convert_to_tensor(x) for x in xs]))
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("fn,shapes,kind", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_gradient_matches_finite_differences(fn, shapes, kind):
    xs = _inputs(shapes, kind, 1)
    weights = np.random.default_rng(2).normal(size=np.shape(fn(ops, *xs))).astype(np.float32)

    def scalar(*values):
        return float(np.sum(np.asarray(fn(ops, *values), np.float64) * weights))

    with Tape() as tape:
        leaves = [tape.watch(x) for x in xs]
        out = fn(ops, *leaves)
        assert isinstance(out, TapeTensor) and out.tracked
        tape.gradients([out], [weights])
    for i, x in enumerate(xs):
        def f(v, i=i):
            return scalar(*[v if j == i else xs[j] for j in range(len(xs))])
        expected = numeric_grad(f, x, eps=1e-3)
        got = np.zeros_like(x) if leaves[i].grad is None else leaves[i].grad
        np.testing.assert_allclose(got, expected, rtol=2e-2, atol=2e-2, err_msg=f"input {i}")


def test_eager_results_are_tensors_with_numpy():
    y = ops.matmul(np.ones((2, 3), np.float32), np.ones((3, 1), np.float32))
    assert y.numpy().tolist() == [[3.0], [3.0]]
    assert ops.shape(y) == (2, 1)


def test_ops_outside_a_tape_are_untracked():
    y = ops.exp(np.zeros(3, np.float32))
    assert not isinstance(y, TapeTensor)


def test_random_draws_from_the_global_generator():
    from visualnet import random
    from visualnet.engine.rng import set_seed

    set_seed(3)
    a = random.normal((2, 3))
    set_seed(3)
    b = random.normal((2, 3))
    np.testing.assert_array_equal(a, b)
    u = random.uniform((100,), minval=2.0, maxval=3.0)
    assert u.min() >= 2.0 and u.max() < 3.0 and u.dtype == np.float32


def test_einsum_with_ellipsis_is_refused():
    with pytest.raises(ValueError, match="ellipsis"):
        ops.einsum("...ij,jk->...ik", np.ones((2, 3)), np.ones((3, 4)))


def test_stop_gradient_blocks_the_gradient():
    a, b = np.arange(3, dtype=np.float32), np.ones(3, np.float32)
    with Tape() as tape:
        ta, tb = tape.watch(a), tape.watch(b)
        out = ops.stop_gradient(ta) * tb
        tape.gradients([out], [np.ones(3, np.float32)])
    assert ta.grad is None
    np.testing.assert_array_equal(tb.grad, a)
