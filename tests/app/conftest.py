"""App-level fixtures: a real MainWindow whose settings, recent files and recovery folder are
this test's own, with the unsaved-changes prompt switched on (tests answer it by replacing
QMessageBox's static functions)."""

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from visualnet.gui import theme
from visualnet.gui.main_window import MainWindow


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("VISUALNET_SETTINGS_FILE", str(tmp_path / "settings.ini"))
    monkeypatch.setenv("VISUALNET_RECOVERY_DIR", str(tmp_path / "recovery"))
    monkeypatch.setenv("VISUALNET_LOG_DIR", str(tmp_path / "logs"))
    return tmp_path


def _window_factory(qtbot, qapp, build, ask_before_discarding):
    """make() -> a shown window from `build()`; all of them closed at the end (here, not by
    qtbot, whose teardown would meet the unsaved-changes prompt)."""
    theme.apply(qapp, "light")
    made = []

    def make():
        w = build()
        w.ask_before_discarding = ask_before_discarding
        w.resize(1200, 800)
        w.show()
        qtbot.waitExposed(w)
        made.append(w)
        return w

    yield make
    for w in made:
        w.ask_before_discarding = False
        w.close()
        qtbot.waitUntil(lambda: not w._closing, timeout=120_000)   # a run still training: its close completes
        w.document.undo_stack.clear()
        w.deleteLater()


@pytest.fixture
def make_window(qtbot, qapp, home):
    """A bare MainWindow with the unsaved-changes prompt on."""
    yield from _window_factory(qtbot, qapp, MainWindow, True)


@pytest.fixture
def app_window(qtbot, qapp, home):
    """Windows as the app builds them (`visualnet.gui.app.build_window`: the training page
    installed), without the prompt."""
    from visualnet.gui.app import build_window

    yield from _window_factory(qtbot, qapp, build_window, False)


@pytest.fixture
def window(make_window):
    return make_window()


class Answers:
    """Replaces the modal dialogs: records every question and answers from a queue."""

    def __init__(self, monkeypatch):
        self.questions, self.warnings, self.infos = [], [], []
        self.replies: list = []
        self.save_names: list = []
        self.open_names: list = []
        monkeypatch.setattr(QMessageBox, "question", staticmethod(self._question))
        monkeypatch.setattr(QMessageBox, "warning", staticmethod(self._warning))
        monkeypatch.setattr(QMessageBox, "information", staticmethod(self._info))
        monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(self._save))
        monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(self._open))

    def _question(self, parent, title, text, buttons=None, default=None):
        self.questions.append((title, text))
        if not self.replies:
            raise AssertionError(f"unexpected question: {title}: {text}")
        return self.replies.pop(0)

    def _warning(self, parent, title, text, *args):
        self.warnings.append((title, text))
        return QMessageBox.StandardButton.Ok

    def _info(self, parent, title, text, *args):
        self.infos.append((title, text))
        return QMessageBox.StandardButton.Ok

    def _save(self, parent, caption="", directory="", filter="", *args):
        return (str(self.save_names.pop(0)), "") if self.save_names else ("", "")

    def _open(self, parent, caption="", directory="", filter="", *args):
        return (str(self.open_names.pop(0)), "") if self.open_names else ("", "")


@pytest.fixture
def answers(monkeypatch):
    return Answers(monkeypatch)
