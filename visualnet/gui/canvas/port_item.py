"""A node's input or output port. Ports are typed by the tensor they carry: the colour
says its rank (vector, sequence, image) and the tooltip gives the exact shape. A node with
several outputs (an LSTM with return_state) has one output port per output, each labelled
with its name and shape beside it."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainterPath, QPen

from .. import theme
from ..formatting import sample_shape_text, shape_text
from .hoverable import HoverableItem
from .metrics import PORT_RADIUS

HIT_RADIUS = PORT_RADIUS + 5

RANK_CATEGORY = {2: "core", 3: "pooling", 4: "convolution"}
RANK_NAME = {2: "vector", 3: "sequence", 4: "image"}


def rank_colour(shape) -> QColor:
    t = theme.current()
    if shape is None:
        return t.colour("wire")
    return t.category(RANK_CATEGORY.get(len(shape), "input"))


class PortItem(HoverableItem):
    """`kind` is 'in' or 'out'; `index` is the input or output port number."""

    def __init__(self, parent, kind: str, index: int = 0):
        super().__init__(parent)
        self.kind, self.index = kind, index
        self.shape_value = None      # the tensor shape carried (known after shape inference)
        self.connected = False
        self.free_extra = False      # the spare '+' port of a merging layer
        self.highlight: str | None = None  # None, 'ok' or 'refused' while a wire is dragged over it
        self.name: str | None = None  # the output's name where a node has several ('state_h')
        self.setZValue(2)
        self.setCursor(Qt.CursorShape.CrossCursor)

    @property
    def node_item(self):
        return self.parentItem()

    def boundingRect(self) -> QRectF:
        rect = QRectF(-HIT_RADIUS, -HIT_RADIUS, 2 * HIT_RADIUS, 2 * HIT_RADIUS)
        if self.label:
            width = QFontMetricsF(_label_font()).horizontalAdvance(self.label) + 4
            rect = rect.united(QRectF(HIT_RADIUS, -HIT_RADIUS - 12, width, 12))
        return rect

    def shape(self) -> QPainterPath:
        """What the mouse hits: the port's circle, not its label."""
        path = QPainterPath()
        path.addEllipse(QPointF(0, 0), HIT_RADIUS, HIT_RADIUS)
        return path

    @property
    def label(self) -> str:
        """Beside an output port of a node with several: 'state_h 8'."""
        if self.kind != "out" or self.name is None:
            return ""
        return self.name + (f" {sample_shape_text(self.shape_value)}" if self.shape_value is not None else "")

    def set_state(self, shape, connected: bool, free_extra: bool, owner_name: str, name: str | None = None) -> None:
        if name != self.name or (name is not None and shape != self.shape_value):
            self.prepareGeometryChange()
        self.name = name
        self.shape_value, self.connected, self.free_extra = shape, connected, free_extra
        if self.kind == "out":
            what = f"Output {self.index} ({name}) of {owner_name}" if name else f"Output of {owner_name}"
            tip = f"{what}: {shape_text(shape)}" if shape else what
            tip += "\nDrag from here to an input port to wire it."
        else:
            tip = f"Input {self.index + 1}{f' ({name})' if name else ''} of {owner_name}"
            if connected and shape is not None:
                tip += f": receives {shape_text(shape)}"
            tip += ("\nDrag this wire away to move or remove it." if connected
                    else "\nDrop a wire here, or drag from here to an output port.")
        if shape is not None:
            tip += f"\n{RANK_NAME.get(len(shape), f'{len(shape)}-D')} tensor"
        self.setToolTip(tip)
        self.update()

    def set_highlight(self, state: str | None) -> None:
        if state != self.highlight:
            self.highlight = state
            self.update()

    def paint(self, painter, option, widget=None):
        t = theme.current()
        colour = rank_colour(self.shape_value)
        radius = PORT_RADIUS + (1.5 if self._hover or self.highlight else 0)
        if self.highlight == "refused":
            colour = t.colour("error")
        elif self.highlight == "ok" or self._hover:
            colour = t.colour("accent")
        painter.setRenderHint(painter.RenderHint.Antialiasing)
        painter.setPen(QPen(colour, 2))
        painter.setBrush(colour if self.connected else t.colour("node"))
        painter.drawEllipse(QPointF(0, 0), radius, radius)
        if self.free_extra and not self.connected:
            painter.setPen(QPen(colour, 1.4))
            d = radius * 0.5
            painter.drawLine(QPointF(-d, 0), QPointF(d, 0))
            painter.drawLine(QPointF(0, -d), QPointF(0, d))
        if self.label:
            painter.setFont(_label_font())
            painter.setPen(t.colour("dim"))
            painter.drawText(QRectF(HIT_RADIUS, -HIT_RADIUS - 12, 200, 12),
                             int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom), self.label)


def _label_font() -> QFont:
    font = QFont()
    font.setPointSizeF(7)
    return font
