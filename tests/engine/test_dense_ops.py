"""kernels/dense.py's routes to the register tiles for a narrow output layer's products."""

import numpy as np
import pytest

from visualnet.engine.kernels import dense, gemm


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_narrow_layers_gradients_match_numpy_and_use_the_tiles(monkeypatch, dtype):
    """The input gradient through a transposed 10-unit kernel (copied so that its rows are
    contiguous) and the weight gradient of 10 units (computed as its transpose)."""
    calls = []
    real = gemm.matmul_2d
    monkeypatch.setattr(gemm, "matmul_2d",
                        lambda a, b, out: calls.append(gemm.tiles_apply(a, b, out)) or real(a, b, out))
    rng = np.random.default_rng(0)
    h, kernel, dz = (rng.standard_normal(s).astype(dtype) for s in ((37, 48), (48, 10), (37, 10)))
    dx, dw = np.full((37, 48), np.nan, dtype), np.full((48, 10), np.nan, dtype)
    dense.matmul(dz, kernel.T, dx)
    dense.matmul_tn(h, dz, dw)
    np.testing.assert_allclose(dx, dz @ kernel.T, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(dw, h.T @ dz, rtol=1e-5, atol=1e-5)
    assert calls == [gemm.AVAILABLE and dtype == np.float32] * 2
