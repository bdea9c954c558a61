import io
import zipfile

import h5py
import numpy as np
import pytest

from visualnet.data import (Cancelled, ColumnError, EmptyDataError, FormatError, LabelRangeError, SizeMismatchError,
                            list_arrays, list_hdf5_datasets, read_hdf5, read_numpy)

from .helpers import MNIST_IMAGES, MNIST_LABELS
from visualnet.data import read_idx


def _npy_with_header(shape, payload: bytes, descr="<f8") -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": descr, "fortran_order": False, "shape": shape})
    return buf.getvalue() + payload


# --- .npy / .npz --------------------------------------------------------------------------------

def test_npz_real_digits_as_keras_file(tmp_path):
    x, y = read_idx(MNIST_IMAGES), read_idx(MNIST_LABELS)
    f = tmp_path / "digits.npz"
    np.savez_compressed(f, x_train=x[:800], y_train=y[:800], x_test=x[800:1000], y_test=y[800:1000])
    ds = read_numpy(f)
    assert ds.x.shape == (1000, 28, 28, 1) and ds.kind == "image" and ds.task == "multiclass"
    np.testing.assert_array_equal(ds.x[:, :, :, 0], x[:1000])
    assert ds.y[:5].tolist() == [7, 2, 1, 0, 4] and ds.class_names == [str(d) for d in range(10)]


def test_npz_x_y_keys_and_list(tmp_path):
    f = tmp_path / "a.npz"
    np.savez(f, features=np.arange(12.0).reshape(6, 2), labels=np.array([0, 1, 0, 1, 1, 0]))
    assert list_arrays(f) == {"features": ((6, 2), np.dtype("<f8")), "labels": ((6,), np.dtype("<i8"))}
    ds = read_numpy(f)
    assert ds.task == "binary" and ds.feature_names == ["feature 1", "feature 2"]
    assert ds.y.tolist() == [0, 1, 0, 1, 1, 0]


def test_npy_with_target_column_and_y_file(tmp_path):
    data = np.array([[1.0, 2.0, 0.5], [3.0, 4.0, 1.5], [5.0, 6.0, 2.5]])
    np.save(tmp_path / "d.npy", data)
    ds = read_numpy(tmp_path / "d.npy", target=-1)
    assert ds.task == "regression" and ds.x.tolist() == [[1, 2], [3, 4], [5, 6]] and ds.y.tolist() == [0.5, 1.5, 2.5]
    np.save(tmp_path / "y.npy", np.array(["cat", "dog", "cat"]))
    ds = read_numpy(tmp_path / "d.npy", y_path=tmp_path / "y.npy")
    assert ds.class_names == ["cat", "dog"] and ds.y.tolist() == [0, 1, 0]


def test_npy_fortran_order_and_progress(tmp_path):
    a = np.asfortranarray(np.arange(40.0).reshape(8, 5))
    np.save(tmp_path / "f.npy", a)
    seen = []
    ds = read_numpy(tmp_path / "f.npy", progress=seen.append)
    np.testing.assert_array_equal(ds.x, a)
    assert seen[-1] == 1.0
    with pytest.raises(Cancelled):
        read_numpy(tmp_path / "f.npy", cancel=lambda: True)


def test_class_names_check_labels(tmp_path):
    np.savez(tmp_path / "a.npz", x=np.zeros((4, 2)), y=np.array([0, 1, 3, 1]))
    with pytest.raises(LabelRangeError) as info:
        read_numpy(tmp_path / "a.npz", class_names=["a", "b", "c"])
    assert info.value.row == 3 and "label 3 is outside the 3 classes 0..2" in info.value.message


def test_object_arrays_are_refused(tmp_path):
    np.save(tmp_path / "o.npy", np.array([{"a": 1}, None], dtype=object))   # np.save writes objects by default
    with pytest.raises(FormatError, match="holds Python objects") as info:
        read_numpy(tmp_path / "o.npy")
    assert info.value.file == str(tmp_path / "o.npy")
    np.savez(tmp_path / "o.npz", x=np.zeros((2, 2)), y=np.array([[1], "a"], dtype=object))
    with pytest.raises(FormatError, match="array 'y' holds Python objects"):
        read_numpy(tmp_path / "o.npz")


def test_truncated_npy(tmp_path):
    np.save(tmp_path / "t.npy", np.arange(100.0))
    data = (tmp_path / "t.npy").read_bytes()
    (tmp_path / "t.npy").write_bytes(data[:-80])
    with pytest.raises(SizeMismatchError, match="declares shape \\(100,\\) of float64, 800 bytes, but holds 720 "
                                                "bytes \\(the file is truncated\\)"):
        read_numpy(tmp_path / "t.npy")


