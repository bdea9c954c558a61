"""Autosave and recovery after a crash (a real process killed with SIGKILL), the crash
dialog, logs, settings and the About box."""

import json
import logging
import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox

from visualnet.graph import to_dict
from visualnet.io.autosave import find_recoveries

ROOT = Path(__file__).resolve().parents[2]
B = QMessageBox.StandardButton

CRASHING_SESSION = textwrap.dedent("""
    import json, os, signal, sys
    from PySide6.QtWidgets import QApplication
    from visualnet.gui.app import create_app
    from visualnet.gui.main_window import MainWindow
    from visualnet.graph import to_dict

    app = create_app(theme_mode="light")
    w = MainWindow()
    w.show()
    w.files.claim_instance()
    if sys.argv[1] != "untitled":
        w.load_template("mnist_mlp")
        w.files.save_to(sys.argv[1])
    w.load_template("two_branch") if sys.argv[1] == "untitled" else None
    w.scene.select([next(iter(w.graph.nodes))])
    w.actions["duplicate"].trigger()           # unsaved work
    w.files.settings.autosave_minutes = 0.001  # autosave after 60 ms
    w.files.apply_settings()

    def written():
        if w.files.autosaver.path is not None and w.files.autosaver.path.exists() and not w.files.busy:
            print(json.dumps(to_dict(w.graph)), flush=True)
            os.kill(os.getpid(), signal.SIGKILL)  # the crash: no clean-up at all
    from PySide6.QtCore import QTimer
    timer = QTimer(interval=50, timeout=written)
    timer.start()
    app.exec()
""")


