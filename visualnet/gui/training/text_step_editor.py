"""The vectorize-text step of a text recipe, editable: vocabulary size, ids per text,
output mode and standardization (the step itself is `data.VectorizeText`)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QSpinBox

from visualnet import data

MODES = ("int", "multi_hot", "count", "tf_idf")
STANDARDIZE = ("lower_and_strip_punctuation", "lower", "strip_punctuation", None)
DEFAULT = {"max_tokens": 10000, "output_sequence_length": 200}     # fits the text_classifier template


class VectorizeTextEditor(QGroupBox):
    """Shows one vectorize_text step config; `config()` is the edited step (unfitted)."""

    changed = Signal()

    def __init__(self, parent=None):
        super().__init__("Vectorize text (learned from the training texts)", parent)
        form = QFormLayout(self)
        self.max_tokens = QSpinBox(minimum=1, maximum=10 ** 6, singleStep=1000)
        self.max_tokens.setSpecialValueText("no limit")      # 1: None, every training word
        self.max_tokens.setToolTip("Vocabulary size, padding (0) and out-of-vocabulary (1) included: the "
                                   "Embedding's input_dim")
        self.length = QSpinBox(minimum=1, maximum=100000, singleStep=50)
        self.length.setToolTip("Word ids per text in 'int' mode: longer texts are cut, shorter ones padded with 0")
        self.mode = QComboBox()
        self.mode.addItems(MODES)
        self.mode.setToolTip("int: a sequence of word ids (for Embedding); the others: one row per text of "
                             "vocabulary size")
        self.standardize = QComboBox()
        for s in STANDARDIZE:
            self.standardize.addItem(s or "none", s)
        form.addRow("max tokens", self.max_tokens)
        form.addRow("sequence length", self.length)
        form.addRow("output mode", self.mode)
        form.addRow("standardize", self.standardize)
        self.reset()
        for w in (self.max_tokens, self.length):
            w.editingFinished.connect(self._edited)
        for w in (self.mode, self.standardize):
            w.currentIndexChanged.connect(self._edited)

    def reset(self) -> None:
        """The defaults (10,000 tokens, 200 ids per text), without `changed`."""
        self.set_config(data.VectorizeText(**DEFAULT).get_config())

    def set_config(self, config: dict) -> None:
        """Show a step config (its other settings, such as split and ngrams, are kept)."""
        self._config = {k: v for k, v in config.items() if k != "stats"}
        widgets = (self.max_tokens, self.length, self.mode, self.standardize)
        for w in widgets:
            w.blockSignals(True)
        self.max_tokens.setValue(config.get("max_tokens") or 1)
        self.length.setValue(config.get("output_sequence_length") or DEFAULT["output_sequence_length"])
        self.mode.setCurrentText(config.get("output_mode", "int"))
        self.standardize.setCurrentIndex(max(self.standardize.findData(config.get("standardize")), 0))
        self.length.setEnabled(self.mode.currentText() == "int")
        for w in widgets:
            w.blockSignals(False)
        self._last = self.config()

    def config(self) -> dict:
        params = {k: v for k, v in self._config.items() if k != "step"}
        params.update(max_tokens=self.max_tokens.value() if self.max_tokens.value() > 1 else None,
                      output_mode=self.mode.currentText(),
                      output_sequence_length=self.length.value() if self.mode.currentText() == "int" else None,
                      standardize=self.standardize.currentData())
        return data.VectorizeText(**params).get_config()

    def _edited(self, *_) -> None:
        self.length.setEnabled(self.mode.currentText() == "int")
        if self.config() != self._last:
            self._last = self.config()
            self.changed.emit()
