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
        from .io import keras_custom, keras_files

        if _is_subclassed(self):   # config from get_config, weights by attribute path (io/keras_subclassed.py)
            from .io import keras_subclassed
            return keras_subclassed.save_model(self, filepath, overwrite=overwrite)
        if keras_custom.has_custom_layers(self):
            keras_custom.save_model(self, filepath, overwrite=overwrite)
        else:
            keras_files.save_model(self, filepath, overwrite=overwrite, **kwargs)

    def save_weights(self, filepath, overwrite=True):
        """The weights in Keras 3's `.weights.h5` layout."""
        from .io import keras_custom, keras_files

        if keras_custom.has_custom_layers(self):
            if not str(filepath).endswith(".weights.h5"):
                raise ValueError(f"The filename must end in `.weights.h5`. Received: filepath={filepath}")
            keras_custom.save_weights(self, filepath, overwrite=overwrite)
        else:
            keras_files.save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath):
        """Weights from a `.weights.h5`, `.keras` or `.h5` file, or a Keras-ordered `.npz` as the
        exported scripts write it (checked before any change)."""
        from .io import keras_custom, keras_files

        if str(filepath).lower().endswith(".npz"):
            from .io.weights_import import load_weights_file

            return load_weights_file(self, filepath)
        if keras_custom.has_custom_layers(self):
            keras_custom.load_weights(self, filepath)
        else:
            keras_files.load_weights(self, filepath)


class _KerasConfig:
    """Keras's `get_config`, `from_config` and `to_json`, through `visualnet.io.model_config`."""

    def get_config(self) -> dict:
        """The model's config, as Keras 3's `get_config()` gives it."""
        from .io import model_config

        if _is_subclassed(self):
            from .engine.subclassed import subclassed_config
            return subclassed_config(self)
        return model_config.get_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A model with fresh weights from a `get_config()` dict (VisualNet's or Keras's)."""
        from .io import model_config

        if cls not in (Model, Sequential) and not (isinstance(config, dict) and "layers" in config):
            from .engine.subclassed import subclassed_from_config   # Keras's cls(**config)
            return subclassed_from_config(cls, config)
        return model_config.from_config(config, (Model, Sequential), sequential=issubclass(cls, Sequential) or None,
                                        custom_objects=custom_objects)

    def to_json(self, **kwargs) -> str:
        """The model's class and config as JSON text, as Keras's `to_json()`."""
        from .io import model_config

        _not_subclassed(self, "to_json()")
        return model_config.to_json(self, **kwargs)


def _is_subclassed(model) -> bool:
    from .engine.subclassed import is_subclassed

    return is_subclassed(model)


def _not_subclassed(model, what: str) -> None:
    if _is_subclassed(model):
        raise NotImplementedError(f"Model '{model.name}' is a subclassed model ({type(model).__name__}); VisualNet "
                                  f"does not support {what} for subclassed models: their structure is Python code.")


class Model(_KerasFiles, _KerasConfig, _model.Model):
    __doc__ = _model.Model.__doc__


class Sequential(_KerasFiles, _KerasConfig, _sequential.Sequential):
    __doc__ = _sequential.Sequential.__doc__


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a model saved as `.keras` or `.h5` (VisualNet's or real Keras's files). Custom
    layers are made from the classes in `custom_objects` ({name: class}), never from the file."""
    from .io import keras_custom, keras_files, keras_subclassed
    from .io.keras_text import with_text_layers
    from .io.keras_lookups import with_lookup_layers
    from .io.keras_zip import shared_peeks
    from .engine.object_registry import known_objects

    with shared_peeks():      # the checks below parse the file's config once between them
        custom_objects = known_objects(custom_objects) or None   # registered and scoped classes too
        custom_objects = with_text_layers(filepath, custom_objects)   # TextVectorization: a Python-API layer
        custom_objects = with_lookup_layers(filepath, custom_objects)   # lookups, CategoryEncoding, ... (io/keras_lookups.py)
        subclassed = keras_subclassed.subclass_name(filepath) is not None   # its class from custom_objects
        custom = not subclassed and (
            (custom_objects and keras_custom.file_has_custom_layers(filepath, custom_objects))
            or keras_custom.file_has_ops(filepath)
            or keras_custom.file_needs_model_config(filepath))   # ops on symbolic tensors; several outputs
    if subclassed:
        return keras_subclassed.load_model(filepath, custom_objects, compile=compile)
    if custom:
        return keras_custom.load_model(filepath, custom_objects, compile=compile, classes=(Model, Sequential))
    return keras_files.load_model(filepath, compile=compile, classes=(Model, Sequential), custom_objects=custom_objects)


def model_from_json(json_string, custom_objects=None):
    """The model a `to_json()` text describes, with fresh weights (JSON only, never code)."""
    from .io import model_config
    from .io.keras_lookups import with_lookup_classes
    from .engine.object_registry import known_objects

    custom_objects = with_lookup_classes(json_string, known_objects(custom_objects) or None)   # lookups, CategoryEncoding, ...

    return model_config.model_from_json(json_string, (Model, Sequential), custom_objects=custom_objects)


def save_model(model, filepath, overwrite=True, **kwargs):
    """`model.save(filepath)` (Keras's `models.save_model`)."""
    model.save(filepath, overwrite=overwrite, **kwargs)


__all__ = ["Model", "Sequential", "clone_model", "load_model", "model_from_json", "save_model"]