def crash_a_session(home: Path, project: str) -> dict:
    if not hasattr(signal, "SIGKILL"):
        pytest.skip("the simulated crash uses SIGKILL (POSIX)")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "VISUALNET_SETTINGS_FILE": str(home / "settings.ini"),
           "VISUALNET_RECOVERY_DIR": str(home / "recovery"), "VISUALNET_LOG_DIR": str(home / "logs")}
    proc = subprocess.run([sys.executable, "-c", CRASHING_SESSION, project], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("kind", ["saved project", "untitled"])
def test_after_a_crash_the_next_launch_restores_the_autosaved_work(make_window, answers, home, kind):
    project = home / "work.vnet"
    expected = crash_a_session(home, str(project) if kind == "saved project" else "untitled")
    assert len(find_recoveries()) == 1

    window = make_window()
    assert window.files.claim_instance()                 # the crashed process holds no lock any more
    answers.replies.append(B.Yes)
    assert window.files.offer_recovery()
    assert "did not close normally" in answers.questions[-1][1]
    assert to_dict(window.graph) == expected
    assert window.isWindowModified()                     # restored work still needs saving
    if kind == "saved project":
        assert window.document.path == project and window.windowTitle().startswith("work.vnet")
        assert window.files.save(wait=True)
    else:
        answers.save_names.append(home / "rescued.vnet")
        assert window.files.save(wait=True)
    assert find_recoveries() == []                       # saved: the recovery file is gone
    assert not window.isWindowModified()


def test_declining_a_recovery_deletes_it_and_a_clean_exit_leaves_none(make_window, answers, home):
    crash_a_session(home, "untitled")
    window = make_window()
    answers.replies.append(B.Discard)
    assert not window.files.offer_recovery()
    assert find_recoveries() == []
    # a normal session: autosave, then a clean close removes its recovery file
    window.load_template("mnist_mlp")
    window.scene.select([next(iter(window.graph.nodes))])
    window.actions["duplicate"].trigger()
    window.files.autosave_now()
    window.files.wait()
    assert len(find_recoveries()) == 1
    answers.replies.append(B.Discard)
    window.close()
    assert find_recoveries() == []


def test_recovery_is_not_offered_while_another_visualnet_runs(make_window, home):
    first = make_window()
    assert first.files.claim_instance()
    second = make_window()
    assert not second.files.claim_instance()


def test_an_unreadable_recovery_file_is_reported_and_removed(make_window, answers, home):
    folder = home / "recovery"
    folder.mkdir()
    (folder / "untitled-1-2.recovery.vnet").write_bytes(b"garbage")
    window = make_window()
    assert not window.files.offer_recovery()
    assert answers.warnings and answers.warnings[0][0] == "Recovery"
    assert find_recoveries() == []


def test_unexpected_exceptions_show_the_crash_dialog_with_the_log(window, qtbot, home, monkeypatch):
    from visualnet.gui.crash import CrashDialog, CrashReporter
    from visualnet.logs import setup_logging

    log_file = setup_logging()
    assert log_file is not None
    shown = []
    monkeypatch.setattr(CrashDialog, "exec", lambda self: shown.append(self) or 0)
    reporter = CrashReporter(log_file, lambda: window)
    reporter.install()
    try:
        window.load_template("mnist_mlp")
        window.scene.select([next(iter(window.graph.nodes))])
        window.actions["duplicate"].trigger()             # unsaved work: saved to recovery on a crash
        try:
            raise RuntimeError("boom in a slot")
        except RuntimeError:
            sys.excepthook(*sys.exc_info())
        qtbot.waitUntil(lambda: len(shown) == 1, timeout=3000)
        dialog = shown[0]
        from PySide6.QtWidgets import QLabel
        assert any(str(log_file) in label.text() for label in dialog.findChildren(QLabel))
        assert "boom in a slot" in dialog.details and "Traceback" in dialog.details and "Numba" in dialog.details
        dialog.copy_button.click()
        assert QGuiApplication.clipboard().text() == dialog.details
        assert find_recoveries(), "unsaved work was not written before the dialog"

        thread = threading.Thread(target=lambda: 1 / 0, name="worker-x")
        thread.start()
        thread.join()
        qtbot.waitUntil(lambda: len(shown) == 2, timeout=3000)
        assert "ZeroDivisionError" in shown[1].details and "worker-x" in shown[1].details
    finally:
        reporter.uninstall()
    for handler in logging.getLogger("visualnet").handlers:
        handler.flush()
    text = log_file.read_text()
    assert "boom in a slot" in text and "ZeroDivisionError" in text
    assert window.isVisible()                             # the app did not vanish


def test_settings_are_typed_and_survive_bad_values(home):
    from visualnet.gui.settings import Settings

    s = Settings()
    assert (s.theme, s.autosave_minutes, s.threads, s.recent_files()) == ("system", 3.0, 0, [])
    s.store.setValue("appearance/theme", "purple")
    s.store.setValue("files/autosave_minutes", "soon")
    s.store.setValue("engine/threads", "-4")
    assert (s.theme, s.autosave_minutes, s.threads) == ("system", 3.0, 0)
    s.theme, s.autosave_minutes, s.threads = "dark", 0.5, 1
    s.sync()
    again = Settings()
    assert (again.theme, again.autosave_minutes, again.threads) == ("dark", 0.5, 1)
    with pytest.raises(ValueError, match="theme"):
        s.theme = "pink"


def test_theme_choice_and_autosave_interval_come_from_the_settings(window, qapp):
    window.actions["theme_dark"].trigger()
    try:
        assert window.files.settings.theme == "dark"
    finally:
        window.actions["theme_light"].trigger()
    window.files.settings.autosave_minutes = 0
    window.files.apply_settings()
    assert not window.files._autosave_timer.isActive()
    window.files.settings.autosave_minutes = 2
    window.files.apply_settings()
    assert window.files.autosaver.interval == 120 and window.files._autosave_timer.isActive()


def test_about_lists_versions_and_the_shortcut_sheet_lists_file_actions(window, monkeypatch):
    texts = []
    monkeypatch.setattr(QMessageBox, "about", staticmethod(lambda parent, title, text: texts.append(text)))
    monkeypatch.setattr(QMessageBox, "information", staticmethod(lambda parent, title, text, *a: texts.append(text)))
    window.actions["about"].trigger()
    window.actions["shortcuts"].trigger()
    about, sheet = texts
    import numba
    import numpy
    from PySide6 import QtCore

    for value in (numpy.__version__, numba.__version__, QtCore.qVersion(), "Python"):
        assert value in about
    for label in ("Open", "Save As", "Import Keras or ONNX Model", "Quit", "Undo"):
        assert label in sheet


def test_preferences_dialog_stores_theme_autosave_and_threads(window, qapp, monkeypatch):
    from visualnet.gui import preferences, theme

    def accept(self):
        self.theme.setCurrentIndex(self.theme.findData("dark"))
        self.autosave.setValue(0.5)
        self.threads.setValue(1)
        return 1

    monkeypatch.setattr(preferences.PreferencesDialog, "exec", accept)
    try:
        window.actions["preferences"].trigger()
        s = window.files.settings
        assert (s.theme, s.autosave_minutes, s.threads) == ("dark", 0.5, 1)
        assert theme.current().dark and window.actions["theme_dark"].isChecked()
        assert window.files.autosaver.interval == 30
    finally:
        theme.apply(qapp, "light")
        from visualnet.gui.settings import apply_threads
        apply_threads(0)   # all cores again for the tests that follow
