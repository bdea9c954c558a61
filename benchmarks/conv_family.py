"""Micro-benchmark: forward+backward of Conv2DTranspose and the depthwise family (issue 24),
VisualNet's layers against PyTorch CPU (2 threads, its native NCHW layout), batch 32,
28x28x16 inputs (1-D: 784 steps x 16), 32 filters, 3x3 kernels, 'same' padding.

Run by hand:  PYTHONPATH=. .venv/bin/python -m benchmarks.conv_family [--reps 30] [--loops both]
Prints, for a training step (forward + backward) and for inference (forward with
training=False against PyTorch under no_grad), the best and the median milliseconds of the
reps and torch/visualnet of the medians (>1: VisualNet is faster); the peers alternate rep
after rep, so the machine's noise hits all of them. The depthwise layers run on the
depthwise kernel's loops that `--loops` names: `runs` (the default, what the layers use:
the register runs at stride 1 in float32; the 1-D layers' one-row images keep the row
loops), `rows` (the row loops, what float64 and a height stride take), `per-pixel` (what other strides and multipliers take); `both` times
the runs and the row loops side by side, `all` all three. `--baseline DIR` adds the
depthwise layers of another checkout (`git archive HEAD | tar -x -C DIR`: its
kernels/depthwise.py and layers/conv_depthwise.py, on this tree's other modules) as
"(baseline)", timed in the same alternation.
"""

import argparse
import importlib.util
import sys
import time
import types
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from visualnet.engine.layers import LAYER_CLASSES

N, H, C, FILTERS = 32, 28, 16, 32
# (name, layer type, positional arguments, kwargs, torch forward of (x, weights) in NCHW / NCL)
CASES = [
    ("Conv2DTranspose s1", "Conv2DTranspose", (FILTERS, 3), {"strides": 1},
     lambda x, w, b: F.conv_transpose2d(x, w, b, padding=1)),
    ("Conv2DTranspose s2", "Conv2DTranspose", (FILTERS, 3), {"strides": 2},
     lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1)),
    ("SeparableConv2D", "SeparableConv2D", (FILTERS, 3), {},
     lambda x, d, p, b: F.conv2d(F.conv2d(x, d, padding=1, groups=C), p, b)),
    ("DepthwiseConv2D", "DepthwiseConv2D", (3,), {},
     lambda x, d, b: F.conv2d(x, d, b, padding=1, groups=C)),
    ("SeparableConv1D", "SeparableConv1D", (FILTERS, 3), {},
     lambda x, d, p, b: F.conv1d(F.conv1d(x, d, padding=1, groups=C), p, b)),
]
DEPTHWISE = ("SeparableConv2D", "DepthwiseConv2D", "SeparableConv1D")


def _shape(layer_type):
    return (N, H * H, C) if layer_type.endswith("1D") else (N, H, H, C)


LOOPS = {"runs": [("", "runs")], "rows": [(" (rows)", "rows")], "per-pixel": [(" (per-pixel)", "per-pixel")]}
LOOPS["both"] = LOOPS["rows"] + LOOPS["runs"]
LOOPS["all"] = LOOPS["per-pixel"] + LOOPS["both"]


def _times_ms(fns, reps):
    """(best, median) milliseconds of each function, alternating them rep after rep so that
    machine noise hits all of them."""
    for fn in fns:
        fn(), fn()
    times = [[] for _ in fns]
    for _ in range(reps):
        for fn, spent in zip(fns, times):
            t0 = time.perf_counter()
            fn()
            spent.append(time.perf_counter() - t0)
    return [(min(t) * 1e3, float(np.median(t)) * 1e3) for t in times]


def _baseline_classes(root):
    """{layer type: class} of the depthwise layers in the checkout at `root`: its depthwise
    kernel and layer modules loaded under private names, importing this tree's other modules."""
    kernel_name = "visualnet.engine.kernels._baseline_depthwise"
    spec = importlib.util.spec_from_file_location(kernel_name, Path(root, "visualnet/engine/kernels/depthwise.py"))
    kernels = sys.modules[kernel_name] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(kernels)
    path = Path(root, "visualnet/engine/layers/conv_depthwise.py")
    source = path.read_text().replace("from ..kernels.depthwise import", f"from {kernel_name} import")
    layers = sys.modules["visualnet.engine.layers._baseline_conv_depthwise"] = types.ModuleType(
        "visualnet.engine.layers._baseline_conv_depthwise")
    layers.__package__ = "visualnet.engine.layers"
    exec(compile(source, str(path), "exec"), layers.__dict__)  # noqa: S102 (a checkout's source, by hand)
    return {name: getattr(layers, name) for name in DEPTHWISE}


