"""Issue 27, "Uncaught errors and unclear messages": the data importers (CSV, IDX, image folders)."""

import dataclasses

import numpy as np
import pytest

from visualnet.data import DataError, FormatError, read_csv, sniff_csv
from visualnet.data.errors import LabelRangeError
from visualnet.data.idx import read_idx_pair
from visualnet.data.images import list_image_folder, read_image_folder

from .helpers import write, write_idx


# --- a header or first line longer than the 64 KB sample ------------------------------------------

def _wide_header(n):
    return ",".join(f"a_rather_long_feature_name_{j:05d}" for j in range(n)) + ",target"


def test_header_longer_than_the_sample_is_read_whole(tmp_path):
    n = 3000                                               # about 100 KB of header
    rows = [",".join(str((i + j) % 7) for j in range(n)) + f",{i % 2}" for i in range(40)]
    path = write(tmp_path / "wide.csv", _wide_header(n) + "\n" + "\n".join(rows) + "\n")
    layout = sniff_csv(path)
    assert layout.header and layout.n_columns == n + 1 and layout.names[-1] == "target"
    ds = read_csv(path)
    assert ds.x.shape == (40, n) and ds.y.tolist() == [i % 2 for i in range(40)]


def test_header_only_sample_does_not_ask_for_huge_memory(tmp_path, monkeypatch):
    # the row-size estimate came from the sample's rows: with none (the header alone filled
    # it) it took 1 byte a row and asked for 267 GiB; it is now bounded by the file's size
    from visualnet.data import csv_import
    n = 3000
    path = tmp_path / "header_then_rows.csv"
    path.write_text(_wide_header(n) + "\n" + "".join(",".join(["0"] * n) + f",{i % 2}\n" for i in range(300)))
    real_sniff, sizes = csv_import.sniff_csv, []

    def empty_sample(*args, **kwargs):
        return dataclasses.replace(real_sniff(*args, **kwargs), sample=[])

    class Spy(csv_import._Buffer):
        def __init__(self, capacity, width):
            super().__init__(capacity, width)
            sizes.append(self.array.nbytes)

    monkeypatch.setattr(csv_import, "sniff_csv", empty_sample)
    monkeypatch.setattr(csv_import, "_Buffer", Spy)
    ds = read_csv(path)
    assert ds.x.shape == (300, n)
    assert max(sizes) <= 9 * path.stat().st_size, sizes


def test_first_line_longer_than_the_sample_without_header(tmp_path):
    n = 12000                                              # about 84 KB per line
    rows = [",".join(f"{(i + j) % 9}.2345" for j in range(n)) + f",{i % 2}" for i in range(10)]
    path = write(tmp_path / "wide_noheader.csv", "\n".join(rows) + "\n")
    layout = sniff_csv(path)
    assert not layout.header and layout.n_columns == n + 1
    ds = read_csv(path)
    assert ds.x.shape == (10, n)
    assert ds.x[0, 0] == 0.2345 and ds.x[9, n - 1] == ((9 + n - 1) % 9) + 0.2345


def test_a_line_beyond_the_sample_limit_is_refused_clearly(tmp_path, monkeypatch):
    from visualnet.data import csv_layout
    monkeypatch.setattr(csv_layout, "MAX_SAMPLE_BYTES", 1 << 18)
    path = write(tmp_path / "one_line.csv", ",".join(["1"] * 200_000) + "\n1,2\n")
    with pytest.raises(FormatError, match="first line is longer than"):
        read_csv(path)


# --- row numbers of a bad byte past the sample ----------------------------------------------------

def _latin1_file(tmp_path, header=True, bad_row=9002):
    lines = ([f"a,b,y"] if header else []) + [f"{i},x{i % 3},{i % 2}" for i in range(1, 9200)]
    lines[bad_row - 1] = "9001,caf\xe9,1"
    path = tmp_path / "latin1.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode("latin-1"))
    return path


@pytest.mark.parametrize("header", [True, False])
def test_bad_byte_past_the_sample_reports_the_real_row(tmp_path, header):
    path = _latin1_file(tmp_path, header=header)
    with pytest.raises(FormatError) as info:
        read_csv(path)
    err = info.value
    assert err.row == 9002, str(err)
    assert "0xe9" in err.message and "encoding='latin-1'" in err.message
    assert ("the header is row 1" in err.message) == header
    ds = read_csv(path, encoding="latin-1")
    assert len(ds) == 9199


def test_bad_byte_row_counts_records_not_lines(tmp_path):
    # a quoted cell spanning two lines makes one record (one spreadsheet row)
    body = "a,b,y\n" + "".join(f'{i},"two\nlines",{i % 2}\n' for i in range(5000))
    body += "5000,caf\xe9,1\n" + "".join(f"{i},z,{i % 2}\n" for i in range(100))
    path = tmp_path / "multiline.csv"
    path.write_bytes(body.encode("latin-1"))
    with pytest.raises(FormatError) as info:
        read_csv(path)
    assert info.value.row == 5002                  # header + 5000 records + the bad one


def test_bad_byte_in_the_sample_reports_its_row(tmp_path):
    path = tmp_path / "early.csv"
    path.write_bytes("a,b,y\n1,2,0\n3,4,1\n5,caf\xe9,0\n".encode("latin-1"))
    with pytest.raises(FormatError) as info:
        read_csv(path)
    assert info.value.row == 4 and "0xe9" in info.value.message


# --- UTF-16 (Excel's "Unicode text") --------------------------------------------------------------

