"""The layer palette: every layer type of the registry, grouped by category (each category
folds with a click on its header), each with its icon and one-line doc; a "Recent" group
first with the types last added from here; search by name and by what a layer does (the
declaration's doc line and keywords: "upsample", "attention"); drag an entry onto the
canvas, or double-click it (or press Enter) to add it at the centre of the view. The folded
categories and the recent types are kept in the settings."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QModelIndex, QPoint, QRect, QRectF, QSize, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import (QColor, QDrag, QFont, QFontMetrics, QKeySequence, QPainter, QPen, QPixmap, QStandardItem,
                           QStandardItemModel)
from PySide6.QtWidgets import (QAbstractItemView, QLineEdit, QStyle, QStyledItemDelegate, QStyleOptionViewItem,
                               QTreeView, QVBoxLayout, QWidget)

from visualnet.graph import all_specs, get_spec
from visualnet.graph.registry import UnknownLayerError

from . import icons, theme
from .settings import Settings

LAYER_MIME = "application/x-visualnet-layer"
TYPE_ROLE = Qt.ItemDataRole.UserRole + 1
DOC_ROLE = Qt.ItemDataRole.UserRole + 2
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 3
GROUP_ROLE = Qt.ItemDataRole.UserRole + 4     # a header row: its category ("recent" for the Recent group)
RECENT = "recent"
TEXT_LEFT = 36                                # where a row's name starts (after the icon)


class PaletteModel(QStandardItemModel):
    """Categories as top-level rows (a "Recent" group first when it has entries), layer types
    below them; layer rows drag as LAYER_MIME."""

    def __init__(self, parent=None, recent=()):
        super().__init__(parent)
        self.recent_group = _group(RECENT, "Recent")
        self.groups: dict[str, QStandardItem] = {}
        for spec in all_specs():
            group = self.groups.get(spec.category)
            if group is None:
                group = self.groups[spec.category] = _group(spec.category, spec.category.capitalize())
                self.appendRow(group)
            group.appendRow(_entry(spec))
        self.set_recent(recent)

    def set_recent(self, types) -> None:
        """The Recent group's entries (unknown types are left out); no group when empty."""
        specs = []
        for t in types:
            try:
                specs.append(get_spec(t))
            except UnknownLayerError:
                continue
        group = self.recent_group
        if group.rowCount():
            group.removeRows(0, group.rowCount())
        for spec in specs:
            group.appendRow(_entry(spec))
        shown = group.index().isValid()
        if specs and not shown:
            self.insertRow(0, group)
        elif not specs and shown:
            self.takeRow(0)

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


def _group(key: str, title: str) -> QStandardItem:
    group = QStandardItem(title)
    group.setFlags(Qt.ItemFlag.ItemIsEnabled)
    group.setData(key, GROUP_ROLE)
    group.setData(key, SEARCH_ROLE)
    group.setToolTip("Click to fold or unfold")
    return group


def _entry(spec) -> QStandardItem:
    item = QStandardItem(icons.category_icon(spec.category), spec.type)
    item.setData(spec.type, TYPE_ROLE)
    item.setData(spec.doc, DOC_ROLE)
    item.setData(" ".join([spec.type, spec.category, spec.doc, *spec.keywords]).lower(), SEARCH_ROLE)
    item.setToolTip(f"<b>{spec.type}</b><br>{spec.doc}<br><i>Drag onto the canvas, or double-click.</i>")
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled)
    return item


