"""The Data tab's picture of text data (a `data.text_overview.TextOverview`): the vocabulary
size, a few training texts as tokens (each word with its id) and a histogram of the texts'
lengths with output_sequence_length marked (the texts beyond it are cut)."""

from __future__ import annotations

import html

import pyqtgraph as pg
from PySide6.QtWidgets import QGroupBox, QLabel, QVBoxLayout

from .. import theme


class TextPreview(QGroupBox):
    def __init__(self, parent=None):
        super().__init__("Text: tokens and lengths", parent)
        self.setObjectName("text_preview")
        self.overview = None
        t = theme.current()
        layout = QVBoxLayout(self)
        self.summary = QLabel()
        self.summary.setObjectName("text_summary")
        self.summary.setWordWrap(True)
        self.tokens = QLabel()
        self.tokens.setObjectName("text_tokens")
        self.tokens.setWordWrap(True)
        self.tokens.setTextFormat(self.tokens.textFormat().RichText)
        self.plot = pg.PlotWidget()
        self.plot.setObjectName("length_histogram")
        self.plot.setBackground(t.base)
        self.plot.setMinimumHeight(180)
        item = self.plot.getPlotItem()
        item.setLabel("bottom", "tokens in a training text")
        item.setLabel("left", "texts")
        item.showGrid(x=True, y=True, alpha=0.2)
        self.bars = pg.BarGraphItem(x=[], height=[], width=1, brush=t.accent, pen=None)
        self.plot.addItem(self.bars)
        self.cut_line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(t.error, width=2),
                                        label="", labelOpts={"position": 0.9, "color": t.error})
        self.plot.addItem(self.cut_line)
        self.cut_line.hide()
        layout.addWidget(self.summary)
        layout.addWidget(self.tokens)
        layout.addWidget(self.plot, 1)

    def show_overview(self, overview) -> None:
        self.overview = overview
        self.summary.setText(overview.summary())
        dim = theme.current().dim
        rows = []
        for label, pairs in overview.samples:
            words = " ".join(f"{html.escape(word) or '∅'}<sub style='color:{dim}'>{i}</sub>" for i, word in pairs)
            rows.append(f"<b>{html.escape(label)}</b>: {words} …")
        self.tokens.setText("<br>".join(rows))
        centres, counts, width = overview.histogram
        self.bars.setOpts(x=centres, height=counts, width=width * 0.9)
        if overview.sequence_length is not None:
            self.cut_line.setValue(overview.sequence_length)
            self.cut_line.label.setFormat(f"output_sequence_length {overview.sequence_length}: "
                                          f"{overview.cut_texts:.0%} cut")
            self.cut_line.show()
        else:
            self.cut_line.hide()
