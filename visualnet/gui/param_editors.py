"""One editor widget per parameter kind, generated from the registry's `Param`:
spin boxes with the parameter's range, combo boxes for choices, check boxes, tuple and
shape editors. Each emits `edited(value)` with the value as typed (possibly invalid: the
inspector checks it with `Param.coerce` and shows the message inline)."""

from __future__ import annotations

import re

from PySide6.QtCore import Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGridLayout, QHBoxLayout, QLabel,
                               QLineEdit, QSizePolicy, QSpinBox, QWidget)

from visualnet.graph import ParamError
from visualnet.graph import initializer_rules
from visualnet.graph.initializer_rules import INITIALIZER_CLASSES
from visualnet.graph.names import INITIALIZERS
from visualnet.graph.weight_rules import CONSTRAINTS, REGULARIZERS
from .formatting import value_text

INT_LIMIT = 2_147_483_647


class _CompactSpin(QSpinBox):
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


# ------------------------------------------------------------------ numbers
class IntEditor(ParamEditor):
    def __init__(self, param, parent=None):
        super().__init__(param, parent)
        self.spin = _CompactSpin(self)
        lo = int(param.min) if param.min is not None else -INT_LIMIT + 1
        hi = int(param.max) if param.max is not None else INT_LIMIT
        if param.optional:
            lo -= 1
            self.spin.setSpecialValueText("unset")
        self.spin.setRange(lo, hi)
        self.spin.setAccelerated(True)
        self.spin.valueChanged.connect(self._changed)
        self.spin.lineEdit().textEdited.connect(self._typed)
        self._layout.addWidget(self.spin)

    def _changed(self, value: int) -> None:
        if self.param.optional and value == self.spin.minimum():
            self.edited.emit(None)
        else:
            self.edited.emit(value)

    def _typed(self, text: str) -> None:
        text = text.strip()
        if self.param.optional and text in ("", "unset"):
            self.edited.emit(None)
            return
        try:
            self.edited.emit(int(text))
        except ValueError:
            self.edited.emit(text)

    def _show(self, value) -> None:
        self.spin.blockSignals(True)
        self.spin.setValue(self.spin.minimum() if value is None else int(value))
        self.spin.blockSignals(False)

    def focus_widget(self):
        return self.spin


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


class FloatEditor(ParamEditor):
    def __init__(self, param, parent=None):
        super().__init__(param, parent)
        self.spin = _FloatSpin(self)
        self.spin.setDecimals(12)
        lo = float(param.min) if param.min is not None else -1e12
        hi = float(param.max) if param.max is not None else 1e12
        self.spin.setSingleStep(0.05 if hi - lo <= 1 else 0.1)
        if param.optional:  # one below the range means unset (ReLU's max_value)
            lo -= 1
            self.spin.setSpecialValueText("unset")
        self.spin.setRange(lo, hi)
        self.spin.valueChanged.connect(self._changed)
        self.spin.lineEdit().textEdited.connect(self._typed)
        self._layout.addWidget(self.spin)

    def _changed(self, value: float) -> None:
        self.edited.emit(None if self.param.optional and value == self.spin.minimum() else float(value))

    def _typed(self, text: str) -> None:
        text = text.strip()
        if self.param.optional and text in ("", "unset"):
            self.edited.emit(None)
            return
        try:
            self.edited.emit(float(text))
        except ValueError:
            self.edited.emit(text)

    def _show(self, value) -> None:
        self.spin.blockSignals(True)
        self.spin.setValue(self.spin.minimum() if value is None else float(value))
        self.spin.blockSignals(False)

    def focus_widget(self):
        return self.spin


# ------------------------------------------------------------------ choices and booleans
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


# ------------------------------------------------------------------ tuples
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
            spin = _CompactSpin(self)
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
                spin = _CompactSpin(self)
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


