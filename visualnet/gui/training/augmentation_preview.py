"""The Data tab's augmentation preview: a few training images and what the model's
augmentation layers make of them while training (two random draws each), computed by the
engine (`engine.augmentation_preview`) off the GUI thread; "Again" draws anew (the next seed)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from .data_panel import pixmap_from_array

ROWS = ("original", "training draw 1", "training draw 2")


class AugmentationPreview(QGroupBox):
    again_requested = Signal()

    def __init__(self, parent=None):
        super().__init__("Augmentation: training images as the model sees them while training", parent)
        self.setObjectName("augmentation_preview")
        self.examples = None
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.again_button = QPushButton("Again")
        self.again_button.setObjectName("augment_again")
        self.again_button.setToolTip("Draw new random transforms for the same images")
        self.again_button.clicked.connect(self.again_requested)
        top.addWidget(self.caption, 1)
        top.addWidget(self.again_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(top)
        self.grid = QGridLayout()
        self.grid.setSpacing(4)
        layout.addLayout(self.grid)
        layout.addStretch(1)
        self.tiles: list[list[QLabel]] = []

    def show_examples(self, examples) -> None:
        """Draw an `AugmentedExamples`: the originals on the first row, each draw below."""
        self.examples = examples
        self._clear_grid()
        height = examples.original.shape[1]
        scale = max(1, min(4, 96 // max(height, 1)))
        rows = [examples.original, *examples.augmented]
        for r, images in enumerate(rows):
            name = QLabel(ROWS[r] if r < len(ROWS) else f"training draw {r}")
            name.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.grid.addWidget(name, r, 0)
            tiles = []
            for c, image in enumerate(images):
                tile = QLabel()
                tile.setPixmap(pixmap_from_array(image, scale))
                self.grid.addWidget(tile, r, c + 1)
                tiles.append(tile)
            self.tiles.append(tiles)
        self.grid.setColumnStretch(len(examples.original) + 1, 1)     # the tiles side by side, on the left
        self.caption.setText(f"Through {', '.join(examples.layers)} (seed {examples.seed}); when predicting, "
                             "these layers pass the images on unchanged.")
        self.again_button.setEnabled(True)

    def show_message(self, text: str) -> None:
        self.examples = None
        self._clear_grid()
        self.caption.setText(text)

    def _clear_grid(self) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.tiles = []
