"""Micro-benchmark: forward+backward of Conv2DTranspose and the depthwise family (issue 24),
VisualNet's layers against PyTorch CPU (2 threads, its native NCHW layout), batch 32,
28x28x16 inputs (1-D: 784 steps x 16), 32 filters, 3x3 kernels, 'same' padding.

Run by hand:  PYTHONPATH=. .venv/bin/python -m benchmarks.conv_family [--reps 30] [--loops both]
Prints best-of-reps milliseconds and torch/visualnet (>1: VisualNet is faster). With
`--loops both` the depthwise layers run twice, on the depthwise kernel's row loops (the
default) and on its per-pixel loops (what other strides and multipliers take), side by side.
"""

import argparse

import numpy as np
import torch
import torch.nn.functional as F

from benchmarks.conv_kernels import _best_ms
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


def _ours(layer_type, args, kwargs, rng, rows=True):
    layer = LAYER_CLASSES[layer_type](*args, padding="same", **kwargs)
    shape = _shape(layer_type)
    layer.build([(None, *shape[1:])])
    layer.set_weights([rng.standard_normal(w.shape).astype(np.float32) * 0.1 for w in layer.weight_specs])
    if not rows:
        layer._work.rows = False      # the depthwise kernel's per-pixel loops
    x = rng.standard_normal(shape, dtype=np.float32)
    dy = rng.standard_normal((N, *layer.output_shape[1:]), dtype=np.float32)

    def step():
        layer.forward([x], training=True)
        layer.backward(dy)
    return step, layer


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
    parser.add_argument("--loops", choices=("rows", "per-pixel", "both"), default="rows",
                        help="the depthwise kernel's loops to time (default: rows, what the layers use)")
    args = parser.parse_args()
    torch.set_num_threads(2)
    rng = np.random.default_rng(0)
    print(f"{'layer':<30}{'visualnet ms':>13}{'torch ms':>10}{'torch/vn':>10}")
    for name, layer_type, positional, kwargs, forward in CASES:
        variants = [("", True)]
        if layer_type in DEPTHWISE and args.loops != "rows":
            variants = [(" (per-pixel)", False)] + (variants if args.loops == "both" else [])
        steps, labels, layer = [], [], None
        for suffix, rows in variants:
            step, layer = _ours(layer_type, positional, kwargs, rng, rows)
            steps.append(step)
            labels.append(name + suffix)
        x, weights, dy = _torch(layer)
        *ours, theirs = _best_ms([*steps, lambda: forward(x, *weights).backward(dy)], args.reps)
        for label, ms in zip(labels, ours):
            print(f"{label:<30}{ms:>13.2f}{theirs:>10.2f}{theirs / ms:>10.2f}")


if __name__ == "__main__":
    main()