# ------------------------------------------------------------------ regularizers and constraints
class WeightRuleEditor(ParamEditor):
    """A regularizer or constraint ('regularizer' / 'constraint' kinds): a choice of Keras's
    classes (or none) and, below it, one field per argument of the chosen one (a factor such
    as l2, max_value, axis as '0' or '0, 1, 2', OrthogonalRegularizer's mode). Emits Keras's
    config dict; a new class starts from Keras's defaults."""

    def __init__(self, param, parent=None):
        super().__init__(param, parent)
        self.classes = REGULARIZERS if param.kind == "regularizer" else CONSTRAINTS
        box = QWidget(self)
        self._column = QFormLayout(box)
        self._column.setContentsMargins(0, 0, 0, 0)
        self._column.setSpacing(2)
        self.combo = QComboBox(box)
        self.combo.addItem("none", None)
        for name in self.classes:
            self.combo.addItem(name, name)
        self.combo.currentIndexChanged.connect(self._class_chosen)
        self._column.addRow(self.combo)
        self._layout.addWidget(box, 1)
        self.fields: dict[str, QWidget] = {}
        self._fields_of = None  # the class whose argument fields are shown

    def _class_chosen(self, index: int) -> None:
        name = self.combo.itemData(index)
        self.edited.emit(None if name is None else {"class_name": name, "config": {}})

    def _show(self, value) -> None:
        self.combo.blockSignals(True)
        name = value.get("class_name") if isinstance(value, dict) else None
        name = name if name in self.classes else None
        self.combo.setCurrentIndex(max(self.combo.findData(name), 0))
        self.combo.blockSignals(False)
        if name != self._fields_of:   # the fields of another class (rebuilt only then: one may be the sender)
            while self._column.rowCount() > 1:
                self._column.removeRow(1)
            self.fields = {}
            for key, default in (self.classes[name] if name else {}).items():
                field = QComboBox() if key == "mode" else QLineEdit()
                if key == "mode":
                    field.addItems(["rows", "columns"])
                    field.currentTextChanged.connect(self._argument_changed)
                else:
                    field.editingFinished.connect(self._argument_changed)
                field.setObjectName(key)
                field.setToolTip(f"{name}'s {key} (Keras's default: {default}).")
                self.fields[key] = field
                self._column.addRow(key, field)
            self._fields_of = name
        config = value.get("config", {}) if isinstance(value, dict) else {}
        for key, field in self.fields.items():
            shown = config.get(key, self.classes[name][key])
            field.blockSignals(True)
            if isinstance(field, QComboBox):
                field.setCurrentText(str(shown))
            else:
                field.setText(", ".join(map(str, shown)) if isinstance(shown, list) else value_text(None, shown))
            field.blockSignals(False)

    def _argument_changed(self, *_) -> None:
        name = self.combo.currentData()
        if name is None:
            return
        config = {}
        for key, field in self.fields.items():
            config[key] = field.currentText() if isinstance(field, QComboBox) else _number_or_list(field.text())
        self.edited.emit({"class_name": name, "config": config})

    def focus_widget(self):
        return self.combo


