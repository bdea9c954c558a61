"""visualnet.datasets beyond MNIST: Keras's files in Keras's formats, built small in tmp folders,
read as Keras's own loaders read them (Keras's `get_file` pointed at the same files)."""

import io
import pickle
import tarfile
import zipfile

import numpy as np
import pytest

from visualnet.data import DataError, FormatError
from visualnet.data.keras_datasets import DatasetFileMissing
from visualnet.data.object_npz import read_npz
from visualnet.datasets import boston_housing, cifar10, cifar100, fashion_mnist, imdb, reuters

from .helpers import write_idx


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty Keras cache folder ($KERAS_HOME/datasets)."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    folder = tmp_path / "keras_home" / "datasets"
    folder.mkdir(parents=True)
    return folder


def _keras_reading(monkeypatch, module: str, path):
    """Keras's dataset module `module` with get_file returning `path` (no download, no hash check)."""
    import importlib

    mod = importlib.import_module(f"keras.src.datasets.{module}")
    monkeypatch.setattr(mod, "get_file", lambda *a, **k: str(path))
    return mod


def _assert_same(ours, theirs):
    for (xa, ya), (xb, yb) in zip(ours, theirs):
        for a, b in ((xa, xb), (ya, yb)):
            assert a.shape == b.shape and a.dtype == b.dtype
            if a.dtype == object:
                assert [list(v) for v in a] == [list(v) for v in b]
            else:
                np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------------- Fashion-MNIST
def test_fashion_mnist_reads_keras_files_as_keras_does(cache, monkeypatch):
    rng = np.random.default_rng(0)
    folder = cache / "fashion-mnist"
    folder.mkdir()
    for part, n in (("train", 30), ("t10k", 10)):
        write_idx(folder / f"{part}-images-idx3-ubyte.gz", rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), True)
        write_idx(folder / f"{part}-labels-idx1-ubyte.gz", rng.integers(0, 10, n, dtype=np.uint8), True)
    ours = fashion_mnist.load_data()
    keras_fm = _keras_reading(monkeypatch, "fashion_mnist", "")
    names = iter(["train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
                  "t10k-images-idx3-ubyte.gz"])
    monkeypatch.setattr(keras_fm, "get_file", lambda *a, **k: str(folder / next(names)))
    _assert_same(ours, keras_fm.load_data())
    assert ours[0][0].shape == (30, 28, 28) and ours[1][1].shape == (10,)


def test_missing_files_name_the_file_the_folder_and_the_address(cache):
    with pytest.raises(DatasetFileMissing, match=r"train-labels-idx1-ubyte\.gz is not in .*fashion-mnist.* never "
                                                 r"downloads: download https://storage\.googleapis\.com/"):
        fashion_mnist.load_data()
    with pytest.raises(DatasetFileMissing, match=r"cifar-10-binary\.tar\.gz is not in .*keras_home.datasets.*"
                                                 r"https://www\.cs\.toronto\.edu/~kriz/cifar-10-binary\.tar\.gz"):
        cifar10.load_data()
    with pytest.raises(FileNotFoundError, match=r"imdb\.npz is not in .*keras_home.datasets"):
        imdb.load_data()
    with pytest.raises(FileNotFoundError, match=r"no file at elsewhere\.npz"):
        reuters.load_data(path="elsewhere.npz")
    with pytest.raises(FileNotFoundError, match="boston_housing.npz"):
        boston_housing.load_data()


# ---------------------------------------------------------------------- CIFAR
def _cifar(rng, n, labels):
    return rng.integers(0, 256, (n, 3072), dtype=np.uint8), [rng.integers(0, k, n, dtype=np.uint8) for k in labels]


def _records(x, labels):
    return np.concatenate([np.stack(labels, axis=1), x], axis=1).tobytes()


def _tar(path, files: dict):
    with tarfile.open(path, "w:gz") as tar:
        for name, raw in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))