class _Filter(QSortFilterProxyModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setRecursiveFilteringEnabled(True)
        self.words: list[str] = []

    def set_search(self, text: str) -> None:
        """Keep the rows whose search text holds every word of `text` (any order)."""
        if hasattr(self, "beginFilterChange"):     # Qt 6.10+; invalidateRowsFilter is deprecated there
            self.beginFilterChange()
            self.words = text.lower().split()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self.words = text.lower().split()
            self.invalidateRowsFilter()

    def filterAcceptsRow(self, row, parent):
        words = self.words
        if not words:
            return True
        index = self.sourceModel().index(row, 0, parent)
        if not parent.isValid() or parent.data(GROUP_ROLE) == RECENT:   # a search lists each type once
            return False
        text = index.data(SEARCH_ROLE) or ""
        return all(w in text for w in words)


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
            view = option.widget
            folded = view is not None and not view.isExpanded(index)
            painter.drawText(option.rect.adjusted(2, 4, 0, 0), int(Qt.AlignmentFlag.AlignLeft
                                                                    | Qt.AlignmentFlag.AlignVCenter),
                             ("▸ " if folded else "▾ ") + _header_text(index))
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
        left = rect.left() + TEXT_LEFT
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


def _header_text(index: QModelIndex) -> str:
    """'Convolution · 9': the category and how many of its types are shown (the search's)."""
    if index.data(GROUP_ROLE) == RECENT:
        return index.data()
    return f"{index.data()} · {index.model().rowCount(index)}"


class _Tree(QTreeView):
    enter_pressed = Signal(QModelIndex)
    drag_started = Signal(QMimeData)
    drag_finished = Signal(str)           # the layer type of a drag that was dropped (copied)

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
        layer_type = index.data(TYPE_ROLE)
        self.drag_started.emit(mime)
        if drag.exec(Qt.DropAction.CopyAction) == Qt.DropAction.CopyAction:
            self.drag_finished.emit(layer_type)

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

    def __init__(self, parent=None, settings: Settings | None = None):
        super().__init__(parent)
        self.settings = settings or Settings()
        self.collapsed = set(self.settings.collapsed_categories)
        self.model = PaletteModel(self, self.settings.recent_layers)
        self.proxy = _Filter(self)
        self.proxy.setSourceModel(self.model)
        self.search = QLineEdit(self)
        shortcut = QKeySequence(QKeySequence.StandardKey.Find).toString(QKeySequence.SequenceFormat.NativeText)
        self.search.setPlaceholderText(f"Search layers ({shortcut})")
        self.search.setToolTip("Finds layers by name and by what they do: 'upsample', 'attention', 'normalize'")
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
        self.tree.setExpandsOnDoubleClick(False)
        self.tree.doubleClicked.connect(self._on_double_click)
        self.tree.clicked.connect(self._on_click)
        self.tree.enter_pressed.connect(self._on_double_click)
        self.tree.drag_finished.connect(self.note_used)
        self.tree.expanded.connect(lambda index: self._folded(index, False))
        self.tree.collapsed.connect(lambda index: self._folded(index, True))
        self._unfolding = False
        self._apply_folding()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        layout.addWidget(self.search)
        layout.addWidget(self.tree)

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    # ----------------------------------------------------------------- folding
    def _groups(self):
        """(category key, proxy index) of the header rows shown."""
        for r in range(self.proxy.rowCount()):
            index = self.proxy.index(r, 0)
            yield index.data(GROUP_ROLE), index

    def _apply_folding(self) -> None:
        """Unfold everything while searching; otherwise fold the categories the user folded."""
        self._unfolding = True
        searching = bool(self.search.text().strip())
        for key, index in self._groups():
            self.tree.setExpanded(index, searching or key not in self.collapsed)
        self._unfolding = False
        self.tree.viewport().update()

    def _folded(self, index: QModelIndex, folded: bool) -> None:
        key = index.data(GROUP_ROLE)
        if self._unfolding or key is None or self.search.text().strip():
            return
        changed = (key in self.collapsed) != folded
        (self.collapsed.add if folded else self.collapsed.discard)(key)
        if changed:
            self.settings.collapsed_categories = self.collapsed

    def set_folded(self, category: str, folded: bool) -> None:
        """Fold or unfold a category (its key, e.g. 'convolution', or 'recent'); remembered."""
        for key, index in self._groups():
            if key == category:
                self.tree.setExpanded(index, not folded)
                return
        raise KeyError(f"The palette has no category '{category}'")

    def is_folded(self, category: str) -> bool:
        return category in self.collapsed

    def _on_click(self, index: QModelIndex) -> None:
        if index.data(GROUP_ROLE) is not None and not self.search.text().strip():
            self.tree.setExpanded(index, not self.tree.isExpanded(index))

    # ----------------------------------------------------------------- recent
    def note_used(self, layer_type: str) -> None:
        """`layer_type` was just added from the palette: first in the Recent group (kept in the
        settings)."""
        self.settings.add_recent_layer(layer_type)
        self.model.set_recent(self.settings.recent_layers)
        self._apply_folding()

    def recent_types(self) -> list[str]:
        group = self.model.recent_group
        return [group.child(r).data(TYPE_ROLE) for r in range(group.rowCount())] if group.index().isValid() else []

    # ----------------------------------------------------------------- search
    def _filter(self, text: str) -> None:
        self.proxy.set_search(text)
        self._apply_folding()

    def visible_types(self) -> list[str]:
        """Layer types the search leaves visible in the categories (the Recent group left out),
        in display order; a folded category's types count as visible."""
        out = []
        for key, group in self._groups():
            if key != RECENT:
                out += [self.proxy.index(c, 0, group).data(TYPE_ROLE) for c in range(self.proxy.rowCount(group))]
        return out

    def index_of(self, layer_type: str, group: str | None = None) -> QModelIndex:
        """The entry of `layer_type` in its category (or in `group`, e.g. 'recent')."""
        for key, parent in self._groups():
            if (key == group) if group else key != RECENT:
                for c in range(self.proxy.rowCount(parent)):
                    index = self.proxy.index(c, 0, parent)
                    if index.data(TYPE_ROLE) == layer_type:
                        return index
        return QModelIndex()

    def item_rect(self, layer_type: str, group: str | None = None) -> QRect:
        """Where the entry is drawn, in the tree's viewport coordinates (its category unfolded
        if it was folded)."""
        index = self.index_of(layer_type, group)
        if index.isValid() and not self.tree.isExpanded(index.parent()):
            self.tree.setExpanded(index.parent(), True)
        self.tree.scrollTo(index)
        return self.tree.visualRect(index)

    def _on_double_click(self, index: QModelIndex) -> None:
        layer_type = index.data(TYPE_ROLE)
        if layer_type:
            self._activate(layer_type)

    def _activate_first(self) -> None:
        types = self.visible_types()
        if types:
            self._activate(types[0])

    def _activate(self, layer_type: str) -> None:
        self.layer_activated.emit(layer_type)
        self.note_used(layer_type)
