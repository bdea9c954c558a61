"""The parts of `keras.backend` that programs commonly call."""

from .engine.naming import clear_session  # noqa: F401


def backend() -> str:
    return "visualnet"


def floatx() -> str:
    return "float32"
