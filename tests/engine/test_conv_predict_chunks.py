"""Prediction's chunked im2col gives the same convolution as the one-piece path."""

import numpy as np
import pytest

from visualnet.engine.kernels import conv


@pytest.mark.parametrize("bias", [True, False])
def test_chunked_forward_equals_whole(monkeypatch, bias):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((7, 9, 8, 3)).astype(np.float32)
    k = rng.standard_normal((3, 2, 3, 5)).astype(np.float32)
    b = rng.standard_normal(5).astype(np.float32) if bias else None
    whole, _ = conv.Conv2DKernel().forward(x, k, b, (2, 1), "same")
    monkeypatch.setattr(conv, "_CHUNK_BYTES", 2 * 5 * 8 * 19 * 4)  # two images' cols per chunk
    work = conv.Conv2DKernel()
    chunked, ctx = work.forward(x, k, b, (2, 1), "same", keep_cols=False)
    np.testing.assert_allclose(chunked, whole, rtol=1e-6, atol=1e-6)
    # A backward after all still works: it rebuilds the cols it needs.
    dy = rng.standard_normal(chunked.shape).astype(np.float32)
    _, ref = conv.Conv2DKernel().forward(x, k, b, (2, 1), "same")
    for got, want in zip(work.backward(dy, ctx), ref.work.backward(dy, ref)):
        if want is not None:
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