def test_huge_shape_claim_npy_and_npz(tmp_path):
    (tmp_path / "h.npy").write_bytes(_npy_with_header((10 ** 9, 28, 28), b"\x00" * 64))
    with pytest.raises(SizeMismatchError, match="6,272,000,000,000 bytes"):
        read_numpy(tmp_path / "h.npy")
    with zipfile.ZipFile(tmp_path / "h.npz", "w") as zf:
        zf.writestr("x.npy", _npy_with_header((10 ** 9,), b"\x00" * 64))
    with pytest.raises(SizeMismatchError, match="array 'x' declares shape"):
        read_numpy(tmp_path / "h.npz")


def test_not_an_array_file(tmp_path):
    (tmp_path / "n.npy").write_bytes(b"hello, world\n")
    with pytest.raises(FormatError, match="not a valid .npy array"):
        read_numpy(tmp_path / "n.npy")
    (tmp_path / "bad.npz").write_bytes(b"PK\x03\x04" + b"\x00" * 30)
    with pytest.raises(FormatError):
        read_numpy(tmp_path / "bad.npz")


def test_missing_keys_and_mismatch(tmp_path):
    np.savez(tmp_path / "a.npz", a=np.zeros((3, 2)), b=np.zeros(3))
    with pytest.raises(ColumnError, match="which array holds the features\\? Pass x_key=...; the file holds: a, b"):
        read_numpy(tmp_path / "a.npz")
    with pytest.raises(ColumnError, match="no target array 'c'"):
        read_numpy(tmp_path / "a.npz", x_key="a", y_key="c")
    np.savez(tmp_path / "m.npz", x=np.zeros((3, 2)), y=np.zeros(4))
    with pytest.raises(SizeMismatchError, match="4 targets for 3 samples"):
        read_numpy(tmp_path / "m.npz")
    np.savez(tmp_path / "e.npz", x=np.zeros((0, 2)))
    with pytest.raises(EmptyDataError):
        read_numpy(tmp_path / "e.npz")


# --- HDF5 -------------------------------------------------------------------------------------

def test_hdf5_groups_text_labels_and_listing(tmp_path):
    f = tmp_path / "d.h5"
    with h5py.File(f, "w") as h:
        h["train/x"] = np.arange(20.0).reshape(10, 2)
        h["train/label"] = np.array([b"yes", b"no"] * 5)
    assert list_hdf5_datasets(f) == {"train/label": ((10,), np.dtype("S3")), "train/x": ((10, 2), np.dtype("<f8"))}
    ds = read_hdf5(f, x_key="train/x", y_key="/train/label")
    assert ds.class_names == ["no", "yes"] and ds.y[:2].tolist() == [1, 0]
    np.testing.assert_array_equal(ds.x, np.arange(20.0).reshape(10, 2))


def test_hdf5_images_in_chunks(tmp_path, monkeypatch):
    import visualnet.data.hdf5_import as mod
    monkeypatch.setattr(mod, "CHUNK_BYTES", 1000)
    x = read_idx(MNIST_IMAGES)[:50]
    with h5py.File(tmp_path / "i.h5", "w") as h:
        h["images"] = x
        h["labels"] = read_idx(MNIST_LABELS)[:50]
    seen = []
    ds = read_hdf5(tmp_path / "i.h5", progress=seen.append)
    np.testing.assert_array_equal(ds.x[..., 0], x)
    assert ds.kind == "image" and len(seen) > 10
    with pytest.raises(Cancelled):
        read_hdf5(tmp_path / "i.h5", cancel=lambda: True)


def test_hdf5_broken(tmp_path):
    (tmp_path / "n.h5").write_bytes(b"not hdf5 at all")
    with pytest.raises(FormatError, match="not a readable HDF5 file") as info:
        read_hdf5(tmp_path / "n.h5")
    assert info.value.file == str(tmp_path / "n.h5")
    with h5py.File(tmp_path / "e.h5", "w") as h:
        h.create_group("empty")
    with pytest.raises(EmptyDataError, match="holds no arrays"):
        read_hdf5(tmp_path / "e.h5")
    with h5py.File(tmp_path / "k.h5", "w") as h:
        h["a"], h["b"], h["c"] = np.zeros(3), np.zeros(3), np.zeros(3)
    with pytest.raises(ColumnError, match="which array holds the features"):
        read_hdf5(tmp_path / "k.h5")
    with pytest.raises(ColumnError, match="no feature array 'x'"):
        read_hdf5(tmp_path / "k.h5", x_key="x")
    with h5py.File(tmp_path / "big.h5", "w") as h:
        h["x"] = np.arange(200_000.0).reshape(100_000, 2)
    data = (tmp_path / "big.h5").read_bytes()
    (tmp_path / "big.h5").write_bytes(data[:len(data) // 2])
    with pytest.raises(FormatError):
        read_hdf5(tmp_path / "big.h5")
