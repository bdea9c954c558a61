"""VisualNet: build and train neural networks visually, on a NumPy/Numba engine
with a Keras-compatible Python API."""

__version__ = "0.1.0"


class VisualNetWarning(UserWarning):
    """Base class of the warnings VisualNet itself issues."""
