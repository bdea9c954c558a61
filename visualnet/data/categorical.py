"""Integer ids as Keras's categorical encodings (`numerical_utils.encode_categorical_inputs`):
"one_hot" (a row per id; a last axis of 1 is replaced), "multi_hot" and "count" (one row per
sample: the last axis holds a sample's ids; a 1-D input is one sample). Shared by
CategoryEncoding, the lookups, Hashing and Discretization.
"""

from __future__ import annotations

import numpy as np

MODES = ("one_hot", "multi_hot", "count")


def encode(ids, mode: str, depth: int, dtype=np.float32, count_weights=None, drop_outside: bool = False,
           who: str = "CategoryEncoding") -> np.ndarray:
    """`ids` (int array, any rank) encoded in `mode` with `depth` columns. Ids outside
    [0, depth) are an error, or, with `drop_outside`, count for nothing (the lookups' mask)."""
    ids = np.asarray(ids)
    if ids.ndim == 0:
        ids = ids.reshape(1)
    if ids.size and not drop_outside and (ids.min() < 0 or ids.max() >= depth):
        bad = ids[(ids < 0) | (ids >= depth)].reshape(-1)[0]
        raise ValueError(f"{who}: every input must be an integer in [0, {depth}) (num_tokens={depth}); received "
                         f"{int(bad)}.")
    inside = (ids >= 0) & (ids < depth)
    safe = np.where(inside, ids, 0).astype(np.int64)
    if mode == "one_hot":
        if ids.ndim > 1 and ids.shape[-1] == 1:
            safe, inside = safe[..., 0], inside[..., 0]
        out = np.zeros((*safe.shape, depth), dtype=dtype)
        np.put_along_axis(out, safe[..., None], inside[..., None].astype(dtype), axis=-1)
        return out
    if mode not in ("multi_hot", "count"):
        raise ValueError(f"{who}: unknown output_mode {mode!r}; expected one of {MODES}.")
    rows = safe.reshape(-1, safe.shape[-1])
    weights = inside.reshape(rows.shape).astype(np.float64)
    if count_weights is not None:
        cw = np.asarray(count_weights, dtype=np.float64)
        if cw.shape != ids.shape:
            raise ValueError(f"{who}: count_weights must have the inputs' shape {ids.shape}; received {cw.shape}.")
        weights = weights * cw.reshape(rows.shape)
    out = np.zeros((rows.shape[0], depth), dtype=np.float64)
    np.add.at(out, (np.repeat(np.arange(rows.shape[0]), rows.shape[1]), rows.reshape(-1)), weights.reshape(-1))
    if mode == "multi_hot":
        out = (out > 0).astype(np.float64)
    out_dtype = np.float32 if count_weights is not None else dtype
    return out.reshape(*ids.shape[:-1], depth).astype(out_dtype)


def encoded_shape(input_shape: tuple, mode: str, depth: int) -> tuple:
    """The output shape of `encode` for an input shape (Keras's compute_output_shape)."""
    input_shape = tuple(input_shape)
    if mode == "int":
        return input_shape
    if not input_shape:
        return (depth,)
    if mode == "one_hot":
        if len(input_shape) > 1 and input_shape[-1] == 1:
            return input_shape[:-1] + (depth,)
        return input_shape + (depth,)
    return input_shape[:-1] + (depth,)


def integer_ids(values, who: str) -> np.ndarray:
    """`values` as int64: integers as they are, floats only when whole (a model's int Input
    arrives as float32)."""
    arr = np.asarray(values)
    if arr.dtype.kind in "iub":
        return arr.astype(np.int64)
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
            bad = arr[~np.isfinite(arr) | (arr != np.round(arr))].reshape(-1)[0]
            raise ValueError(f"{who} takes integers; received the value {bad}.")
        return np.rint(arr).astype(np.int64)
    raise ValueError(f"{who} takes integers; received an array of dtype {arr.dtype}.")
