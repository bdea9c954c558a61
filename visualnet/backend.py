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


def epsilon() -> float:
    from .config import epsilon as eps

    return eps()


def set_epsilon(value) -> None:
    from .config import set_epsilon as set_eps

    set_eps(value)


def set_floatx(value) -> None:
    from .config import set_floatx as set_fx

    set_fx(value)


def is_keras_tensor(x) -> bool:
    from .utils import is_keras_tensor as check

    return check(x)


def standardize_dtype(dtype) -> str:
    from .utils import standardize_dtype as standardize

    return standardize(dtype)


def is_float_dtype(dtype) -> bool:
    return standardize_dtype(dtype).startswith(("float", "bfloat"))


def is_int_dtype(dtype) -> bool:
    return standardize_dtype(dtype).startswith(("int", "uint"))


def result_type(*dtypes) -> str:
    """Keras's promotion: a float operand decides (the widest float; ints never widen it,
    float16 with bfloat16 gives float32), ints promote as NumPy's, Python numbers are weak;
    then, as Keras's default 32-bit precision, 64-bit results become 32-bit."""
    out = _promoted(*dtypes)
    return {"float64": "float32", "int64": "int32", "uint64": "uint32"}.get(out, out)


def _promoted(*dtypes) -> str:
    import numpy as np

    names = [standardize_dtype(d) for d in dtypes if d not in (int, float, bool)]
    floats = [n for n in names if "float" in n]
    if floats:
        if {"float16", "bfloat16"} <= set(floats):
            floats.append("float32")
        return max(floats, key=lambda n: (int("".join(c for c in n if c.isdigit())), n != "bfloat16"))
    if float in dtypes:
        return "float32"
    ints = [np.dtype(n) for n in names]
    return np.result_type(*ints).name if ints else ("int32" if int in dtypes else "bool")


_UID: dict[str, int] = {}


def get_uid(prefix: str = "") -> int:
    """1, 2, 3, ... per prefix (Keras's unique-name counter)."""
    _UID[prefix] = _UID.get(prefix, 0) + 1
    return _UID[prefix]
