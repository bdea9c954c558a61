"""The drawing pad of the Evaluation tab: draw a digit with the mouse to predict it."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QWidget

from .. import theme


class DrawingPad(QWidget):
    """Draw a digit with the mouse: white strokes on black, read back as 28x28 uint8."""

    drawn = Signal()

    def __init__(self, size: int = 224, parent=None):
        super().__init__(parent)
        self.setFixedSize(size, size)
        self.image = QImage(size, size, QImage.Format.Format_Grayscale8)
        self.image.fill(0)
        self._last: QPoint | None = None
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("Draw a digit; it is scaled to 28x28 like MNIST")

    def clear(self) -> None:
        self.image.fill(0)
        self.update()

    def show_image(self, gray) -> None:
        """Put a grey image (h, w) uint8 on the pad, scaled to fit it and centred, so that
        it can be drawn on; an opened image appears here as a drawing does."""
        gray = np.ascontiguousarray(gray, dtype=np.uint8)
        h, w = gray.shape
        img = QImage(gray.data, w, h, w, QImage.Format.Format_Grayscale8).copy()
        img = img.scaled(self.width(), self.height(), Qt.AspectRatioMode.KeepAspectRatio,
                         Qt.TransformationMode.SmoothTransformation)
        self.image.fill(0)
        painter = QPainter(self.image)
        painter.drawImage((self.width() - img.width()) // 2, (self.height() - img.height()) // 2, img)
        painter.end()
        self.update()

    def stroke(self, a: QPoint, b: QPoint) -> None:
        painter = QPainter(self.image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor(255, 255, 255), self.width() / 11, Qt.PenStyle.SolidLine,
                            Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
        painter.drawLine(a, b)
        painter.end()
        self.update()

    def mousePressEvent(self, event):
        self._last = event.position().toPoint()
        self.stroke(self._last, self._last)

    def mouseMoveEvent(self, event):
        if self._last is not None:
            p = event.position().toPoint()
            self.stroke(self._last, p)
            self._last = p

    def mouseReleaseEvent(self, event):
        self._last = None
        self.drawn.emit()

    def paintEvent(self, event):
        painter = QPainter(self)
        painter.drawImage(0, 0, self.image)
        painter.setPen(QColor(theme.current().node_border))
        painter.drawRect(self.rect().adjusted(0, 0, -1, -1))

    def pixels(self, side: int = 28) -> np.ndarray:
        """The drawing as (side, side) uint8, smoothly scaled (as MNIST digits are)."""
        small = self.image.scaled(side, side, Qt.AspectRatioMode.IgnoreAspectRatio,
                                  Qt.TransformationMode.SmoothTransformation)
        ptr = small.constBits()
        return np.array(ptr, dtype=np.uint8).reshape(side, small.bytesPerLine())[:, :side].copy()