@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_bom_is_read(tmp_path, codec):
    text = "x1\tcolour\ty\r\n" + "".join(f"{i}\t{'rød' if i % 2 else 'blå'}\t{i % 2}\r\n" for i in range(30))
    bom = {"utf-16": b"", "utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}[codec]
    path = tmp_path / "unicode.txt"
    path.write_bytes(bom + text.encode(codec))
    layout = sniff_csv(path)
    assert layout.delimiter == "\t" and layout.header and layout.names == ["x1", "colour", "y"]
    ds = read_csv(path)
    assert ds.x.shape == (30, 3) and ds.feature_names == ["x1", "colour=blå", "colour=rød"]
    assert ds.y.tolist() == [i % 2 for i in range(30)]


def test_utf16_without_bom_is_named(tmp_path):
    path = tmp_path / "nobom.txt"
    path.write_bytes("a\tb\n1\t2\n3\t4\n".encode("utf-16-le"))
    with pytest.raises(FormatError, match="UTF-16") as info:
        read_csv(path)
    assert "UTF-8" in info.value.message and "binary" not in info.value.message
    ds = read_csv(path, encoding="utf-16-le")
    assert ds.x.tolist() == [[1.0], [3.0]]


def test_real_binary_is_still_called_binary(tmp_path):
    path = tmp_path / "blob.csv"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(FormatError, match="binary"):
        read_csv(path)


# --- IDX labels -----------------------------------------------------------------------------------

def _images(tmp_path, n):
    return write_idx(tmp_path / "images", np.zeros((n, 2, 2), dtype=np.uint8))


def test_negative_label_names_its_row_and_value(tmp_path):
    labels = write_idx(tmp_path / "labels", np.array([0, 1, -1], dtype=np.int8))
    with pytest.raises(LabelRangeError) as info:
        read_idx_pair(_images(tmp_path, 3), labels)
    err = info.value
    assert err.row == 3 and "-1" in err.message and "label 1 " not in err.message
    assert "negative" in err.message


def test_label_beyond_num_classes_names_its_row_and_value(tmp_path):
    labels = write_idx(tmp_path / "labels", np.array([0, 1, 7, 2], dtype=np.uint8))
    with pytest.raises(LabelRangeError) as info:
        read_idx_pair(_images(tmp_path, 4), labels, num_classes=3)
    assert info.value.row == 3 and "label 7 is outside the 3 classes" in info.value.message


def test_fractional_labels_name_their_row_and_value(tmp_path):
    labels = write_idx(tmp_path / "labels", np.array([0, 1, 1.5, 2.25], dtype=np.float32))
    with pytest.raises(DataError) as info:
        read_idx_pair(_images(tmp_path, 4), labels)
    err = info.value
    assert err.row == 3 and "1.5" in err.message and "2 such labels" in err.message


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_labels_name_their_row(tmp_path, bad):
    labels = write_idx(tmp_path / "labels", np.array([0, 1, bad], dtype=np.float64))
    with pytest.raises(DataError) as info:
        read_idx_pair(_images(tmp_path, 3), labels)
    assert info.value.row == 3 and str(bad) in info.value.message


def test_huge_label_does_not_build_billions_of_classes(tmp_path):
    labels = write_idx(tmp_path / "labels", np.array([0, 2_000_000_000, 1], dtype=np.int32))
    with pytest.raises(LabelRangeError) as info:
        read_idx_pair(_images(tmp_path, 3), labels)
    assert info.value.row == 2 and "2000000000" in info.value.message


def test_whole_float_labels_still_load(tmp_path):
    labels = write_idx(tmp_path / "labels", np.array([0, 1, 2], dtype=np.float32))
    ds = read_idx_pair(_images(tmp_path, 3), labels)
    assert ds.y.tolist() == [0, 1, 2] and ds.class_names == ["0", "1", "2"]


# --- an image folder that is a file ---------------------------------------------------------------

def test_image_folder_that_is_a_file(tmp_path):
    path = write(tmp_path / "digits.zip", "not a folder")
    for call in (list_image_folder, read_image_folder):
        with pytest.raises(NotADirectoryError) as info:
            call(path)
        assert "is a file, not a folder" in str(info.value) and "no such" not in str(info.value)


def test_missing_image_folder_still_says_so(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such folder"):
        read_image_folder(tmp_path / "nowhere")


def test_label_too_large_for_int64_is_named(tmp_path):
    labels = write_idx(tmp_path / "labels", np.array([0, 1, 1e30], dtype=np.float64))
    with pytest.raises(LabelRangeError) as info:
        read_idx_pair(_images(tmp_path, 3), labels, class_names=["a", "b"])
    assert info.value.row == 3 and "1e+30" in info.value.message


def test_utf16_with_bom_but_another_encoding_asked_is_named(tmp_path):
    path = tmp_path / "unicode.txt"
    path.write_bytes("a\tb\n1\t2\n3\t4\n".encode("utf-16"))
    with pytest.raises(FormatError, match="UTF-16 text, not latin-1: pass encoding='utf-16'"):
        read_csv(path, encoding="latin-1")


def test_old_mac_line_breaks_longer_than_the_sample(tmp_path):
    path = tmp_path / "cr.csv"
    path.write_bytes(("a,b,y\r" + "".join(f"{i},{i * 2},{i % 2}\r" for i in range(20000))).encode())
    ds = read_csv(path)
    assert ds.x.shape == (20000, 2) and ds.x[-1].tolist() == [19999, 39998]
