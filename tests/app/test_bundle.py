"""The PyInstaller spec builds a one-folder bundle holding only the Qt modules the app uses,
and the built Linux bundle passes its own self-test (packaging/linux/smoke-test.sh).

Slow (about a minute): the bundle is built once for the module, in a temporary folder.
Skipped when PyInstaller is not installed (`pip install -e '.[packaging]'`)."""

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(importlib.util.find_spec("PyInstaller") is None, reason="PyInstaller not installed")]

QT_USED = {"QtCore", "QtGui", "QtWidgets", "QtSvg", "QtOpenGL", "QtOpenGLWidgets"}   # pyqtgraph needs the OpenGL two
# Qt libraries that may ship: the used modules, and what the platform plugins need
QT_LIBS_ALLOWED = re.compile(r"^libQt6(Core|Gui|Widgets|Svg|DBus|OpenGL|OpenGLWidgets|XcbQpa|Wayland\w*|Wl\w*|EglFS\w*|"
                             r"EglFsKmsSupport)\.so")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    if not sys.platform.startswith("linux"):
        pytest.skip("the Linux bundle is built on Linux")
    work = tmp_path_factory.mktemp("pyinstaller")
    proc = subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
                           "--distpath", str(work / "dist"), "--workpath", str(work / "build"),
                           str(ROOT / "packaging" / "visualnet.spec")],
                          cwd=ROOT, capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return work / "dist" / "VisualNet"


def test_spec_builds_a_bundle_with_only_the_qt_modules_the_app_uses(bundle):
    internal = bundle / "_internal"
    assert (bundle / "visualnet").is_file() and os.access(bundle / "visualnet", os.X_OK)
    modules = {p.name.split(".")[0] for p in (internal / "PySide6").glob("Qt*.so")}
    assert modules == QT_USED
    libs = {p.name for p in internal.rglob("libQt6*.so*")}
    unused = sorted(n for n in libs if not QT_LIBS_ALLOWED.match(n))
    assert not unused, f"Qt libraries the app does not use: {unused}"
    plugins = {p.name for p in (internal / "PySide6" / "Qt" / "plugins").iterdir()}
    assert "platforms" in plugins and "imageformats" in plugins and "iconengines" in plugins
    assert not plugins & {"sqldrivers", "tls", "networkinformation", "qmltooling", "designer", "printsupport"}
    for absent in ("torch", "keras", "tensorflow", "PyQt5", "PyQt6", "pytest", "tkinter"):
        assert not (internal / absent).exists(), absent
    # resources, the build id naming the Numba cache, and the engine's sources for Numba
    for name in ("templates/mnist_mlp.json", "icons/app.svg", "datasets/mnist/t10k-images-idx3-ubyte.gz",
                 "fonts/DejaVuSans.ttf"):
        assert (internal / "resources" / name).is_file(), name
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*-[0-9a-f]{12}", (internal / "build_id.txt").read_text().strip())
    assert (internal / "visualnet" / "engine" / "_jit.py").is_file()


def test_every_bundled_library_finds_its_dependencies(bundle):
    if shutil.which("ldd") is None:
        pytest.skip("no ldd")
    missing = {}
    for path in (bundle / "_internal").rglob("*.so*"):
        if path.is_symlink() or not path.is_file():
            continue
        out = subprocess.run(["ldd", str(path)], capture_output=True, text=True).stdout
        # the Wayland client libraries come with every Wayland desktop (elsewhere Qt uses xcb);
        # a wheel's vendored folder (h5py.libs) may hold libraries with no search path of
        # their own: the package's extensions load them through their DT_RPATH, which the
        # loader applies to the libraries' own dependencies too (ldd, given one file, cannot)
        gone = [line.split()[0] for line in out.splitlines()
                if "not found" in line and not line.split()[0].startswith("libwayland-")
                and not (path.parent.name.endswith(".libs") and (path.parent / line.split()[0]).is_file())]
        if gone:
            missing[str(path.relative_to(bundle))] = gone
    assert not missing, missing


def test_the_built_bundle_passes_its_self_test(bundle):
    """packaging/linux/smoke-test.sh: self-test with a cold and a warm Numba cache as a user
    with nothing set up, a broken project refused cleanly, the start-up time."""
    proc = subprocess.run(["bash", str(ROOT / "packaging" / "linux" / "smoke-test.sh"), str(bundle)],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    assert proc.stdout.count("self-test PASSED") == 2
    assert "smoke test passed" in proc.stdout
    shown = re.search(r"warm median (\d+\.\d+) s", proc.stdout)
    assert shown and float(shown.group(1)) < 10, proc.stdout
