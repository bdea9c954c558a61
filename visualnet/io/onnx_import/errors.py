"""The one error an ONNX import raises: the message names the file's problem."""

from __future__ import annotations

from ..errors import KerasFileError


class OnnxImportError(KerasFileError):
    """The file cannot be read as a model VisualNet can hold (what and where is in the message)."""
