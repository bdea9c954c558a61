"""The Keras 3 `.keras` zip: `metadata.json`, `config.json` and `model.weights.h5`,
written and read with zipfile and h5py alone."""

from __future__ import annotations

import contextlib
import io
import json
import os
import struct
import threading
import time
import zipfile
from pathlib import Path

import h5py

from ..data.hdf5_guard import open_hdf5
from ..graph import Graph
from .errors import KerasFileError
from .keras_config import graph_from_keras_config, model_config
from .keras_h5 import MAX_JSON, read_keras3_optimizer, read_keras3_weights, write_keras3_weights

CONFIG, METADATA, WEIGHTS = "config.json", "metadata.json", "model.weights.h5"
MAX_WEIGHTS_BYTES = 4 << 30      # model.weights.h5, unpacked
MAX_MEMBER_BYTES = 4 << 30       # any member, unpacked or packed
MAX_TOTAL_BYTES = 5 << 30        # all members together, unpacked
MAX_MEMBERS = 10_000
MAX_DIRECTORY_BYTES = 16 << 20   # the zip's central directory
MAX_RATIO = 200                  # unpacked / packed, for members above RATIO_FROM bytes
RATIO_FROM = 1 << 20
READ_CHUNK = 1 << 20
EOCD_SEARCH = 22 + 65535 + 20    # end record, its longest comment, and a zip64 locator


def write_keras_zip(path: Path, graph: Graph, name: str, sequential: bool, weights: dict[str, list],
                    compile_config: dict | None, optimizer_vars: list | None = None,
                    optimizer_name: str = "optimizer", frozen=frozenset(), trainable: bool = True) -> None:
    config = model_config(graph, name, sequential, "keras3", frozen, trainable)
    config["compile_config"] = compile_config if compile_config is not None else {}
    if compile_config is None:
        optimizer_vars = None
    metadata = {"keras_version": "3.0.0", "date_saved": time.strftime("%Y-%m-%d@%H:%M:%S")}
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        write_keras3_weights(f, graph, name, sequential, weights, optimizer_vars, optimizer_name)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as z:
        z.writestr(METADATA, json.dumps(metadata))
        z.writestr(CONFIG, json.dumps(config))
        z.writestr(WEIGHTS, buf.getvalue())


def _size(n: int) -> str:
    return f"{n / (1 << 30):.1f} GiB" if n >= 1 << 30 else f"{n / (1 << 20):.0f} MiB" if n >= 1 << 20 else f"{n:,} bytes"


def _directory_size(path) -> tuple[int, int]:
    """(members, bytes of the central directory) from the zip's end record, read before
    zipfile parses the directory (1,000,000 entries took zipfile 22 s)."""
    with open(path, "rb") as fh:
        fh.seek(0, 2)
        end = fh.tell()
        fh.seek(max(0, end - EOCD_SEARCH))
        tail = fh.read()
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) - at < 22:
            raise zipfile.BadZipFile("File is not a zip file")
        _, _, _, _, count, cd_size, _, _ = struct.unpack("<4s4H2LH", tail[at:at + 22])
        if (count == 0xFFFF or cd_size == 0xFFFFFFFF) and at >= 20 and tail[at - 20:at - 16] == b"PK\x06\x07":
            _, _, z64_at, _ = struct.unpack("<4sLQL", tail[at - 20:at])
            if z64_at + 56 > end:
                raise zipfile.BadZipFile("the zip64 end record points past the end of the file")
            fh.seek(z64_at)
            rec = fh.read(56)
            if rec[:4] != b"PK\x06\x06":
                raise zipfile.BadZipFile("the zip64 end record is damaged")
            count, cd_size = struct.unpack("<QQ", rec[32:48])
    return count, cd_size


def _open_checked(path) -> zipfile.ZipFile:
    """The zip, after its member count, directory size and every member's declared size,
    compressed size and compression ratio were checked against the limits."""
    count, cd_size = _directory_size(path)
    if count > MAX_MEMBERS:
        raise KerasFileError(f"The .keras file declares {count:,} members; at most {MAX_MEMBERS:,} are accepted.")
    if cd_size > MAX_DIRECTORY_BYTES:
        raise KerasFileError(f"The .keras file's list of members takes {_size(cd_size)}; at most "
                             f"{_size(MAX_DIRECTORY_BYTES)} are accepted.")
    z = zipfile.ZipFile(path, "r")
    try:
        infos = z.infolist()
        if len(infos) > MAX_MEMBERS:
            raise KerasFileError(f"The .keras file has {len(infos):,} members; at most {MAX_MEMBERS:,} are "
                                 "accepted.")
        total = 0
        for info in infos:
            name = info.filename
            for what, n in (("unpacks to", info.file_size), ("takes", info.compress_size)):
                if n > MAX_MEMBER_BYTES:
                    raise KerasFileError(f"'{name}' in the .keras file {what} {_size(n)}; at most "
                                         f"{_size(MAX_MEMBER_BYTES)} are accepted per member.")
            if info.file_size > RATIO_FROM and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise KerasFileError(f"'{name}' in the .keras file unpacks {info.compress_size:,} bytes to "
                                     f"{info.file_size:,} (ratio {info.file_size / max(info.compress_size, 1):,.0f}"
                                     f"); at most a ratio of {MAX_RATIO} is accepted (a zip bomb?).")
            total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise KerasFileError(f"The members of the .keras file unpack to {_size(total)} together; at most "
                                 f"{_size(MAX_TOTAL_BYTES)} are accepted.")
    except BaseException:
        z.close()
        raise
    return z