def test_cifar10_binary_archive_and_folder_match_keras_batches(cache, tmp_path):
    from keras.src.datasets.cifar import load_batch

    rng = np.random.default_rng(1)
    parts = [_cifar(rng, 4, [10]) for _ in range(6)]
    names = [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]
    _tar(cache / "cifar-10-binary.tar.gz",
         {f"cifar-10-batches-bin/{n}": _records(x, ys) for n, (x, ys) in zip(names, parts)})
    (x_train, y_train), (x_test, y_test) = cifar10.load_data()
    assert x_train.shape == (20, 32, 32, 3) and y_train.shape == (20, 1) and y_test.shape == (4, 1)
    assert x_train.dtype == y_train.dtype == np.uint8
    # Keras reads the same records from python-version batches (pickles of a dict), then moves channels last
    for i, (x, ys) in enumerate(parts):
        batch = tmp_path / f"batch{i}"
        batch.write_bytes(pickle.dumps({b"data": x, b"labels": [int(v) for v in ys[0]]}))
        data, labels = load_batch(str(batch))
        ours_x, ours_y = (x_train[4 * i:4 * i + 4], y_train[4 * i:4 * i + 4]) if i < 5 else (x_test, y_test)
        np.testing.assert_array_equal(ours_x, data.transpose(0, 2, 3, 1))
        np.testing.assert_array_equal(ours_y, np.reshape(labels, (-1, 1)))
    # the extracted folder, named by path=, reads the same
    folder = tmp_path / "extracted" / "cifar-10-batches-bin"
    folder.mkdir(parents=True)
    for n, (x, ys) in zip(names, parts):
        (folder / n).write_bytes(_records(x, ys))
    _assert_same(cifar10.load_data(path=str(folder.parent)), ((x_train, y_train), (x_test, y_test)))


def test_cifar100_matches_keras_fine_and_coarse(cache, tmp_path, monkeypatch):
    rng = np.random.default_rng(2)
    (xa, la), (xb, lb) = _cifar(rng, 6, [20, 100]), _cifar(rng, 3, [20, 100])
    _tar(cache / "cifar-100-binary.tar.gz", {"cifar-100-binary/train.bin": _records(xa, la),
                                             "cifar-100-binary/test.bin": _records(xb, lb)})
    py = tmp_path / "py" / "cifar-100-python"
    py.mkdir(parents=True)
    for name, x, (coarse, fine) in (("train", xa, la), ("test", xb, lb)):
        (py / name).write_bytes(pickle.dumps({b"data": x, b"fine_labels": [int(v) for v in fine],
                                              b"coarse_labels": [int(v) for v in coarse]}))
    keras_c100 = _keras_reading(monkeypatch, "cifar100", py.parent)
    for mode in ("fine", "coarse"):
        ours = cifar100.load_data(label_mode=mode)
        theirs = keras_c100.load_data(label_mode=mode)
        for (a, b), (c, d) in zip(ours, theirs):
            np.testing.assert_array_equal(a, c)
            np.testing.assert_array_equal(b, d)
            assert b.shape == d.shape
    with pytest.raises(ValueError, match="label_mode=medium"):
        cifar100.load_data(label_mode="medium")


def test_cifar_damaged_records_are_refused(cache):
    _tar(cache / "cifar-100-binary.tar.gz", {"cifar-100-binary/train.bin": b"\x00" * 3075,
                                             "cifar-100-binary/test.bin": b"\x00" * 3074})
    with pytest.raises(DataError, match="train.bin: 3,075 bytes is not a whole number of 3,074-byte CIFAR records"):
        cifar100.load_data()


# ---------------------------------------------------------------------- Boston housing
def test_boston_housing_matches_keras(cache, monkeypatch):
    rng = np.random.default_rng(3)
    np.savez(cache / "boston_housing.npz", x=rng.normal(size=(23, 13)), y=rng.uniform(5, 50, 23))
    keras_bh = _keras_reading(monkeypatch, "boston_housing", cache / "boston_housing.npz")
    for kwargs in ({}, {"test_split": 0.3, "seed": 7}, {"test_split": 0.0}):
        _assert_same(boston_housing.load_data(**kwargs), keras_bh.load_data(**kwargs))
    with pytest.raises(ValueError, match="test_split"):
        boston_housing.load_data(test_split=1.0)


# ---------------------------------------------------------------------- IMDB, Reuters
def _texts(rng, n):
    return [list(map(int, rng.integers(1, 60, rng.integers(2, 12)))) for _ in range(n)]


def _objects(lists):
    out = np.empty(len(lists), dtype=object)
    out[:] = [None] * len(lists)
    for i, v in enumerate(lists):
        out[i] = v
    return out


