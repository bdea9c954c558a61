"""The model summary: a Keras-style table (layer (type), output shape, param #,
multiply-adds, connected to) in Keras's layer order, with the totals below, all from shape
inference."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHeaderView, QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from visualnet.graph import keras_order, topological_order

from . import icons
from .formatting import count_text, memory_text, shape_text

NODE_ROLE = Qt.ItemDataRole.UserRole + 1


def summary_order(graph) -> list[str]:
    """Keras's order for the layers that reach an output, then the others."""
    try:
        order = keras_order(graph)
    except (KeyError, RecursionError):
        order = []
    rest = [n for n in topological_order(graph) if n not in order]
    return order + rest + [n for n in graph.nodes if n not in order and n not in rest]


class SummaryPanel(QWidget):
    layer_clicked = Signal(str)

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.document = document
        self.table = QTreeWidget(self)
        self.table.setColumnCount(5)
        self.table.setHeaderLabels(["Layer (type)", "Output shape", "Param #", "Multiply-adds", "Connected to"])
        self.table.setRootIsDecorated(False)
        self.table.setAlternatingRowColors(True)
        self.table.setUniformRowHeights(True)
        header = self.table.header()
        for column in range(5):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.itemClicked.connect(lambda item, _c: self.layer_clicked.emit(item.data(0, NODE_ROLE)))
        self.totals = QLabel(self)
        self.totals.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.totals.setWordWrap(True)        # never widens the window
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 4)
        layout.addWidget(self.table)
        layout.addWidget(self.totals)
        document.analysed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        graph, info = self.document.graph, self.document.info
        self.table.clear()
        mono = QFont()
        mono.setFamilies(["DejaVu Sans Mono", "Menlo", "Consolas", "monospace"])
        mono.setStyleHint(QFont.StyleHint.Monospace)
        trainable = non_trainable = macs = 0
        for nid in summary_order(graph):
            node = graph.nodes[nid]
            i = info.get(nid)
            params = i.params if i else 0
            trainable += i.trainable_params if i else 0
            non_trainable += i.non_trainable_params if i else 0
            inputs = ", ".join(graph.nodes[s].name for s in graph.inputs_of(nid))
            cost = i.multiply_adds if i and i.shape is not None else 0
            macs = None if cost is None or macs is None else macs + cost
            item = QTreeWidgetItem([f"{node.name} ({node.type})", shape_text(i.shape if i else None),
                                    count_text(params), "?" if cost is None else count_text(cost), inputs or "—"])
            item.setIcon(0, icons.category_icon(node.spec.category))
            item.setFont(1, mono)
            for column in (2, 3):
                item.setFont(column, mono)
                item.setTextAlignment(column, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setData(0, NODE_ROLE, nid)
            self.table.addTopLevelItem(item)
        total = trainable + non_trainable
        self.total_params, self.trainable_params, self.non_trainable_params = total, trainable, non_trainable
        self.multiply_adds = macs
        self.totals.setText(
            f"  <b>Total params:</b> {count_text(total)} ({memory_text(total)}) &nbsp;·&nbsp; "
            f"<b>Trainable:</b> {count_text(trainable)} ({memory_text(trainable)}) &nbsp;·&nbsp; "
            f"<b>Non-trainable:</b> {count_text(non_trainable)} ({memory_text(non_trainable)}) &nbsp;·&nbsp; "
            f"<b>Multiply-adds per sample:</b> {'unknown (a length is not fixed)' if macs is None else count_text(macs)}")

    def rows(self) -> list[tuple[str, str, str, str, str]]:
        return [tuple(self.table.topLevelItem(r).text(c) for c in range(5))
                for r in range(self.table.topLevelItemCount())]
