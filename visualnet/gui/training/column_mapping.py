"""The Data tab's column mapping, shown when the model has several Inputs or Outputs: one
row per table column, and beside it where the column goes — into an Input (by the Input
node's name), the target of an output layer (as a class or as a number), or nowhere.
`mapping()` is the recipe's "mapping" (data/table_mapping.py); `set_mapping` shows one.
`MappingSide` is the DataPanel's part that shows the table and prepares the data with it."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QGroupBox, QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout

from visualnet.data.table_mapping import table_columns

UNUSED = ("", "", "")
_SEP = "\x1f"          # a choice's (kind, node name, task) as the combo's item data, one string


def _key(choice: tuple) -> str:
    return _SEP.join(choice)


class ColumnMappingTable(QGroupBox):
    changed = Signal()              # the person changed where a column goes

    def __init__(self, parent=None):
        super().__init__("Columns → model inputs and outputs", parent)
        self.setObjectName("column_mapping")
        layout = QVBoxLayout(self)
        self.hint = QLabel("The model has several Inputs or Outputs: say which columns feed each Input and which "
                           "column each output learns.")
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["Column", "Goes to"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table)
        self.columns: list[str] = []
        self.inputs: list[str] = []
        self.outputs: list[str] = []
        self._extra: dict = {}          # a project's mapping keys this version does not know, kept
        self._entries: dict = {}        # the project's own input/output entries (their unknown keys kept)

    def set_model(self, inputs: list[str], outputs: list[str]) -> None:
        """The model's Input names and output layer names (the choices of each row)."""
        if (inputs, outputs) == (self.inputs, self.outputs):
            return
        current = self.mapping()
        self.inputs, self.outputs = list(inputs), list(outputs)
        self._fill(current)

    def set_columns(self, columns: list[str], mapping: "dict | None" = None) -> None:
        """The table's column names (file order), and the mapping to show."""
        self.columns = list(columns)
        self._fill(mapping)

    def set_mapping(self, mapping: "dict | None") -> None:
        self._fill(mapping)

    def combo(self, column: str) -> QComboBox:
        return self.table.cellWidget(self.columns.index(column), 1)

    def _choices(self) -> list[tuple[str, tuple]]:
        out = [("—", UNUSED)]
        out += [(f"→ Input '{n}'", ("inputs", n, "")) for n in self.inputs]
        for n in self.outputs:
            out.append((f"target of '{n}' (class)", ("outputs", n, "classification")))
            out.append((f"target of '{n}' (number)", ("outputs", n, "regression")))
        return out

    def _fill(self, mapping: "dict | None") -> None:
        mapping = mapping or {}
        self._extra = {k: v for k, v in mapping.items() if k not in ("inputs", "outputs")}
        self._entries = {("inputs", k): v for k, v in (mapping.get("inputs") or {}).items()}
        self._entries.update({("outputs", k): v for k, v in (mapping.get("outputs") or {}).items()})
        where = {}
        for name, entry in (mapping.get("inputs") or {}).items():
            for c in entry.get("columns", []):
                where[c] = ("inputs", name, "")
        for name, entry in (mapping.get("outputs") or {}).items():
            where[entry.get("column")] = ("outputs", name, entry.get("task", "classification"))
        choices = self._choices()
        self.table.setRowCount(len(self.columns))
        for row, column in enumerate(self.columns):
            self.table.setItem(row, 0, QTableWidgetItem(column))
            combo = QComboBox()
            combo.setObjectName(f"mapping_{column}")
            for text, choice in choices:
                combo.addItem(text, _key(choice))
            index = combo.findData(_key(where.get(column, UNUSED)))
            combo.setCurrentIndex(max(index, 0))
            combo.currentIndexChanged.connect(self.changed)
            self.table.setCellWidget(row, 1, combo)
        self.table.setMinimumHeight(min(60 + 30 * len(self.columns), 300))

    def choose(self, column: str, text: str) -> None:
        """Pick the row of `column`'s choice shown as `text` (as a click would)."""
        combo = self.combo(column)
        index = combo.findText(text)
        if index < 0:
            raise KeyError(f"{text!r} is not a choice for column {column!r}")
        combo.setCurrentIndex(index)

    def mapping(self) -> dict:
        """{"inputs": {name: {"columns": [...]}}, "outputs": {name: {"column", "task"}}} as chosen;
        a later column chosen as an output's target replaces an earlier one."""
        inputs: dict = {}
        outputs: dict = {}
        for row, column in enumerate(self.columns):
            combo = self.table.cellWidget(row, 1)
            kind, name, task = combo.currentData().split(_SEP) if combo is not None else UNUSED
            if kind == "inputs":
                inputs.setdefault(name, {**self._kept("inputs", name), "columns": []})["columns"].append(column)
            elif kind == "outputs":
                outputs[name] = {**self._kept("outputs", name), "column": column, "task": task}
        return {**self._extra, "inputs": inputs, "outputs": outputs}

    def _kept(self, kind: str, name: str) -> dict:
        """The keys of the project's own entry that the table does not show (kept as read)."""
        entry = self._entries.get((kind, name)) or {}
        return {k: v for k, v in entry.items() if k not in ("columns", "column", "task")}


class MappingSide:
    """A mixin of `DataPanel` (data_panel.py): its `mapping` table for a model with several Inputs or Outputs."""

    def set_model_nodes(self, inputs: list, outputs: list) -> None:
        """The model's Input names and output layer names: with several of either the
        mapping table shows (for a table), and the data are prepared again with it."""
        if [list(inputs), list(outputs)] == [list(n) for n in self._model_nodes]:
            return
        self._model_nodes = (list(inputs), list(outputs))
        self.mapping.set_model(list(inputs), list(outputs))
        if self.prepared is None:
            return
        toggled = self._show_mapping(self.prepared.dataset, self.mapping.mapping())
        if toggled or (self._mapping_shown() and self.mapping.mapping() != self.prepared.recipe.mapping):
            self.reload()

    def set_mapping(self, mapping: dict) -> None:
        """Show `mapping` in the table and prepare the data with it (a problem's one-click fix)."""
        self.mapping.set_mapping(mapping)
        self.reload()

    def _mapping_wanted(self, dataset) -> bool:
        inputs, outputs = self._model_nodes
        return dataset is not None and dataset.kind == "table" and (len(inputs) > 1 or len(outputs) > 1)

    def _mapping_shown(self) -> bool:
        return not self.mapping.isHidden()

    def _show_mapping(self, dataset, mapping) -> bool:
        """Show or hide the mapping table for `dataset` (its columns, `mapping` chosen);
        True if the recipe gains or loses its mapping by this."""
        chosen = bool(mapping) and bool(mapping.get("inputs") or mapping.get("outputs"))
        shown = self._mapping_wanted(dataset) or (chosen and dataset.kind == "table")
        was = self._mapping_shown()
        if shown:
            columns = list(table_columns(dataset))
            if columns != self.mapping.columns:
                self.mapping.set_columns(columns, mapping)
        self.mapping.setVisible(shown)
        return shown != was
