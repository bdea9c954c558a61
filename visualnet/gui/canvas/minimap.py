"""An overview of the whole model in the canvas's corner, shown when the model is larger
than the view: the visible part is framed; click or drag in it to move there."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QFrame, QGraphicsView

from .. import theme

SIZE = (220, 140)
MARGIN = 12


class Minimap(QGraphicsView):
    def __init__(self, main_view: QGraphicsView):
        super().__init__(main_view)
        self.main_view = main_view
        self.setScene(main_view.scene())
        self.setInteractive(False)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setFixedSize(*SIZE)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Overview: click or drag to move the view")
        self.enabled_by_user = True
        self._timer = QTimer(self, singleShot=True, interval=30, timeout=self._refresh_now)
        main_view.scene().changed.connect(self._scene_changed)
        self.hide()

    def place(self) -> None:
        vp = self.main_view.viewport().geometry()
        self.move(vp.right() - SIZE[0] - MARGIN, vp.bottom() - SIZE[1] - MARGIN)
        self.refresh()

    def _scene_changed(self, _regions) -> None:
        self.refresh()

    def refresh(self) -> None:
        self._timer.start()

    def is_needed(self) -> bool:
        """True when part of the model lies outside the main view."""
        rect = self.main_view.scene().nodes_rect()
        return self.enabled_by_user and not rect.isNull() and not self.main_view.visible_rect().contains(rect)

    def _refresh_now(self) -> None:
        if not self.is_needed():
            self.hide()
            return
        rect = self.main_view.scene().nodes_rect().united(self.main_view.visible_rect())
        rect = rect.adjusted(-60, -60, 60, 60)
        self.setSceneRect(rect)
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        self.show()
        self.raise_()
        self.viewport().update()

    def drawBackground(self, painter, rect: QRectF):
        t = theme.current()
        painter.fillRect(rect, QColor(t.alt_base))

    def drawForeground(self, painter, rect: QRectF):
        t = theme.current()
        visible = self.main_view.visible_rect()
        accent = QColor(t.accent)
        fill = QColor(accent)
        fill.setAlpha(30)
        painter.setPen(QPen(accent, 0))
        painter.setBrush(fill)
        painter.drawRect(visible)

    def paintEvent(self, event):
        super().paintEvent(event)
        painter = QPainter(self.viewport())
        painter.setPen(QPen(QColor(theme.current().node_border), 1))
        painter.drawRect(self.viewport().rect().adjusted(0, 0, -1, -1))
        painter.end()

    def mousePressEvent(self, event):
        self._go(event.position())

    def mouseMoveEvent(self, event):
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._go(event.position())

    def _go(self, pos: QPointF) -> None:
        self.main_view.centerOn(self.mapToScene(pos.toPoint()))
        self.refresh()

    def wheelEvent(self, event):
        event.ignore()
