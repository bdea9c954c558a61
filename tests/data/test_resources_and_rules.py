"""Shipped files are the published ones and are found in a bundle; the data package's rules hold."""

import ast
import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

import visualnet.resources as resources
from visualnet.resources import resource_dir, resource_path

from .helpers import MNIST, UCI

ROOT = Path(__file__).resolve().parents[2]
OWN_CODE = sorted((ROOT / "visualnet" / "data").glob("*.py")) + sorted((ROOT / "visualnet" / "datasets").glob("*.py")) \
    + [ROOT / "visualnet" / "resources.py"]


def test_shipped_mnist_matches_the_published_files():
    md5 = {p.name: hashlib.md5(p.read_bytes()).hexdigest() for p in MNIST.glob("*.gz")}
    assert md5 == {"t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
                   "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c"}


def test_shipped_uci_tables_and_attribution():
    for name, rows in {"pima-indians-diabetes": 768, "iris": 150, "sonar": 208, "banknote_authentication": 1372,
                       "wheat-seeds": 210, "abalone": 4177}.items():
        assert len((UCI / f"{name}.csv").read_text().strip().splitlines()) == rows
        assert (UCI / f"{name}.names").is_file()
    readme = resource_path("datasets", "README.md").read_text()
    assert "CC BY-SA 3.0" in readme and "LeCun" in readme and "Dua" in readme and "Brownlee" in readme


def test_resources_found_in_a_frozen_bundle(tmp_path, monkeypatch):
    (tmp_path / "resources" / "datasets").mkdir(parents=True)
    (tmp_path / "resources" / "datasets" / "x.txt").write_text("bundled")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    monkeypatch.delenv(resources.ENV_VAR, raising=False)
    assert resource_dir() == tmp_path / "resources"
    assert resource_path("datasets", "x.txt").read_text() == "bundled"
    with pytest.raises(FileNotFoundError, match="resource 'datasets/y.txt' is missing"):
        resource_path("datasets", "y.txt")


def test_resources_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(resources.ENV_VAR, str(tmp_path))
    assert resource_dir() == tmp_path


@pytest.mark.parametrize("path", OWN_CODE, ids=lambda p: p.name)
def test_no_unsafe_loading_in_data_code(path):
    """No module that runs code while reading (pickle and its kin; object_npz.py reads the
    object arrays of Keras's imdb/reuters files by interpreting a few opcodes, never through
    them), no np.load with object loading, no eval/exec."""
    text = path.read_text(encoding="utf-8")
    unsafe = {"pick" + "le", "_pick" + "le", "c" + "Pick" + "le", "marshal", "shelve", "dill", "joblib"}
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            assert not {a.name.split(".")[0] for a in node.names} & unsafe, f"{path.name}:{node.lineno} imports it"
        if isinstance(node, ast.ImportFrom):
            assert (node.module or "").split(".")[0] not in unsafe, f"{path.name}:{node.lineno} imports it"
        if isinstance(node, ast.Attribute):
            assert "npick" + "ler" not in node.attr.lower(), f"{path.name}:{node.lineno} uses an unpickler"
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "load":
            if getattr(node.func.value, "id", None) == "np":    # np.load keeps its safe default
                assert not [k for k in node.keywords if k.arg is None or k.arg.startswith("allow_") and not (
                    isinstance(k.value, ast.Constant) and k.value.value is False)], \
                    f"{path.name}:{node.lineno} np.load must leave object loading off"
        if isinstance(node, ast.Name):
            assert node.id not in ("eval", "exec", "__import__"), f"{path.name}:{node.lineno} uses {node.id}"


def test_importing_data_and_datasets_loads_no_qt():
    code = ("import sys, visualnet.data, visualnet.datasets, visualnet.data.images;"
            "visualnet.data.load_builtin('iris');"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'shiboken6')"
            " or m.startswith('visualnet.engine') or m.startswith('visualnet.gui')];"
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
