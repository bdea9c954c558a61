"""GUI test fixtures: a real MainWindow, shown offscreen, in the light theme, and its
training page."""

import pytest

from visualnet.gui import theme
from visualnet.gui.main_window import MainWindow
from visualnet.gui.training import install


@pytest.fixture
def window(qtbot, qapp):
    theme.apply(qapp, "light")
    MainWindow.ask_before_discarding = False  # no modal dialogs in tests
    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    qtbot.waitUntil(lambda: w.isActiveWindow(), timeout=2000)
    yield w
    w.document.undo_stack.clear()
    # Qt's offscreen platform frees a QMimeData left on its clipboard twice when the
    # process exits (a segfault after the last test; the xcb platform does not).
    qapp.clipboard().clear()


@pytest.fixture
def page(window):
    """The window's training page, shown."""
    p = install(window)
    window.pages.setCurrentWidget(p)
    yield p
    p.shutdown()
