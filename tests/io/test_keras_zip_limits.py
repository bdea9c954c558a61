"""Memory and time bombs in `.keras` zips are refused before anything is unpacked, with a
message that states the limit; damaged compressed data and MemoryError become a clear
KerasFileError (issue 27)."""

import struct
import tracemalloc
import zipfile
import zlib

import pytest

from visualnet import models as vm
from visualnet.io import KerasFileError
from visualnet.io import keras_zip

from .helpers import mlp


@pytest.fixture(scope="module")
def members(tmp_path_factory):
    path = tmp_path_factory.mktemp("zip") / "m.keras"
    mlp().save(path)
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def write(path, members, compression=zipfile.ZIP_STORED, extra=()):
    with zipfile.ZipFile(path, "w", compression=compression) as z:
        for name, data in members.items():
            z.writestr(name, data)
        for name, data in extra:
            z.writestr(name, data)
    return path


def no_unpacking(monkeypatch):
    """Fail the test if any member is opened."""
    def refuse(*args, **kwargs):
        raise AssertionError("a member was read before the limits were checked")
    monkeypatch.setattr(zipfile.ZipFile, "open", refuse)


def test_a_normal_file_loads(tmp_path, members):
    vm.load_model(write(tmp_path / "ok.keras", members, zipfile.ZIP_DEFLATED))


def test_zip_bomb_is_refused_before_unpacking(tmp_path, members, monkeypatch):
    bomb = dict(members)
    bomb["model.weights.h5"] = bytes(64 << 20)              # 64 MiB of zeros packs to ~64 KB
    path = write(tmp_path / "bomb.keras", bomb, zipfile.ZIP_DEFLATED)
    assert path.stat().st_size < 1 << 20
    no_unpacking(monkeypatch)
    with pytest.raises(KerasFileError, match=r"ratio of 200 is accepted"):
        vm.load_model(path)


def test_declared_sizes_are_checked_against_the_limits(tmp_path, members, monkeypatch):
    path = write(tmp_path / "m.keras", members)
    no_unpacking(monkeypatch)
    monkeypatch.setattr(keras_zip, "MAX_MEMBER_BYTES", 1000)
    with pytest.raises(KerasFileError, match=r"'config.json' in the .keras file unpacks to [\d,]+ bytes; "
                                             r"at most 1,000 bytes are accepted per member"):
        vm.load_model(path)
    monkeypatch.setattr(keras_zip, "MAX_MEMBER_BYTES", 1 << 30)
    monkeypatch.setattr(keras_zip, "MAX_TOTAL_BYTES", 2000)
    with pytest.raises(KerasFileError, match="together; at most 2,000 bytes are accepted"):
        vm.load_model(path)


def test_many_members_are_refused_before_zipfile_reads_the_directory(tmp_path, members, monkeypatch):
    path = write(tmp_path / "many.keras", members, extra=((f"x/{i}", b"") for i in range(12_000)))
    monkeypatch.setattr(keras_zip.zipfile, "ZipFile", None)   # refused from the end record alone (quickly:
    with pytest.raises(KerasFileError, match=r"declares 12,00\d members; at most 10,000 are accepted"):
        vm.load_model(path)                                   # the 12 000 entries are never read)


def zip64_end(count: int, cd_size: int, cd_offset: int, at: int) -> bytes:
    record = struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, cd_size, cd_offset)
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, at, 1)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    return record + locator + end


def test_a_zip64_end_record_claiming_a_million_members(tmp_path, members):
    raw = write(tmp_path / "m.keras", members).read_bytes()
    eocd = raw.rindex(b"PK\x05\x06")
    _, _, _, _, n, cd_size, cd_offset, _ = struct.unpack("<4s4H2LH", raw[eocd:eocd + 22])
    (tmp_path / "z64.keras").write_bytes(raw[:eocd] + zip64_end(1_000_000, cd_size, cd_offset, eocd))
    with pytest.raises(KerasFileError, match="declares 1,000,000 members; at most 10,000"):
        vm.load_model(tmp_path / "z64.keras")
    (tmp_path / "z64b.keras").write_bytes(raw[:eocd] + zip64_end(n, 1 << 40, cd_offset, eocd))
    with pytest.raises(KerasFileError, match=r"list of members takes 1024.0 GiB; at most 16 MiB"):
        vm.load_model(tmp_path / "z64b.keras")


