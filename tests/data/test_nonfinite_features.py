"""Issue 27: NaN or infinite features in .npy/.npz, HDF5 and IDX files are refused as CSV
refuses them (NonNumericError), naming the file, the sample and the column or position of
the first one, and how many there are."""

import h5py
import numpy as np
import pytest

from visualnet.data.errors import NonNumericError
from visualnet.data.hdf5_import import read_hdf5
from visualnet.data.idx import read_idx_pair
from visualnet.data.numpy_import import read_numpy

from .helpers import write_idx


def _table(value=np.nan):
    x = np.arange(30, dtype=np.float64).reshape(10, 3)
    x[4, 2] = value
    x[7, 0] = np.inf
    return x


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_npy_features(tmp_path, value):
    path = tmp_path / "x.npy"
    np.save(path, _table(value))
    with pytest.raises(NonNumericError) as info:
        read_numpy(path)
    err = info.value
    assert (err.row, err.column) == (5, 3)
    assert err.file == str(path)
    assert "is not a number" in err.message and "2 values are NaN or infinite" in err.message
    assert f"{path}, row 5, column 3:" in str(err)


def test_npz_features_and_target_column(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, x=_table().astype(np.float32), y=np.arange(10) % 2)
    with pytest.raises(NonNumericError) as info:
        read_numpy(path)
    assert (info.value.row, info.value.column) == (5, 3)
    one = tmp_path / "one.npy"
    np.save(one, _table())
    with pytest.raises(NonNumericError) as info:       # the file's column, before the target is split off
        read_numpy(one, target=0)
    assert (info.value.row, info.value.column) == (5, 3)


def test_npy_image_position(tmp_path):
    x = np.zeros((4, 5, 6, 1), dtype=np.float32)
    x[2, 3, 4, 0] = np.nan
    path = tmp_path / "img.npy"
    np.save(path, x)
    with pytest.raises(NonNumericError) as info:
        read_numpy(path)
    assert info.value.row == 3 and info.value.column == "(4, 5, 1)"
    assert "position (4, 5, 1) of sample 3" in info.value.message


def test_npy_regression_targets(tmp_path):
    path = tmp_path / "d.npz"
    y = np.linspace(0, 1, 10)
    y[6] = np.nan
    np.savez(path, x=np.ones((10, 2)), y=y)
    with pytest.raises(NonNumericError) as info:
        read_numpy(path, task="regression")
    assert info.value.row == 7 and "targets" in info.value.message


def test_hdf5_features(tmp_path):
    path = tmp_path / "d.h5"
    with h5py.File(path, "w") as f:
        f["x"] = _table()
        f["y"] = np.arange(10) % 2
    with pytest.raises(NonNumericError) as info:
        read_hdf5(path)
    assert (info.value.row, info.value.column) == (5, 3)
    assert info.value.file == str(path)


def test_idx_float_images(tmp_path):
    x = np.zeros((6, 4, 4), dtype=np.float32)
    x[5, 1, 2] = np.inf
    images = write_idx(tmp_path / "img.idx", x)
    labels = write_idx(tmp_path / "lab.idx", np.arange(6, dtype=np.uint8) % 2)
    with pytest.raises(NonNumericError) as info:
        read_idx_pair(images, labels)
    assert info.value.row == 6 and info.value.column == "(2, 3)"
    assert info.value.file == str(images)


def test_finite_and_integer_arrays_still_load(tmp_path):
    path = tmp_path / "x.npy"
    np.save(path, np.arange(30, dtype=np.float32).reshape(10, 3))
    assert read_numpy(path).x.shape == (10, 3)
    np.save(path, np.arange(30, dtype=np.int32).reshape(10, 3))
    assert read_numpy(path).x.shape == (10, 3)