def _member(z: zipfile.ZipFile, name: str, limit: int) -> bytearray:
    """The member's bytes, never more than its declared size (itself checked against
    `limit`): a header that understates the size cannot make it read more."""
    try:
        info = z.getinfo(name)
    except KeyError:
        raise KerasFileError(f"The .keras file has no '{name}'.") from None
    declared = info.file_size
    if declared > limit:
        raise KerasFileError(f"'{name}' in the .keras file unpacks to {_size(declared)}; at most {_size(limit)} "
                             "are accepted.")
    buf = bytearray(declared)
    view = memoryview(buf)
    got = 0
    with z.open(info) as fh:
        while got < declared:
            chunk = fh.read(min(READ_CHUNK, declared - got))
            if not chunk:
                break
            view[got:got + len(chunk)] = chunk
            got += len(chunk)
        view.release()
        if got != declared:
            raise KerasFileError(f"'{name}' in the .keras file holds {got:,} bytes; its header says {declared:,}.")
        if fh.read(1):
            raise KerasFileError(f"'{name}' in the .keras file holds more than the {declared:,} bytes its header "
                                 "says.")
    return buf


def read_keras_config(path) -> tuple[zipfile.ZipFile, dict]:
    z = _open_checked(path)
    try:
        raw = _member(z, CONFIG, MAX_JSON)
        try:
            config = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            raise KerasFileError(f"config.json in the .keras file is not valid JSON: {exc}") from None
        if not isinstance(config, dict):
            raise KerasFileError("config.json in the .keras file is not a JSON object.")
    except BaseException:
        z.close()
        raise
    return z, config


_peeks = threading.local()   # .configs: {key: config} while `shared_peeks` is open in this thread


@contextlib.contextmanager
def shared_peeks():
    """Within: `peek_keras_config` parses each file's config.json once (a loader's checks each
    looked at it: a config holding a 20,000 x 100 Constant took 0.76 s a parse, seven times)."""
    outer = getattr(_peeks, "configs", None)
    _peeks.configs = {} if outer is None else outer
    try:
        yield
    finally:
        _peeks.configs = outer


def peek_keras_config(path) -> dict:
    """A `.keras` file's config for looking at only (shared: never change it); raises as
    `read_keras_config`."""
    configs = getattr(_peeks, "configs", None)
    if configs is None:
        z, config = read_keras_config(path)
        z.close()
        return config
    stat = os.stat(path)
    key = (os.path.realpath(path), stat.st_size, stat.st_mtime_ns)
    if key not in configs:
        z, configs[key] = read_keras_config(path)
        z.close()
    return configs[key]


def read_keras_zip(path):
    """(KerasModelSpec, weights by node id, compile_config or None) of a `.keras` file."""
    z, config = read_keras_config(path)
    with z:
        spec = graph_from_keras_config(config)
        data = _member(z, WEIGHTS, MAX_WEIGHTS_BYTES)
    try:
        with open_hdf5(io.BytesIO(data)) as f:
            weights = read_keras3_weights(f, spec.graph, spec.sequential)
            compile_config = config.get("compile_config")
            compile_config = compile_config if isinstance(compile_config, dict) and compile_config else None
            if compile_config is not None:
                spec.optimizer_variables = read_keras3_optimizer(f, weights)
    except OSError as exc:
        raise KerasFileError(f"model.weights.h5 in the .keras file cannot be read: {exc}") from None
    return spec, weights, compile_config


def read_weights_from_zip(path, graph: Graph, sequential: bool) -> dict[str, list]:
    """Only the weights of a `.keras` file, for a model the caller already has."""
    z, _ = read_keras_config(path)
    with z:
        data = _member(z, WEIGHTS, MAX_WEIGHTS_BYTES)
    try:
        with open_hdf5(io.BytesIO(data)) as f:
            return read_keras3_weights(f, graph, sequential)
    except OSError as exc:
        raise KerasFileError(f"model.weights.h5 in the .keras file cannot be read: {exc}") from None
