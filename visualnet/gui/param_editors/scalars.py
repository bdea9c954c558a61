"""Editors of single values: integers and floats (spin boxes with the parameter's range;
one below it means unset for an optional parameter), booleans (a check box) and choices
(a combo box, activations included)."""

from __future__ import annotations

from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox

from .base import INT_LIMIT, CompactSpin, ParamEditor


class _NumberEditor(ParamEditor):
    """A spin box for an int or float parameter (`number`); for an optional one, one below
    the range means unset (shown as 'unset', emitted as None: ReLU's max_value)."""

    number = float

    def _attach(self, spin, lo, hi) -> None:
        self.spin = spin
        if self.param.optional:
            lo -= 1
            spin.setSpecialValueText("unset")
        spin.setRange(lo, hi)
        spin.valueChanged.connect(self._changed)
        spin.lineEdit().textEdited.connect(self._typed)
        self._layout.addWidget(spin)

    def _changed(self, value) -> None:
        self.edited.emit(None if self.param.optional and value == self.spin.minimum() else self.number(value))

    def _typed(self, text: str) -> None:
        text = text.strip()
        if self.param.optional and text in ("", "unset"):
            self.edited.emit(None)
            return
        try:
            self.edited.emit(self.number(text))
        except ValueError:
            self.edited.emit(text)

    def _show(self, value) -> None:
        self.spin.blockSignals(True)
        self.spin.setValue(self.spin.minimum() if value is None else self.number(value))
        self.spin.blockSignals(False)

    def focus_widget(self):
        return self.spin


class IntEditor(_NumberEditor):
    number = int

    def __init__(self, param, parent=None):
        super().__init__(param, parent)
        spin = CompactSpin(self)
        spin.setAccelerated(True)
        self._attach(spin, int(param.min) if param.min is not None else -INT_LIMIT + 1,
                     int(param.max) if param.max is not None else INT_LIMIT)


class _FloatSpin(QDoubleSpinBox):
    """Shows floats the short way (0.001, 1e-07) and accepts any number typed."""

    def sizeHint(self):
        hint = super().sizeHint()
        hint.setWidth(min(hint.width(), 110))
        return hint

    def minimumSizeHint(self):
        hint = super().minimumSizeHint()
        hint.setWidth(min(hint.width(), 60))
        return hint

    def textFromValue(self, value: float) -> str:
        return f"{value:.6g}"

    def valueFromText(self, text: str) -> float:
        try:
            return float(text)
        except ValueError:
            return self.value()

    def validate(self, text, pos):
        try:
            value = float(text)
        except ValueError:
            return QValidator.State.Intermediate, text, pos
        ok = self.minimum() <= value <= self.maximum()
        return (QValidator.State.Acceptable if ok else QValidator.State.Intermediate), text, pos


class FloatEditor(_NumberEditor):
    def __init__(self, param, parent=None):
        super().__init__(param, parent)
        spin = _FloatSpin(self)
        spin.setDecimals(12)
        lo = float(param.min) if param.min is not None else -1e12
        hi = float(param.max) if param.max is not None else 1e12
        spin.setSingleStep(0.05 if hi - lo <= 1 else 0.1)
        self._attach(spin, lo, hi)


class BoolEditor(ParamEditor):
    def __init__(self, param, parent=None):
        super().__init__(param, parent)
        self.check = QCheckBox(self)
        self.check.toggled.connect(lambda v: self.edited.emit(bool(v)))
        self._layout.addWidget(self.check)
        self._layout.addStretch(1)

    def _show(self, value) -> None:
        self.check.blockSignals(True)
        self.check.setChecked(bool(value))
        self.check.blockSignals(False)

    def focus_widget(self):
        return self.check


class ChoiceEditor(ParamEditor):
    def __init__(self, param, parent=None):
        super().__init__(param, parent)
        self.combo = QComboBox(self)
        if param.optional:
            self.combo.addItem("none (linear)" if param.kind == "activation" else "unset", None)
        for choice in param.choices:
            self.combo.addItem(str(choice), choice)
        self.combo.setMaxVisibleItems(20)
        self.combo.currentIndexChanged.connect(lambda i: self.edited.emit(self.combo.itemData(i)))
        self._layout.addWidget(self.combo, 1)

    def _show(self, value) -> None:
        self.combo.blockSignals(True)
        index = self.combo.findData(value)
        if index < 0 and value is not None:  # a value the registry does not list (a bad file)
            self.combo.addItem(f"{value} (unknown)", value)
            index = self.combo.count() - 1
        self.combo.setCurrentIndex(max(index, 0))
        self.combo.blockSignals(False)

    def focus_widget(self):
        return self.combo
