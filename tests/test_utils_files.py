"""visualnet.utils.normalize, visualnet.backend's image layout, and get_file (never downloads)
against Keras's."""

import hashlib
import os
import tarfile
import zipfile

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")

from visualnet import backend, utils  # noqa: E402

ORIGIN = "https://example.org/data/table.csv"


@pytest.mark.parametrize("axis, order", [(-1, 2), (1, 1), (1, np.inf), (None, 2)])
def test_normalize_is_keras(axis, order):
    import keras

    x = np.random.default_rng(0).normal(size=(4, 5))
    x[1] = 0
    kwargs = {} if axis is None else {"axis": axis}
    np.testing.assert_allclose(utils.normalize(x, order=order, **kwargs),
                               keras.utils.normalize(x, order=order, **kwargs), rtol=1e-12)


def test_normalize_along_the_first_axis():
    x = np.random.default_rng(1).normal(size=(4, 5))
    out = utils.normalize(x, axis=0, order=1)
    np.testing.assert_allclose(np.abs(out).sum(axis=0), np.ones(5))
    np.testing.assert_allclose(out * np.abs(x).sum(axis=0), x)


def test_image_data_format_is_channels_last_and_channels_first_is_refused():
    assert backend.image_data_format() == "channels_last"
    backend.set_image_data_format("channels_last")
    with pytest.raises(ValueError, match="computes only in channels_last.*transpose"):
        backend.set_image_data_format("channels_first")
    with pytest.raises(ValueError, match="data_format=nchw"):
        backend.set_image_data_format("nchw")


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "kh"))
    (tmp_path / "kh" / "datasets").mkdir(parents=True)
    return tmp_path / "kh"


def test_get_file_returns_the_cached_file_as_keras_does(home, tmp_path):
    from keras.src.utils.file_utils import get_file as keras_get_file

    cached = home / "datasets" / "table.csv"
    cached.write_text("a,b\n1,2\n")
    sha = hashlib.sha256(cached.read_bytes()).hexdigest()
    assert utils.get_file("table.csv", ORIGIN) == str(cached)
    assert utils.get_file(origin=ORIGIN, file_hash=sha) == str(cached)
    assert utils.get_file(origin=ORIGIN, cache_dir=str(home)) == keras_get_file(origin=ORIGIN, cache_dir=str(home),
                                                                              file_hash=sha)
    other = tmp_path / "mine" / "raw"
    other.mkdir(parents=True)
    (other / "t.csv").write_text("x")
    assert utils.get_file("t.csv", ORIGIN, cache_dir=str(tmp_path / "mine"), cache_subdir="raw") == str(other / "t.csv")
    with pytest.raises(ValueError, match="md5 hash .* not 0123"):
        utils.get_file("table.csv", ORIGIN, md5_hash="0123")


def test_get_file_never_downloads(home):
    folder = home / "datasets"
    with pytest.raises(FileNotFoundError, match=f"table.csv is not in {folder} and VisualNet never downloads: "
                                                f"download {ORIGIN} and put it in {folder}"):
        utils.get_file(origin=ORIGIN)
    with pytest.raises(ValueError, match="force_download=True, but VisualNet never downloads"):
        utils.get_file("table.csv", ORIGIN, force_download=True)
    with pytest.raises(ValueError, match="Paths are no longer accepted"):
        utils.get_file("a/b.csv", ORIGIN)


def test_get_file_extracts_a_cached_archive_where_keras_would(home, tmp_path):
    src = tmp_path / "f.txt"
    src.write_text("inside")
    with tarfile.open(home / "datasets" / "pack.tar.gz", "w:gz") as tar:
        tar.add(src, arcname="pack/f.txt")
    out = utils.get_file("pack.tar.gz", "https://example.org/pack.tar.gz", extract=True)
    assert out == str(home / "datasets" / "pack_extracted")
    assert (home / "datasets" / "pack_extracted" / "pack" / "f.txt").read_text() == "inside"
    with zipfile.ZipFile(home / "datasets" / "evil.zip", "w") as zf:
        zf.writestr("../../outside.txt", "no")
    with pytest.raises(ValueError, match="outside"):
        utils.get_file("evil.zip", "https://example.org/evil.zip", extract=True)
    assert not (home / "outside.txt").exists()
