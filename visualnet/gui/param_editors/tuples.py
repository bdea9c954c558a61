"""Editors of several values: fixed-length tuples of ints (kernel sizes, strides), per-axis
(before, after) pairs (padding, cropping), shapes of any length and a number or a
(lower, upper) range, with the parsers of what is typed."""

from __future__ import annotations

import re

from PySide6.QtWidgets import QCheckBox, QGridLayout, QLabel, QLineEdit

from visualnet.graph import ParamError

from .base import INT_LIMIT, CompactSpin, ParamEditor


class TupleEditor(ParamEditor):
    """A fixed-length tuple of ints ('ints' kind): one spin box per value, e.g. 3 × 3.
    Optional tuples have a check box; unchecked means unset (None)."""

    def __init__(self, param, parent=None):
        super().__init__(param, parent)
        self.enable = None
        if param.optional:
            self.enable = QCheckBox(self)
            self.enable.setToolTip(f"Unchecked: unset. {param.doc}")
            self.enable.toggled.connect(self._toggled)
            self._layout.addWidget(self.enable)
        self.spins = []
        lo = int(param.min) if param.min is not None else 1
        for i in range(param.length or 1):
            if i:
                self._layout.addWidget(QLabel("×", self))
            spin = CompactSpin(self)
            spin.setRange(lo, INT_LIMIT)
            spin.valueChanged.connect(self._changed)
            spin.lineEdit().textEdited.connect(lambda _t: self._changed())
            self.spins.append(spin)
            self._layout.addWidget(spin, 1)

    def _values(self):
        if self.enable is not None and not self.enable.isChecked():
            return None
        out = []
        for spin in self.spins:
            text = spin.lineEdit().text().strip()
            try:
                out.append(int(text))
            except ValueError:
                return tuple(s.lineEdit().text() for s in self.spins)
        return tuple(out)

    def _changed(self, *_):
        self.edited.emit(self._values())

    def _toggled(self, on: bool):
        for spin in self.spins:
            spin.setEnabled(on)
        self._changed()

    def _show(self, value) -> None:
        for spin in self.spins:
            spin.blockSignals(True)
        if self.enable is not None:
            self.enable.blockSignals(True)
            self.enable.setChecked(value is not None)
            self.enable.blockSignals(False)
        for i, spin in enumerate(self.spins):
            spin.setEnabled(value is not None)
            if value is not None and i < len(value):
                spin.setValue(int(value[i]))
            spin.blockSignals(False)

    def focus_widget(self):
        return self.spins[0]


class PairsEditor(ParamEditor):
    """Per-axis (before, after) pairs ('pairs' kind, e.g. padding): a 'before' and an 'after'
    spin box per axis, one row per axis (named by its tensor axis, 'axis 1' being the first
    after the batch). Emits the canonical value: the pair itself for one axis, else a pair per axis."""

    def __init__(self, param, parent=None):
        super().__init__(param, parent)
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(4)
        grid.setVerticalSpacing(2)
        self._layout.addLayout(grid, 1)
        n = param.length or 1
        lo = int(param.min) if param.min is not None else 0
        grid.addWidget(QLabel("before", self), 0, 1)
        grid.addWidget(QLabel("after", self), 0, 2)
        self.spins: list[tuple] = []  # (before, after) per axis
        for axis in range(n):
            if n > 1:
                grid.addWidget(QLabel(f"axis {axis + 1}", self), axis + 1, 0)
            pair = []
            for side in range(2):
                spin = CompactSpin(self)
                spin.setRange(lo, INT_LIMIT)
                spin.valueChanged.connect(self._changed)
                spin.lineEdit().textEdited.connect(lambda _t: self._changed())
                grid.addWidget(spin, axis + 1, side + 1)
                pair.append(spin)
            self.spins.append(tuple(pair))

    def _values(self):
        try:
            out = tuple(tuple(int(s.lineEdit().text().strip()) for s in pair) for pair in self.spins)
        except ValueError:  # as typed, for Param.coerce to explain
            out = tuple(tuple(s.lineEdit().text() for s in pair) for pair in self.spins)
        return out[0] if len(out) == 1 else out

    def _changed(self, *_):
        self.edited.emit(self._values())

    def _show(self, value) -> None:
        try:
            value = self.param.coerce(value)
        except ParamError:  # a bad value from a file: the inspector shows the message; keep the boxes
            return
        rows = (value,) if len(self.spins) == 1 else value
        for pair, values in zip(self.spins, rows):
            for spin, v in zip(pair, values):
                spin.blockSignals(True)
                spin.setValue(int(v))
                spin.blockSignals(False)

    def focus_widget(self):
        return self.spins[0][0]


class ShapeEditor(ParamEditor):
    """A tuple of any length ('shape' kind), typed as '28, 28, 1'."""

    def __init__(self, param, parent=None):
        super().__init__(param, parent)
        self.line = QLineEdit(self)
        self.line.setPlaceholderText("e.g. 28, 28, 1")
        self.line.textEdited.connect(lambda text: self.edited.emit(parse_tuple(text)))
        self._layout.addWidget(self.line, 1)

    def _show(self, value) -> None:
        text = ", ".join(str(v) for v in value) if isinstance(value, (tuple, list)) else str(value or "")
        if parse_tuple(self.line.text()) != value:
            self.line.setText(text)

    def focus_widget(self):
        return self.line


class RangeEditor(ParamEditor):
    """A number or a (lower, upper) pair ('range' kind), typed as '0.2' or '-0.1, 0.3'."""

    def __init__(self, param, parent=None):
        super().__init__(param, parent)
        self.line = QLineEdit(self)
        self.line.setPlaceholderText("e.g. 0.2 or -0.1, 0.3")
        self.line.textEdited.connect(lambda text: self.edited.emit(parse_range(text)))
        self._layout.addWidget(self.line, 1)

    def _show(self, value) -> None:
        if parse_range(self.line.text()) != value:
            self.line.setText(", ".join(f"{v:g}" for v in value) if isinstance(value, (tuple, list))
                              else "" if value is None else f"{value:g}")

    def focus_widget(self):
        return self.line


def parse_range(text: str):
    """'0.2' -> 0.2, '-0.1, 0.3' -> (-0.1, 0.3), '' -> None; anything else as typed, for
    `Param.coerce` to explain."""
    parts = [p for p in re.split(r"[,\s()]+", text.strip()) if p]
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        return text.strip()
    return None if not values else values[0] if len(values) == 1 else values


def parse_tuple(text: str):
    """'28, 28, 1' or '28x28x1' -> (28, 28, 1); 'None, 4' or '?, 4' -> (None, 4) (a length
    that varies, where the parameter allows it); anything else is returned as typed, for
    `Param.coerce` to explain."""
    parts = [p for p in re.split(r"[,\s×xX()]+", text.strip()) if p]
    try:
        return tuple(None if p in ("None", "none", "?") else int(p) for p in parts)
    except ValueError:
        return text.strip()
