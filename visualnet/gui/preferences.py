"""Edit ▸ Preferences: theme, autosave interval and compute threads, stored in Settings."""

from __future__ import annotations

import os

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout, QLabel, QSpinBox

from . import theme
from .settings import THEMES, Settings, apply_threads


class PreferencesDialog(QDialog):
    def __init__(self, settings: Settings, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self.settings = settings
        form = QFormLayout(self)
        self.theme = QComboBox()
        for mode, label in zip(THEMES, ("Follow the system", "Light", "Dark")):
            self.theme.addItem(label, mode)
        self.theme.setCurrentIndex(THEMES.index(settings.theme))
        form.addRow("&Theme:", self.theme)
        self.autosave = QDoubleSpinBox()
        self.autosave.setRange(0.0, 120.0)
        self.autosave.setDecimals(1)
        self.autosave.setSuffix(" min")
        self.autosave.setSpecialValueText("off")
        self.autosave.setValue(settings.autosave_minutes)
        self.autosave.setToolTip("How often unsaved changes are written to a recovery file (0: never)")
        form.addRow("&Autosave every:", self.autosave)
        self.threads = QSpinBox()
        self.threads.setRange(0, max(1, os.cpu_count() or 1))
        self.threads.setSpecialValueText("all cores")
        self.threads.setValue(settings.threads)
        self.threads.setToolTip("Threads for training and prediction; more than the current number takes effect "
                                "after a restart")
        form.addRow("Compute &threads:", self.threads)
        form.addRow(QLabel(f"<small>Stored in {settings.location}</small>"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def apply(self) -> None:
        from PySide6.QtWidgets import QApplication

        mode = self.theme.currentData()
        self.settings.theme = mode
        self.settings.autosave_minutes = self.autosave.value()
        self.settings.threads = self.threads.value()
        self.settings.sync()
        theme.apply(QApplication.instance(), mode)
        apply_threads(self.settings.threads)
