"""A layer on the canvas: type, name, key parameters, output shape, parameter count and
multiply-adds, its typed ports (one output port per output: an LSTM with return_state has
three, its shape line shows all three), and a badge when the layer has a problem."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from visualnet.graph import get_spec
from visualnet.graph.layer_types.recurrent import output_names
from visualnet.graph.layout import input_port_names

from .. import icons, theme
from ..formatting import compact_count, key_params_text, sample_shape_text, shape_text
from .hoverable import HoverableItem
from .metrics import HEADER_HEIGHT, NODE_WIDTH, OVERVIEW_ZOOM, PORT_SPACING, node_height
from .port_item import PortItem

BADGE = 9.0  # badge radius


class NodeItem(HoverableItem):
    def __init__(self, node):
        super().__init__()
        self.node_id = node.id
        self.spec = get_spec(node.type)
        self.name = node.name
        self.params_line = ""
        self.shape_value = None
        self.shapes: list = []         # one per output port
        self.param_count = 0
        self.macs: int | None = 0      # multiply-adds per sample (graph/costs.py)
        self.problems: list = []
        self.edges: set = set()
        self.height = node_height(1)
        self.output_ports: list[PortItem] = [PortItem(self, "out")]
        self.input_ports: list[PortItem] = []
        self._output_names: list[str] | None = None
        self.setFlags(QGraphicsItem.GraphicsItemFlag.ItemIsMovable | QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
                      | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges)
        self.setZValue(1)
        self.update_node(node)

    # ---------------------------------------------------------------- data
    def update_node(self, node) -> None:
        """Name, parameters and position from the graph's node."""
        self.name = node.name
        self.params_line = key_params_text(self.spec, node.params)
        try:
            count = self.spec.outputs(node.params)
        except (ValueError, KeyError, TypeError):
            count = 1
        self._output_names = output_names(self.spec.type, node.params) if count > 1 else None
        self._input_names = input_port_names(self.spec.type, node.params)
        if node.position is not None and (self.pos().x(), self.pos().y()) != node.position:
            self.setPos(QPointF(*node.position))
        self._update_tooltip()
        self.update()

    @property
    def output_port(self) -> PortItem:
        """The first output's port (the only one of most layers)."""
        return self.output_ports[0]

    def output_port_at(self, index: int) -> PortItem:
        """Output port `index` (the first when the node has no such port: a wire validation reports)."""
        return self.output_ports[index] if 0 <= index < len(self.output_ports) else self.output_ports[0]

    def update_analysis(self, info, problems: list, n_ports: int, wired_ports: set, input_shapes: dict,
                        wired_outputs: set = frozenset()) -> None:
        """Shapes, parameter count, problems and ports (`n_ports` input ports, of which
        `wired_ports` are wired; `input_shapes`: port -> shape received; `wired_outputs`:
        the output ports wires start from)."""
        self.shape_value = info.shape if info else None
        self.shapes = list(info.shapes) if info and info.shape is not None else []
        self.param_count = info.params if info else 0
        self.macs = info.multiply_adds if info and info.shape is not None else 0
        self.problems = problems
        n_out = len(self._output_names) if self._output_names else 1
        height = node_height(max(n_ports, n_out))
        if height != self.height:
            self.prepareGeometryChange()
            self.height = height
        self._set_ports(n_ports)
        for port in self.input_ports:
            names = self._input_names
            port.set_state(input_shapes.get(port.index), port.index in wired_ports,
                           self.spec.max_inputs is None and port.index == n_ports - 1, self.name,
                           names[port.index] if names and port.index < len(names) else None)
        self._set_output_ports(n_out)
        for port in self.output_ports:
            port.setPos(NODE_WIDTH, self.port_y(port.index, n_out))
            shape = self.shapes[port.index] if port.index < len(self.shapes) else None
            port.set_state(shape, port.index in wired_outputs if n_out > 1 else
                           any(e.src_item is self for e in self.edges), False, self.name,
                           self._output_names[port.index] if self._output_names else None)
        self._update_tooltip()
        self.update()

    def _set_ports(self, n: int) -> None:
        while len(self.input_ports) > n:
            port = self.input_ports.pop()
            port.setParentItem(None)
            if self.scene() is not None:
                self.scene().removeItem(port)
        while len(self.input_ports) < n:
            self.input_ports.append(PortItem(self, "in", len(self.input_ports)))
        for port in self.input_ports:
            port.setPos(0, self.input_port_y(port.index, n))

    def _set_output_ports(self, n: int) -> None:
        while len(self.output_ports) > n:
            port = self.output_ports.pop()
            port.setParentItem(None)
            if self.scene() is not None:
                self.scene().removeItem(port)
        while len(self.output_ports) < n:
            self.output_ports.append(PortItem(self, "out", len(self.output_ports)))

    def input_port_y(self, index: int, n: int) -> float:
        return self.port_y(index, n)

    def port_y(self, index: int, n: int) -> float:
        """The height of port `index` of `n` along a side (centred)."""
        return self.height / 2 + (index - (n - 1) / 2) * PORT_SPACING

    def input_port(self, index: int) -> PortItem | None:
        return self.input_ports[index] if 0 <= index < len(self.input_ports) else None

    def _update_tooltip(self) -> None:
        lines = [f"<b>{self.spec.type}</b> — {self.name}", self.spec.doc]
        if self.shape_value is not None:
            cost = "" if self.macs == 0 else " · multiply-adds per sample: " + \
                ("unknown (a length is not fixed)" if self.macs is None else f"{self.macs:,}")
            outputs = (f"Output: {shape_text(self.shape_value)}" if len(self.shapes) <= 1 else
                       "Outputs: " + ", ".join(f"{n} {shape_text(s)}" for n, s in zip(self._output_names or [],
                                                                                      self.shapes)))
            lines.append(f"{outputs} · {self.param_count:,} parameters{cost}")
        for p in self.problems:
            colour = theme.current().severity(p.severity).name()
            lines.append(f"<span style='color:{colour}'>● {_html(p.message)}</span>")
        self.setToolTip("<br>".join(_html(line) if i and not line.startswith("<span") else line
                                    for i, line in enumerate(lines)))

    @property
    def severity(self) -> str | None:
        if any(p.severity == "error" for p in self.problems):
            return "error"
        return "warning" if self.problems else None

    # ---------------------------------------------------------------- geometry
    def rect(self) -> QRectF:
        return QRectF(0, 0, NODE_WIDTH, self.height)

    def boundingRect(self) -> QRectF:
        return self.rect().adjusted(-4, -BADGE - 2, BADGE + 2, 4)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRoundedRect(self.rect(), 6, 6)
        return path

    def itemChange(self, change, value):
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            for edge in self.edges:
                edge.update_path()
        return super().itemChange(change, value)

    # ---------------------------------------------------------------- painting
    def paint(self, painter, option, widget=None):
        t = theme.current()
        lod = QStyleOptionGraphicsItem.levelOfDetailFromTransform(painter.worldTransform())
        rect = self.rect()
        cat = t.category(self.spec.category)
        painter.setRenderHint(painter.RenderHint.Antialiasing)
        if lod < 0.2:  # minimap
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(t.severity(self.severity) if self.severity else cat)
            painter.drawRoundedRect(rect, 8, 8)
            return
        # shadow, body, header
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 60 if t.dark else 22))
        painter.drawRoundedRect(rect.translated(0, 2), 7, 7)
        painter.setBrush(t.colour("node"))
        painter.drawRoundedRect(rect, 6, 6)
        header = QPainterPath()
        header.addRoundedRect(rect, 6, 6)
        clip = QPainterPath()
        clip.addRect(QRectF(0, 0, rect.width(), HEADER_HEIGHT))
        tint = QColor(cat)
        tint.setAlpha(70 if t.dark else 40)
        painter.setBrush(tint)
        painter.drawPath(header.intersected(clip) if lod >= OVERVIEW_ZOOM else header)
        # border
        border = t.colour("node_border")
        width = 1.0
        if self.severity:
            border, width = t.severity(self.severity), 1.8
        if self.isSelected():
            border, width = t.colour("accent"), 2.4
        elif self._hover and not self.severity:
            border = t.colour("accent").lighter(130) if t.dark else t.colour("accent").lighter(160)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(border, width))
        painter.drawRoundedRect(rect, 6, 6)
        if lod < OVERVIEW_ZOOM:
            self._paint_overview(painter, lod, t)
        else:
            self._paint_detail(painter, t)
        if self.severity:
            icons.paint_badge(painter, QRectF(rect.right() - BADGE, -BADGE, 2 * BADGE, 2 * BADGE), self.severity)

    def _paint_detail(self, painter, t) -> None:
        w = NODE_WIDTH
        icons.category_icon(self.spec.category).paint(painter, QRectF(7, 4, 16, 16).toRect())
        bold = _font(9, bold=True)
        small = _font(8)
        _text(painter, QRectF(28, 0, w - 36, HEADER_HEIGHT), self.spec.type, bold, t.colour("text"))
        y = HEADER_HEIGHT + 2
        line = (self.height - HEADER_HEIGHT - 4) / 3
        macs = f"{compact_count(self.macs)} MACs" if self.macs else ""
        mw = QFontMetricsF(small).horizontalAdvance(macs) + 6 if macs else 0
        _text(painter, QRectF(9, y, w - 18 - mw, line), self.name, small, t.colour("dim"))
        if macs:
            _text(painter, QRectF(w - 9 - mw, y, mw, line), macs, small, t.colour("dim"), Qt.AlignmentFlag.AlignRight)
        params_font = _font(8) if QFontMetricsF(small).horizontalAdvance(self.params_line) <= w - 18 else _font(7.2)
        _text(painter, QRectF(9, y + line, w - 18, line), self.params_line, params_font, t.colour("text"))
        mono = _font(8, mono=True)
        if self.shape_value is not None:
            shape, colour = "→ " + self.shape_line(), t.colour("text")
        else:
            shape, colour = "shape unknown", t.severity(self.severity or "warning")
        count = ""
        if self.param_count:
            fm = QFontMetricsF(small)
            room = w - 18 - QFontMetricsF(mono).horizontalAdvance(shape) - 8
            count = f"{self.param_count:,} params"
            if fm.horizontalAdvance(count) > room:
                count = f"{compact_count(self.param_count)} p"
        cw = QFontMetricsF(small).horizontalAdvance(count) + 4 if count else 0
        _text(painter, QRectF(9, y + 2 * line, w - 18 - cw, line), shape, mono, colour)
        if count:
            _text(painter, QRectF(w - 9 - cw, y + 2 * line, cw, line), count, small, t.colour("dim"),
                  Qt.AlignmentFlag.AlignRight)

    def shape_line(self) -> str:
        """The output shape(s) without the batch, compactly: '64 | 64 | 64' for several outputs."""
        if len(self.shapes) > 1:
            return " | ".join(sample_shape_text(s) for s in self.shapes)
        return sample_shape_text(self.shape_value)

    def _paint_overview(self, painter, lod, t) -> None:
        """Zoomed out: the type and output shape in letters big enough to read on screen."""
        w, h = NODE_WIDTH, self.height
        line = min(h / 2, 30.0)
        top = (h - 2 * line) / 2 if h > 2 * line else 0
        size = min(12.0 / lod, line * 0.8)
        title = short_type(self.spec.type)
        icon = size * 1.1
        font = _font_px(size, bold=True)
        left = icon + 14
        if QFontMetricsF(font).horizontalAdvance(title) > w - left - 6:  # no room for the icon
            left = 8
        else:
            icons.category_icon(self.spec.category).paint(
                painter, QRectF(8, top + (line - icon) / 2 + 2, icon, icon).toRect())
        font = _fit(font, title, w - left - 6)
        _text(painter, QRectF(left, top + 2, w - left - 6, line), title, font, t.colour("text"),
              Qt.AlignmentFlag.AlignLeft if left > 8 else Qt.AlignmentFlag.AlignHCenter)
        if self.shape_value is not None:
            text = self.shape_line()
            sfont = _fit(_font_px(size * 0.9), text, w - 16)
            _text(painter, QRectF(8, top + line, w - 16, line), text, sfont, t.colour("dim"),
                  Qt.AlignmentFlag.AlignCenter)


