"""Switching to the dark theme while the window is open (issue 26): the Train page's plots
(curves, inside view, evaluation, comparisons) turn dark with readable axes, and an
unchecked check box still shows its square (at least 3:1 against the window, as WCAG asks
of the parts of a control)."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QStyle, QStyleOptionButton

from visualnet.gui import theme


def luminance(c: QColor) -> float:
    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
    return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())


def contrast(a: QColor, b: QColor) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def box_contrast(check) -> float:
    """The strongest contrast between the box's square (not its label) and the window."""
    option = QStyleOptionButton()
    check.initStyleOption(option)
    square = check.style().subElementRect(QStyle.SubElement.SE_CheckBoxIndicator, option, check)
    top = check.window()
    image = top.grab(QRect(check.mapTo(top, QPoint(0, 0)), check.size())).toImage()   # with what is behind it
    behind = QColor(theme.current().window)
    return max(contrast(image.pixelColor(x, y), behind)
               for x in range(square.left(), square.right() + 1) for y in range(square.top(), square.bottom() + 1))


def plot_colours(root) -> tuple[set, set]:
    """The plots' backgrounds and their axes' colours."""
    views = root.findChildren(pg.GraphicsView)
    axes = [item for v in views for item in v.scene().items() if isinstance(item, pg.AxisItem)]
    return ({v.backgroundBrush().color().name() for v in views},
            {a.pen().color().name() for a in axes} | {a.textPen().color().name() for a in axes})


def test_switching_to_dark_live_recolours_the_plots_and_keeps_check_boxes_visible(qtbot, window, page):
    window.load_template("mnist_mlp")
    page.select_dataset("mnist")
    check = page.continue_check
    assert not check.isChecked()
    light = box_contrast(check)
    window.actions["theme_dark"].trigger()
    try:
        dark = theme.DARK
        qtbot.waitUntil(lambda: check.palette().color(QPalette.ColorRole.Window).name() == dark.window)
        views = window.findChildren(pg.GraphicsView)
        assert len(views) >= 4                                     # curves, inside, evaluation, compare
        assert plot_colours(window) == ({dark.base}, {dark.dim})
        for view in views:
            for item in view.scene().items():
                if isinstance(item, pg.LabelItem) and item.text:
                    assert item.opts["color"] == dark.text
        legend = page.curves.plots["loss"].plot.legend     # its names read over the curves beneath
        assert legend.brush().color().name() == dark.base and legend.brush().color().alpha() > 128
        assert legend.opts["labelTextColor"].name() == dark.text
        assert box_contrast(check) >= 3.0 and light >= 3.0
    finally:
        window.actions["theme_light"].trigger()
    assert plot_colours(window) == ({theme.LIGHT.base}, {theme.LIGHT.dim})
