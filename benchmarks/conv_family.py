"""Micro-benchmark: forward+backward of Conv2DTranspose and SeparableConv2D (issue 24),
VisualNet's layers against PyTorch CPU (2 threads, its native NCHW layout), batch 32,
28x28x16 inputs, 32 filters, 3x3 kernels, 'same' padding.

Run by hand:  .venv/bin/python benchmarks/conv_family.py [--reps 30]
Prints best-of-reps milliseconds and torch/visualnet (>1: VisualNet is faster).
"""

import argparse

import numpy as np
import torch
import torch.nn.functional as F

from benchmarks.conv_kernels import _best_ms
from visualnet.engine.layers import LAYER_CLASSES

N, H, C, FILTERS = 32, 28, 16, 32
# (name, layer type, kwargs, torch forward of (x, weights) in NCHW)
CASES = [
    ("Conv2DTranspose s1", "Conv2DTranspose", {"strides": 1},
     lambda x, w, b: F.conv_transpose2d(x, w, b, padding=1)),
    ("Conv2DTranspose s2", "Conv2DTranspose", {"strides": 2},
     lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1)),
    ("SeparableConv2D", "SeparableConv2D", {},
     lambda x, d, p, b: F.conv2d(F.conv2d(x, d, padding=1, groups=C), p, b)),
]


def _ours(layer_type, kwargs, rng):
    layer = LAYER_CLASSES[layer_type](FILTERS, 3, padding="same", **kwargs)
    layer.build([(None, H, H, C)])
    layer.set_weights([rng.standard_normal(w.shape).astype(np.float32) * 0.1 for w in layer.weight_specs])
    x = rng.standard_normal((N, H, H, C), dtype=np.float32)
    dy = rng.standard_normal((N, *layer.output_shape[1:]), dtype=np.float32)

    def step():
        layer.forward([x], training=True)
        layer.backward(dy)
    return step, layer


def _torch(layer, forward, rng):
    """The same layer in PyTorch: the weights in its layouts, NCHW input."""
    weights = [torch.tensor(w) for w in layer.get_weights()]
    if layer.layer_type == "Conv2DTranspose":
        weights[0] = weights[0].permute(3, 2, 0, 1)  # (kh, kw, out, in) -> (in, out, kh, kw)
    else:
        weights[0] = weights[0].permute(2, 3, 0, 1)  # (kh, kw, in, 1) -> (in, 1, kh, kw)
        weights[1] = weights[1].permute(3, 2, 0, 1)  # (1, 1, in, out) -> (out, in, 1, 1)
    weights = [w.contiguous().requires_grad_() for w in weights]
    x = torch.randn(N, C, H, H, requires_grad=True)
    dy = torch.randn(N, *(layer.output_shape[i] for i in (3, 1, 2)))
    return lambda: forward(x, *weights).backward(dy)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=30)
    args = parser.parse_args()
    torch.set_num_threads(2)
    rng = np.random.default_rng(0)
    print(f"{'layer':<20}{'visualnet ms':>13}{'torch ms':>10}{'torch/vn':>10}")
    for name, layer_type, kwargs, forward in CASES:
        step, layer = _ours(layer_type, kwargs, rng)
        ours, theirs = _best_ms([step, _torch(layer, forward, rng)], args.reps)
        print(f"{name:<20}{ours:>13.2f}{theirs:>10.2f}{theirs / ours:>10.2f}")


if __name__ == "__main__":
    main()
