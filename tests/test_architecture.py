"""The rules that keep the layers of VisualNet apart: imports point down (gui -> workspace -> io -> data ->
engine -> graph, checked by import-linter with the contracts in pyproject.toml), Qt stays in
gui, graph stays pure Python, and no package uses another's underscore names."""

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
            names.add(imported_from(path, node))
    return names


def imported_from(path: Path, node: ast.ImportFrom) -> str:
    """The absolute name of the module `from ... import` reads."""
    base = node.module or ""
    if node.level:
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts[:-node.level]
        base = ".".join(parts) + ("." + base if base else "")
    return base


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


def test_import_contracts():
    from importlinter.cli import lint_imports  # the `test` extra installs import-linter

    assert lint_imports(config_filename=str(PACKAGE.parent / "pyproject.toml"), no_cache=True, no_logo=True) == 0, \
        "an import breaks a contract of [tool.importlinter] in pyproject.toml (report above)"


def private(name: str) -> bool:
    return name.startswith("_") and not name.endswith("__")


def package_of(module: str) -> str:
    """'visualnet.engine.model' -> 'engine'; a top-level module (the Keras-compatible
    namespaces) -> ''."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and (PACKAGE / parts[1]).is_dir() else ""


def private_names(path: Path, package: str) -> tuple[set, list]:
    """(underscore names the file defines, (line, name) of those it uses): defined are
    functions, classes, assigned names and `self._x =` / `cls._x =`; used are other
    attributes `x._name` and names imported from another package."""
    defined, used = set(), []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            defined.add(node.id)
        elif isinstance(node, ast.Attribute) and private(node.attr):
            if isinstance(node.ctx, ast.Store) and isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
                defined.add(node.attr)
            else:
                used.append((node.lineno, node.attr))
        elif isinstance(node, ast.ImportFrom):
            module = imported_from(path, node)
            if module.split(".")[0] == "visualnet" and package_of(module) != package:
                used += [(node.lineno, a.name) for a in node.names if private(a.name)]
    return defined, used


def test_no_package_uses_another_packages_private_names():
    defined, used = {}, []
    for path in files():
        package = package_of(".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts))
        names, uses = private_names(path, package)
        defined.setdefault(package, set()).update(names)
        used += [(package, path, line, name) for line, name in uses]
    bad = [f"{path.relative_to(PACKAGE.parent)}:{line} uses {name} of visualnet/"
           f"{', '.join(sorted(p or '*.py' for p, names in defined.items() if name in names))}"
           for package, path, line, name in used
           if name not in defined[package] and any(name in names for names in defined.values())]
    assert not bad, "a package uses another's private names; give them a public API:\n" + "\n".join(bad)


def test_no_code_execution_from_data():
    for path in files():
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in ("eval", "exec"), f"{path}:{node.lineno} calls {node.func.id}"
            if isinstance(node, ast.keyword) and node.arg == "allow_" + "pickle":
                assert isinstance(node.value, ast.Constant) and node.value.value is False, f"{path}:{node.lineno}"


def test_hdf5_files_are_read_only_through_the_guard():
    """Every HDF5 file VisualNet reads is opened by `data.hdf5_guard.open_hdf5` (links,
    external storage and text heaps checked first); `h5py.File` only writes."""
    guard = PACKAGE / "data" / "hdf5_guard.py"
    for path in files():
        if path == guard:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and ast.unparse(node.func) == "h5py.File":
                mode = node.args[1] if len(node.args) > 1 else next(
                    (k.value for k in node.keywords if k.arg == "mode"), None)
                assert isinstance(mode, ast.Constant) and mode.value in ("w", "w-", "x"), \
                    f"{path.relative_to(PACKAGE.parent)}:{node.lineno} opens HDF5 for reading without open_hdf5"
