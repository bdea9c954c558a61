"""Icons: the SVGs in resources/icons (one per layer category, the app icon) and the
small severity marks drawn in the theme's colours."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap

from . import theme


def icons_dir() -> Path:
    try:
        from visualnet.resources import resource_path
        return resource_path("icons")
    except (ImportError, FileNotFoundError):
        return Path(__file__).resolve().parents[2] / "resources" / "icons"


@lru_cache(maxsize=None)
def category_icon(category: str) -> QIcon:
    path = icons_dir() / "categories" / f"{category}.svg"
    return QIcon(str(path)) if path.exists() else QIcon()


@lru_cache(maxsize=None)
def app_icon() -> QIcon:
    return QIcon(str(icons_dir() / "app.svg"))


def severity_icon(severity: str, size: int = 16) -> QIcon:
    """A filled circle with '!' (error) or a triangle with '!' (warning), drawn at 1x and 2x."""
    icon = QIcon()
    for scale in (1, 2):
        pix = QPixmap(size * scale, size * scale)
        pix.setDevicePixelRatio(scale)
        pix.fill(Qt.GlobalColor.transparent)
        p = QPainter(pix)
        paint_badge(p, QRectF(1, 1, size - 2, size - 2), severity)
        p.end()
        icon.addPixmap(pix)
    return icon


def paint_badge(p: QPainter, rect: QRectF, severity: str) -> None:
    """The problem badge used on nodes, wires and in the problems panel."""
    colour = theme.current().severity(severity)
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(colour)
    if severity == "error":
        p.drawEllipse(rect)
    else:
        path = QPainterPath()
        path.moveTo(rect.center().x(), rect.top())
        path.lineTo(rect.right(), rect.bottom())
        path.lineTo(rect.left(), rect.bottom())
        path.closeSubpath()
        p.drawPath(path)
    pen = QPen(QColor("#ffffff"), max(1.2, rect.width() / 8), Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
    p.setPen(pen)
    cx = rect.center().x()
    top = rect.top() + rect.height() * (0.25 if severity == "error" else 0.38)
    p.drawLine(QPointF(cx, top), QPointF(cx, rect.top() + rect.height() * 0.62))
    p.drawPoint(QPointF(cx, rect.top() + rect.height() * 0.78))
    p.restore()
