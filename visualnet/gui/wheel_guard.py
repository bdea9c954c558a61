"""The mouse wheel scrolls the panel under it instead of changing a combo box or spin box
it happens to pass over: such a field takes the wheel only once it has the keyboard focus
(a click or Tab), as in most settings panels. `install(app)` once per application: every
combo and spin box shown from then on is guarded."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractScrollArea, QAbstractSpinBox, QApplication, QComboBox

GUARDED = (QComboBox, QAbstractSpinBox)


class _Guard(QObject):
    """On each field: an unfocused field hands the wheel to the scroll area it lies in (or,
    outside one, lets it go up to its parents)."""

    def eventFilter(self, obj, event) -> bool:
        if event.type() != QEvent.Type.Wheel or obj.hasFocus():
            return False
        area = obj.parentWidget()
        while area is not None and not isinstance(area, QAbstractScrollArea):
            area = area.parentWidget()
        if area is None:
            event.ignore()
        else:
            QApplication.sendEvent(area.viewport(), event)
            event.accept()
        return True


class _Polisher(QObject):
    """On the application: guards each field as it is first polished (shown)."""

    def __init__(self, parent):
        super().__init__(parent)
        self.guard = _Guard(self)

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Polish and isinstance(obj, GUARDED):
            obj.setFocusPolicy(Qt.FocusPolicy.StrongFocus)     # the wheel no longer gives it the focus
            obj.installEventFilter(self.guard)
        return False


def install(app: QApplication) -> None:
    if app.property("visualnet_wheel_guard"):
        return
    app.installEventFilter(_Polisher(app))
    app.setProperty("visualnet_wheel_guard", True)
