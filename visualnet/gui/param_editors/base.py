"""The base of every parameter editor: `ParamEditor` (an `edited(value)` signal, `set_value`
that does not emit it, a tooltip from the parameter's doc, range and default) and the
compact spin box the number and tuple editors use."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QSpinBox, QWidget

from ..formatting import value_text

INT_LIMIT = 2_147_483_647


class CompactSpin(QSpinBox):
    """A spin box sized for the values people type, not for its 10-digit maximum."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def sizeHint(self):
        hint = super().sizeHint()
        hint.setWidth(min(hint.width(), 90))
        return hint

    def minimumSizeHint(self):
        hint = super().minimumSizeHint()
        hint.setWidth(min(hint.width(), 50))
        return hint


class ParamEditor(QWidget):
    edited = Signal(object)

    def __init__(self, param, parent=None):
        super().__init__(parent)
        self.param = param
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(4)
        self.setToolTip(_tooltip(param))

    def set_value(self, value) -> None:
        """Show `value` without emitting `edited`."""
        self.blockSignals(True)
        try:
            self._show(value)
        finally:
            self.blockSignals(False)

    def _show(self, value) -> None:
        raise NotImplementedError

    def focus_widget(self) -> QWidget:
        return self


def _tooltip(param) -> str:
    tip = param.doc
    if param.kind in ("int", "float") and (param.min is not None or param.max is not None):
        tip += f"\nAllowed: {param.range_text()}."
    if param.default is not None and not param.required:
        tip += f"\nKeras default: {value_text(param, param.default)}."
    return tip