def _ours(layer_type, args, kwargs, rng, loops="runs", classes=LAYER_CLASSES):
    layer = classes[layer_type](*args, padding="same", **kwargs)
    shape = _shape(layer_type)
    layer.build([(None, *shape[1:])])
    layer.set_weights([rng.standard_normal(w.shape).astype(np.float32) * 0.1 for w in layer.weight_specs])
    if layer_type in DEPTHWISE and loops != "baseline":
        layer._work.rows, layer._work.runs = loops != "per-pixel", loops == "runs"
    x = rng.standard_normal(shape, dtype=np.float32)
    dy = rng.standard_normal((N, *layer.output_shape[1:]), dtype=np.float32)

    def step():
        layer.forward([x], training=True)
        layer.backward(dy)

    def infer():
        layer.forward([x], training=False)
    return step, infer, layer


def _torch(layer):
    """The same layer in PyTorch: the weights in its layouts, channels-first input."""
    weights = [torch.tensor(w) for w in layer.get_weights()]
    last = weights[0].dim() - 1
    if layer.layer_type == "Conv2DTranspose":
        weights[0] = weights[0].permute(3, 2, 0, 1)  # (kh, kw, out, in) -> (in, out, kh, kw)
    else:
        weights[0] = weights[0].permute(last - 1, last, *range(last - 1))  # (..., in, 1) -> (in, 1, ...)
        if layer.layer_type.startswith("Separable"):
            weights[1] = weights[1].permute(*reversed(range(last + 1)))   # (1.., in, out) -> (out, in, 1..)
    weights = [w.contiguous().requires_grad_() for w in weights]
    shape = _shape(layer.layer_type)
    x = torch.randn(shape[0], shape[-1], *shape[1:-1], requires_grad=True)
    out = layer.output_shape
    dy = torch.randn(N, out[-1], *out[1:-1])
    return x, weights, dy


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--loops", choices=tuple(LOOPS), default="runs",
                        help="the depthwise kernel's loops to time (default: runs, what the layers use)")
    parser.add_argument("--baseline", metavar="DIR", help="also time the depthwise layers of the checkout in DIR")
    args = parser.parse_args()
    baseline = _baseline_classes(args.baseline) if args.baseline else None
    torch.set_num_threads(2)
    rng = np.random.default_rng(0)
    print(f"{'':<36}{'visualnet ms':>14}{'torch ms':>14}{'torch/vn':>10}")
    print(f"{'layer':<36}{'best  median':>14}{'best  median':>14}{'(median)':>10}")
    for name, layer_type, positional, kwargs, forward in CASES:
        variants = LOOPS[args.loops] if layer_type in DEPTHWISE else [("", "runs")]
        if baseline and layer_type in DEPTHWISE:
            variants = [(" (baseline)", "baseline")] + variants
        steps, infers, labels, layer = [], [], [], None
        for suffix, loops in variants:
            classes = baseline if loops == "baseline" else LAYER_CLASSES
            step, infer, layer = _ours(layer_type, positional, kwargs, rng, loops, classes)
            steps.append(step)
            infers.append(infer)
            labels.append(name + suffix)
        x, weights, dy = _torch(layer)

        def torch_infer():
            with torch.no_grad():
                forward(x, *weights)

        for phase, fns, theirs_fn in (("", steps, lambda: forward(x, *weights).backward(dy)),
                                      (", inference", infers, torch_infer)):
            *ours, theirs = _times_ms([*fns, theirs_fn], args.reps)
            for label, (best, median) in zip(labels, ours):
                print(f"{label + phase:<36}{best:>7.2f}{median:>7.2f}{theirs[0]:>7.2f}{theirs[1]:>7.2f}"
                      f"{theirs[1] / median:>10.2f}")


if __name__ == "__main__":
    main()
