"""The hover highlight shared by nodes, ports and wires."""

from PySide6.QtWidgets import QGraphicsItem


class HoverableItem(QGraphicsItem):
    """A graphics item that accepts hover events and repaints with `_hover` set while
    the mouse is over it."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._hover = False
        self.setAcceptHoverEvents(True)

    def hoverEnterEvent(self, event):
        self._hover = True
        self.update()

    def hoverLeaveEvent(self, event):
        self._hover = False
        self.update()
