"""Data larger than memory allows is refused before it is read, with the need and the limit
(issue 27): an HDF5 file declaring 30 GB, a folder of images resized to 4096x4096, a
compressed .npz, an IDX file, and preprocessing's float32 copy."""

import gzip
import struct

import h5py
import numpy as np
import pytest
from PIL import Image

from visualnet import data
from visualnet.data.memory import DataTooLargeError, _parse, check_fits, limit_bytes


def test_limit_from_the_environment_and_from_the_machine(monkeypatch):
    monkeypatch.setenv("VISUALNET_MEMORY_LIMIT", "1.5G")
    assert limit_bytes() == int(1.5 * 2 ** 30)
    monkeypatch.delenv("VISUALNET_MEMORY_LIMIT")
    assert 0 < limit_bytes() < 2 ** 50
    assert [_parse(t) for t in ("100", "2k", "3MB", "1 GiB", "x")] == [100, 2048, 3 << 20, 1 << 30, None]
    with pytest.raises(DataTooLargeError, match=r"would need 1\.0 TB of memory; the limit is [\d.,]+ [KMGT]B "
                                                 r"\(75% of the [\d.,]+ [KMGT]B this machine has available\)"):
        check_fits(10 ** 12, "this")


def test_an_hdf5_file_declaring_30_gb_is_refused_before_reading(tmp_path):
    path = tmp_path / "big.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset("x", shape=(7_500_000, 1_000), dtype="float32", chunks=(1000, 1000))  # 30 GB, none written
        f.create_dataset("y", shape=(7_500_000,), dtype="int64", chunks=(100_000,))
    assert path.stat().st_size < 1 << 20
    with pytest.raises(DataTooLargeError, match=r"big\.h5: the arrays 'x' and 'y' would need 30\.1 GB of memory"):
        data.read_hdf5(path)


def test_images_resized_to_4096_are_refused_stating_the_limit(tmp_path, monkeypatch):
    for k in ("cat", "dog"):
        (tmp_path / k).mkdir()
        for i in range(3):
            Image.fromarray(np.full((8, 8), 40 * i, np.uint8)).save(tmp_path / k / f"{i}.png")
    monkeypatch.setenv("VISUALNET_MEMORY_LIMIT", "200M")
    with pytest.raises(DataTooLargeError, match=r"6 images of 4096x4096 \(grayscale, .*\) would need 503\.3 MB of "
                                                r"memory; the limit is 209\.7 MB \(set by VISUALNET_MEMORY_LIMIT\)\. "
                                                r"Choose a smaller size"):
        data.read_image_folder(tmp_path, size=(4096, 4096))
    assert data.read_image_folder(tmp_path, size=(64, 64)).x.shape == (6, 64, 64, 1)


def test_a_compressed_npz_is_checked_by_its_declared_size(tmp_path, monkeypatch):
    path = tmp_path / "z.npz"
    np.savez_compressed(path, x=np.zeros((20_000, 500), np.float32), y=np.zeros(20_000, np.int64), other=np.zeros(3))
    assert path.stat().st_size < 1 << 20
    monkeypatch.setenv("VISUALNET_MEMORY_LIMIT", "30M")
    with pytest.raises(DataTooLargeError, match=r"the arrays x, y would need 40\.2 MB"):
        data.read_numpy(path)
    monkeypatch.setenv("VISUALNET_MEMORY_LIMIT", "60M")
    assert data.read_numpy(path).x.shape == (20_000, 500)


def test_idx_and_preprocessing_are_checked(tmp_path, monkeypatch):
    path = tmp_path / "images-idx3-ubyte.gz"
    with gzip.open(path, "wb") as fh:
        fh.write(struct.pack(">BBBBIII", 0, 0, 8, 3, 1000, 28, 28) + bytes(1000 * 28 * 28))
    monkeypatch.setenv("VISUALNET_MEMORY_LIMIT", "500K")
    with pytest.raises(DataTooLargeError, match=r"the IDX data of shape \(1000, 28, 28\) would need 784\.0 KB"):
        data.read_idx(path)
    monkeypatch.setenv("VISUALNET_MEMORY_LIMIT", "1M")
    x = data.read_idx(path)
    with pytest.raises(DataTooLargeError, match=r"the 1,000 samples as float32 would need 3\.1 MB"):
        data.Pipeline([]).transform_x(x)
