"""kernels.gemm: register-tiled products against NumPy's matmul, every tail and layout."""

import numpy as np
import pytest

from visualnet.engine.kernels import gemm

SHAPES = [  # (P, M, K, N): rows past a whole tile, 1-4 vectors per row, N past 64
    (1, 1, 1, 16), (3, 7, 5, 16), (2, 13, 9, 48), (36, 144, 32, 64), (2, 25, 17, 80),
    (4, 6, 3, 32), (2, 12, 64, 128), (1, 31, 40, 112), (5, 9, 300, 64),
]


def _rand(rng, shape):
    return rng.standard_normal(shape, dtype=np.float32)


def test_the_register_tiles_are_used_on_this_machine_when_it_has_avx512():
    """AVAILABLE follows the JIT target (a guard: these tests exercise the tiles only there)."""
    import numba

    assert gemm.AVAILABLE == (not numba.config.DISABLE_JIT and gemm._target_has_avx512())


@pytest.mark.parametrize("shape", SHAPES)
def test_product_matches_numpy(shape):
    p, m, k, n = shape
    rng = np.random.default_rng(m * 1000 + k)
    a, b = _rand(rng, (p, m, k)), _rand(rng, (p, k, n))
    out = np.full((p, m, n), np.nan, np.float32)
    assert gemm.matmul(a, b, out) is out
    np.testing.assert_allclose(out, np.matmul(a, b), rtol=1e-5, atol=1e-5 * np.sqrt(k))


@pytest.mark.parametrize("shape", SHAPES)
def test_transposed_a_accumulates(shape):
    """a as a transposed view (Winograd's V^T), added onto out (the weight gradient over chunks)."""
    p, m, k, n = shape
    rng = np.random.default_rng(7 + m)
    a = _rand(rng, (p, k, m)).transpose(0, 2, 1)
    b, start = _rand(rng, (p, k, n)), _rand(rng, (p, m, n))
    out = start.copy()
    gemm.matmul(a, b, out, accumulate=True)
    np.testing.assert_allclose(out, start + np.matmul(a, b), rtol=1e-5, atol=1e-5 * np.sqrt(k))


def test_views_into_larger_arrays_leave_the_rest_alone():
    """Row strides wider than the row (b and out as column slices of bigger arrays), and
    the rows after out's last (a last tile's extra rows are computed, never stored)."""
    rng = np.random.default_rng(3)
    a = _rand(rng, (2, 9, 8))
    big_b = _rand(rng, (2, 8, 80))
    big_out = np.zeros((2, 9, 96), np.float32)
    gemm.matmul(a, big_b[:, :, 16:48], big_out[:, :, 32:64])
    np.testing.assert_allclose(big_out[:, :, 32:64], np.matmul(a, big_b[:, :, 16:48]), rtol=1e-5, atol=1e-5)
    assert not big_out[:, :, :32].any() and not big_out[:, :, 64:].any()
    rows_out = np.zeros((2, 16, 32), np.float32)
    gemm.matmul(a, big_b[:, :, :32], rows_out[:, :9])
    np.testing.assert_allclose(rows_out[:, :9], np.matmul(a, big_b[:, :, :32]), rtol=1e-5, atol=1e-5)
    assert not rows_out[:, 9:].any()


@pytest.mark.parametrize("dtype,n", [(np.float32, 10), (np.float64, 32)])
def test_other_shapes_and_dtypes_take_numpys_path(dtype, n):
    rng = np.random.default_rng(5)
    a, b = rng.standard_normal((3, 5, 4)).astype(dtype), rng.standard_normal((3, 4, n)).astype(dtype)
    out, scratch = np.ones((3, 5, n), dtype), np.empty((3, 5, n), dtype)
    gemm.matmul(a, b, out, accumulate=True, scratch=scratch)
    np.testing.assert_allclose(out, 1 + np.matmul(a, b), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("m,k,n,accumulate", [(50, 784, 112, False), (13, 5, 80, True), (37, 1025, 80, False),
                                               (128, 128, 512, True)])
def test_products_that_pack_b_into_a_panel(m, k, n, accumulate):
    """Several tiles of rows over a b whose rows are wider than a block of columns (a slice
    of a 1,024-wide array): the first tile of each block copies it into a contiguous panel
    that the others read (k = 1,025 is past the panel's limit and reads b in place)."""
    rng = np.random.default_rng(m + k)
    a, start = _rand(rng, (m, k)), _rand(rng, (m, n))
    b = _rand(rng, (k, 1024))[:, 16:16 + n]
    out = start.copy()
    gemm.matmul(a[None], b[None], out[None], accumulate=accumulate)
    want = (start if accumulate else 0) + a @ b
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-5 * np.sqrt(k))
