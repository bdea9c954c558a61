"""The layer palette: every layer type of the registry, grouped by category, each with its
icon and one-line doc; searchable; drag an entry onto the canvas, or double-click it (or
press Enter) to add it at the centre of the view."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QModelIndex, QPoint, QRect, QRectF, QSize, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import (QColor, QDrag, QFont, QFontMetrics, QKeySequence, QPainter, QPen, QPixmap, QStandardItem,
                           QStandardItemModel)
from PySide6.QtWidgets import (QAbstractItemView, QLineEdit, QStyle, QStyledItemDelegate, QStyleOptionViewItem,
                               QTreeView, QVBoxLayout, QWidget)

from visualnet.graph import all_specs

from . import icons, theme

LAYER_MIME = "application/x-visualnet-layer"
TYPE_ROLE = Qt.ItemDataRole.UserRole + 1
DOC_ROLE = Qt.ItemDataRole.UserRole + 2
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 3


class PaletteModel(QStandardItemModel):
    """Categories as top-level rows, layer types below them; layer rows drag as LAYER_MIME."""

    def __init__(self, parent=None):
        super().__init__(parent)
        groups: dict[str, QStandardItem] = {}
        for spec in all_specs():
            group = groups.get(spec.category)
            if group is None:
                group = QStandardItem(spec.category.capitalize())
                group.setFlags(Qt.ItemFlag.ItemIsEnabled)
                group.setData(spec.category, SEARCH_ROLE)
                groups[spec.category] = group
                self.appendRow(group)
            item = QStandardItem(icons.category_icon(spec.category), spec.type)
            item.setData(spec.type, TYPE_ROLE)
            item.setData(spec.doc, DOC_ROLE)
            item.setData(f"{spec.type} {spec.category} {spec.doc}".lower(), SEARCH_ROLE)
            item.setToolTip(f"<b>{spec.type}</b><br>{spec.doc}<br><i>Drag onto the canvas, or double-click.</i>")
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled)
            group.appendRow(item)

    def mimeTypes(self):
        return [LAYER_MIME]

    def mimeData(self, indexes):
        types = [i.data(TYPE_ROLE) for i in indexes if i.data(TYPE_ROLE)]
        if not types:
            return None
        mime = QMimeData()
        mime.setData(LAYER_MIME, types[0].encode("utf-8"))
        mime.setText(types[0])
        return mime


class _Filter(QSortFilterProxyModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setRecursiveFilteringEnabled(True)
        self.setFilterRole(SEARCH_ROLE)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

    def filterAcceptsRow(self, row, parent):
        words = self.filterRegularExpression().pattern().lower().split()
        if not words:
            return True
        text = self.sourceModel().index(row, 0, parent).data(SEARCH_ROLE) or ""
        return all(w in text for w in words) and parent.isValid()


class _Delegate(QStyledItemDelegate):
    """Layer rows: icon, type name, and the doc line below it, elided."""

    def sizeHint(self, option, index):
        fm = QFontMetrics(option.font)
        if not index.data(TYPE_ROLE):
            return QSize(100, fm.height() + 12)
        return QSize(100, fm.height() * 2 + 10)

    def paint(self, painter, option, index):
        if not index.data(TYPE_ROLE):  # category header
            painter.save()
            font = QFont(option.font)
            font.setBold(True)
            font.setPointSizeF(font.pointSizeF() * 0.9)
            font.setCapitalization(QFont.Capitalization.AllUppercase)
            font.setLetterSpacing(QFont.SpacingType.PercentageSpacing, 106)
            painter.setFont(font)
            painter.setPen(option.palette.placeholderText().color())
            painter.drawText(option.rect.adjusted(2, 4, 0, 0), int(Qt.AlignmentFlag.AlignLeft
                                                                    | Qt.AlignmentFlag.AlignVCenter), index.data())
            painter.restore()
            return
        painter.save()
        style = option.widget.style() if option.widget else None
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        text, opt.text = opt.text, ""
        opt.icon = type(opt.icon)()
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, option.widget)
        rect = option.rect
        fm = QFontMetrics(option.font)
        icon = index.data(Qt.ItemDataRole.DecorationRole)
        size = min(24, rect.height() - 8)
        icon.paint(painter, QRect(rect.left() + 4, rect.top() + (rect.height() - size) // 2, size, size))
        left = rect.left() + size + 12
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        colour = option.palette.highlightedText().color() if selected else option.palette.text().color()
        bold = QFont(option.font)
        bold.setWeight(QFont.Weight.DemiBold)
        painter.setFont(bold)
        painter.setPen(colour)
        painter.drawText(QRect(left, rect.top() + 4, rect.right() - left - 4, fm.height()),
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), text)
        small = QFont(option.font)
        small.setPointSizeF(option.font.pointSizeF() * 0.88)
        painter.setFont(small)
        dim = colour if selected else option.palette.placeholderText().color()
        painter.setPen(dim)
        doc = QFontMetrics(small).elidedText(index.data(DOC_ROLE) or "", Qt.TextElideMode.ElideRight,
                                             rect.right() - left - 4)
        painter.drawText(QRect(left, rect.top() + 4 + fm.height(), rect.right() - left - 4, fm.height() + 2),
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), doc)
        painter.restore()


class _Tree(QTreeView):
    enter_pressed = Signal(QModelIndex)
    drag_started = Signal(QMimeData)

    def startDrag(self, actions):
        """Drag the current entry as LAYER_MIME, shown as a small node-like chip."""
        index = self.currentIndex()
        mime = self.model().mimeData([index]) if index.isValid() else None
        if mime is None:
            return
        drag = QDrag(self)
        drag.setMimeData(mime)
        drag.setPixmap(_chip(index, self.devicePixelRatioF(), self.font()))
        drag.setHotSpot(QPoint(12, 14))
        self.drag_started.emit(mime)
        drag.exec(Qt.DropAction.CopyAction)

    def keyPressEvent(self, event):
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.enter_pressed.emit(self.currentIndex())
            event.accept()
            return
        super().keyPressEvent(event)


def _chip(index, ratio: float, font: QFont) -> QPixmap:
    """The drag image: the entry's icon and type in a rounded box."""
    text = index.data(TYPE_ROLE)
    bold = QFont(font)
    bold.setBold(True)
    width = QFontMetrics(bold).horizontalAdvance(text) + 40
    pix = QPixmap(int(width * ratio), int(28 * ratio))
    pix.setDevicePixelRatio(ratio)
    pix.fill(Qt.GlobalColor.transparent)
    t = theme.current()
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(QPen(QColor(t.accent), 1.5))
    p.setBrush(QColor(t.node))
    p.drawRoundedRect(QRectF(1, 1, width - 2, 26), 6, 6)
    index.data(Qt.ItemDataRole.DecorationRole).paint(p, QRect(6, 5, 18, 18))
    p.setFont(bold)
    p.setPen(QColor(t.text))
    p.drawText(QRectF(30, 0, width - 34, 28), int(Qt.AlignmentFlag.AlignVCenter), text)
    p.end()
    return pix


