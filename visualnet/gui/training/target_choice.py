"""The data panel's "Target" choice: train to predict the labels, or to reproduce the input
itself (an autoencoder: the recipe's `target="input"`; denoising and convolutional
autoencoder templates). Saved with the recipe in the project."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox

CHOICES = (("the labels", "labels"), ("the input itself", "input"))


class TargetChoice(QComboBox):
    """A combo box of the recipe targets; `changed` follows a choice by the user only."""

    changed = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        for text, target in CHOICES:
            self.addItem(text, target)
        self.setToolTip("What the model learns to output: the dataset's labels, or the prepared input itself "
                        "(an autoencoder; the labels are not used)")
        self.activated.connect(lambda _index: self.changed.emit(self.value()))

    def value(self) -> str:
        return self.currentData()

    def set_value(self, target: str) -> None:
        """Show `target` (a recipe's; 'labels' or 'input') without emitting `changed`."""
        index = self.findData(target)
        if index < 0:
            raise ValueError(f"target must be one of {[t for _, t in CHOICES]}; received: target={target!r}")
        self.setCurrentIndex(index)
