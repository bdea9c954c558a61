"""Splitting a layer's batch over the cores (runtime/split.py): results, errors, OpenBLAS's
thread count, and convolutions that give the same answer in one part or several."""

import threading

import numpy as np
import pytest

import visualnet as vn
from visualnet.engine.runtime.blas import openblas
from visualnet.engine.runtime import split
from visualnet.engine.kernels.conv import Conv2DKernel


def _in_parts(parts, fn):
    with split.layer_parallel() as control:
        control.set(parts)
        return fn()


def test_bounds_are_contiguous_and_near_equal():
    assert split.bounds(10, 3) == [0, 3, 6, 10]
    assert split.bounds(2, 4) == [0, 1, 2]  # never more parts than items
    assert split.bounds(0, 2) == [0, 0]


def test_parts_run_in_other_threads_and_come_back_in_order():
    seen = []

    def part(lo, hi, i):
        seen.append(threading.get_ident())
        return (lo, hi, i)

    assert split.split(9, part, parts=3) == [(0, 3, 0), (3, 6, 1), (6, 9, 2)]
    assert threading.get_ident() in seen and len(set(seen)) > 1


def test_an_error_in_any_part_is_raised_after_all_parts_finish():
    finished = []

    def part(lo, hi, i):
        if i == 1:
            raise ValueError(f"bad part {i}")
        finished.append(i)

    with pytest.raises(ValueError, match="bad part 1"):
        split.split(4, part, parts=2)
    assert finished == [0]


@pytest.mark.skipif(openblas().get is None, reason="NumPy's BLAS is not OpenBLAS")
def test_openblas_is_single_threaded_while_parts_run_and_restored_after():
    lib = openblas()
    before = lib.get()
    during = split.split(2, lambda lo, hi, i: lib.get(), parts=2)
    assert during == [1, 1]
    assert lib.get() == before
    with split.layer_parallel() as control:
        assert lib.get() == 1
        assert control.get() == max(1, min(before, split.os.cpu_count()))
        control.set(1)
        assert split.parts_available() == 1
        split.split(4, lambda lo, hi, i: None)
        assert lib.get() == 1  # a split inside keeps OpenBLAS at one thread
    assert lib.get() == before


@pytest.mark.parametrize("c, strides", [(16, (1, 1)), (3, (1, 1)), (5, (2, 1))], ids=["winograd", "im2col", "strided"])
def test_one_part_and_three_parts_agree(c, strides):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((7, 11, 9, c)).astype(np.float32)
    k = (rng.standard_normal((3, 3, c, 6)) / np.sqrt(9 * c)).astype(np.float32)
    b = rng.standard_normal(6).astype(np.float32)
    results = []
    for parts in (1, 3):
        work = Conv2DKernel()

        def run():
            y, ctx = work.forward(x, k, b, strides, "same")
            dy = np.random.default_rng(1).standard_normal(y.shape).astype(np.float32)
            return (y.copy(), *work.backward(dy, ctx))

        results.append(_in_parts(parts, run))
    for one, three in zip(*results):  # only the order of the weight gradients' sums differs
        np.testing.assert_allclose(three, one, rtol=0, atol=5e-6 * np.abs(one).max())


@pytest.mark.skipif(openblas().get is None, reason="NumPy's BLAS is not OpenBLAS")
def test_fit_and_predict_of_a_cnn_leave_openblas_as_they_found_it():
    lib = openblas()
    before = lib.get()
    model = vn.Sequential([vn.Input((8, 8, 1)), vn.layers.Conv2D(16, 3, activation="relu"),
                           vn.layers.Conv2D(16, 3), vn.layers.Flatten(), vn.layers.Dense(2, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    x = np.random.default_rng(0).random((40, 8, 8, 1)).astype(np.float32)
    y = np.arange(40) % 2
    model.fit(x, y, batch_size=8, epochs=2, verbose=0, validation_split=0.25)
    model.predict(x, verbose=0)
    assert lib.get() == before


def test_pooling_and_dense_products_agree_in_one_part_and_three(monkeypatch):
    from visualnet.engine.kernels import dense, pool

    monkeypatch.setattr(split, "_MIN_SPLIT_ELEMENTS", 0)
    monkeypatch.setattr(dense, "_MIN_SPLIT_MACS", 0)
    rng = np.random.default_rng(2)
    x = rng.standard_normal((7, 9, 8, 3)).astype(np.float32)
    a, b = rng.standard_normal((11, 5)).astype(np.float32), rng.standard_normal((5, 4)).astype(np.float32)
    dz = rng.standard_normal((11, 4)).astype(np.float32)
    b32, dz32 = rng.standard_normal((5, 32)).astype(np.float32), rng.standard_normal((11, 32)).astype(np.float32)
    b48 = rng.standard_normal((5, 48)).astype(np.float32)

    def run():
        y, ctx = pool.max_pool2d_forward(x, 2, 2, "same")
        dx = pool.max_pool2d_backward(np.ones_like(y), ctx, relu_output=np.maximum(y, 0))
        ya, actx = pool.avg_pool2d_forward(x, 3, 2, "valid")
        dxa = pool.avg_pool2d_backward(np.ones_like(ya), actx)
        return (y, dx, ya, dxa, dense.matmul(a, b, np.empty((11, 4), np.float32)),
                dense.matmul_tn(a, dz, np.empty((5, 4), np.float32)),  # NumPy's path (4 columns)
                dense.matmul(a, b32, np.empty((11, 32), np.float32)),  # kernels.gemm's tiles (with AVX-512)
                dense.matmul_tn(a, dz32, np.empty((5, 32), np.float32)),
                dense.matmul(a[:3], b48, np.empty((3, 48), np.float32)),  # fewer rows: by blocks of columns
                dense.matmul(a[:3], b48, np.empty((3, 48), np.float32),  # ... or by the inner dimension
                             np.full((dense.partial_sums(3, 5, 48), 3, 48), np.nan, np.float32)))

    for one, three in zip(_in_parts(1, run), _in_parts(3, run)):
        np.testing.assert_allclose(three, one, rtol=1e-5, atol=1e-5)
    got = _in_parts(3, run)
    for i, want in ((5, a.T @ dz), (6, a @ b32), (7, a.T @ dz32), (8, a[:3] @ b48), (9, a[:3] @ b48)):
        np.testing.assert_allclose(got[i], want, rtol=1e-5, atol=1e-5)


def test_dense_models_run_in_parts_only_with_gemm_and_a_large_kernel(monkeypatch):
    import visualnet as vn
    from visualnet.engine.kernels import gemm

    def splits(inputs, units):
        model = vn.Sequential([vn.layers.Input((inputs,)), vn.layers.Dense(units)])
        return model.layers[0].splits_batch

    monkeypatch.setattr(gemm, "AVAILABLE", True)
    assert splits(784, 512) and not splits(8, 10)
    monkeypatch.setattr(gemm, "AVAILABLE", False)
    assert not splits(784, 512)


def test_each_thread_has_its_own_parts():
    seen = {}

    def other():
        seen["other"] = split.layer_parts()

    with split.layer_parallel() as control:
        control.set(3)
        t = threading.Thread(target=other)
        t.start()
        t.join()
        assert split.layer_parts() == 3
    assert seen["other"] is None and split.layer_parts() is None
