"""Keras's `serialize_keras_object` / `deserialize_keras_object`: objects to and from plain
dicts ({"module", "class_name", "config", "registered_name"}). Deserializing makes objects
only of VisualNet's own Keras-named classes and of the classes a program registered or
passes; a dict never names code to import."""

from __future__ import annotations

import importlib

from .engine.object_registry import known_objects, registered_name_or_none

# Keras's public namespaces and VisualNet's modules that hold the same names
_NAMESPACES = ("layers", "losses", "metrics", "optimizers", "initializers", "regularizers", "constraints",
               "activations", "callbacks", "models")
_PLAIN = (str, int, float, bool, type(None))


def _namespace(name: str):
    return importlib.import_module(f"visualnet.{name}")


def _public_home(obj) -> "str | None":
    """The Keras namespace ("layers", ...) whose public name is `obj`, if any."""
    name = getattr(obj, "__name__", None)
    for ns in _NAMESPACES:
        if name and getattr(_namespace(ns), name, None) is obj:
            return ns
    return None


def serialize_keras_object(obj):
    """A plain dict (or plain value) describing `obj`, as Keras writes it in configs."""
    if isinstance(obj, _PLAIN):
        return obj
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(v) for v in obj]
    if isinstance(obj, dict):
        return {k: serialize_keras_object(v) for k, v in obj.items()}
    if callable(obj) and not hasattr(obj, "get_config"):       # a function (an activation, a loss)
        home = _public_home(obj)
        registered = registered_name_or_none(obj) or obj.__name__
        module = f"keras.{home}" if home else (None if obj.__module__ == "__main__" else obj.__module__)
        return {"module": module, "class_name": "function",
                "config": obj.__name__, "registered_name": registered}
    cls = type(obj)
    if not hasattr(obj, "get_config"):
        raise TypeError(f"Cannot serialize {obj!r}: it has no get_config() method.")
    home = _public_home(cls)
    registered = registered_name_or_none(cls)
    module = f"keras.{home}" if home else (None if cls.__module__ == "__main__" else cls.__module__)
    return {"module": module, "class_name": cls.__name__,
            "config": obj.get_config(), "registered_name": registered if registered or home is None else None}


def deserialize_keras_object(config, custom_objects: "dict | None" = None, safe_mode: bool = True, **kwargs):
    """The object a `serialize_keras_object` dict describes, made from VisualNet's Keras-named
    classes or from registered / `custom_objects` classes (never imported by name)."""
    if isinstance(config, _PLAIN) and not isinstance(config, str) or config is None:
        return config
    known = known_objects(custom_objects)
    if isinstance(config, str):
        if config in known:
            return known[config]
        found = _find(config, None)
        if found is None:
            raise ValueError(f"Could not interpret serialized object: '{config}'. If it is a custom object, "
                             "register it with register_keras_serializable or pass it in custom_objects.")
        return found
    if isinstance(config, (list, tuple)):
        return [deserialize_keras_object(v, custom_objects) for v in config]
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not parse config: {config!r} (expected a dict with 'class_name' and 'config').")
    class_name, inner = config["class_name"], config.get("config")
    module = str(config.get("module") or "")
    home = module.split(".")[1] if module.startswith("keras.") and module.count(".") >= 1 else None
    if class_name == "function":
        name = config.get("registered_name") or inner
        fn = known.get(name) or known.get(inner) or _find(inner, home)
        if fn is None:
            raise ValueError(f"Unknown function '{inner}': register it or pass it in custom_objects.")
        return fn
    cls = known.get(config.get("registered_name") or "") or known.get(class_name) or _find(class_name, home)
    if cls is None:
        raise ValueError(f"Unknown class '{class_name}' (module {module or 'not given'}): a custom class must "
                         f"be registered with register_keras_serializable or passed as "
                         f"custom_objects={{'{class_name}': {class_name}}}.")
    if hasattr(cls, "from_config"):
        return cls.from_config(inner or {})
    return cls(**(inner or {}))


def _find(name: str, home: "str | None"):
    """VisualNet's public object `name` in Keras's namespace `home` (or in any of them)."""
    for ns in ([home] if home in _NAMESPACES else []) + list(_NAMESPACES):
        obj = getattr(_namespace(ns), name, None)
        if obj is not None and not isinstance(obj, type(importlib)):
            return obj
    return None


__all__ = ["serialize_keras_object", "deserialize_keras_object"]
