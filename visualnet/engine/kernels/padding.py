"""Output-size and padding arithmetic shared by convolution and pooling (Keras/TF rules).

'valid': out = (in - k) // stride + 1.  'same': out = ceil(in / stride), and the
padding total max((out - 1) * stride + k - in, 0) puts its extra cell at the bottom/right.
"""


def pair(value) -> tuple:
    """`3` -> (3, 3); a 2-sequence -> a tuple of two ints."""
    if isinstance(value, int):
        return (value, value)
    a, b = value
    return (int(a), int(b))


def _check_padding(padding: str) -> str:
    padding = padding.lower()
    if padding not in ("valid", "same"):
        raise ValueError(f"padding must be 'valid' or 'same', not {padding!r}")
    return padding


def conv_output_length(length: int, kernel: int, stride: int, padding: str) -> int:
    """Length of the output along one spatial axis (may be 0 for 'valid')."""
    if _check_padding(padding) == "same":
        return -(-length // stride)
    return max((length - kernel) // stride + 1, 0)


def same_padding(length: int, kernel: int, stride: int) -> tuple:
    """(before, after) zero cells that 'same' adds along one axis."""
    out = -(-length // stride)
    total = max((out - 1) * stride + kernel - length, 0)
    return total // 2, total - total // 2


def window_geometry(h: int, w: int, kernel, strides, padding: str) -> tuple:
    """(out_h, out_w, pad_top, pad_left) of a 2-D sliding window over an (h, w) image."""
    kh, kw = kernel
    sh, sw = strides
    oh = conv_output_length(h, kh, sh, padding)
    ow = conv_output_length(w, kw, sw, padding)
    if _check_padding(padding) == "same":
        return oh, ow, same_padding(h, kh, sh)[0], same_padding(w, kw, sw)[0]
    return oh, ow, 0, 0
