"""Keras-compatible models namespace: `Sequential`, `Model`, `load_model`."""

from .engine.model import Model
from .engine.sequential import Sequential


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a model saved as `.keras` or `.h5` (VisualNet's or real Keras's files)."""
    if custom_objects:
        raise ValueError("custom_objects are not supported: VisualNet never runs code from a model file.")
    from .io.keras_files import load_model as _load

    return _load(filepath, compile=compile)


__all__ = ["Model", "Sequential", "load_model"]
