"""The main window's small dialogs: the Reshape target for a one-click fix, the keyboard
shortcuts, About."""

from __future__ import annotations

import math
import platform
import sys

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QInputDialog, QMessageBox

from visualnet import __version__

from .param_editors.tuples import parse_tuple

SHORTCUT_ACTIONS = ("new", "open", "save", "save_as", "import_keras", "close", "quit", "undo", "redo", "cut", "copy", "paste", "duplicate", "delete", "select_all", "find",
                    "fit", "zoom_in", "zoom_out", "zoom_reset", "arrange")


def ask_reshape_target(parent, n: int, guess: tuple) -> tuple | None:
    """Ask for (height, width, channels) holding exactly n values; None if cancelled."""
    text = ", ".join(map(str, guess))
    while True:
        text, ok = QInputDialog.getText(
            parent, "Insert Reshape",
            f"Each sample has {n} values, not a perfect square.\nReshape them to (height, width, channels):",
            text=text)
        if not ok:
            return None
        shape = parse_tuple(text)
        if isinstance(shape, tuple) and shape and all(d > 0 for d in shape) and math.prod(shape) == n:
            return shape
        QMessageBox.warning(parent, "Insert Reshape", f"The shape must hold exactly {n} values; {text!r} does not.")


def show_shortcuts(window) -> None:
    rows = []
    for key in SHORTCUT_ACTIONS:
        action = window.actions.get(key)
        if action is None or not action.shortcuts():
            continue
        keys = ", ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in action.shortcuts())
        rows.append(f"<tr><td>{action.text().replace('&', '')}</td><td><b>{keys}</b></td></tr>")
    rows.append("<tr><td>Move selected layers</td><td><b>Arrow keys (Shift: 5 grid steps)</b></td></tr>")
    rows.append("<tr><td>Pan</td><td><b>Middle drag, or Space + drag</b></td></tr>")
    rows.append("<tr><td>Zoom</td><td><b>Mouse wheel</b></td></tr>")
    rows.append("<tr><td>Add a layer where you click</td><td><b>Right-click the canvas</b></td></tr>")
    QMessageBox.information(window, "Keyboard shortcuts", "<table cellspacing=6>" + "".join(rows) + "</table>")


def versions() -> dict[str, str]:
    """The versions of VisualNet and what it runs on (About box, crash details, self-test)."""
    from PySide6 import QtCore, __version__ as pyside_version

    out = {"VisualNet": __version__, "Python": platform.python_version()}
    for name, label in (("numpy", "NumPy"), ("numba", "Numba"), ("llvmlite", "llvmlite"), ("h5py", "h5py"),
                        ("pyqtgraph", "pyqtgraph")):
        try:
            module = sys.modules.get(name) or __import__(name)
            out[label] = getattr(module, "__version__", "?")
        except Exception as exc:  # noqa: BLE001 - a broken install is reported, not raised
            out[label] = f"unavailable ({type(exc).__name__}: {exc})"
    out["Qt"] = QtCore.qVersion()
    out["PySide6"] = pyside_version
    out["Platform"] = f"{platform.system()} {platform.release()} ({platform.machine()})"
    out["Bundle"] = "frozen (PyInstaller)" if getattr(sys, "frozen", False) else "source / pip"
    return out


def show_about(window) -> None:
    from visualnet.logs import log_dir

    rows = "".join(f"<tr><td>{k}</td><td><b>{v}</b></td></tr>" for k, v in versions().items())
    files = getattr(window, "files", None)
    settings = f"<br>Settings: <code>{files.settings.location}</code>" if files is not None else ""
    QMessageBox.about(window, "About VisualNet",
                      f"<b>VisualNet {__version__}</b><br>Build and train neural networks visually."
                      f"<table cellspacing=4>{rows}</table>Logs: <code>{log_dir()}</code>{settings}")
