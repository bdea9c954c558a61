"""Shared helpers for the data tests: paths of the shipped files and small file writers."""

import gzip
import struct
from pathlib import Path

import numpy as np

from visualnet.resources import resource_path

UCI = resource_path("datasets", "uci")
MNIST = resource_path("datasets", "mnist")
MNIST_IMAGES = MNIST / "t10k-images-idx3-ubyte.gz"
MNIST_LABELS = MNIST / "t10k-labels-idx1-ubyte.gz"


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def idx_bytes(array: np.ndarray) -> bytes:
    codes = {np.dtype("u1"): 0x08, np.dtype("i1"): 0x09, np.dtype("i2"): 0x0B, np.dtype("i4"): 0x0C,
             np.dtype("f4"): 0x0D, np.dtype("f8"): 0x0E}
    code = codes[array.dtype.newbyteorder("=")]
    head = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return head + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write_idx(path: Path, array: np.ndarray, compress: bool = False) -> Path:
    data = idx_bytes(array)
    path.write_bytes(gzip.compress(data) if compress else data)
    return path
