"""Where the data and the model disagree: one line per problem, with a Fix button when
the repair is obvious (a graph edit through the undo stack, or the loss setting)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from .. import theme


class DataProblemsBox(QGroupBox):
    fix_requested = Signal(object)     # graph.Problem

    def __init__(self, parent=None):
        super().__init__("Data and model", parent)
        self.rows = QVBoxLayout(self)
        self.problems: list = []
        self.fix_buttons: list[QPushButton] = []
        self.ok_label = QLabel()
        self.rows.addWidget(self.ok_label)

    def show_problems(self, problems: list) -> None:
        self.problems = list(problems)
        for button in self.fix_buttons:
            button.parentWidget().setParent(None)
        self.fix_buttons = []
        t = theme.current()
        self.ok_label.setText(f"<span style='color:{t.ok}'>✔ the model fits the data</span>" if not problems else "")
        self.ok_label.setVisible(not problems)
        for p in problems:
            row = QWidget()
            layout = QHBoxLayout(row)
            layout.setContentsMargins(0, 0, 0, 0)
            colour = t.error if p.severity == "error" else t.warning
            label = QLabel(f"<span style='color:{colour}'>●</span> {p.message}")
            label.setWordWrap(True)
            layout.addWidget(label, 1)
            label_text = p.detail.get("fix_label") if p.fix in ("set_params", "set_loss") else None
            button = QPushButton(label_text or "Fix")
            button.setObjectName(f"fix_{p.code}")
            button.setVisible(bool(label_text))
            button.clicked.connect(lambda _=False, prob=p: self.fix_requested.emit(prob))
            layout.addWidget(button)
            self.rows.addWidget(row)
            self.fix_buttons.append(button)
