"""The wheel over an unfocused combo or spin box scrolls the panel and leaves the value
alone (issue 26: the optimizer went from Adam to Adagrad while scrolling the settings)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication


def wheel(widget, steps: int = -1) -> None:
    """A real wheel event over the middle of `widget` (Qt then passes it up the parents)."""
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(centre, QPointF(widget.mapToGlobal(centre.toPoint())), QPoint(0, 0),
                        QPoint(0, 120 * steps), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def test_the_wheel_scrolls_the_settings_and_changes_a_field_only_once_it_has_the_focus(qtbot, page):
    page.window.resize(1400, 700)
    settings = page.settings
    scroll = settings.parentWidget().parentWidget().parentWidget()       # the page's left QScrollArea
    bar = scroll.verticalScrollBar()
    assert bar.maximum() > 0, "the panel is taller than the window: it scrolls"
    qtbot.waitUntil(lambda: settings.optimizer.isVisible())
    before, position = settings.optimizer.currentText(), bar.value()
    wheel(settings.optimizer, -1)
    wheel(settings.batch_size, -1)
    assert settings.optimizer.currentText() == before and settings.batch_size.value() == 32
    assert bar.value() > position                                         # the panel scrolled instead
    settings.batch_size.setFocus()
    qtbot.waitUntil(settings.batch_size.hasFocus)
    wheel(settings.batch_size, 1)                                         # focused: the wheel is its own
    assert settings.batch_size.value() == 33