_ABBREVIATIONS = (("Normalization", "Norm"), ("Pooling", "Pool"), ("Average", "Avg"))


def short_type(layer_type: str) -> str:
    """A layer type short enough to read when zoomed out: MaxPooling2D -> MaxPool2D."""
    for long, short in _ABBREVIATIONS:
        layer_type = layer_type.replace(long, short)
    return layer_type


def _font(points: float, bold: bool = False, mono: bool = False) -> QFont:
    font = QFont()
    if mono:
        font.setFamilies(["DejaVu Sans Mono", "Menlo", "Consolas", "monospace"])
        font.setStyleHint(QFont.StyleHint.Monospace)
    font.setPointSizeF(points)
    font.setBold(bold)
    return font


def _font_px(pixels: float, bold: bool = False) -> QFont:
    font = QFont()
    font.setPixelSize(max(1, round(pixels)))
    font.setBold(bold)
    return font


def _fit(font: QFont, text: str, width: float) -> QFont:
    advance = QFontMetricsF(font).horizontalAdvance(text)
    if advance > width and font.pixelSize() > 0:
        font = QFont(font)
        font.setPixelSize(max(1, int(font.pixelSize() * width / advance)))
    return font


def _text(painter, rect: QRectF, text: str, font: QFont, colour: QColor,
          align=Qt.AlignmentFlag.AlignLeft) -> None:
    painter.setFont(font)
    painter.setPen(colour)
    elided = QFontMetricsF(font).elidedText(text, Qt.TextElideMode.ElideRight, rect.width())
    painter.drawText(rect, int(align | Qt.AlignmentFlag.AlignVCenter), elided)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
