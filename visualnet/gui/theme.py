"""Light and dark themes, following the system's colour scheme.

One `Theme` holds every colour the canvas and panels draw with; `current()` is the theme
in use. `apply(app)` picks light or dark from the system (Qt's colour scheme hint, else the
platform palette's window lightness), sets a matching Fusion palette, and follows later
system changes. `ThemeStyle` outlines check boxes so that an unchecked one shows on a dark
window; `restyle_plots(root)` re-colours the pyqtgraph plots under a widget after a switch."""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QObject, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPalette, QPen
from PySide6.QtWidgets import QProxyStyle, QStyle, QStyleFactory

CATEGORY_COLOURS = {
    "input": "#5a67d8", "core": "#2f81f7", "convolution": "#8250df", "pooling": "#1f9d8b", "reshaping": "#0a7ea4",
    "normalization": "#2da44e", "merging": "#e16f24", "activation": "#c49000", "regularization": "#cf5a9b",
    "recurrent": "#d1453b",
}


@dataclass(frozen=True)
class Theme:
    name: str
    dark: bool
    window: str
    base: str
    alt_base: str
    text: str
    dim: str
    canvas: str
    grid: str
    grid_major: str
    node: str
    node_border: str
    accent: str       # selection, focus, hovered ports
    wire: str
    label_bg: str
    error: str
    warning: str
    ok: str
    categories: dict = field(default_factory=lambda: dict(CATEGORY_COLOURS))

    def colour(self, name: str) -> QColor:
        return QColor(getattr(self, name))

    def category(self, category: str) -> QColor:
        return QColor(self.categories.get(category, self.accent))

    def severity(self, severity: str) -> QColor:
        return QColor(self.error if severity == "error" else self.warning)


LIGHT = Theme(
    "light", False, window="#eef0f3", base="#ffffff", alt_base="#f6f8fa", text="#1f2328", dim="#656d76",
    canvas="#f7f8fa", grid="#e3e6ea", grid_major="#d3d8de", node="#ffffff", node_border="#c4cad2",
    accent="#2f6fea", wire="#8c959f", label_bg="#ffffff", error="#cf222e", warning="#b87a00", ok="#1a7f37",
)
DARK = Theme(
    "dark", True, window="#22262c", base="#1a1d22", alt_base="#23272e", text="#e6edf3", dim="#8d96a0",
    canvas="#17191d", grid="#23272d", grid_major="#2d3239", node="#262b33", node_border="#3d444d",
    accent="#4c8dff", wire="#7d8793", label_bg="#1f2329", error="#ff6b63", warning="#e3a52a", ok="#3fb950",
)

_current = LIGHT


def current() -> Theme:
    return _current


class ThemeWatcher(QObject):
    """Emits `changed` after the theme switched (system change or `apply(..., forced)`)."""

    changed = Signal()


watcher: ThemeWatcher | None = None


def system_is_dark(app: QGuiApplication) -> bool:
    scheme = app.styleHints().colorScheme()
    if scheme == Qt.ColorScheme.Dark:
        return True
    if scheme == Qt.ColorScheme.Light:
        return False
    return app.palette().color(QPalette.ColorRole.Window).lightness() < 128


def apply(app, mode: str = "system") -> Theme:
    """Use the light or dark theme ('light', 'dark' or 'system') and keep following the
    system's colour scheme when 'system'."""
    global _current, watcher
    if watcher is None:
        watcher = ThemeWatcher()
        app.styleHints().colorSchemeChanged.connect(lambda *_: _on_system_change(app))
    watcher.setProperty("mode", mode)
    dark = system_is_dark(app) if mode == "system" else mode == "dark"
    _current = DARK if dark else LIGHT
    if not isinstance(app.style(), ThemeStyle):
        app.setStyle(ThemeStyle(QStyleFactory.create("Fusion")))
    app.setPalette(_palette(_current))
    watcher.changed.emit()
    return _current


class ThemeStyle(QProxyStyle):
    """Fusion, with every check box's square outlined in the theme's dim text colour: Fusion
    draws it in the window colour darkened, which on the dark window is all but invisible
    (an unchecked box then looked like no box at all)."""

    def drawPrimitive(self, element, option, painter, widget=None):
        super().drawPrimitive(element, option, painter, widget)
        if element == QStyle.PrimitiveElement.PE_IndicatorCheckBox:
            painter.save()
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.setPen(QPen(QColor(_current.dim), 1.0))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(QRectF(option.rect).adjusted(0.5, 0.5, -1.5, -1.5), 2.0, 2.0)
            painter.restore()


def restyle_plots(root) -> int:
    """Give the pyqtgraph plots under `root` the current theme: background, axes, their
    labels and the titles (plots made later take the theme from pyqtgraph's options).
    Returns how many plot widgets were re-coloured."""
    import pyqtgraph as pg

    t = _current
    pg.setConfigOptions(background=t.base, foreground=t.dim)
    views = root.findChildren(pg.GraphicsView)
    for view in views:
        view.setBackground(t.base)
        for item in view.scene().items():
            if isinstance(item, pg.AxisItem):
                item.setPen(t.dim)
                item.setTextPen(t.dim)
            elif isinstance(item, pg.LabelItem):
                item.setText(item.text, color=t.text)
            elif isinstance(item, pg.LegendItem):
                item.setBrush(legend_brush())
                item.setLabelTextColor(t.text)
    return len(views)


def legend_brush():
    """A plot legend's background: the plot's own colour, mostly opaque, so that its names
    read over the curves drawn beneath them."""
    colour = QColor(_current.base)
    colour.setAlpha(210)
    return colour


def _on_system_change(app) -> None:
    if watcher is not None and watcher.property("mode") == "system":
        apply(app, "system")


def _palette(t: Theme) -> QPalette:
    p = QPalette()
    roles = QPalette.ColorRole
    c = QColor
    for role, value in (
        (roles.Window, t.window), (roles.WindowText, t.text), (roles.Base, t.base), (roles.AlternateBase, t.alt_base),
        (roles.Text, t.text), (roles.Button, t.window), (roles.ButtonText, t.text), (roles.ToolTipBase, t.base),
        (roles.ToolTipText, t.text), (roles.PlaceholderText, t.dim), (roles.Highlight, t.accent),
        (roles.HighlightedText, "#ffffff"), (roles.Link, t.accent), (roles.BrightText, t.error),
        (roles.Light, "#3a4049" if t.dark else "#ffffff"), (roles.Midlight, "#30353d" if t.dark else "#e7e9ec"),
        (roles.Mid, "#2a2e35" if t.dark else "#c9ced6"), (roles.Dark, "#121417" if t.dark else "#a0a7b0"),
        (roles.Shadow, "#000000"),
    ):
        p.setColor(role, c(value))
    disabled = QPalette.ColorGroup.Disabled
    for role in (roles.WindowText, roles.Text, roles.ButtonText):
        p.setColor(disabled, role, c(t.dim))
    return p
