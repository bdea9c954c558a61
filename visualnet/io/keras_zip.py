"""The Keras 3 `.keras` zip: `metadata.json`, `config.json` and `model.weights.h5`,
written and read with zipfile and h5py alone."""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path

import h5py

from ..data.hdf5_guard import open_hdf5
from ..graph import Graph
from .errors import KerasFileError
from .keras_config import graph_from_keras_config, model_config
from .keras_h5 import MAX_JSON, read_keras3_weights, write_keras3_weights

CONFIG, METADATA, WEIGHTS = "config.json", "metadata.json", "model.weights.h5"
MAX_WEIGHTS_BYTES = 4 << 30
MAX_MEMBERS = 10_000


def write_keras_zip(path: Path, graph: Graph, name: str, sequential: bool, weights: dict[str, list],
                    compile_config: dict | None, optimizer_vars: list | None = None,
                    optimizer_name: str = "optimizer") -> None:
    config = model_config(graph, name, sequential, "keras3")
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


def _member(z: zipfile.ZipFile, name: str, limit: int) -> bytes:
    try:
        info = z.getinfo(name)
    except KeyError:
        raise KerasFileError(f"The .keras file has no '{name}'.") from None
    if info.file_size > limit:
        raise KerasFileError(f"'{name}' in the .keras file claims {info.file_size} bytes; at most {limit} are "
                             "accepted.")
    with z.open(info) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise KerasFileError(f"'{name}' in the .keras file is larger than {limit} bytes.")
    return data


def read_keras_config(path) -> tuple[zipfile.ZipFile, dict]:
    z = zipfile.ZipFile(path, "r")
    if len(z.infolist()) > MAX_MEMBERS:
        z.close()
        raise KerasFileError("The .keras file has too many members.")
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


def read_keras_zip(path):
    """(KerasModelSpec, weights by node id, compile_config or None) of a `.keras` file."""
    z, config = read_keras_config(path)
    with z:
        spec = graph_from_keras_config(config)
        data = _member(z, WEIGHTS, MAX_WEIGHTS_BYTES)
    try:
        with open_hdf5(io.BytesIO(data)) as f:
            weights = read_keras3_weights(f, spec.graph, spec.sequential)
    except OSError as exc:
        raise KerasFileError(f"model.weights.h5 in the .keras file cannot be read: {exc}") from None
    compile_config = config.get("compile_config")
    return spec, weights, compile_config if isinstance(compile_config, dict) and compile_config else None


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
