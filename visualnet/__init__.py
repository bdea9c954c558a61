"""VisualNet: build and train neural networks visually, on a NumPy/Numba engine
with a Keras-compatible Python API."""

__version__ = "0.1.0"


class VisualNetWarning(UserWarning):
    """Base class of the warnings VisualNet itself issues."""


_SUBMODULES = ("activations", "backend", "callbacks", "datasets", "initializers", "layers", "losses", "metrics",
               "models", "optimizers", "utils")
_SUBMODULES += ("regularizers", "constraints")  # issue 24
_SUBMODULES += ("ops", "random")  # issue 23
_SUBMODULES += ("saving", "config", "preprocessing")  # issue 23: the rest of Keras's namespaces programs use


_TOP_LEVEL = {"Sequential": "models", "Model": "models", "Input": "layers", "Layer": "layers", "KerasTensor": "layers",
              "Loss": "losses", "Metric": "metrics", "Optimizer": "optimizers", "Initializer": "initializers",
              "Regularizer": "regularizers", "DTypePolicy": "config", "device": "context", "name_scope": "context"}
_TOP_LEVEL_AS = {"FloatDTypePolicy": ("config", "DTypePolicy")}


def version() -> str:
    """VisualNet's version (Keras's `keras.version()`)."""
    return __version__


def __getattr__(name):
    """`import visualnet as keras; keras.layers.Dense, keras.Sequential` work as with Keras,
    importing lazily."""
    import importlib

    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _TOP_LEVEL:
        return getattr(importlib.import_module(f".{_TOP_LEVEL[name]}", __name__), name)
    if name in _TOP_LEVEL_AS:
        module, attr = _TOP_LEVEL_AS[name]
        return getattr(importlib.import_module(f".{module}", __name__), attr)
    raise AttributeError(f"module 'visualnet' has no attribute '{name}'")
