"""The canvas view: zoom (wheel, keys), pan (middle button, or Space + drag), rubber-band
selection, fit to view, drops from the palette, and the minimap in its corner."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QFrame, QGraphicsView

from ..palette import LAYER_MIME
from .metrics import GRID
from .minimap import Minimap

MIN_ZOOM, MAX_ZOOM = 0.1, 3.0


class GraphView(QGraphicsView):
    layer_dropped = Signal(str, QPointF)  # layer type, scene position of the drop
    zoom_changed = Signal(float)
    context_menu_requested = Signal(QPointF, QPoint)  # scene position, global position
    nudge_requested = Signal(float, float)  # move the selection by (dx, dy) scene units

    def __init__(self, scene, parent=None):
        super().__init__(scene, parent)
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing
                            | QPainter.RenderHint.SmoothPixmapTransform)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setRubberBandSelectionMode(Qt.ItemSelectionMode.IntersectsItemShape)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._pan_from: QPoint | None = None
        self._space = False
        self.minimap = Minimap(self)
        self.centerOn(0, 0)

    # ---------------------------------------------------------------- zoom
    def zoom(self) -> float:
        return self.transform().m11()

    def set_zoom(self, factor: float, anchor: QPointF | None = None) -> None:
        factor = min(MAX_ZOOM, max(MIN_ZOOM, factor))
        centre = anchor if anchor is not None else self.visible_rect().center()
        view_point = QPointF(self.mapFromScene(centre))
        self.resetTransform()
        self.scale(factor, factor)
        # keep `centre` under the same viewport point
        middle = QPointF(self.viewport().rect().center())
        self.centerOn(centre + (middle - view_point) / factor)
        self.zoom_changed.emit(self.zoom())
        self.minimap.refresh()

    def zoom_in(self):
        self.set_zoom(self.zoom() * 1.25)

    def zoom_out(self):
        self.set_zoom(self.zoom() / 1.25)

    def reset_zoom(self):
        self.set_zoom(1.0)

    def wheelEvent(self, event):
        steps = event.angleDelta().y() / 120.0
        if not steps:
            return super().wheelEvent(event)
        anchor = self.mapToScene(event.position().toPoint())
        self.set_zoom(self.zoom() * (1.15 ** steps), anchor)
        event.accept()

    def fit(self, rect: QRectF | None = None, max_zoom: float = 1.0) -> None:
        """Show `rect` (default: every layer) whole, with a margin, at most at `max_zoom`."""
        scene = self.scene()
        rect = rect if rect is not None else scene.nodes_rect()
        if rect.isNull():
            self.set_zoom(1.0, QPointF(0, 0))
            self.centerOn(0, 0)
            return
        rect = rect.adjusted(-40, -40, 40, 40)
        view = self.viewport().rect()
        factor = min(view.width() / rect.width(), view.height() / rect.height(), max_zoom)
        self.set_zoom(factor)
        self.centerOn(rect.center())
        self.minimap.refresh()

    def visible_rect(self) -> QRectF:
        return self.mapToScene(self.viewport().rect()).boundingRect()

    def centre_on(self, rect: QRectF) -> None:
        """Bring `rect` into the middle of the view, zooming out only if it does not fit."""
        view = self.visible_rect()
        if rect.width() > view.width() or rect.height() > view.height():
            self.fit(rect, max_zoom=self.zoom())
        else:
            self.centerOn(rect.center())
        self.minimap.refresh()

    # ---------------------------------------------------------------- pan
    def keyPressEvent(self, event):
        arrows = {Qt.Key.Key_Left: (-1, 0), Qt.Key.Key_Right: (1, 0), Qt.Key.Key_Up: (0, -1), Qt.Key.Key_Down: (0, 1)}
        if event.key() in arrows and self.scene().selected_node_ids():
            dx, dy = arrows[event.key()]
            step = GRID * (5 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 1)
            self.nudge_requested.emit(dx * step, dy * step)
            event.accept()
            return
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event):
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            self.viewport().unsetCursor()
            event.accept()
            return
        super().keyReleaseEvent(event)

    def mousePressEvent(self, event):
        if event.button() == Qt.MouseButton.MiddleButton or (
                event.button() == Qt.MouseButton.LeftButton and self._space):
            self._pan_from = event.position().toPoint()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event):
        if self._pan_from is not None:
            pos = event.position().toPoint()
            delta = pos - self._pan_from
            self._pan_from = pos
            self.pan(-delta.x(), -delta.y())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event):
        if self._pan_from is not None and event.button() in (Qt.MouseButton.MiddleButton, Qt.MouseButton.LeftButton):
            self._pan_from = None
            if self._space:
                self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            else:
                self.viewport().unsetCursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def pan(self, dx: float, dy: float) -> None:
        """Scroll by (dx, dy) viewport pixels."""
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() + int(dx))
        self.verticalScrollBar().setValue(self.verticalScrollBar().value() + int(dy))
        self.minimap.refresh()

    def scrollContentsBy(self, dx, dy):
        super().scrollContentsBy(dx, dy)
        self.minimap.refresh()

    def contextMenuEvent(self, event):
        self.context_menu_requested.emit(self.mapToScene(event.pos()), event.globalPos())
        event.accept()

    # ---------------------------------------------------------------- drops from the palette
    def dragEnterEvent(self, event):
        if event.mimeData().hasFormat(LAYER_MIME):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event):
        if event.mimeData().hasFormat(LAYER_MIME):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event):
        mime = event.mimeData()
        if not mime.hasFormat(LAYER_MIME):
            event.ignore()
            return
        layer_type = bytes(mime.data(LAYER_MIME)).decode("utf-8")
        self.layer_dropped.emit(layer_type, self.mapToScene(event.position().toPoint()))
        event.acceptProposedAction()

    # ---------------------------------------------------------------- geometry
    def resizeEvent(self, event):
        super().resizeEvent(event)
        self.minimap.place()
