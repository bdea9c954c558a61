"""The depthwise kernel's row loops (stride 1, depth_multiplier 1) against its per-pixel
loops, which every other stride and multiplier takes (kernels/depthwise.py), and the
layers built on it against PyTorch."""

import numpy as np
import pytest

from visualnet.engine.kernels.depthwise import DepthwiseKernel
from visualnet.engine.layers import LAYER_CLASSES
from visualnet.engine.runtime.split import layer_parallel

CASES = [  # (input shape, kernel (kh, kw), strides, dilation, padding)
    ((3, 9, 11, 5), (3, 3), (1, 1), (1, 1), "same"),
    ((2, 8, 8, 16), (3, 3), (1, 1), (1, 1), "valid"),
    ((2, 10, 12, 4), (3, 5), (1, 1), (2, 2), "same"),
    ((4, 7, 9, 3), (2, 4), (2, 1), (1, 1), "same"),   # stride along the height only: rows
    ((2, 1, 17, 6), (1, 5), (1, 1), (1, 3), "same"),  # the 1-D layers' one-row images
    ((5, 6, 6, 8), (1, 1), (1, 1), (1, 1), "valid"),
]


def _run(rows, x, kernel, strides, dilation, padding, dy, bias):
    work = DepthwiseKernel(rows=rows)
    seen = []
    y, ctx = work.forward(x, kernel, strides, dilation, padding, lambda lo, hi: seen.append((lo, hi)), bias=bias)
    assert sorted(seen)[0][0] == 0 and sorted(seen)[-1][1] == x.shape[0]
    dx, dkernel, _ = work.backward(ctx, lambda lo, hi: (dy[lo:hi], ()), True)
    return y.copy(), dx, dkernel, ctx.tiled is not None


@pytest.mark.parametrize("parallel", [False, True], ids=["one part", "parts and a bias"])
@pytest.mark.parametrize("shape, ksize, strides, dilation, padding", CASES)
def test_row_loops_equal_the_per_pixel_loops(shape, ksize, strides, dilation, padding, parallel):
    rng = np.random.default_rng(sum(shape))
    x = rng.standard_normal(shape, dtype=np.float32)
    kernel = rng.standard_normal((*ksize, shape[-1], 1), dtype=np.float32)
    probe, _ = DepthwiseKernel().forward(x, kernel, strides, dilation, padding, lambda lo, hi: None)
    dy = rng.standard_normal(probe.shape, dtype=np.float32)
    bias = rng.standard_normal(shape[-1], dtype=np.float32) if parallel else None
    if parallel:
        with layer_parallel() as lp:
            lp.set(2)
            fast = _run(True, x, kernel, strides, dilation, padding, dy, bias)
    else:
        fast = _run(True, x, kernel, strides, dilation, padding, dy, bias)
    slow = _run(False, x, kernel, strides, dilation, padding, dy, bias)
    assert fast[3] and not slow[3], "the row loops should take stride-1, multiplier-1 cases"
    for got, want in zip(fast[:3], slow[:3]):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5 * max(1.0, np.abs(want).max()))


@pytest.mark.parametrize("strides, multiplier", [((1, 2), 1), ((2, 2), 1), ((1, 1), 3)])
def test_other_strides_and_multipliers_take_the_per_pixel_loops(strides, multiplier):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 8, 8, 3), dtype=np.float32)
    kernel = rng.standard_normal((3, 3, 3, multiplier), dtype=np.float32)
    _, ctx = DepthwiseKernel().forward(x, kernel, strides, (1, 1), "same", lambda lo, hi: None)
    assert ctx.tiled is None


@pytest.mark.parametrize("layer_type, args", [("SeparableConv2D", (8, 3)), ("DepthwiseConv2D", (3,)),
                                              ("SeparableConv1D", (8, 3)), ("DepthwiseConv1D", (3,))])
def test_layers_on_the_row_loops_equal_torch(layer_type, args):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rank = 1 if layer_type.endswith("1D") else 2
    shape = (3, 12, 5) if rank == 1 else (3, 10, 9, 5)
    rng = np.random.default_rng(2)
    layer = LAYER_CLASSES[layer_type](*args, padding="same", dilation_rate=2)
    layer.build([(None, *shape[1:])])
    layer.set_weights([rng.standard_normal(w.shape).astype(np.float32) * 0.3 for w in layer.weight_specs])
    x = rng.standard_normal(shape, dtype=np.float32)
    y = layer.forward([x], training=True)
    dy = rng.standard_normal(y.shape, dtype=np.float32)
    dx = layer.backward(dy)[0]

    conv = F.conv1d if rank == 1 else F.conv2d
    to_first = (0, 2, 1) if rank == 1 else (0, 3, 1, 2)
    to_last = (0, 2, 1) if rank == 1 else (0, 2, 3, 1)
    kernel_axes = (1, 2, 0) if rank == 1 else (2, 3, 0, 1)     # (..., in, 1) -> (in, 1, ...)
    tw = [torch.tensor(w, requires_grad=True) for w in layer.get_weights()]
    tx = torch.tensor(x).permute(*to_first).requires_grad_()
    depthwise = tw[0].permute(*kernel_axes)
    c = shape[-1]
    out = conv(tx, depthwise, None if layer_type.startswith("Separable") else tw[1], padding="same", dilation=2,
               groups=c)
    if layer_type.startswith("Separable"):
        pointwise = tw[1].permute(*reversed(range(tw[1].dim())))   # (1.., in, out) -> (out, in, 1..)
        out = conv(out, pointwise, tw[2])
    out.backward(torch.tensor(dy).permute(*to_first))
    np.testing.assert_allclose(y, out.detach().permute(*to_last).numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(dx, tx.grad.permute(*to_last).numpy(), rtol=1e-4, atol=1e-4)
    for ours, theirs in zip(layer.grads.values(), tw):
        np.testing.assert_allclose(ours, theirs.grad.numpy(), rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("layer_type, args, padding", [("DepthwiseConv1D", (4,), "same"),     # padded unevenly
                                                       ("SeparableConv1D", (6, 3), "same"),
                                                       ("DepthwiseConv1D", (5,), "valid"),
                                                       ("SeparableConv2D", (6, (2, 3)), "same")])
def test_layers_on_the_row_loops_equal_the_per_pixel_loops(layer_type, args, padding):
    rng = np.random.default_rng(3)
    shape = (4, 13, 3) if layer_type.endswith("1D") else (4, 7, 9, 3)
    results = []
    for rows in (True, False):
        layer = LAYER_CLASSES[layer_type](*args, padding=padding, dilation_rate=2)
        layer.build([(None, *shape[1:])])
        layer.set_weights([np.random.default_rng(i).standard_normal(w.shape).astype(np.float32)
                           for i, w in enumerate(layer.weight_specs)])
        layer._work.rows = rows
        x = np.random.default_rng(9).standard_normal(shape, dtype=np.float32)
        y = layer.forward([x], training=True).copy()
        dx = layer.backward(np.random.default_rng(8).standard_normal(y.shape, dtype=np.float32))[0].copy()
        assert (layer._ctx.tiled is not None) == rows
        results.append((y, dx, *[g.copy() for g in layer.grads.values()]))
    for got, want in zip(*results):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5 * max(1.0, np.abs(want).max()))