IMDB_CASES = [{}, {"num_words": 20}, {"num_words": 30, "skip_top": 5, "oov_char": None}, {"maxlen": 8, "seed": 3},
              {"start_char": None, "index_from": 0}, {"start_char": None, "index_from": 2, "num_words": 25},
              {"oov_char": 9, "skip_top": 4}]


def test_imdb_matches_keras_on_an_npz_written_as_keras_s(cache, monkeypatch):
    rng = np.random.default_rng(4)
    np.savez(cache / "imdb.npz", x_train=_objects(_texts(rng, 15)), y_train=rng.integers(0, 2, 15),
             x_test=_objects(_texts(rng, 9)), y_test=rng.integers(0, 2, 9))
    keras_imdb = _keras_reading(monkeypatch, "imdb", cache / "imdb.npz")
    for kwargs in IMDB_CASES:
        _assert_same(imdb.load_data(**kwargs), keras_imdb.load_data(**kwargs))
    with pytest.raises(ValueError, match="maxlen=2"):
        imdb.load_data(maxlen=2)


def test_reuters_matches_keras(cache, monkeypatch):
    rng = np.random.default_rng(5)
    np.savez(cache / "reuters.npz", x=_objects(_texts(rng, 20)), y=rng.integers(0, 46, 20))
    keras_reuters = _keras_reading(monkeypatch, "reuters", cache / "reuters.npz")
    for kwargs in IMDB_CASES + [{"test_split": 0.5}]:
        _assert_same(reuters.load_data(**kwargs), keras_reuters.load_data(**kwargs))
    from keras.src.datasets.reuters import get_label_names
    assert list(reuters.get_label_names()) == list(get_label_names())


def test_word_indexes_read_json(cache):
    (cache / "imdb_word_index.json").write_text('{"the": 1, "and": 2}')
    assert imdb.get_word_index() == {"the": 1, "and": 2}
    (cache / "reuters_word_index.json").write_text("[1, 2]")
    with pytest.raises(FormatError, match="a word index is a JSON object"):
        reuters.get_word_index()


# ---------------------------------------------------------------------- the object-array reader
def _npz_with(path, name, npy: bytes):
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(name + ".npy", npy)


def _object_npy(payload: bytes) -> bytes:
    head = io.BytesIO()
    np.lib.format.write_array_header_1_0(head, {"descr": "|O", "fortran_order": False, "shape": (1,)})
    return head.getvalue() + payload


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_object_arrays_of_int_lists_read_in_every_protocol(tmp_path, protocol):
    lists = [[1, 2, 300, 70000, 2 ** 40], [], [5]]
    arr = _objects(lists)
    head = io.BytesIO()
    np.lib.format.write_array_header_1_0(head, np.lib.format.header_data_from_array_1_0(arr))
    path = tmp_path / "a.npz"
    _npz_with(path, "x", head.getvalue() + pickle.dumps(arr, protocol=protocol))
    out = read_npz(path)["x"]
    assert out.dtype == object and [list(v) for v in out] == lists


class _Evil:
    def __reduce__(self):
        import os
        return (os.system, ("echo pwned",))


@pytest.mark.parametrize("payload, why", [
    (pickle.dumps(_Evil(), protocol=2), "pickle opcode|global posix.system|global nt.system"),
    (pickle.dumps({"a": 1}, protocol=3), r"pickle opcode b'}'"),
    (pickle.dumps(np.array([1.5, 2], dtype=object), protocol=3), r"pickle opcode b'G'"),
    (pickle.dumps(np.array(["x", 2], dtype=object), protocol=3), "neither an integer nor a list of integers"),
    (pickle.dumps(np.array([[1]], dtype=np.int64), protocol=3), r"numpy.dtype\('i8'"),
    (b"\x80\x03K\x01.", "not an object array"),
    (b"\x80\x03", "ends early"),
])
def test_anything_else_is_refused_without_running_it(tmp_path, payload, why):
    path = tmp_path / "evil.npz"
    _npz_with(path, "x_train", _object_npy(payload))
    with pytest.raises(FormatError, match=f"array 'x_train' is an object array this reader refuses.*({why})"):
        read_npz(path)
