"""Importing a CSV table: choose the label column (the target the model learns to predict);
every other column is a feature. Without this dialog the last column is the label
(`read_csv`'s default `target=-1`)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel

from visualnet import data


class TableCsvDialog(QDialog):
    """Lists the file's columns (as `data.sniff_csv` reads them), `current` (a name) or the
    last one chosen;
    `options()` are the `read_csv` arguments for the choice. Raises `data.DataError`/`OSError`
    when the file cannot be read as a table."""

    def __init__(self, path, parent=None, current: str | None = None):
        super().__init__(parent)
        self.setWindowTitle("Import a CSV table")
        layout = data.sniff_csv(path)
        if layout.n_columns < 2:
            raise data.DataError("a table to train on needs at least two columns: features and a label", file=path)
        self.names = list(layout.names)
        form = QFormLayout(self)
        intro = QLabel(f"<b>{Path(path).name}</b>: {len(self.names)} columns. The label column is what the model "
                       "learns to predict; the other columns are its inputs.")
        intro.setWordWrap(True)
        form.addRow(intro)
        self.label_column = QComboBox()
        self.label_column.setObjectName("csv_label_column")
        for j, name in enumerate(self.names):
            sample = ", ".join(row[j] for row in layout.sample[:3] if j < len(row))
            self.label_column.addItem(f"{name}  ({sample}…)" if sample else name, name)
        self.label_column.setCurrentIndex(self.names.index(current) if current in self.names else len(self.names) - 1)
        form.addRow("Label column", self.label_column)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def options(self) -> dict:
        """`read_csv` keyword arguments: the label column, by name."""
        return {"target": self.label_column.currentData()}
