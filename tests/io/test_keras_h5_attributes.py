"""Attributes of legacy `.h5` files are read bounded (issue 27): a Keras-written file keeps
`model_config` as a variable-length string in a global heap, and 512 zeroed bytes there made
h5py (HDF5) loop forever inside `load_model`. Types, shapes and sizes are checked and the
heap walked before anything is read, so such a file is refused with a KerasFileError."""

import io
import subprocess
import sys
import textwrap
from pathlib import Path

import h5py
import numpy as np
import pytest

from visualnet import models as vm
from visualnet.data import hdf5_guard
from visualnet.io import KerasFileError
from visualnet.io import keras_h5

from .helpers import mlp

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60.0


def keras_style(path, names_too=False):
    """A VisualNet .h5 rewritten as Keras writes it: text attributes as `str` (variable-length
    UTF-8 in the global heap), optionally the name lists too."""
    mlp().save(path)
    with h5py.File(path, "r+") as f:
        for k in ("model_config", "training_config", "keras_version", "backend"):
            v = f.attrs[k]
            del f.attrs[k]
            f.attrs[k] = v.decode() if isinstance(v, bytes) else str(v)
        if names_too:
            groups = [f["model_weights"]] + [g for g in f["model_weights"].values() if isinstance(g, h5py.Group)]
            for g in groups:
                key = "layer_names" if g.name == "/model_weights" else "weight_names"
                names = [n.decode() for n in g.attrs[key]] if len(g.attrs[key]) else []
                del g.attrs[key]
                if names:
                    g.attrs.create(key, names, dtype=h5py.string_dtype())
                else:
                    g.attrs.create(key, np.array([], dtype=np.float64))
        assert h5py.h5a.open(f.id, b"model_config").get_type().is_variable_str()
    return path


def load_in_subprocess(path) -> str:
    """Load `path` in a child process so that a hang fails this test instead of the suite."""
    code = textwrap.dedent("""
        import sys
        from visualnet import models
        from visualnet.io import KerasFileError
        try:
            models.load_model(sys.argv[1])
        except KerasFileError as exc:
            print("KerasFileError:", exc)
        else:
            print("loaded")
    """)
    try:
        run = subprocess.run([sys.executable, "-c", code, str(path)], cwd=ROOT, capture_output=True, text=True,
                             timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"load_model hung on {path.name} (no answer in {TIMEOUT:.0f} s)")
    assert run.returncode == 0, run.stderr[-2000:]
    return run.stdout.strip()


def heap_text(raw: bytes, text: bytes) -> int:
    """Offset of `text` in the file's global heap collection."""
    heap = raw.index(b"GCOL")
    return raw.index(text, heap)


def test_a_keras_style_file_loads(tmp_path):
    path = keras_style(tmp_path / "k.h5")
    vm.load_model(path)
    assert load_in_subprocess(path) == "loaded"


@pytest.mark.parametrize("where", ["object header", "after the text"])
def test_zeroed_model_config_in_the_heap_is_refused_not_a_hang(tmp_path, where):
    path = keras_style(tmp_path / "k.h5")
    raw = bytearray(path.read_bytes())
    with h5py.File(path) as f:
        config = f.attrs["model_config"].encode()
    text = heap_text(bytes(raw), config[:40])
    start = text - 16 if where == "object header" else text + len(config) - 64  # 16: a heap object's header
    raw[start:start + 512] = bytes(512)
    (tmp_path / "z.h5").write_bytes(bytes(raw))
    out = load_in_subprocess(tmp_path / "z.h5")
    assert out.startswith("KerasFileError:") and "global heap" in out and "damaged" in out, out