# ------------------------------------------------------------------ initializers
class InitializerEditor(ParamEditor):
    """An initializer ('initializer' kind): a choice of Keras's classes (shown by their
    names, 'he_normal', where Keras has one) and one field per argument of the chosen one
    (Constant's value, RandomNormal's mean, stddev and seed, VarianceScaling's mode and
    distribution, ...). Emits the name or Keras's config dict (graph/initializer_rules.py)."""

    def __init__(self, param, parent=None):
        super().__init__(param, parent)
        box = QWidget(self)
        self._column = QFormLayout(box)
        self._column.setContentsMargins(0, 0, 0, 0)
        self._column.setSpacing(2)
        self.combo = QComboBox(box)
        self._names = {cls: name for name, cls in INITIALIZERS.items()}
        for cls in INITIALIZER_CLASSES:   # the item's data: the name where Keras has one, else the class
            self.combo.addItem(self._names.get(cls, cls), self._names.get(cls, cls))
        self.combo.setMaxVisibleItems(20)
        self.combo.currentIndexChanged.connect(self._class_chosen)
        self._column.addRow(self.combo)
        self._layout.addWidget(box, 1)
        self.fields: dict[str, QWidget] = {}
        self._fields_of = None  # the class whose argument fields are shown

    def _class_chosen(self, index: int) -> None:
        self.edited.emit(self.combo.itemData(index))   # Keras's defaults (a class without a name: its dict)

    def _show(self, value) -> None:
        try:
            config = initializer_rules.as_config(initializer_rules.canonical(value, self.param.name))
        except (ValueError, KeyError):   # a value the registry does not take (a bad file): shown as typed
            config = {"class_name": None, "config": {}}
        name = config["class_name"]
        self.combo.blockSignals(True)
        self.combo.setCurrentIndex(max(self.combo.findData(self._names.get(name, name)), 0))
        self.combo.blockSignals(False)
        if name != self._fields_of:   # the fields of another class (rebuilt only then: one may be the sender)
            while self._column.rowCount() > 1:
                self._column.removeRow(1)
            self.fields = {}
            for key, default in (INITIALIZER_CLASSES.get(name) or {}).items():
                choices = _INIT_CHOICES.get(key)
                field = QComboBox() if choices else QLineEdit()
                if choices:
                    field.addItems(list(choices))
                    field.currentTextChanged.connect(self._argument_changed)
                else:
                    field.editingFinished.connect(self._argument_changed)
                field.setObjectName(key)
                field.setToolTip(f"{name}'s {key} (Keras's default: {default}).")
                self.fields[key] = field
                self._column.addRow(key, field)
            self._fields_of = name
        for key, field in self.fields.items():
            shown = config["config"].get(key, INITIALIZER_CLASSES[name][key])
            field.blockSignals(True)
            if isinstance(field, QComboBox):
                field.setCurrentText(str(shown))
            else:
                field.setText(value_text(None, shown))
            field.blockSignals(False)

    def _argument_changed(self, *_) -> None:
        config = {}
        for key, field in self.fields.items():
            if isinstance(field, QComboBox):
                config[key] = field.currentText()
            else:
                text = field.text().strip()
                config[key] = None if text.lower() in ("", "none") else _number_or_list(text)
        data = self.combo.currentData()
        self.edited.emit({"class_name": INITIALIZERS.get(data, data), "config": config})

    def focus_widget(self):
        return self.combo


_INIT_CHOICES = {"mode": ("fan_in", "fan_out", "fan_avg"),
                 "distribution": ("truncated_normal", "untruncated_normal", "uniform")}


def _number_or_list(text: str):
    """'0.01' -> 0.01, '2' -> 2, '0, 1, 2' -> [0, 1, 2]; anything else as typed (the
    parameter's check then says what is wrong)."""
    parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
    try:
        numbers = [int(p) if re.fullmatch(r"[+-]?\d+", p) else float(p) for p in parts]
    except ValueError:
        return text.strip()
    if len(numbers) == 1 and "," not in text:
        return numbers[0]
    return numbers


EDITORS = {"int": IntEditor, "float": FloatEditor, "bool": BoolEditor, "choice": ChoiceEditor,
           "activation": ChoiceEditor, "initializer": InitializerEditor, "ints": TupleEditor, "shape": ShapeEditor,
           "pairs": PairsEditor, "range": RangeEditor, "regularizer": WeightRuleEditor,
           "constraint": WeightRuleEditor}


def editor_for(param, parent=None) -> ParamEditor:
    return EDITORS[param.kind](param, parent)


def _tooltip(param) -> str:
    tip = param.doc
    if param.kind in ("int", "float") and (param.min is not None or param.max is not None):
        tip += f"\nAllowed: {param.range_text()}."
    if param.default is not None and not param.required:
        tip += f"\nKeras default: {value_text(param, param.default)}."
    return tip
