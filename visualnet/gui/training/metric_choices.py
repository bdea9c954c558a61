"""The Train page's loss list and metric check boxes, grouped as the engine groups them
(`losses.LOSS_GROUPS`, `metrics.METRIC_GROUPS`); the metric boxes show the groups that fit the
chosen loss (and any box that is checked)."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QComboBox, QGridLayout, QLabel, QWidget

from visualnet.engine.losses import LOSS_GROUPS
from visualnet.engine.metrics import METRIC_GROUPS

METRICS = tuple(name for names in METRIC_GROUPS.values() for name in names)
# the metric groups that fit a loss of each group
_FITTING = {"Classification": ("Classification",), "Regression": ("Regression",),
            "Margin": ("Margin", "Classification")}
_COLUMNS = 1            # one per row: long names (sparse_top_k_categorical_accuracy) in the narrow settings column


def fill_losses(combo: QComboBox) -> None:
    """Every loss of `LOSSES`, group by group with a separator between groups."""
    for i, names in enumerate(LOSS_GROUPS.values()):
        if i:
            combo.insertSeparator(combo.count())
        combo.addItems(list(names))


def loss_group(loss: str) -> str | None:
    return next((group for group, names in LOSS_GROUPS.items() if loss in names), None)


class MetricChoices(QWidget):
    """A check box per metric under its group's heading; `checks` maps names to boxes."""

    def __init__(self, parent=None):
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setVerticalSpacing(0)
        self.checks: dict[str, QCheckBox] = {}
        self._groups: dict[str, tuple[QLabel, list[QCheckBox]]] = {}
        row = 0
        for group, names in METRIC_GROUPS.items():
            label = QLabel(f"<i>{group}</i>")
            grid.addWidget(label, row, 0, 1, _COLUMNS)
            row += 1
            boxes = []
            for i, name in enumerate(names):
                box = QCheckBox(name)
                box.setChecked(name == "accuracy")
                box.toggled.connect(lambda _=False: self.set_task(self._loss))
                grid.addWidget(box, row + i // _COLUMNS, i % _COLUMNS)
                self.checks[name] = box
                boxes.append(box)
            row += (len(names) + _COLUMNS - 1) // _COLUMNS
            self._groups[group] = (label, boxes)
        self._loss = None

    def set_task(self, loss: str | None) -> None:
        """Show the groups that fit `loss` (all for an unknown or custom loss), and checked boxes."""
        self._loss = loss
        fitting = _FITTING.get(loss_group(loss), tuple(METRIC_GROUPS))
        for group, (label, boxes) in self._groups.items():
            shown = [box for box in boxes if group in fitting or box.isChecked()]
            label.setVisible(bool(shown))
            for box in boxes:
                box.setVisible(box in shown)

    def visible_names(self) -> list[str]:
        return [name for name, box in self.checks.items() if not box.isHidden()]
