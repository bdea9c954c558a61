"""The depthwise kernel's fast loops at depth_multiplier 1 and stride 1 along the width:
the register runs (float32, stride 1; kernels/depthwise_runs.py) and the row loops, against
its per-pixel loops, which every other stride and multiplier takes (kernels/depthwise.py);
the runs compiled for AVX2 alone; and the layers built on it against PyTorch."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from visualnet.engine.kernels import depthwise_runs
from visualnet.engine.kernels.depthwise import RUN_ROWS, SPLIT_WORK, DepthwiseKernel
from visualnet.engine.layers import LAYER_CLASSES
from visualnet.engine.runtime.split import layer_parallel, parts_available

from .test_conv_family import _pair as keras_pair

CASES = [  # (input shape, kernel (kh, kw), strides, dilation, padding)
    ((3, 9, 11, 5), (3, 3), (1, 1), (1, 1), "same"),   # rows of 55 floats: a column of runs, then the rest
    ((2, 8, 8, 16), (3, 3), (1, 1), (1, 1), "valid"),  # no padding: the runs read the input itself
    ((2, 10, 12, 4), (3, 5), (1, 1), (2, 2), "same"),  # 15 taps: more than the registers hold
    ((4, 7, 9, 3), (2, 4), (2, 1), (1, 1), "same"),   # stride along the height only: rows
    ((2, 1, 17, 6), (1, 5), (1, 1), (1, 3), "same"),  # the 1-D layers' one-row images
    ((5, 6, 6, 8), (1, 1), (1, 1), (1, 1), "valid"),
    ((2, 6, 9, 32), (2, 2), (1, 1), (1, 1), "same"),  # an even kernel: padded after only
    ((3, 5, 7, 7), (3, 3), (1, 1), (1, 1), "same"),   # rows of 49 floats: runs of 16 and a scalar rest
]
MODES = {"runs": dict(rows=True, runs=True), "rows": dict(rows=True, runs=False),
         "per-pixel": dict(rows=False, runs=False)}


def _run(mode, x, kernel, strides, dilation, padding, dy, bias):
    work = DepthwiseKernel(**MODES[mode])
    seen = []
    y, ctx = work.forward(x, kernel, strides, dilation, padding, lambda lo, hi: seen.append((lo, hi)), bias=bias)
    assert sorted(seen)[0][0] == 0 and sorted(seen)[-1][1] == x.shape[0]
    dx, dkernel, _, dbias = work.backward(ctx, lambda lo, hi: (dy[lo:hi], ()), True, bias_grad=True)
    _, dkernel_alone, _, none = work.backward(ctx, lambda lo, hi: (dy[lo:hi], ()), False)
    assert none is None
    np.testing.assert_allclose(dkernel_alone, dkernel, rtol=1e-6, atol=1e-6)
    return (y.copy(), dx, dkernel, dbias), ctx


@pytest.mark.parametrize("parallel", [False, True], ids=["one part", "parts and a bias"])
@pytest.mark.parametrize("shape, ksize, strides, dilation, padding", CASES)
@pytest.mark.parametrize("mode", ["runs", "rows"])
def test_fast_loops_equal_the_per_pixel_loops(mode, shape, ksize, strides, dilation, padding, parallel):
    rng = np.random.default_rng(sum(shape))
    x = rng.standard_normal(shape, dtype=np.float32)
    kernel = rng.standard_normal((*ksize, shape[-1], 1), dtype=np.float32)
    probe, _ = DepthwiseKernel().forward(x, kernel, strides, dilation, padding, lambda lo, hi: None)
    dy = rng.standard_normal(probe.shape, dtype=np.float32)
    bias = rng.standard_normal(shape[-1], dtype=np.float32) if parallel else None
    if parallel:
        with layer_parallel() as lp:
            lp.set(2)
            fast, ctx = _run(mode, x, kernel, strides, dilation, padding, dy, bias)
    else:
        fast, ctx = _run(mode, x, kernel, strides, dilation, padding, dy, bias)
    slow, slow_ctx = _run("per-pixel", x, kernel, strides, dilation, padding, dy, bias)
    assert ctx.tiled is not None and slow_ctx.tiled is None, "the fast loops should take multiplier-1 cases"
    assert ctx.runs == (mode == "runs" and strides == (1, 1) and probe.shape[1] >= RUN_ROWS
                        and depthwise_runs.AVAILABLE)
    np.testing.assert_allclose(fast[3], dy.sum(axis=(0, 1, 2)), rtol=1e-5, atol=1e-4)
    for got, want in zip(fast, slow):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5 * max(1.0, np.abs(want).max()))


def test_float64_takes_the_row_loops():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 6, 7, 3))
    kernel = rng.standard_normal((3, 3, 3, 1))
    dy = rng.standard_normal(x.shape)
    fast, ctx = _run("runs", x, kernel, (1, 1), (1, 1), "same", dy, None)
    slow, _ = _run("per-pixel", x, kernel, (1, 1), (1, 1), "same", dy, None)
    assert ctx.tiled is not None and not ctx.runs and fast[0].dtype == np.float64
    for got, want in zip(fast, slow):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


_AVX2_CHILD = """
import json, sys
import numpy as np
from visualnet.engine.kernels import depthwise_runs
from visualnet.engine.kernels.depthwise import DepthwiseKernel
x, kernel, bias, dy = (np.asarray(a, np.float32) for a in json.loads(sys.stdin.read()))
work = DepthwiseKernel()
y, ctx = work.forward(x, kernel, (1, 1), (1, 1), "same", lambda lo, hi: None, bias=bias)
dx, dkernel, _, dbias = work.backward(ctx, lambda lo, hi: (dy[lo:hi], ()), True, bias_grad=True)
print(json.dumps([depthwise_runs.COLUMN_LANES, bool(ctx.runs), y.tolist(), dx.tolist(), dkernel.tolist(),
                  dbias.tolist()]))
