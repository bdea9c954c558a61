"""Importing a CSV of texts: choose the column holding the texts and the target column."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel

from visualnet import data


class TextCsvDialog(QDialog):
    """Lists the file's columns (as `data.sniff_csv` reads them); `options()` are the
    `read_text_csv` arguments for the chosen ones. Raises `data.DataError`/`OSError` when the
    file cannot be read as a table."""

    def __init__(self, path, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Import a CSV of texts")
        layout = data.sniff_csv(path)
        if layout.n_columns < 2:
            raise data.DataError("a CSV of texts needs at least two columns: the texts and the targets")
        self.names = list(layout.names)
        form = QFormLayout(self)
        form.addRow(QLabel(f"<b>{Path(path).name}</b>: {len(self.names)} columns"))
        self.text_column = QComboBox()
        self.target = QComboBox()
        self.text_column.addItems(self.names)
        self.target.addItems(self.names)
        text_guess = _longest_text_column(layout)
        self.text_column.setCurrentIndex(text_guess)
        self.target.setCurrentIndex(len(self.names) - 1 if text_guess != len(self.names) - 1 else 0)
        form.addRow("Text column", self.text_column)
        form.addRow("Target column", self.target)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        for combo in (self.text_column, self.target):
            combo.currentIndexChanged.connect(self._check)

    def _check(self) -> None:
        self.ok_button.setEnabled(self.text_column.currentIndex() != self.target.currentIndex())

    def options(self) -> dict:
        """`read_text_csv` keyword arguments: the two columns, by name."""
        return {"text_column": self.text_column.currentText(), "target": self.target.currentText()}


def _longest_text_column(layout) -> int:
    """The column whose sample cells are longest on average (the texts, usually)."""
    rows = layout.sample or [[]]
    lengths = [sum(len(r[j]) for r in rows if j < len(r)) for j in range(layout.n_columns)]
    return max(range(layout.n_columns), key=lambda j: (not layout.numeric[j], lengths[j]))
