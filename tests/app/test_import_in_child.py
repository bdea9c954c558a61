"""File > Import Keras Model runs the reader in a child process (gui/child_import.py): the
window stays live behind a modal dialog, Cancel stops the child, and a child that does not
finish within the import's time limit is stopped with a message (issue 27)."""

import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QProgressDialog, QPushButton

from visualnet.gui import child_import

from ..io.helpers import mlp

SLEEPER = ([sys.executable, "-c", "import time; time.sleep(120)"], {})


def test_import_through_the_child(window, answers, tmp_path):
    path = tmp_path / "m.keras"
    mlp().save(path)
    assert window.files.import_keras(path)
    assert len(window.graph.nodes) == 5 and window.files.parts.weights
    assert not list(tmp_path.glob("visualnet-import-*"))


def test_a_slow_import_is_stopped_at_its_time_limit(window, answers, tmp_path, monkeypatch):
    path = tmp_path / "m.keras"
    mlp().save(path)
    monkeypatch.setattr(child_import, "child_command", lambda src, out: SLEEPER)
    monkeypatch.setattr(child_import, "time_limit", lambda src: 1.0)
    monkeypatch.setattr("visualnet.io.foreign.TIME_BASE", 1.0)
    window.load_template("mnist_mlp")
    before = len(window.graph.nodes)
    ticks = []
    ticker = QTimer(interval=50)
    ticker.timeout.connect(lambda: ticks.append(1))
    ticker.start()
    assert not window.files.import_keras(path)
    ticker.stop()
    assert answers.warnings[-1][0] == "Import Keras Model"
    assert "took longer than 1 s, so it was stopped" in answers.warnings[-1][1]
    assert len(window.graph.nodes) == before
    assert len(ticks) >= 3                       # the window's event loop ran while the child worked


def test_cancel_stops_the_child(window, answers, tmp_path, monkeypatch):
    path = tmp_path / "m.keras"
    mlp().save(path)
    monkeypatch.setattr(child_import, "child_command", lambda src, out: SLEEPER)
    seen = []

    def press_cancel():
        dialogs = [w for w in QApplication.topLevelWidgets() + window.findChildren(QProgressDialog)
                   if isinstance(w, QProgressDialog) and w.isVisible()]
        if not dialogs:
            QTimer.singleShot(50, press_cancel)
            return
        seen.append(dialogs[0].labelText())
        dialogs[0].findChild(QPushButton).click()

    QTimer.singleShot(100, press_cancel)
    warnings = len(answers.warnings)
    assert not window.files.import_keras(path)
    assert seen == ["Importing m.keras…"] and len(answers.warnings) == warnings   # no error: the user chose
    assert "cancelled" in window.statusBar().currentMessage()
