import gzip
import struct
import tracemalloc

import numpy as np
import pytest

from visualnet.data import (Cancelled, EmptyDataError, FormatError, LabelRangeError, SizeMismatchError, read_idx,
                            read_idx_header, read_idx_pair)

from visualnet.data import idx as idx_module

from .helpers import MNIST_IMAGES, MNIST_LABELS, idx_bytes, write_idx


def test_real_mnist_files():
    x = read_idx(MNIST_IMAGES)
    y = read_idx(MNIST_LABELS)
    assert x.shape == (10000, 28, 28) and x.dtype == np.uint8
    assert y.shape == (10000,) and y[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert y[-3:].tolist() == [4, 5, 6]
    assert int(x.sum()) == 264_923_200 and int(x[0].sum()) == 18_454 and int(x[-1].sum()) == 41_833
    assert x[0, 10, 10:15].tolist() == [0, 17, 66, 14, 67]
    assert read_idx_header(MNIST_IMAGES) == (np.dtype(">u1"), (10000, 28, 28))


def test_real_mnist_pair():
    ds = read_idx_pair(MNIST_IMAGES, MNIST_LABELS, num_classes=10)
    assert ds.x.shape == (10000, 28, 28, 1) and ds.kind == "image" and ds.task == "multiclass"
    assert ds.class_names == [str(d) for d in range(10)]
    assert np.bincount(ds.y).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.mark.parametrize("dtype", ["u1", "i1", "i2", "i4", "f4", "f8"])
@pytest.mark.parametrize("compress", [False, True])
def test_round_trip_types(tmp_path, dtype, compress):
    a = (np.arange(2 * 3 * 4) - 7).astype(dtype).reshape(2, 3, 4) if dtype != "u1" else \
        np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    f = write_idx(tmp_path / "a.idx", a, compress)
    out = read_idx(f)
    assert out.dtype == np.dtype(dtype) and out.dtype.isnative
    np.testing.assert_array_equal(out, a)


def test_progress_and_cancel(tmp_path):
    f = write_idx(tmp_path / "a.idx", np.zeros((5000, 28, 28), np.uint8))
    seen = []
    read_idx(f, progress=seen.append)
    assert seen[0] == 0.0 and seen[-1] == 1.0
    with pytest.raises(Cancelled):
        read_idx(f, cancel=lambda: True)


# --- broken files ------------------------------------------------------------------------------

def _bad(tmp_path, data: bytes, kind, name="bad.idx"):
    f = tmp_path / name
    f.write_bytes(data)
    with pytest.raises(kind) as info:
        read_idx(f)
    assert info.value.file == str(f)
    return info.value


def test_empty(tmp_path):
    _bad(tmp_path, b"", EmptyDataError)


def test_bad_magic(tmp_path):
    err = _bad(tmp_path, b"\x01\x02\x08\x01" + struct.pack(">I", 1) + b"\x00", FormatError)
    assert "magic number 0x01020801 should start with two zero bytes" in err.message


def test_unknown_type(tmp_path):
    err = _bad(tmp_path, b"\x00\x00\x07\x01" + struct.pack(">I", 1) + b"\x00", FormatError)
    assert "unknown IDX type code 0x07" in err.message


def test_zero_dimensions(tmp_path):
    _bad(tmp_path, b"\x00\x00\x08\x00", FormatError)


def test_truncated_header(tmp_path):
    err = _bad(tmp_path, b"\x00\x00\x08\x03" + struct.pack(">I", 10), FormatError)
    assert "truncated inside its header" in err.message


def test_truncated_data_raw(tmp_path):
    data = idx_bytes(np.zeros((10, 28, 28), np.uint8))[:-100]
    err = _bad(tmp_path, data, SizeMismatchError)
    assert "7,840 bytes of data, but only 7,740 bytes follow the header" in err.message


def test_truncated_data_gzip(tmp_path):
    data = gzip.compress(idx_bytes(np.arange(7840, dtype=np.uint8).reshape(10, 28, 28)))
    err = _bad(tmp_path, data[:len(data) // 2], (SizeMismatchError, FormatError))
    assert "7,840 bytes" in err.message or "damaged" in err.message


def test_truncated_payload_in_a_valid_gzip(tmp_path):
    """A complete gzip stream whose content is shorter than its IDX header says."""
    content = idx_bytes(np.zeros((10, 28, 28), np.uint8))[:-100]
    err = _bad(tmp_path, gzip.compress(content), SizeMismatchError)
    assert "gzip trailer says the data hold 7,740 bytes" in err.message


def test_extra_bytes(tmp_path):
    err = _bad(tmp_path, idx_bytes(np.zeros(5, np.uint8)) + b"xyz", SizeMismatchError)
    assert "(3 extra)" in err.message


def test_corrupt_gzip(tmp_path):
    data = bytearray(gzip.compress(idx_bytes(np.arange(1000, dtype=np.int32))))
    data[20:40] = b"\xff" * 20
    _bad(tmp_path, bytes(data), FormatError)


@pytest.mark.parametrize("compress", [False, True])
def test_huge_claim_fails_fast_without_allocating(tmp_path, compress, monkeypatch):
    head = b"\x00\x00\x08\x03" + struct.pack(">III", 1_000_000_000 // 784 + 1, 28, 28)
    data = head + bytes(1000)
    if compress:
        data = gzip.compress(data)
    data_reads = []   # fast: refused from the header (and sizes), before any data are read

    class Counting:
        def __init__(self, f):
            self._f = f

        def __enter__(self):
            self._f.__enter__()
            return self

        def __exit__(self, *exc):
            return self._f.__exit__(*exc)

        def readinto(self, buffer):
            data_reads.append(len(buffer))
            return self._f.readinto(buffer)

        def __getattr__(self, name):
            return getattr(self._f, name)

    opened = idx_module._open
    monkeypatch.setattr(idx_module, "_open", lambda path: Counting(opened(path)))
    tracemalloc.start()
    try:
        err = _bad(tmp_path, data, SizeMismatchError)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert data_reads == []
    assert peak < 2_000_000
    assert "1,000,000,624 bytes of data" in err.message


def test_pair_count_mismatch(tmp_path):
    x = write_idx(tmp_path / "x.idx", np.zeros((4, 2, 2), np.uint8))
    y = write_idx(tmp_path / "y.idx", np.zeros(3, np.uint8))
    with pytest.raises(SizeMismatchError, match="3 labels for 4 images") as info:
        read_idx_pair(x, y)
    assert info.value.file == str(y)


def test_pair_labels_out_of_range(tmp_path):
    x = write_idx(tmp_path / "x.idx", np.zeros((4, 2, 2), np.uint8))
    y = write_idx(tmp_path / "y.idx", np.array([1, 2, 12, 3], np.uint8))
    with pytest.raises(LabelRangeError) as info:
        read_idx_pair(x, y, num_classes=10)
    assert info.value.row == 3 and info.value.file == str(y)
    assert "label 12 is outside the 10 classes 0..9" in info.value.message


def test_pair_wrong_ranks(tmp_path):
    x = write_idx(tmp_path / "x.idx", np.zeros((4, 2), np.uint8))
    y = write_idx(tmp_path / "y.idx", np.zeros(4, np.uint8))
    with pytest.raises(FormatError, match=r"\(count, rows, cols\[, channels\]\)"):
        read_idx_pair(x, y)
    with pytest.raises(FormatError, match="one dimension"):
        read_idx_pair(write_idx(tmp_path / "x3.idx", np.zeros((4, 2, 2), np.uint8)), x)
