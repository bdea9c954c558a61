"""Keras-compatible models namespace: `Sequential`, `Model`, `load_model`.

The classes are the engine's models plus Keras's file methods (`save`, `save_weights`,
`load_weights`), which reach `visualnet.io`: the engine itself knows no files.
"""

from .engine import model as _model, sequential as _sequential


class _KerasFiles:
    """Keras's file methods, through `visualnet.io.keras_files`."""

    def save(self, filepath, overwrite=True, **kwargs):
        """`.keras` (Keras 3 format) or `.h5` (legacy HDF5), by extension."""
        from .io import keras_files

        keras_files.save_model(self, filepath, overwrite=overwrite, **kwargs)

    def save_weights(self, filepath, overwrite=True):
        """The weights in Keras 3's `.weights.h5` layout."""
        from .io import keras_files

        keras_files.save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath):
        """Weights from a `.weights.h5`, `.keras` or `.h5` file (checked before any change)."""
        from .io import keras_files

        keras_files.load_weights(self, filepath)


class Model(_KerasFiles, _model.Model):
    __doc__ = _model.Model.__doc__


class Sequential(_KerasFiles, _sequential.Sequential):
    __doc__ = _sequential.Sequential.__doc__


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a model saved as `.keras` or `.h5` (VisualNet's or real Keras's files)."""
    if custom_objects:
        raise ValueError("custom_objects are not supported: VisualNet never runs code from a model file.")
    from .io import keras_files

    return keras_files.load_model(filepath, compile=compile, classes=(Model, Sequential))


__all__ = ["Model", "Sequential", "load_model"]