def test_zeroed_layer_names_in_the_heap_are_refused_by_load_weights(tmp_path):
    path = keras_style(tmp_path / "k.h5", names_too=True)
    raw = bytearray(path.read_bytes())
    at = heap_text(bytes(raw), b"hidden/kernel:0")
    raw[at - 16:at + 496] = bytes(512)
    (tmp_path / "z.h5").write_bytes(bytes(raw))
    code = textwrap.dedent("""
        import sys
        sys.path.insert(0, "tests/io")
        from helpers import mlp
        from visualnet.io import KerasFileError
        try:
            mlp().load_weights(sys.argv[1])
        except KerasFileError as exc:
            print("KerasFileError:", exc)
    """)
    try:
        run = subprocess.run([sys.executable, "-c", code, str(tmp_path / "z.h5")], cwd=ROOT, capture_output=True,
                             text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail("load_weights hung")
    assert run.stdout.startswith("KerasFileError:") and "global heap" in run.stdout, run.stdout + run.stderr[-2000:]


def test_variable_length_name_lists_load(tmp_path):
    path = keras_style(tmp_path / "k.h5", names_too=True)
    model = mlp()
    model.load_weights(path)
    np.testing.assert_array_equal(model.get_weights()[0], vm.load_model(path).get_weights()[0])


def test_a_heap_above_the_limit_is_refused_stating_the_limit(tmp_path, monkeypatch):
    path = keras_style(tmp_path / "k.h5")
    monkeypatch.setattr(hdf5_guard, "MAX_HEAP_BYTES", 1000)
    with pytest.raises(KerasFileError, match=r"claims [\d,]+ bytes; at most 1,000 are accepted"):
        vm.load_model(path)


def test_fixed_length_attributes_are_checked_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "m.h5"
    mlp().save(path)
    with h5py.File(path) as f:
        with pytest.raises(KerasFileError, match=r"'training_config' attribute holds [\d,]+ bytes; at most 100 "):
            keras_h5.read_attr(f, "training_config", "The file", limit=100)
    monkeypatch.setattr(keras_h5, "MAX_NAMES", 2)
    with pytest.raises(KerasFileError, match=r"'layer_names' attribute holds 5 entries; at most 2 are accepted"):
        vm.load_model(path)


@pytest.mark.parametrize("value, message", [
    (np.zeros((2, 2), "S4"), "has shape"),
    (np.array([1 + 2j]), "neither text nor numbers"),
])
def test_attributes_of_the_wrong_kind_are_refused(tmp_path, value, message):
    path = tmp_path / "m.h5"
    mlp().save(path)
    with h5py.File(path, "r+") as f:
        del f.attrs["model_config"]
        f.attrs["model_config"] = value
    with pytest.raises(KerasFileError, match=message):
        vm.load_model(path)


def test_in_memory_files_are_walked_too(tmp_path):
    """As `model.weights.h5` inside a .keras is opened (open_hdf5 on a BytesIO); in a child
    process, so a hang cannot stop the suite."""
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        f.attrs["name"] = "a variable-length name"
    raw = bytearray(buf.getvalue())
    with hdf5_guard.open_hdf5(io.BytesIO(bytes(raw))) as f:
        assert keras_h5.text_attr(f, "name", "x") == "a variable-length name"
    at = heap_text(bytes(raw), b"a variable-length name")
    raw[at - 16:at + 496] = bytes(512)
    out = run_in_subprocess("""
        import io, sys
        from visualnet.data.hdf5_guard import DamagedHeapError, open_hdf5
        from visualnet.io.keras_h5 import text_attr
        try:
            with open_hdf5(io.BytesIO(open(sys.argv[1], "rb").read())) as f:
                text_attr(f, "name", "x")
        except DamagedHeapError as exc:
            print("DamagedHeapError:", exc)
    """, _write(tmp_path / "raw", raw))
    assert out.startswith("DamagedHeapError:") and "could hang" in out, out


def _write(path, raw) -> Path:
    path.write_bytes(bytes(raw))
    return path


def test_a_real_keras_h5_loads():
    keras = pytest.importorskip("keras")
    import tempfile

    from .keras_cases import cnn_block

    inp = keras.Input((8, 8, 3))
    km = keras.Model(inp, cnn_block(keras.layers, inp))
    with tempfile.TemporaryDirectory() as folder:
        km.save(Path(folder) / "k.h5")
        with h5py.File(Path(folder) / "k.h5") as f:
            assert h5py.h5a.open(f.id, b"model_config").get_type().is_variable_str()
        vm.load_model(Path(folder) / "k.h5")


def run_in_subprocess(code: str, path) -> str:
    try:
        run = subprocess.run([sys.executable, "-c", textwrap.dedent(code), str(path)], cwd=ROOT, capture_output=True,
                             text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"reading {path.name} hung (no answer in {TIMEOUT:.0f} s)")
    assert run.returncode == 0, run.stderr[-2000:]
    return run.stdout.strip()


@pytest.mark.parametrize("reader", ["open_project", "read_project_info"])
def test_a_project_with_a_zeroed_text_heap_is_refused_not_a_hang(tmp_path, reader):
    """Projects are written with fixed-length text, but a crafted one can hold a variable-length
    root attribute: every HDF5 reader walks the heap first (data/hdf5_guard.py)."""
    from visualnet.io.project import Project, save_project

    path = tmp_path / "p.vnet"
    save_project(Project.from_model(mlp()), path)
    note = "x" * 300
    with h5py.File(path, "r+") as f:
        f.attrs["note"] = note                      # str: variable-length, in the global heap
    raw = bytearray(path.read_bytes())
    at = heap_text(bytes(raw), note.encode()[:40])
    raw[at - 16:at + 496] = bytes(512)
    path.write_bytes(bytes(raw))
    out = run_in_subprocess(f"""
        import sys
        from visualnet.io.project import {reader}, ProjectFileError
        try:
            {reader}(sys.argv[1])
        except ProjectFileError as exc:
            print("ProjectFileError:", exc)
        else:
            print("read")
    """, path)
    assert out.startswith("ProjectFileError:") and "global heap" in out, out


def test_project_info_skips_large_root_attributes(tmp_path):
    from visualnet.io.project import Project, read_project_info, save_project

    path = tmp_path / "p.vnet"
    save_project(Project.from_model(mlp()), path, extra_attrs={"recovery_of": "/a/b.vnet", "big": "y" * 20_000})
    info = read_project_info(path)
    assert info["recovery_of"] == "/a/b.vnet" and info["format"] == "visualnet-project" and "big" not in info
