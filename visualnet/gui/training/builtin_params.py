"""Spin boxes for a built-in dataset's parameters (a series' window, horizon and step, the
reviews' length and vocabulary size, a synthetic set's size and noise)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDoubleSpinBox, QFormLayout, QSpinBox, QWidget

from visualnet import data


class BuiltinParamsForm(QWidget):
    """One spin box per `data.Param` of the chosen built-in; `params()` holds the values that
    differ from the defaults (so a recipe with the defaults stays as it was)."""

    changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.spins: dict = {}
        self.info: data.BuiltinDataset | None = None

    def set_dataset(self, info: "data.BuiltinDataset | None", values: "dict | None" = None) -> None:
        """Show `info`'s parameters set to `values` (defaults for the others); none for None."""
        while self.form.rowCount():
            self.form.removeRow(0)
        self.spins, self.info = {}, info
        for p in (info.params if info is not None else ()):
            spin = QSpinBox() if p.integer else QDoubleSpinBox(decimals=3, singleStep=0.05)
            spin.setRange(int(p.minimum) if p.integer else p.minimum, int(p.maximum) if p.integer else p.maximum)
            spin.setValue((values or {}).get(p.name, int(p.default) if p.integer else p.default))
            spin.setToolTip(p.doc)
            spin.setObjectName(f"param_{p.name}")
            spin.editingFinished.connect(self._edited)
            self.form.addRow(p.name.replace("_", " "), spin)
            self.spins[p.name] = spin
        self.setVisible(bool(self.spins))
        self._last = self.params()

    def params(self) -> dict:
        if self.info is None:
            return {}
        defaults = self.info.defaults()
        return {name: spin.value() for name, spin in self.spins.items() if spin.value() != defaults[name]}

    def _edited(self) -> None:
        if self.params() != self._last:
            self._last = self.params()
            self.changed.emit()
