"""Keras's custom-object registry: classes and functions a program registers
(`register_keras_serializable`, `get_custom_objects()[name] = ...`) or scopes
(`custom_object_scope`) so that loading a file can name them without `custom_objects=`.
Loading still only calls classes the program itself provided: a file never names code."""

from __future__ import annotations

import inspect
import threading

_GLOBAL: dict[str, object] = {}        # "package>name" (or any key a program sets) -> object
_NAMES: dict[object, str] = {}         # object -> "package>name"
_SCOPE = threading.local()             # the innermost custom_object_scope's dict


def get_custom_objects() -> dict:
    """The live global dictionary of registered objects (Keras's `get_custom_objects`)."""
    return _GLOBAL


def register_keras_serializable(package: str = "Custom", name: str | None = None):
    """Decorator: register a class (with `get_config`) or function under "package>name"."""
    def decorator(arg):
        registered = f"{package}>{name if name is not None else arg.__name__}"
        if inspect.isclass(arg) and not hasattr(arg, "get_config"):
            raise ValueError("Cannot register a class that does not have a get_config() method.")
        _GLOBAL[registered] = arg
        _NAMES[arg] = registered
        return arg
    return decorator


def get_registered_name(obj) -> str:
    """"package>name" for a registered object, else its Python name."""
    return _NAMES.get(obj, getattr(obj, "__name__", type(obj).__name__))


def registered_name_or_none(cls) -> "str | None":
    return _NAMES.get(cls)


def get_registered_object(name: str, custom_objects: "dict | None" = None, module_objects: "dict | None" = None):
    """The object known as `name`: in the scope, the global registry, `custom_objects`, then
    `module_objects`; None if none has it."""
    for table in (_scope(), _GLOBAL, custom_objects or {}, module_objects or {}):
        if name in table:
            return table[name]
    return None


class CustomObjectScope:
    """`with custom_object_scope({"MyLayer": MyLayer}): load_model(...)`: the objects are
    known to loading inside the block (nested scopes replace, as in Keras)."""

    def __init__(self, custom_objects: "dict | None" = None):
        self.custom_objects = dict(custom_objects or {})
        self._backup = None

    def __enter__(self):
        self._backup = _scope()
        _SCOPE.objects = dict(self.custom_objects)
        return self

    def __exit__(self, *exc):
        _SCOPE.objects = self._backup
        return False


custom_object_scope = CustomObjectScope


def _scope() -> dict:
    return getattr(_SCOPE, "objects", None) or {}


def known_objects(custom_objects: "dict | None" = None) -> dict:
    """What loading may instantiate: the global registry, each registered object also under
    its class name, the current scope, then the caller's `custom_objects` (these win)."""
    merged: dict = {}
    for key, obj in _GLOBAL.items():
        merged[key] = obj
        merged.setdefault(getattr(obj, "__name__", key), obj)
    merged.update(_scope())
    merged.update(custom_objects or {})
    return merged
