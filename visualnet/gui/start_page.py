"""The start screen, shown over the empty canvas: the templates as cards, and how to
begin from scratch."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout

from visualnet.graph.templates import all_templates

from . import icons, theme


class StartPage(QFrame):
    template_chosen = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("StartPage")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.buttons: dict[str, QPushButton] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(10)
        title = QLabel("<span style='font-size:16pt; font-weight:600'>Start a new model</span>")
        layout.addWidget(title)
        hint = QLabel("Pick a template, or drag an <b>Input</b> layer from the palette onto the canvas and build "
                      "your own: wire each layer's output port (right) to the next layer's input port (left).")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        grid = QGridLayout()
        grid.setSpacing(8)
        for i, template in enumerate(all_templates()):
            button = QPushButton()
            button.setObjectName(f"template_{template.name}")
            button.setIcon(icons.category_icon(_category(template)))
            button.setText(f"{template.title}\n{template.description}")
            button.setToolTip(template.description)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
            button.setMinimumHeight(58)
            button.setStyleSheet("QPushButton { text-align: left; padding: 6px 10px; }")
            button.clicked.connect(lambda _=False, name=template.name: self.template_chosen.emit(name))
            grid.addWidget(button, i // 2, i % 2)
            self.buttons[template.name] = button
        layout.addLayout(grid)
        self.restyle()

    def restyle(self) -> None:
        t = theme.current()
        self.setStyleSheet(f"#StartPage {{ background: {t.base}; border: 1px solid {t.node_border}; "
                           f"border-radius: 10px; }}")

    def place(self) -> None:
        """Centre over the parent (the canvas)."""
        parent = self.parentWidget()
        if parent is None:
            return
        width = min(720, parent.width() - 40)
        self.setFixedWidth(max(320, width))
        self.adjustSize()
        self.move((parent.width() - self.width()) // 2, max(10, (parent.height() - self.height()) // 2))


def _category(template) -> str:
    """The most telling kind of layer in the template, for its icon."""
    found = {n.spec.category for n in template.load().nodes.values()}
    return next((c for c in ("merging", "convolution", "normalization") if c in found), "core")
