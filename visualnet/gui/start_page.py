"""The start screen, shown over the empty canvas: recent projects, the templates as cards,
and how to begin from scratch."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QFrame, QGridLayout, QHBoxLayout, QLabel, QPushButton, QScrollArea, QSizePolicy,
                               QVBoxLayout, QWidget)

from visualnet.graph.templates import all_templates

from . import icons, theme


class StartPage(QFrame):
    template_chosen = Signal(str)
    recent_chosen = Signal(str)     # the path of a recent project
    MAX_RECENT = 5

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
        self.first_run_button: QPushButton | None = None
        self._first_run_index = layout.count()
        self.recent_box = QFrame()
        self.recent_box.setObjectName("recent_projects")
        self.recent_layout = QVBoxLayout(self.recent_box)
        self.recent_layout.setContentsMargins(0, 0, 0, 4)
        self.recent_layout.setSpacing(2)
        self.recent_buttons: list[QPushButton] = []
        self.recent_box.hide()
        self.cards = QWidget()                   # recent projects and templates scroll when the window is short
        column = QVBoxLayout(self.cards)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.recent_box)
        grid = QGridLayout()
        grid.setSpacing(8)
        column.addLayout(grid)
        for i, template in enumerate(all_templates()):
            button = _card(template)
            button.clicked.connect(lambda _=False, name=template.name: self.template_chosen.emit(name))
            grid.addWidget(button, i // 2, i % 2)
            self.buttons[template.name] = button
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(self.cards)
        self.scroll.setMinimumHeight(120)
        layout.addWidget(self.scroll, 1)
        self.restyle()

    def set_first_run(self, callback) -> QPushButton:
        """Show the "Train your first network" card (only once a training page exists)."""
        if self.first_run_button is None:
            button = QPushButton()
            button.setObjectName("first_run")
            button.setToolTip("Open the MNIST MLP template with the built-in MNIST digits on the training page; "
                              "then press Train")
            text = QLabel("<b>▶ Train your first network</b><br>Handwritten digits (MNIST) with a small "
                          "perceptron: see the curves move in two clicks.")
            text.setWordWrap(True)
            text.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            inner = QHBoxLayout(button)
            inner.setContentsMargins(10, 8, 10, 8)
            inner.addWidget(text)
            button.setMinimumHeight(56)
            self.layout().insertWidget(self._first_run_index, button)
            self.first_run_button = button
        self.first_run_button.clicked.connect(callback)
        if self.isVisible():
            self.place()
        return self.first_run_button

    def set_recent(self, paths: list) -> None:
        """List up to MAX_RECENT recent projects (hidden when there are none)."""
        for button in self.recent_buttons:
            self.recent_layout.removeWidget(button)
            button.deleteLater()
        self.recent_buttons = []
        while self.recent_layout.count():
            item = self.recent_layout.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        paths = [Path(p) for p in paths][: self.MAX_RECENT]
        if paths:
            self.recent_layout.addWidget(QLabel("<b>Recent projects</b>"))
        for path in paths:
            button = QPushButton(f"{path.name}   —   {path.parent}")
            button.setObjectName("recent_project")
            button.setToolTip(str(path))
            button.setFlat(True)
            button.setStyleSheet("text-align: left; padding: 2px 6px;")
            button.clicked.connect(lambda _=False, p=str(path): self.recent_chosen.emit(p))
            self.recent_layout.addWidget(button)
            self.recent_buttons.append(button)
        self.recent_box.setVisible(bool(paths))
        if self.isVisible():
            self.place()

    def restyle(self) -> None:
        t = theme.current()
        self.setStyleSheet(f"#StartPage {{ background: {t.base}; border: 1px solid {t.node_border}; "
                           f"border-radius: 10px; }}")
        self.scroll.viewport().setStyleSheet(f"background: {t.base};")

    def place(self) -> None:
        """Centre over the parent (the canvas)."""
        parent = self.parentWidget()
        if parent is None:
            return
        width = max(320, min(720, parent.width() - 40))
        layout = self.layout()
        cards = self.cards.layout()
        inner = width - 48 - self.scroll.verticalScrollBar().sizeHint().width()
        wanted = cards.heightForWidth(inner) if cards.hasHeightForWidth() else cards.sizeHint().height()
        height = layout.sizeHint().height() - self.scroll.sizeHint().height() + wanted   # every card, when there is room
        self.setFixedSize(width, min(max(height, layout.minimumSize().height()), max(200, parent.height() - 20)))
        self.move((parent.width() - self.width()) // 2, max(10, (parent.height() - self.height()) // 2))


def _card(template) -> QPushButton:
    """A button showing the template's icon, title and wrapped description."""
    button = QPushButton()
    button.setObjectName(f"template_{template.name}")
    button.setToolTip(f"Open the {template.title} template")
    icon = QLabel()
    icon.setPixmap(icons.category_icon(_category(template)).pixmap(28, 28))
    text = QLabel(f"<b>{template.title}</b><br><span>{template.description}</span>")
    text.setWordWrap(True)
    for label in (icon, text):
        label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
    layout = QHBoxLayout(button)
    layout.setContentsMargins(10, 8, 10, 8)
    layout.setSpacing(10)
    layout.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
    layout.addWidget(text, 1)
    button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    button.setMinimumHeight(64)
    return button


def _category(template) -> str:
    """The most telling kind of layer in the template, for its icon."""
    found = {n.spec.category for n in template.load().nodes.values()}
    return next((c for c in ("merging", "convolution", "normalization") if c in found), "core")