"""


@pytest.mark.slow
@pytest.mark.skipif(not depthwise_runs.AVAILABLE, reason="the register runs need the JIT")
def test_runs_compiled_for_avx2_alone_equal_the_per_pixel_loops(tmp_path):
    """A machine without AVX-512 (Numba told the CPU is a Haswell without AVX-512, in a
    fresh process and cache) takes the runs on 8-float columns, with the same results."""
    from llvmlite import binding
    features = ",".join(f"-{f[1:]}" if f.startswith("+avx512") else f
                        for f in binding.get_host_cpu_features().flatten().split(","))
    rng = np.random.default_rng(5)
    x = rng.standard_normal((3, 9, 10, 24), dtype=np.float32)   # rows of 240 floats: 30 columns of 8
    kernel = rng.standard_normal((3, 3, 24, 1), dtype=np.float32)
    bias = rng.standard_normal(24, dtype=np.float32)
    dy = rng.standard_normal(x.shape, dtype=np.float32)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, NUMBA_CPU_NAME="haswell", NUMBA_CPU_FEATURES=features, NUMBA_CACHE_DIR=str(tmp_path),
               PYTHONPATH=root)
    child = subprocess.run([sys.executable, "-c", _AVX2_CHILD], input=json.dumps([a.tolist() for a in
                                                                                 (x, kernel, bias, dy)]),
                           capture_output=True, text=True, env=env, check=True)
    lanes, runs, *got = json.loads(child.stdout)
    assert lanes == 8 and runs
    slow, _ = _run("per-pixel", x, kernel, (1, 1), (1, 1), "same", dy, bias)
    for ours, want in zip(got, slow):
        np.testing.assert_allclose(np.asarray(ours, np.float32), want, rtol=1e-5,
                                   atol=1e-5 * max(1.0, np.abs(want).max()))


def test_small_passes_run_as_one_part_outside_layer_parallel():
    """A sleeping worker's wake-up costs more than the second core saves on a small pass;
    from SPLIT_WORK multiply-adds on, and inside layer_parallel, the batch is split."""
    rng = np.random.default_rng(7)
    kernel = rng.standard_normal((3, 3, 64, 1), dtype=np.float32)
    small = rng.standard_normal((8, 16, 16, 64), dtype=np.float32)   # 8 * 256 * 64 * 9 = 1.2M multiply-adds
    large = rng.standard_normal((8, 64, 64, 64), dtype=np.float32)   # 18.9M
    assert small[0].size * 9 * 8 < SPLIT_WORK <= large[0].size * 9 * 8

    def parts(x, **kwargs):
        seen = []
        DepthwiseKernel(**kwargs).forward(x, kernel, (1, 1), (1, 1), "same", lambda lo, hi: seen.append(hi - lo))
        return len(seen)

    assert parts(small) == 1
    assert parts(large) == parts(small, split_work=0) == min(2, parts_available())
    with layer_parallel() as lp:
        lp.set(2)
        assert parts(small) == 2
    # the separable layers always split: unsplit, their 1x1 product may run on OpenBLAS's own threads
    assert [LAYER_CLASSES[t](4, 3).split_work for t in ("SeparableConv2D", "SeparableConv1D")] == [0, 0]
    assert LAYER_CLASSES["DepthwiseConv2D"](3).split_work == SPLIT_WORK


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


@pytest.mark.oracle
@pytest.mark.parametrize("layer_type, kwargs, shape", [
    ("DepthwiseConv2D", {"kernel_size": 3, "padding": "same", "activation": "relu"}, (7, 9, 16)),
    ("DepthwiseConv2D", {"kernel_size": (3, 2), "padding": "valid", "use_bias": False}, (8, 11, 8)),
    ("DepthwiseConv2D", {"kernel_size": 5, "padding": "same", "dilation_rate": 2}, (9, 6, 4)),   # 25 taps
    ("SeparableConv2D", {"filters": 12, "kernel_size": 3, "padding": "same", "activation": "tanh"}, (6, 8, 16)),
])
def test_layers_on_the_register_runs_equal_keras(layer_type, kwargs, shape):
    torch = pytest.importorskip("torch")
    ours, theirs, x = keras_pair(layer_type, kwargs, shape, seed=6)
    rng = np.random.default_rng(7)
    xt = torch.tensor(x, requires_grad=True)
    yt = theirs(xt)
    y = ours.forward([x], training=True).copy()
    assert ours._ctx.runs == depthwise_runs.AVAILABLE
    np.testing.assert_allclose(y, yt.detach().numpy(), atol=2e-5, rtol=0)
    r = rng.normal(0, 1, y.shape).astype(np.float32)
    (yt * torch.tensor(r)).sum().backward()
    (dx,) = ours.backward(r.copy())
    np.testing.assert_allclose(dx, xt.grad.numpy(), atol=2e-5, rtol=0)
    for spec, variable in zip(ours.weight_specs, theirs.weights):
        np.testing.assert_allclose(ours.grads[spec.name], variable.value.grad.numpy(), atol=1e-4, rtol=0,
                                   err_msg=spec.name)
    np.testing.assert_allclose(ours.forward([x], training=False), y, rtol=0, atol=0)   # inference: the same path
