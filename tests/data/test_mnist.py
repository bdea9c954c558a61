"""visualnet.datasets.mnist.load_data: never downloads; the user's files, else the shipped sample."""

import numpy as np
import pytest

from visualnet import VisualNetWarning
from visualnet.data import DataError, FormatError, LabelRangeError, read_idx
from visualnet.datasets import mnist

from .helpers import MNIST_IMAGES, MNIST_LABELS, write_idx


@pytest.fixture(autouse=True)
def no_user_files(tmp_path, monkeypatch):
    """Each test starts on a machine with no Keras cache and no VISUALNET_MNIST_DIR."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    monkeypatch.delenv(mnist.ENV_VAR, raising=False)


@pytest.fixture
def digits():
    return read_idx(MNIST_IMAGES), read_idx(MNIST_LABELS)


def _fake_full(folder, digits, compress=True, n_train=300, n_test=100):
    """A folder in the layout of the full MNIST download (real digits, fewer of them)."""
    x, y = digits
    folder.mkdir(parents=True, exist_ok=True)
    gz = ".gz" if compress else ""
    write_idx(folder / f"train-images-idx3-ubyte{gz}", x[:n_train], compress)
    write_idx(folder / f"train-labels-idx1-ubyte{gz}", y[:n_train], compress)
    write_idx(folder / f"t10k-images-idx3-ubyte{gz}", x[-n_test:], compress)
    write_idx(folder / f"t10k-labels-idx1-ubyte{gz}", y[-n_test:], compress)
    return folder


def test_fallback_is_the_shipped_sample_and_warns():
    with pytest.warns(mnist.MnistSampleWarning, match="first 8,000 for training and the last 2,000 for testing"):
        (x_train, y_train), (x_test, y_test) = mnist.load_data()
    assert issubclass(mnist.MnistSampleWarning, VisualNetWarning)
    assert x_train.shape == (8000, 28, 28) and x_test.shape == (2000, 28, 28)
    assert y_train.shape == (8000,) and y_test.shape == (2000,)
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}
    assert y_train[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]      # the real MNIST test labels
    assert y_test[-5:].tolist() == [2, 3, 4, 5, 6]
    assert x_train[0].sum() == 18454 and x_test[-1].sum() == 41833


def test_keras_cached_npz_is_used_without_warning(tmp_path, digits, recwarn):
    x, y = digits
    cache = tmp_path / "keras_home" / "datasets"
    cache.mkdir(parents=True)
    np.savez_compressed(cache / "mnist.npz", x_train=x[:600], y_train=y[:600], x_test=x[600:700], y_test=y[600:700])
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    assert not [w for w in recwarn if issubclass(w.category, VisualNetWarning)]
    assert x_train.shape == (600, 28, 28) and x_test.shape == (100, 28, 28)
    np.testing.assert_array_equal(y_test, y[600:700])


def test_idx_folder_from_environment(tmp_path, digits, monkeypatch):
    folder = _fake_full(tmp_path / "mnist_full", digits)
    monkeypatch.setenv(mnist.ENV_VAR, str(folder))
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    assert x_train.shape == (300, 28, 28) and y_test.shape == (100,) and y_train.dtype == np.uint8
    np.testing.assert_array_equal(x_test, digits[0][-100:])


def test_idx_folder_and_npz_by_path(tmp_path, digits):
    folder = _fake_full(tmp_path / "raw_idx", digits, compress=False)
    (x_train, _), _ = mnist.load_data(path=str(folder))
    np.testing.assert_array_equal(x_train, digits[0][:300])
    x, y = digits
    np.savez(tmp_path / "mine.npz", x_train=x[:50], y_train=y[:50], x_test=x[50:60], y_test=y[50:60])
    (_, y_train), _ = mnist.load_data(path=str(tmp_path / "mine.npz"))
    assert y_train.tolist() == y[:50].tolist()


def test_explicit_missing_path_is_an_error_not_a_download(tmp_path):
    with pytest.raises(FileNotFoundError, match="VisualNet never downloads"):
        mnist.load_data(path=str(tmp_path / "nowhere.npz"))


def test_incomplete_folder(tmp_path, monkeypatch):
    folder = tmp_path / "half"
    folder.mkdir()
    write_idx(folder / "t10k-images-idx3-ubyte.gz", read_idx(MNIST_IMAGES)[:5], True)
    monkeypatch.setenv(mnist.ENV_VAR, str(folder))
    with pytest.raises(DataError, match="lacks train-images-idx3-ubyte\\[.gz\\], train-labels-idx1-ubyte\\[.gz\\], "
                                        "t10k-labels-idx1-ubyte\\[.gz\\]"):
        mnist.load_data()


def test_bad_user_files(tmp_path, digits):
    x, y = digits
    np.savez(tmp_path / "wrong.npz", x=x[:5], y=y[:5])
    with pytest.raises(FormatError, match="arrays x_train, y_train, x_test, y_test are missing"):
        mnist.load_data(path=str(tmp_path / "wrong.npz"))
    bad_y = y[:50].copy()
    bad_y[7] = 11
    np.savez(tmp_path / "labels.npz", x_train=x[:50], y_train=bad_y, x_test=x[:5], y_test=y[:5])
    with pytest.raises(LabelRangeError) as info:
        mnist.load_data(path=str(tmp_path / "labels.npz"))
    assert info.value.row == 8
    np.savez(tmp_path / "shape.npz", x_train=x[:5, :20], y_train=y[:5], x_test=x[:5], y_test=y[:5])
    with pytest.raises(FormatError, match=r"must be uint8 of shape \(n, 28, 28\)"):
        mnist.load_data(path=str(tmp_path / "shape.npz"))
    (tmp_path / "text.npz").write_text("hello")
    with pytest.raises(FormatError, match="not a zip archive"):
        mnist.load_data(path=str(tmp_path / "text.npz"))
