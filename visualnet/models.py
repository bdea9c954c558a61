"""Keras-compatible models namespace: `Sequential`, `Model`, `load_model`, `clone_model`,
`model_from_json`.

The classes are the engine's models plus Keras's file methods (`save`, `save_weights`,
`load_weights`), which reach `visualnet.io`: the engine itself knows no files.
"""

from .engine import model as _model, sequential as _sequential
from .engine.cloning import clone_model


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


class _KerasConfig:
    """Keras's `get_config`, `from_config` and `to_json`, through `visualnet.io.model_config`."""

    def get_config(self) -> dict:
        """The model's config, as Keras 3's `get_config()` gives it."""
        from .io import model_config

        return model_config.get_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A model with fresh weights from a `get_config()` dict (VisualNet's or Keras's)."""
        from .io import model_config

        _no_custom_objects(custom_objects)
        return model_config.from_config(config, (Model, Sequential), sequential=issubclass(cls, Sequential) or None)

    def to_json(self, **kwargs) -> str:
        """The model's class and config as JSON text, as Keras's `to_json()`."""
        from .io import model_config

        return model_config.to_json(self, **kwargs)


def _no_custom_objects(custom_objects) -> None:
    if custom_objects:
        raise ValueError("custom_objects are not supported: VisualNet never runs code from a model config.")


class Model(_KerasFiles, _KerasConfig, _model.Model):
    __doc__ = _model.Model.__doc__


class Sequential(_KerasFiles, _KerasConfig, _sequential.Sequential):
    __doc__ = _sequential.Sequential.__doc__


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a model saved as `.keras` or `.h5` (VisualNet's or real Keras's files)."""
    if custom_objects:
        raise ValueError("custom_objects are not supported: VisualNet never runs code from a model file.")
    from .io import keras_files

    return keras_files.load_model(filepath, compile=compile, classes=(Model, Sequential))


def model_from_json(json_string, custom_objects=None):
    """The model a `to_json()` text describes, with fresh weights (JSON only, never code)."""
    from .io import model_config

    _no_custom_objects(custom_objects)
    return model_config.model_from_json(json_string, (Model, Sequential))


__all__ = ["Model", "Sequential", "clone_model", "load_model", "model_from_json"]