def test_a_header_that_understates_the_size_cannot_make_it_read_more(tmp_path, members):
    """The central directory says 4,096 bytes; the deflate stream holds 256 MiB."""
    lying = dict(members)
    lying["model.weights.h5"] = bytes(256 << 20)
    raw = bytearray(write(tmp_path / "big.keras", lying, zipfile.ZIP_DEFLATED).read_bytes())
    entry = raw.index(b"PK\x01\x02")  # the central directory entry of model.weights.h5
    while raw[entry + 46:entry + 46 + 16] != b"model.weights.h5":
        entry = raw.index(b"PK\x01\x02", entry + 4)
    struct.pack_into("<L", raw, entry + 16, zlib.crc32(bytes(4096)))
    struct.pack_into("<L", raw, entry + 24, 4096)
    (tmp_path / "lie.keras").write_bytes(bytes(raw))
    tracemalloc.start()
    try:
        with pytest.raises(KerasFileError):
            vm.load_model(tmp_path / "lie.keras")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 32 << 20


def test_damaged_deflate_data_is_a_keras_file_error(tmp_path, members):
    raw = bytearray(write(tmp_path / "d.keras", members, zipfile.ZIP_DEFLATED).read_bytes())
    local = raw.index(b"PK\x03\x04")
    while True:  # the local header of model.weights.h5
        name_len, extra_len = struct.unpack_from("<2H", raw, local + 26)
        if raw[local + 30:local + 30 + name_len] == b"model.weights.h5":
            break
        local = raw.index(b"PK\x03\x04", local + 4)
    raw[local + 30 + name_len + extra_len] = 0xFF   # BTYPE 11: an invalid deflate block
    (tmp_path / "d.keras").write_bytes(bytes(raw))
    with pytest.raises(KerasFileError, match="compressed part cannot be unpacked"):
        vm.load_model(tmp_path / "d.keras")
    with pytest.raises(KerasFileError, match="compressed part cannot be unpacked"):
        mlp().load_weights(tmp_path / "d.keras")


def test_memory_error_becomes_a_keras_file_error(tmp_path, members, monkeypatch):
    path = write(tmp_path / "m.keras", members)

    def no_memory(*args, **kwargs):
        raise MemoryError()
    monkeypatch.setattr(keras_zip, "graph_from_keras_config", no_memory)
    with pytest.raises(KerasFileError, match="too large to load in the memory available"):
        vm.load_model(path)


def test_load_model_s_checks_parse_the_config_once(tmp_path, monkeypatch):
    """The checks that choose a reader (text and lookup layers, a subclass, custom layers,
    ops, several outputs) share one parse of config.json: a config holding a large
    Constant array took 0.76 s a parse, seven times a load."""
    path = tmp_path / "m.keras"
    model = mlp()
    model.save(path)
    parses = []
    real = keras_zip.json.loads
    monkeypatch.setattr(keras_zip.json, "loads", lambda *a, **k: parses.append(1) or real(*a, **k))
    loaded = vm.load_model(path)
    assert len(parses) <= 3        # the checks' one, then the reader's own
    assert [w.shape for w in loaded.get_weights()] == [w.shape for w in model.get_weights()]
    with keras_zip.shared_peeks():
        first = keras_zip.peek_keras_config(path)
        assert keras_zip.peek_keras_config(path) is first
    assert keras_zip.peek_keras_config(path) is not first    # outside: parsed anew
