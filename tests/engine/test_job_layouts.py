"""Compiled jobs' slot layouts (runtime/jobs.py `layout`): every declared layout stays below
the floating-point mode's slot, every module with a job declares one, and for one job of each
kind a fill followed by its job computes what NumPy does (the fill and the body read the same
declaration, so a drift between them shows here as a wrong result)."""

import ctypes
from pathlib import Path

import numpy as np
import pytest

from visualnet.engine import activations, losses, metrics, optimizers
from visualnet.engine.kernels import dense, gemm
from visualnet.engine.runtime import gather, jobs

ENGINE = Path(jobs.__file__).resolve().parents[1]
SENTINEL = -12345


def test_every_layout_fits_below_the_mode_slot():
    assert {"gemm_tiles", "gemm_padded", "gemm_copy", "dense_add", "gather", "metric_count", "activation",
            "optimizer", "loss"} <= set(jobs.LAYOUTS)
    for name, (layout, end) in jobs.LAYOUTS.items():
        assert list(layout) == list(range(1, len(layout) + 1)), name  # one slot each, in declared order
        assert max(layout) < end <= jobs.FLUSH < jobs.SLOTS, name


def test_a_layout_reaching_the_mode_slot_is_refused():
    with pytest.raises(ValueError, match="below FLUSH"):
        jobs.layout("too_long", *(f"f{i}" for i in range(jobs.FLUSH)))
    with pytest.raises(ValueError, match="below FLUSH"):
        jobs.layout("too_many_groups", "a", repeat=("x", "y"), times=jobs.FLUSH // 2)
    assert "too_long" not in jobs.LAYOUTS and "too_many_groups" not in jobs.LAYOUTS
    with pytest.raises(ValueError, match="already declared"):
        jobs.layout("gemm_copy", "src", "dst")
    assert jobs.layout("gemm_copy", *gemm.COPY_SLOTS._fields) == gemm.COPY_SLOTS  # a reload re-declares it


def test_every_module_with_a_job_declares_its_layout():
    for path in ENGINE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if "carray(slots_pointer" in text:
            assert "jobs.layout(" in text, f"{path} reads a job's slots without a declared layout"


def slots():
    s = np.full(jobs.SLOTS, SENTINEL, np.int64)
    s[0] = 0
    return s


def run(s, name):
    """Check the fill wrote a job and nothing past its layout, then run it as a worker would."""
    _, end = jobs.LAYOUTS[name]
    assert s[0] != 0, f"{name}: no compiled job written"
    assert (s[end:] == SENTINEL).all(), f"{name}: the fill wrote past its layout: {s}"
    ctypes.CFUNCTYPE(None, ctypes.c_void_p)(int(s[0]))(s.ctypes.data)


def rand(*shape, seed=0):
    return np.random.default_rng(seed + len(shape)).standard_normal(shape).astype(np.float32)


@pytest.mark.skipif(not gemm.AVAILABLE, reason="the register tiles need AVX-512")
def test_gemm_tiles_job():
    a, b = rand(12, 9).T, rand(12, 32, seed=1)  # a transposed view: its strides go through the slots
    c = np.zeros((9, 32), np.float32)
    s = slots()
    gemm.fill_2d(s, a, b, c)
    run(s, "gemm_tiles")
    np.testing.assert_allclose(c, a @ b, rtol=1e-5, atol=1e-5)


@pytest.mark.skipif(not gemm.AVAILABLE, reason="the register tiles need AVX-512")
def test_gemm_padded_job():
    a, b, c = rand(7, 11), rand(11, 9, seed=1), np.zeros((7, 9), np.float32)
    s = slots()
    gemm.fill_padded(s, a, b, c)
    run(s, "gemm_padded")
    np.testing.assert_allclose(c, a @ b, rtol=1e-5, atol=1e-5)


def test_gemm_copy_job():
    src = rand(6, 5).T  # strided source
    dst = np.zeros((5, 6), np.float32)
    s = slots()
    gemm.fill_copy(s, src, dst)
    run(s, "gemm_copy")
    np.testing.assert_array_equal(dst, src)


def test_dense_add_job():
    out, p = rand(4, 6), rand(4, 6, seed=1)
    expected = out + p
    s = slots()
    dense.fill_add(s, out, p)
    run(s, "dense_add")
    np.testing.assert_array_equal(out, expected)


def test_gather_job_with_every_array():
    sources = [rand(50, 3), rand(50, 2, 2, seed=1), np.arange(50, dtype=np.int64)]
    outs = [np.zeros((8,) + x.shape[1:], x.dtype) for x in sources]
    idx = np.array([3, 49, 0, 7, 7, 21], np.int64)
    s = slots()
    gather.Ahead(sources, outs).fill(s, idx, len(idx))
    run(s, "gather")
    for src, out in zip(sources, outs):
        np.testing.assert_array_equal(out[:len(idx)], src[idx])
        assert not out[len(idx):].any()


def test_metric_count_job():
    p = rand(20, 4)
    t = np.eye(4, dtype=np.float32)[np.random.default_rng(3).integers(0, 4, 20)]
    out = np.zeros(1, np.float64)
    s = slots()
    metrics.fast_update(metrics.CategoricalAccuracy(), False).fill(s, t, p, out)
    run(s, "metric_count")
    assert out[0] == (p.argmax(1) == t.argmax(1)).sum()


def test_activation_job():
    z, bias = rand(5, 8), rand(8, seed=1)
    expected = np.maximum(z + bias, 0)
    s = slots()
    activations.get("relu").fill_bias_forward(s, z, bias, z)
    run(s, "activation")
    np.testing.assert_allclose(z, expected, rtol=1e-6)


def test_optimizer_job_on_a_part():
    opt = optimizers.SGD(learning_rate=0.25)
    opt.build([40])
    params, grads = rand(40), rand(40, seed=1)
    expected = params.copy()
    expected[10:30] -= np.float32(0.25) * grads[10:30]
    opt.begin_step(params, grads)
    s = slots()
    opt.fill(s, 10, 30)
    run(s, "optimizer")
    np.testing.assert_allclose(params, expected, rtol=1e-6)


def test_loss_job():
    z = rand(6, 5)
    y = np.exp(z - z.max(1, keepdims=True))
    y /= y.sum(1, keepdims=True)  # the softmax output the job reads
    t = np.eye(5, dtype=np.float32)[[0, 4, 2, 2, 1, 3]]
    kernel = losses.CategoricalCrossentropy().fused_kernel("softmax", y.shape)
    dz = np.zeros_like(y)
    scalars = np.array([kernel.scale(len(y)), 0], np.float32)
    s = slots()
    kernel.fill(s, t, y, dz, scalars)
    run(s, "loss")
    np.testing.assert_allclose(dz, (y - t) / len(y), rtol=1e-4, atol=1e-6)  # dL/dz of softmax + crossentropy
    assert kernel.reduce(scalars[1], scalars[0]) == pytest.approx(-np.log((y * t).sum(1)).mean(), rel=1e-5)