class PaletteWidget(QWidget):
    layer_activated = Signal(str)  # double-click or Enter: add this layer type at the view centre

    def __init__(self, parent=None):
        super().__init__(parent)
        self.model = PaletteModel(self)
        self.proxy = _Filter(self)
        self.proxy.setSourceModel(self.model)
        self.search = QLineEdit(self)
        shortcut = QKeySequence(QKeySequence.StandardKey.Find).toString(QKeySequence.SequenceFormat.NativeText)
        self.search.setPlaceholderText(f"Search layers ({shortcut})")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter)
        self.search.returnPressed.connect(self._activate_first)
        self.tree = _Tree(self)
        self.tree.setModel(self.proxy)
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(False)
        self.tree.setIndentation(0)
        self.tree.setItemDelegate(_Delegate(self.tree))
        self.tree.setUniformRowHeights(False)
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setItemsExpandable(False)
        self.tree.setExpandsOnDoubleClick(False)
        self.tree.doubleClicked.connect(self._on_double_click)
        self.tree.enter_pressed.connect(self._on_double_click)
        self.tree.expandAll()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        layout.addWidget(self.search)
        layout.addWidget(self.tree)

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _filter(self, text: str) -> None:
        self.proxy.setFilterFixedString(text)
        self.tree.expandAll()

    def visible_types(self) -> list[str]:
        """Layer types the search leaves visible, in display order."""
        out = []
        for r in range(self.proxy.rowCount()):
            group = self.proxy.index(r, 0)
            out += [self.proxy.index(c, 0, group).data(TYPE_ROLE) for c in range(self.proxy.rowCount(group))]
        return out

    def index_of(self, layer_type: str) -> QModelIndex:
        for r in range(self.proxy.rowCount()):
            group = self.proxy.index(r, 0)
            for c in range(self.proxy.rowCount(group)):
                index = self.proxy.index(c, 0, group)
                if index.data(TYPE_ROLE) == layer_type:
                    return index
        return QModelIndex()

    def item_rect(self, layer_type: str) -> QRect:
        """Where the entry is drawn, in the tree's viewport coordinates."""
        index = self.index_of(layer_type)
        self.tree.scrollTo(index)
        return self.tree.visualRect(index)

    def _on_double_click(self, index: QModelIndex) -> None:
        layer_type = index.data(TYPE_ROLE)
        if layer_type:
            self.layer_activated.emit(layer_type)

    def _activate_first(self) -> None:
        types = self.visible_types()
        if types:
            self.layer_activated.emit(types[0])
