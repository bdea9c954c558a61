"""`.npy` format 3.0 (UTF-8 header) is read through VisualNet's own header reader: NumPy 2.4
removed the private `numpy.lib.format._read_array_header` it used to call (issue 27)."""

import struct

import numpy as np
import pytest

from visualnet.data.errors import FormatError
from visualnet.data.numpy_import import list_arrays, load_array, read_numpy


def write_v3(path, array):
    with open(path, "wb") as f:
        np.lib.format.write_array(f, array, version=(3, 0))


def test_format_3_0_file_reads(tmp_path):
    a = np.arange(24, dtype="<f4").reshape(6, 4)
    write_v3(tmp_path / "a.npy", a)
    assert (tmp_path / "a.npy").read_bytes()[6:8] == b"\x03\x00"
    assert list_arrays(tmp_path / "a.npy") == {"a": ((6, 4), np.dtype("<f4"))}
    np.testing.assert_array_equal(load_array(tmp_path / "a.npy"), a)
    ds = read_numpy(tmp_path / "a.npy", target=-1)
    assert ds.x.shape == (6, 3) and len(ds.y) == 6


def test_format_3_0_with_a_utf8_field_name(tmp_path):
    a = np.zeros(3, dtype=[("größe", "<f8")])
    write_v3(tmp_path / "s.npy", a)
    shape, dtype = list_arrays(tmp_path / "s.npy")["s"]
    assert shape == (3,) and dtype.names == ("größe",)


@pytest.mark.parametrize("header, why", [
    (b"{'descr': '<f8', 'fortran_order': False}", "keys"),
    (b"{'descr': '<f8', 'fortran_order': 1, 'shape': (2,)}", "fortran_order"),
    (b"{'descr': '<f8', 'fortran_order': False, 'shape': (-2,)}", "shape"),
    (b"__import__('os').system('true')", "parse"),
    (b"\xff\xfe", "parse"),
])
def test_damaged_format_3_0_header_is_a_format_error(tmp_path, header, why):
    header += b" " * (-(len(header) + 11) % 64) + b"\n"
    (tmp_path / "d.npy").write_bytes(b"\x93NUMPY\x03\x00" + struct.pack("<I", len(header)) + header + bytes(16))
    with pytest.raises(FormatError) as info:
        list_arrays(tmp_path / "d.npy")
    assert why in str(info.value)


def test_format_3_0_header_length_is_bounded(tmp_path):
    (tmp_path / "h.npy").write_bytes(b"\x93NUMPY\x03\x00" + struct.pack("<I", 2**32 - 1) + b"{}")
    with pytest.raises(FormatError, match="at most"):
        list_arrays(tmp_path / "h.npy")


def test_unknown_version_is_a_format_error(tmp_path):
    (tmp_path / "v.npy").write_bytes(b"\x93NUMPY\x04\x00" + bytes(64))
    with pytest.raises(FormatError, match="version 4.0"):
        list_arrays(tmp_path / "v.npy")
