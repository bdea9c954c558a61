"""ConvLSTM2D's forward + backward and its forward alone, VisualNet against PyTorch (issue 23):

  return_sequences=True, padding 'same', 3x3 kernels, on (batch 8, 10 frames, size, size,
  channels) -> filters: the shapes of Keras's next-frame example (64x64x1 -> 64) shrunk to
  what a shared machine runs in seconds. PyTorch runs the module the PyTorch export writes
  (io/torch_conv_rnn_helpers.py: F.conv2d per step, autograd); `keras` (optional, slow) is
  Keras 3's own ConvLSTM2D on its PyTorch backend.

    python -m benchmarks.conv_lstm                       # every shape, 5 repetitions
    python -m benchmarks.conv_lstm --reps 3 -p visualnet,torch,keras --threads 2

The peers take turns within one process, their order rotating by repetition, so that a load
change hits both alike; both run on `--threads` threads. The first call of each is not timed.
The table gives the median milliseconds and VisualNet's speed relative to each peer (above 1:
VisualNet is faster); only ratios of one run mean anything.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

BATCH, STEPS = 8, 10
SHAPES = [(32, 1, 16), (16, 8, 32)]  # (size, channels, filters)
PEERS = ("visualnet", "torch", "keras")


class VisualNetPeer:
    def __init__(self, size, channels, filters, x):
        from visualnet import layers

        self.layer = layers.ConvLSTM2D(filters, 3, padding="same", return_sequences=True)
        self.layer.build([(None, *x.shape[1:])])
        self.x = x
        self.dy = np.random.default_rng(1).normal(size=(*x.shape[:-1], filters)).astype(np.float32)

    def train(self):
        self.layer.forward([self.x], True)
        self.layer.backward(self.dy)

    def predict(self):
        self.layer.forward([self.x], False)


class TorchPeer:
    def __init__(self, size, channels, filters, x):
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        from visualnet.io.torch_helpers import helper_source

        namespace = {"torch": torch, "nn": nn, "F": F}
        exec(helper_source(["ConvLSTM"]), namespace)
        self.torch = torch
        self.layer = namespace["ConvLSTM"](2, channels, filters, (3, 3), (1, 1), "same", (1, 1), True, torch.tanh,
                                           torch.sigmoid)
        for p in self.layer.parameters():
            torch.nn.init.normal_(p, 0, 0.1)
        self.x = torch.from_numpy(x).requires_grad_(True)
        self.dy = torch.from_numpy(np.random.default_rng(1).normal(size=(*x.shape[:-1], filters)).astype(np.float32))

    def train(self):
        self.layer.zero_grad(set_to_none=True)
        self.x.grad = None
        self.layer(self.x, True, False, False).backward(self.dy)

    def predict(self):
        with self.torch.no_grad():
            self.layer(self.x, True, False, False)


class KerasPeer:
    def __init__(self, size, channels, filters, x):
        os.environ.setdefault("KERAS_BACKEND", "torch")
        import keras
        import torch

        self.torch = torch
        self.layer = keras.layers.ConvLSTM2D(filters, 3, padding="same", return_sequences=True)
        self.layer.build(x.shape)
        self.x = torch.from_numpy(x).requires_grad_(True)
        self.dy = torch.from_numpy(np.random.default_rng(1).normal(size=(*x.shape[:-1], filters)).astype(np.float32))

    def train(self):
        self.x.grad = None
        for w in self.layer.trainable_weights:
            w.value.grad = None
        self.layer(self.x, training=True).backward(self.dy)

    def predict(self):
        with self.torch.no_grad():
            self.layer(self.x)


CLASSES = {"visualnet": VisualNetPeer, "torch": TorchPeer, "keras": KerasPeer}


def run(peers, reps: int) -> list[dict]:
    rows = []
    for size, channels, filters in SHAPES:
        x = np.random.default_rng(0).normal(size=(BATCH, STEPS, size, size, channels)).astype(np.float32)
        made = {p: CLASSES[p](size, channels, filters, x) for p in peers}
        for peer in made.values():   # not timed: compilation, allocation
            peer.train()
            peer.predict()
        times = {(p, what): [] for p in peers for what in ("train", "predict")}
        for r in range(reps):
            order = peers[r % len(peers):] + peers[:r % len(peers)]
            for p in order:
                for what in ("train", "predict"):
                    start = time.perf_counter()
                    getattr(made[p], what)()
                    times[p, what].append(time.perf_counter() - start)
        rows.append({"shape": f"{size}x{size}x{channels} -> {filters}",
                     **{f"{p} {w}": statistics.median(v) * 1e3 for (p, w), v in times.items()}})
    return rows


def table(rows, peers) -> str:
    lines = ["| shape | what | " + " | ".join(f"{p} ms" for p in peers) + " | " +
             " | ".join(f"VisualNet vs {p}" for p in peers if p != "visualnet") + " |"]
    lines.append("|" + "---|" * (2 + len(peers) + len(peers) - 1))
    for row in rows:
        for what in ("train", "predict"):
            ms = [row[f"{p} {what}"] for p in peers]
            ratios = [row[f"{p} {what}"] / row[f"visualnet {what}"] for p in peers if p != "visualnet"]
            lines.append(f"| {row['shape']} | {what} | " + " | ".join(f"{m:.1f}" for m in ms) + " | " +
                         " | ".join(f"{q:.2f}x" for q in ratios) + " |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("-p", "--peers", default="visualnet,torch")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    peers = [p for p in args.peers.split(",") if p]
    unknown = sorted(set(peers) - set(PEERS))
    if unknown or "visualnet" not in peers:
        parser.error(f"peers must include visualnet and come from {', '.join(PEERS)}; received {args.peers!r}")
    import torch

    from visualnet.engine.runtime.blas import openblas

    lib = openblas()
    if lib.set is None:
        raise SystemExit("the OpenBLAS under NumPy was not found: its threads cannot be set")
    lib.set(args.threads)
    torch.set_num_threads(args.threads)
    rows = run(peers, args.reps)
    print(f"batch {BATCH}, {STEPS} frames; load average {os.getloadavg()[0]:.1f}")
    print(table(rows, peers))


if __name__ == "__main__":
    main()
