"""VisualNet: build and train neural networks visually, on a NumPy/Numba engine
with a Keras-compatible Python API."""

__version__ = "0.1.0"


class VisualNetWarning(UserWarning):
    """Base class of the warnings VisualNet itself issues."""


_SUBMODULES = ("activations", "backend", "callbacks", "datasets", "initializers", "layers", "losses", "metrics",
               "models", "optimizers", "utils")


def __getattr__(name):
    """`import visualnet; visualnet.layers.Dense` works as with Keras, importing lazily."""
    if name in _SUBMODULES:
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'visualnet' has no attribute '{name}'")
