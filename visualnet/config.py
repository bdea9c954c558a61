"""`keras.config`: the settings Keras programs read or set. VisualNet computes in float32,
channels-last, on the CPU; settings it cannot honour are refused with a message rather than
ignored."""

from __future__ import annotations

from .backend import backend, floatx, image_data_format, set_image_data_format  # noqa: F401
from .engine.progbar import INTERACTIVE

_EPSILON = 1e-7
_FLAGS = {"traceback_filtering": False, "flash_attention": None}


def set_floatx(value) -> None:
    """Only "float32": the engine's kernels compute in float32."""
    if str(value) != "float32":
        raise ValueError(f"set_floatx({value!r}): VisualNet computes in float32 only.")


def epsilon() -> float:
    """The fuzz factor Keras's losses use (1e-7)."""
    return _EPSILON


def set_epsilon(value) -> None:
    """Only 1e-7: VisualNet's compiled losses use Keras's default fuzz factor."""
    if float(value) != _EPSILON:
        raise ValueError(f"set_epsilon({value!r}): VisualNet's losses use Keras's default epsilon 1e-7 only.")


class DTypePolicy:
    """Keras's dtype policy; VisualNet's one policy is "float32" (variables and compute)."""

    def __init__(self, name: str = "float32"):
        set_dtype_policy(name)
        self.name = self.compute_dtype = self.variable_dtype = "float32"

    def get_config(self) -> dict:
        return {"name": self.name}

    def __repr__(self) -> str:
        return '<DTypePolicy "float32">'


def dtype_policy() -> DTypePolicy:
    return DTypePolicy()


def set_dtype_policy(policy) -> None:  # noqa: D401
    """Only "float32": mixed precision ("mixed_float16", "mixed_bfloat16") is not computed."""
    name = getattr(policy, "name", policy)
    if str(name) != "float32":
        raise ValueError(f"set_dtype_policy({name!r}): VisualNet computes in float32 only; "
                         "mixed precision is not available.")


def enable_unsafe_deserialization() -> None:
    """Accepted for Keras programs; VisualNet's files never carry code to run (a Lambda's
    function comes from the program), so there is nothing unsafe to allow."""


def enable_interactive_logging() -> None:
    INTERACTIVE["enabled"] = True


def disable_interactive_logging() -> None:
    """Progress goes to the `logging` module (logger "visualnet"), one line per epoch."""
    INTERACTIVE["enabled"] = False


def is_interactive_logging_enabled() -> bool:
    return INTERACTIVE["enabled"]


def enable_traceback_filtering() -> None:
    _FLAGS["traceback_filtering"] = True


def disable_traceback_filtering() -> None:
    _FLAGS["traceback_filtering"] = False


def is_traceback_filtering_enabled() -> bool:
    """VisualNet never shortens tracebacks; the flag is kept for programs that read it."""
    return _FLAGS["traceback_filtering"]


def enable_flash_attention() -> None:
    _FLAGS["flash_attention"] = True


def disable_flash_attention() -> None:
    _FLAGS["flash_attention"] = False


def is_flash_attention_enabled():
    """None (automatic), as Keras on a CPU; attention is computed exactly either way."""
    return _FLAGS["flash_attention"]
