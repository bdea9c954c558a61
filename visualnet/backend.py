"""The parts of `keras.backend` that programs commonly call."""

from .engine.naming import clear_session  # noqa: F401


def backend() -> str:
    return "visualnet"


def floatx() -> str:
    return "float32"


def image_data_format() -> str:
    """Always "channels_last": VisualNet's images are (batch, height, width, channels)."""
    return "channels_last"


def set_image_data_format(data_format) -> None:
    """Accepts "channels_last" (the only layout VisualNet computes in); refuses the others."""
    fmt = str(data_format).lower()
    if fmt == "channels_first":
        raise ValueError("set_image_data_format('channels_first'): VisualNet computes only in channels_last "
                         "(batch, height, width, channels); transpose channels-first arrays with "
                         "x.transpose(0, 2, 3, 1) instead")
    if fmt != "channels_last":
        raise ValueError("The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
                         f"Received: data_format={data_format}")
