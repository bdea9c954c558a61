"""Micro-benchmark: forward+backward of each conv/pool layer of the two reference CNNs,
VisualNet's kernels against PyTorch CPU (2 threads, its native NCHW layout).

Run by hand:  .venv/bin/python benchmarks/conv_kernels.py [--reps 30]
Prints best-of-reps milliseconds and torch/visualnet (>1: VisualNet is faster).
"""

import argparse
import time

import numpy as np
import torch
import torch.nn.functional as F

from visualnet.engine.kernels.conv import Conv2DKernel
from visualnet.engine.kernels import pool

# (name, kind, N, H, C_in, C_out, need_dx); 3x3 'valid' convs, 2x2 max-pools.
NETWORKS = {
    "mnist b32": [("conv1", "conv", 32, 28, 1, 32, False), ("pool1", "max", 32, 26, 32, 32, True),
                  ("conv2", "conv", 32, 13, 32, 64, True), ("pool2", "max", 32, 11, 64, 64, True)],
    "mnist b128": [("conv1", "conv", 128, 28, 1, 32, False), ("pool1", "max", 128, 26, 32, 32, True),
                   ("conv2", "conv", 128, 13, 32, 64, True), ("pool2", "max", 128, 11, 64, 64, True)],
    "wide b64": [("conv1", "conv", 64, 28, 1, 64, False), ("conv2", "conv", 64, 26, 64, 64, True),
                 ("pool", "max", 64, 24, 64, 64, True), ("conv3", "conv", 64, 12, 64, 128, True),
                 ("gap", "gap", 64, 10, 128, 128, True)],
}


def _ours(kind, n, h, c, f, need_dx, rng):
    x = rng.standard_normal((n, h, h, c), dtype=np.float32)
    if kind == "conv":
        work = Conv2DKernel()
        k = rng.standard_normal((3, 3, c, f), dtype=np.float32) * 0.1
        b = np.zeros(f, np.float32)
        dy = rng.standard_normal((n, h - 2, h - 2, f), dtype=np.float32)

        def step():
            _, ctx = work.forward(x, k, b, (1, 1), "valid")
            work.backward(dy, ctx, need_dx)
    elif kind == "max":
        dy = rng.standard_normal((n, h // 2, h // 2, c), dtype=np.float32)

        def step():
            pool.max_pool2d_backward(dy, pool.max_pool2d_forward(x, 2, 2, "valid")[1])
    else:
        dy = rng.standard_normal((n, c), dtype=np.float32)

        def step():
            pool.global_avg_pool2d_backward(dy, pool.global_avg_pool2d_forward(x)[1])
    return step


def _torch(kind, n, h, c, f, need_dx, rng):
    x = torch.randn(n, c, h, h, requires_grad=need_dx)
    if kind == "conv":
        k = (torch.randn(f, c, 3, 3) * 0.1).requires_grad_()
        b = torch.zeros(f, requires_grad=True)
        dy = torch.randn(n, f, h - 2, h - 2)
        return lambda: F.conv2d(x, k, b).backward(dy)
    if kind == "max":
        dy = torch.randn(n, c, h // 2, h // 2)
        return lambda: F.max_pool2d(x, 2).backward(dy)
    dy = torch.randn(n, c)
    return lambda: x.mean((2, 3)).backward(dy)


def _best_ms(fns, reps):
    """Best time of each function, alternating them so that machine noise hits both."""
    for fn in fns:
        fn(), fn()
    best = [float("inf")] * len(fns)
    for _ in range(reps):
        for i, fn in enumerate(fns):
            t0 = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - t0)
    return [b * 1e3 for b in best]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=30)
    args = parser.parse_args()
    torch.set_num_threads(2)
    rng = np.random.default_rng(0)
    print(f"{'layer':<18}{'visualnet ms':>13}{'torch ms':>10}{'torch/vn':>10}")
    for net, layers in NETWORKS.items():
        total_ours = total_torch = 0.0
        for name, *spec in layers:
            ours, theirs = _best_ms([_ours(*spec, rng), _torch(*spec, rng)], args.reps)
            total_ours, total_torch = total_ours + ours, total_torch + theirs
            print(f"{net + ' ' + name:<18}{ours:>13.2f}{theirs:>10.2f}{theirs / ours:>10.2f}")
        print(f"{net + ' total':<18}{total_ours:>13.2f}{total_torch:>10.2f}"
              f"{total_torch / total_ours:>10.2f}\n")


if __name__ == "__main__":
    main()
