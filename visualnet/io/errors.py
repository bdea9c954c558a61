"""The errors of the file formats: each refines ValueError and says what is wrong."""

from __future__ import annotations


class ProjectFileError(ValueError):
    """A project file that cannot be opened; the message names the part at fault."""


class KerasFileError(ValueError):
    """A Keras file (.keras, .h5, .weights.h5) that cannot be read or written."""


class UnsupportedLayersError(KerasFileError):
    """A Keras model using layers or options VisualNet does not support.

    `unsupported` lists every problem found (one line each), not only the first."""

    def __init__(self, unsupported: list[str]):
        self.unsupported = list(unsupported)
        lines = "\n".join(f"  - {u}" for u in self.unsupported)
        super().__init__(f"This model uses {len(self.unsupported)} thing(s) VisualNet does not support:\n{lines}")
