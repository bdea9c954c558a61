"""Wires: an EdgeItem draws one Edge of the graph as a curve from an output port to an
input port, labelled with the shape of the tensor it carries; a WireDragItem is the loose
wire that follows the mouse while wiring."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainterPath, QPainterPathStroker, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from .. import icons, theme
from .hoverable import HoverableItem
from .metrics import OVERVIEW_ZOOM
from ..formatting import sample_shape_text, shape_text


def wire_path(start: QPointF, end: QPointF) -> QPainterPath:
    """A horizontal S-curve from an output (left) to an input (right); a wire that goes
    backwards loops out past both ends instead of folding over the nodes."""
    dx = end.x() - start.x()
    bend = max(40.0, abs(dx) * 0.5) if dx >= 0 else max(80.0, abs(end.y() - start.y()) * 0.5, -dx * 0.35)
    path = QPainterPath(start)
    path.cubicTo(QPointF(start.x() + bend, start.y()), QPointF(end.x() - bend, end.y()), end)
    return path


class EdgeItem(HoverableItem):
    def __init__(self, edge_id: str, src_item, dst_item, dst_port: int, src_port: int = 0):
        super().__init__()
        self.edge_id = edge_id
        self.src_item, self.dst_item, self.dst_port = src_item, dst_item, dst_port
        self.src_port = src_port  # which output of the source it starts from
        self.shape_value = None
        self.problems: list = []
        self._path = QPainterPath()
        self._label_rect = QRectF()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setZValue(0)
        src_item.edges.add(self)
        dst_item.edges.add(self)
        self.update_path()

    def detach(self) -> None:
        self.src_item.edges.discard(self)
        self.dst_item.edges.discard(self)

    def set_analysis(self, shape, problems: list) -> None:
        self.shape_value, self.problems = shape, problems
        tip = f"{self.src_item.name} → {self.dst_item.name}"
        if len(self.src_item.output_ports) > 1:
            tip = f"{self.src_item.name} (output {self.src_port}) → {self.dst_item.name}"
        if self.dst_item.spec.max_inputs != 1:
            tip += f" (input {self.dst_port + 1})"
        tip += f"\nCarries {shape_text(shape)}" if shape is not None else "\nShape unknown"
        for p in problems:
            tip += f"\n● {p.message}"
        self.setToolTip(tip)
        self.update_path()

    @property
    def severity(self) -> str | None:
        if any(p.severity == "error" for p in self.problems):
            return "error"
        return "warning" if self.problems else None

    def endpoints(self) -> tuple[QPointF, QPointF]:
        start = self.src_item.output_port_at(self.src_port).scenePos()
        port = self.dst_item.input_port(self.dst_port)
        end = port.scenePos() if port is not None else self.dst_item.mapToScene(QPointF(0, self.dst_item.height / 2))
        return start, end

    def update_path(self) -> None:
        self.prepareGeometryChange()
        start, end = self.endpoints()
        self._path = wire_path(start, end)
        text = self.label()
        if text:
            fm = QFontMetricsF(_label_font())
            w, h = fm.horizontalAdvance(text) + 12 + (14 if self.severity else 0), fm.height() + 4
            mid = self._path.pointAtPercent(0.5)
            self._label_rect = QRectF(mid.x() - w / 2, mid.y() - h / 2, w, h)
        else:
            self._label_rect = QRectF()
        self.update()

    def label(self) -> str:
        return sample_shape_text(self.shape_value) if self.shape_value is not None else ""

    def boundingRect(self) -> QRectF:
        return self._path.boundingRect().adjusted(-6, -6, 6, 6).united(self._label_rect.adjusted(-4, -4, 4, 4))

    def shape(self) -> QPainterPath:
        stroker = QPainterPathStroker()
        stroker.setWidth(12)
        path = stroker.createStroke(self._path)
        if not self._label_rect.isNull():
            path.addRoundedRect(self._label_rect, 6, 6)
        return path

    def paint(self, painter, option, widget=None):
        t = theme.current()
        lod = QStyleOptionGraphicsItem.levelOfDetailFromTransform(painter.worldTransform())
        colour = t.severity(self.severity) if self.severity else t.colour("wire")
        width = 2.0
        if self.isSelected():
            colour, width = t.colour("accent"), 3.0
        elif self._hover:
            width = 3.0
        painter.setRenderHint(painter.RenderHint.Antialiasing)
        painter.setPen(QPen(colour, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self._path)
        if self._label_rect.isNull() or lod < OVERVIEW_ZOOM:  # zoomed out, nodes show their shapes
            return
        rect = self._label_rect
        painter.setBrush(t.colour("label_bg"))
        border = QColor(colour)
        if not (self.severity or self.isSelected()):
            border.setAlpha(140)
        painter.setPen(QPen(border, 1.0))
        painter.drawRoundedRect(rect, rect.height() / 2, rect.height() / 2)
        text_rect = rect
        if self.severity:
            b = rect.height() - 6
            icons.paint_badge(painter, QRectF(rect.left() + 4, rect.top() + 3, b, b), self.severity)
            text_rect = rect.adjusted(14, 0, 0, 0)
        painter.setFont(_label_font())
        painter.setPen(t.severity(self.severity) if self.severity else t.colour("dim"))
        painter.drawText(text_rect, int(Qt.AlignmentFlag.AlignCenter), self.label())


class WireDragItem(QGraphicsItem):
    """The wire being dragged: from a fixed port to the mouse, dashed; red over a refused target."""

    def __init__(self, anchor: QPointF, from_output: bool):
        super().__init__()
        self.anchor, self.from_output = anchor, from_output
        self.end = anchor
        self.refused = False
        self._path = QPainterPath()
        self.setZValue(5)

    def set_end(self, end: QPointF, refused: bool = False) -> None:
        self.prepareGeometryChange()
        self.end, self.refused = end, refused
        self._path = wire_path(self.anchor, end) if self.from_output else wire_path(end, self.anchor)
        self.update()

    def boundingRect(self) -> QRectF:
        return self._path.boundingRect().adjusted(-4, -4, 4, 4)

    def paint(self, painter, option, widget=None):
        t = theme.current()
        colour = t.colour("error") if self.refused else t.colour("accent")
        painter.setRenderHint(painter.RenderHint.Antialiasing)
        painter.setPen(QPen(colour, 2.2, Qt.PenStyle.DashLine, Qt.PenCapStyle.RoundCap))
        painter.drawPath(self._path)


def _label_font() -> QFont:
    font = QFont()
    font.setPointSizeF(7.5)
    return font
