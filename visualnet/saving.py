"""`keras.saving`: loading and saving models and weights, and the custom-object registry."""

from __future__ import annotations

from .engine.object_registry import (CustomObjectScope, custom_object_scope, get_custom_objects,  # noqa: F401
                                     get_registered_name, get_registered_object, register_keras_serializable)
from .models import load_model  # noqa: F401
from .serialization import deserialize_keras_object, serialize_keras_object  # noqa: F401


def save_model(model, filepath, overwrite: bool = True, **kwargs) -> None:
    """`model.save(filepath)` (Keras's `saving.save_model`)."""
    model.save(filepath, overwrite=overwrite, **kwargs)


def save_weights(model, filepath, overwrite: bool = True, **kwargs) -> None:
    model.save_weights(filepath, overwrite=overwrite, **kwargs)


def load_weights(model, filepath, skip_mismatch: bool = False, **kwargs) -> None:
    model.load_weights(filepath, skip_mismatch=skip_mismatch, **kwargs)


__all__ = ["CustomObjectScope", "custom_object_scope", "get_custom_objects", "get_registered_name",
           "get_registered_object", "register_keras_serializable", "load_model", "save_model", "save_weights",
           "load_weights", "serialize_keras_object", "deserialize_keras_object"]
