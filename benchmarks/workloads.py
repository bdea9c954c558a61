"""The benchmark workloads (issue 3: W1-W4), their data and their FLOP counts.

A workload is plain data: an input shape, a list of layers, a loss, a batch size and a
number of epochs. Each peer (VisualNet, PyTorch, Keras) builds the same network from it.
Layers are tuples: ("dense", units, activation), ("conv", filters, kernel, activation),
("pool", size), ("flatten",), ("gap",). Convolutions are 'valid' with stride 1.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
PIMA_CSV = ROOT / "resources" / "datasets" / "uci" / "pima-indians-diabetes.csv"
MNIST_TRAIN, MNIST_TEST = 8000, 2000
PIMA_TRAIN = 614  # the first 80% of the 768 rows train, the last 154 test


@dataclass(frozen=True)
class Workload:
    key: str
    title: str
    data: str  # "mnist_flat", "mnist_image" or "pima"
    input_shape: tuple
    layers: tuple
    loss: str  # "categorical_crossentropy" or "binary_crossentropy"
    batch_size: int
    epochs: int  # total epochs: the first is the warm-up, the rest are timed
    accuracy_seeds: int = 1  # >1: test accuracy is the mean over models trained from that many seeds


CNN = (("conv", 32, 3, "relu"), ("pool", 2), ("conv", 64, 3, "relu"), ("pool", 2), ("flatten",),
       ("dense", 128, "relu"), ("dense", 10, "softmax"))
WIDE_CNN = (("conv", 64, 3, "relu"), ("conv", 64, 3, "relu"), ("pool", 2), ("conv", 128, 3, "relu"), ("gap",),
            ("dense", 10, "softmax"))

WORKLOADS = {w.key: w for w in (
    Workload("W1", "MLP 784-512-10, batch 128", "mnist_flat", (784,),
             (("dense", 512, "relu"), ("dense", 10, "softmax")), "categorical_crossentropy", 128, 6),
    Workload("W2/32", "MNIST CNN, batch 32", "mnist_image", (28, 28, 1), CNN, "categorical_crossentropy", 32, 4,
             accuracy_seeds=3),
    Workload("W2/128", "MNIST CNN, batch 128", "mnist_image", (28, 28, 1), CNN, "categorical_crossentropy", 128, 4,
             accuracy_seeds=3),
    Workload("W3", "Pima MLP 8-10-8-1, batch 10", "pima", (8,),
             (("dense", 10, "relu"), ("dense", 8, "relu"), ("dense", 1, "sigmoid")), "binary_crossentropy", 10, 40,
             accuracy_seeds=40),
    Workload("W4", "wide CNN 64-64-pool-128-GAP, batch 64", "mnist_image", (28, 28, 1), WIDE_CNN,
             "categorical_crossentropy", 64, 5, accuracy_seeds=15),
)}


# ------------------------------------------------------------------------------- data

def load_mnist() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The shipped real digits: the first 8,000 train, the last 2,000 test (uint8)."""
    from visualnet.datasets import mnist

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "no full MNIST installed, using the shipped sample"
        (x, y), (xt, yt) = mnist.load_data()
    if len(x) != MNIST_TRAIN or len(xt) != MNIST_TEST:  # a full MNIST is installed: use its test set
        x, y, xt, yt = xt[:MNIST_TRAIN], yt[:MNIST_TRAIN], xt[MNIST_TRAIN:], yt[MNIST_TRAIN:]
    return x, y, xt, yt


def load_pima() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The 768-row Pima CSV: 8 features standardised with the training rows' statistics."""
    data = np.loadtxt(PIMA_CSV, delimiter=",", dtype=np.float32)
    x, y = data[:, :8], data[:, 8:9]
    mean, std = x[:PIMA_TRAIN].mean(0), x[:PIMA_TRAIN].std(0)
    x = (x - mean) / std
    return x[:PIMA_TRAIN], y[:PIMA_TRAIN], x[PIMA_TRAIN:], y[PIMA_TRAIN:]


def prepare(kinds, folder: Path) -> dict[str, Path]:
    """Write each data kind once as float32 .npz (x, y one-hot or 0/1, labels) for the workers."""
    paths = {}
    for kind in sorted(set(kinds)):
        if kind == "pima":
            x, y, xt, yt = load_pima()
            labels, tlabels = y[:, 0].astype(np.int64), yt[:, 0].astype(np.int64)
        else:
            x8, labels, xt8, tlabels = load_mnist()
            shape = (-1, 784) if kind == "mnist_flat" else (-1, 28, 28, 1)
            x = (x8.reshape(shape) / np.float32(255)).astype(np.float32)
            xt = (xt8.reshape(shape) / np.float32(255)).astype(np.float32)
            y, yt = np.eye(10, dtype=np.float32)[labels], np.eye(10, dtype=np.float32)[tlabels]
            labels, tlabels = labels.astype(np.int64), tlabels.astype(np.int64)
        path = folder / f"{kind}.npz"
        np.savez(path, x=x, y=y, labels=labels, xt=xt, yt=yt, tlabels=tlabels)
        paths[kind] = path
    return paths


# ------------------------------------------------------------------------------ FLOPs

def layer_macs(w: Workload) -> list[tuple[str, int]]:
    """Multiply-accumulates per sample of each layer with weights, in order."""
    shape = tuple(w.input_shape)
    out = []
    for layer in w.layers:
        kind = layer[0]
        if kind == "dense":
            out.append(("dense", math.prod(shape) * layer[1]))
            shape = (layer[1],)
        elif kind == "conv":
            h, wd, c = shape
            f, k = layer[1], layer[2]
            oh, ow = h - k + 1, wd - k + 1
            out.append(("conv", oh * ow * k * k * c * f))
            shape = (oh, ow, f)
        elif kind == "pool":
            h, wd, c = shape
            shape = (h // layer[1], wd // layer[1], c)
        elif kind == "flatten":
            shape = (math.prod(shape),)
        elif kind == "gap":
            shape = (shape[-1],)
    return out


def flops(w: Workload) -> tuple[float, float]:
    """(training, inference) FLOPs per sample of the matrix products a framework must do:
    forward 2*MACs per weighted layer; backward 2*MACs for the weight gradient and 2*MACs
    for the input gradient, except for the first weighted layer, whose input gradient
    nobody needs. Activations, pooling, loss and optimizer are not counted."""
    macs = [m for _, m in layer_macs(w)]
    forward = 2.0 * sum(macs)
    backward = 2.0 * sum(macs) + 2.0 * sum(macs[1:])
    return forward + backward, forward
