"""Editors of a Keras object given as a class and its arguments: initializers, regularizers
and constraints. A choice of Keras's classes and, below it, one field per argument of the
chosen one; they emit the name or Keras's config dict {"class_name", "config"}."""

from __future__ import annotations

import re

from PySide6.QtWidgets import QComboBox, QFormLayout, QLineEdit, QWidget

from visualnet.graph import initializer_rules
from visualnet.graph.initializer_rules import INITIALIZER_CLASSES, list_shape
from visualnet.graph.names import INITIALIZERS
from visualnet.graph.weight_rules import CONSTRAINTS, REGULARIZERS

from ..formatting import value_text
from .base import ParamEditor


class ClassConfigEditor(ParamEditor):
    """A combo box of classes (`items`: (text, data) pairs) over one field per argument of
    the class shown, rebuilt only when the class changes (one field may be the sender).
    `choices` maps an argument to the values its combo box offers; the other arguments are
    typed."""

    choices: dict = {}

    def __init__(self, param, items, parent=None):
        super().__init__(param, parent)
        box = QWidget(self)
        self._column = QFormLayout(box)
        self._column.setContentsMargins(0, 0, 0, 0)
        self._column.setSpacing(2)
        self.combo = QComboBox(box)
        for text, data in items:
            self.combo.addItem(text, data)
        self.combo.currentIndexChanged.connect(self._class_chosen)
        self._column.addRow(self.combo)
        self._layout.addWidget(box, 1)
        self.fields: dict[str, QWidget] = {}
        self._fields_of = None  # the class whose argument fields are shown
        self._arrays: dict = {}  # argument -> an array value (nested lists) shown read only

    def _show_class(self, name, data, arguments: dict, config: dict) -> None:
        """Select `data` in the combo box and show class `name`'s `arguments` (argument ->
        Keras's default) with the values in `config`."""
        self.combo.blockSignals(True)
        self.combo.setCurrentIndex(max(self.combo.findData(data), 0))
        self.combo.blockSignals(False)
        if name != self._fields_of:
            while self._column.rowCount() > 1:
                self._column.removeRow(1)
            self.fields = {}
            for key, default in arguments.items():
                choices = self.choices.get(key)
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
        self._arrays = {}
        for key, field in self.fields.items():
            shown = config.get(key, arguments[key])
            field.blockSignals(True)
            if isinstance(field, QComboBox):
                field.setCurrentText(str(shown))
            else:
                array = _is_array(shown)
                if array:                # Constant(embedding_matrix): kept as it is, not typed over
                    self._arrays[key] = shown
                    field.setText(f"[{'×'.join(map(str, list_shape(shown)))}]")   # its shape: a narrow field
                else:
                    field.setText(", ".join(map(str, shown)) if isinstance(shown, list) else value_text(None, shown))
                field.setCursorPosition(0)   # a long text shows its start
                field.setReadOnly(array)
                field.setToolTip(f"{name}'s {key}: an array of shape {list_shape(shown)} set from code or a file (read "
                                 "only here)." if array
                                 else f"{name}'s {key} (Keras's default: {arguments[key]}).")
            field.blockSignals(False)
        # an array's shape needs the column's whole width: its name goes above it
        self._column.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows if self._arrays
                                      else QFormLayout.RowWrapPolicy.DontWrapRows)

    def _arguments(self) -> dict:
        """The fields' values: a choice as chosen, a typed one through `_typed`, an array as kept."""
        return {key: self._arrays[key] if key in self._arrays else
                field.currentText() if isinstance(field, QComboBox) else self._typed(field.text())
                for key, field in self.fields.items()}

    def _typed(self, text: str):
        return number_or_list(text)

    def focus_widget(self):
        return self.combo


class WeightRuleEditor(ClassConfigEditor):
    """A regularizer or constraint ('regularizer' / 'constraint' kinds): none or one of
    Keras's classes, with its arguments (a factor such as l2, max_value, axis as '0' or
    '0, 1, 2', OrthogonalRegularizer's mode). Emits Keras's config dict; a new class starts
    from Keras's defaults."""

    choices = {"mode": ("rows", "columns")}

    def __init__(self, param, parent=None):
        classes = REGULARIZERS if param.kind == "regularizer" else CONSTRAINTS
        super().__init__(param, [("none", None)] + [(name, name) for name in classes], parent)
        self.classes = classes

    def _class_chosen(self, index: int) -> None:
        name = self.combo.itemData(index)
        self.edited.emit(None if name is None else {"class_name": name, "config": {}})

    def _show(self, value) -> None:
        name = value.get("class_name") if isinstance(value, dict) else None
        name = name if name in self.classes else None
        config = value.get("config", {}) if isinstance(value, dict) else {}
        self._show_class(name, name, self.classes[name] if name else {}, config)

    def _argument_changed(self, *_) -> None:
        name = self.combo.currentData()
        if name is not None:
            self.edited.emit({"class_name": name, "config": self._arguments()})


class InitializerEditor(ClassConfigEditor):
    """An initializer ('initializer' kind): one of Keras's classes (shown by their names,
    'he_normal', where Keras has one) with its arguments (Constant's value, RandomNormal's
    mean, stddev and seed, VarianceScaling's mode and distribution, ...). Emits the name or
    Keras's config dict (graph/initializer_rules.py)."""

    choices = {"mode": ("fan_in", "fan_out", "fan_avg"),
               "distribution": ("truncated_normal", "untruncated_normal", "uniform")}

    def __init__(self, param, parent=None):
        names = {cls: name for name, cls in INITIALIZERS.items()}
        # the item's data: the name where Keras has one, else the class
        super().__init__(param, [(names.get(cls, cls),) * 2 for cls in INITIALIZER_CLASSES], parent)
        self._names = names
        self.combo.setMaxVisibleItems(20)

    def _class_chosen(self, index: int) -> None:
        self.edited.emit(self.combo.itemData(index))   # Keras's defaults (a class without a name: its dict)

    def _show(self, value) -> None:
        try:
            config = initializer_rules.as_config(initializer_rules.canonical(value, self.param.name))
        except (ValueError, KeyError):   # a value the registry does not take (a bad file): shown as typed
            config = {"class_name": None, "config": {}}
        name = config["class_name"]
        self._show_class(name, self._names.get(name, name), INITIALIZER_CLASSES.get(name) or {}, config["config"])

    def _typed(self, text: str):
        return None if text.strip().lower() in ("", "none") else number_or_list(text.strip())

    def _argument_changed(self, *_) -> None:
        data = self.combo.currentData()
        self.edited.emit({"class_name": INITIALIZERS.get(data, data), "config": self._arguments()})


def number_or_list(text: str):
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


def _is_array(value) -> bool:
    """A value too big to type: a nested list (2-D or more) or a list of over 64 numbers."""
    return isinstance(value, list) and (len(value) > 64 or any(isinstance(v, list) for v in value))
