"""The import rules that keep the layers of VisualNet apart (gui -> io, data, engine -> graph)."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "visualnet"
QT = ("PySide6", "pyqtgraph", "shiboken6")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = path.relative_to(PACKAGE.parent).with_suffix("").parts[:-node.level]
                base = ".".join(parts) + ("." + base if base else "")
            names.add(base)
    return names


def files(sub: str = ""):
    return sorted((PACKAGE / sub).rglob("*.py"))


@pytest.mark.parametrize("path", [p for p in files() if "gui" not in p.relative_to(PACKAGE).parts
                                  and p.name != "__main__.py"], ids=str)
def test_qt_only_in_gui(path):
    bad = {m for m in imported_modules(path) if m.split(".")[0] in QT}
    assert not bad, f"{path} imports {bad}; only visualnet/gui may import Qt"


@pytest.mark.parametrize("path", files("graph"), ids=str)
def test_graph_is_pure_python(path):
    bad = {m for m in imported_modules(path)
           if m.split(".")[0] in ("numpy", "numba", "h5py") or m.startswith("visualnet.") and
           not m.startswith(("visualnet.graph", "visualnet.resources"))}
    assert not bad, f"{path} imports {bad}; the model description must stay pure Python"


@pytest.mark.parametrize("path", files("engine") + files("data"), ids=str)
def test_engine_and_data_do_not_reach_up(path):
    bad = {m for m in imported_modules(path) if m.startswith(("visualnet.gui", "visualnet.data"))
           and not m.startswith("visualnet.data") or m.startswith("visualnet.gui")}
    assert not bad, f"{path} imports {bad}"


def test_no_code_execution_from_data():
    for path in files():
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in ("eval", "exec"), f"{path}:{node.lineno} calls {node.func.id}"
            if isinstance(node, ast.keyword) and node.arg == "allow_" + "pickle":
                assert isinstance(node.value, ast.Constant) and node.value.value is False, f"{path}:{node.lineno}"
