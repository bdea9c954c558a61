"""`CategoryEncoding`, `Hashing` and `Discretization`: Keras's preprocessing layers for
structured data, with its arguments, defaults, checks and outputs, on NumPy arrays; in a model
each is a Python-API node (as the lookups are) that encodes each batch on the way in and
passes no gradient back. `sparse=True` is refused (dense arrays only).
"""

from __future__ import annotations

import numpy as np

from ..engine.custom_layer import Layer
from ..engine.tensor import KerasTensor
from ..engine.variables import eager_result
from .categorical import MODES, encode, encoded_shape, integer_ids
from .fingerprints import hash_buckets
from .lookup_layers import check_dtype_arg, check_number_tensor
from .quantile_summary import bin_boundaries, empty_summary, merge_summaries, summarize
from .text_vectorization import as_strings


def _policy(name: str) -> dict:
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": name}, "registered_name": None}


def _refuse_sparse(sparse, who: str) -> None:
    if sparse:
        raise ValueError(f"{who}: `sparse=True` can only be used with the TensorFlow backend; VisualNet's outputs "
                         "are dense arrays.")


class _Preprocessing(Layer):
    """Called eagerly on arrays; in a model a node that passes no gradient back."""

    keras_module = "keras.layers"

    def __call__(self, inputs, training=None, **kwargs):
        return eager_result(self.call(inputs, training, **kwargs))

    def call(self, inputs, training=None, **kwargs):
        if isinstance(inputs, KerasTensor):
            self._check_tensor(inputs)
            return super().__call__(inputs)
        return self._apply(inputs, **kwargs)

    def _check_tensor(self, t: KerasTensor) -> None:
        check_number_tensor(self, t)

    def forward(self, inputs, training) -> np.ndarray:
        return np.ascontiguousarray(self._apply(inputs[0]), dtype=np.float32)

    def backward(self, dy, need_dx=True, skip_activation=False, **kwargs) -> list:
        return [None]


class CategoryEncoding(_Preprocessing):
    """Keras's `layers.CategoryEncoding`: integer ids in [0, num_tokens) as one-hot,
    multi-hot or count rows (float32)."""

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, name=None, **kwargs):
        trainable = bool(kwargs.pop("trainable", True))
        check_dtype_arg(kwargs.pop("dtype", None), ("float32",), "CategoryEncoding")
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments passed to CategoryEncoding: {kwargs}")
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode not in MODES:
            raise ValueError(f"Unknown arg for output_mode: {output_mode}")
        if num_tokens is None:
            raise ValueError("num_tokens must be set to use this layer. If the number of tokens is not known "
                             "beforehand, use the IntegerLookup layer instead.")
        if num_tokens < 1:
            raise ValueError(f"`num_tokens` must be >= 1. Received: num_tokens={num_tokens}.")
        _refuse_sparse(sparse, "CategoryEncoding")
        super().__init__(name=name, trainable=trainable)
        self.num_tokens, self.output_mode = int(num_tokens), output_mode

    def _apply(self, inputs, count_weights=None) -> np.ndarray:
        if count_weights is not None and self.output_mode != "count":
            raise ValueError(f"`count_weights` is not used when `output_mode` is not `'count'`. Received "
                             f"`count_weights={count_weights}`.")
        return encode(integer_ids(inputs, "CategoryEncoding"), self.output_mode, self.num_tokens,
                      count_weights=count_weights)

    def compute_output_shape(self, input_shape) -> tuple:
        return encoded_shape(input_shape, self.output_mode, self.num_tokens)

    def get_config(self) -> dict:
        return {"name": self.name, "trainable": self.trainable, "dtype": _policy("float32"),
                "num_tokens": self.num_tokens, "output_mode": self.output_mode}


class Hashing(_Preprocessing):
    """Keras's `layers.Hashing`: strings or integers -> bins in [0, num_bins), by FarmHash64
    (SipHash64 with a `salt`) as TensorFlow computes them, so the bins equal Keras's."""

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False, name=None, **kwargs):
        trainable = bool(kwargs.pop("trainable", True))
        dtype = check_dtype_arg(kwargs.pop("dtype", None), ("float32", "int32", "int64"), "Hashing")
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments passed to Hashing: {kwargs}")
        dtype = dtype or ("int64" if output_mode == "int" else "float32")
        if num_bins is None or num_bins <= 0:
            raise ValueError(f"The `num_bins` for `Hashing` cannot be `None` or non-positive values. Received: "
                             f"num_bins={num_bins}.")
        if output_mode == "int" and dtype not in ("int32", "int64"):
            raise ValueError(f"When `output_mode=\"int\"`, `dtype` should be an integer type, 'int32' or 'in64'. "
                             f"Received: dtype={dtype}")
        accepted = ("int", *MODES)
        if output_mode not in accepted:
            raise ValueError(f"Invalid value for argument `output_mode`. Expected one of {accepted}. Received: "
                             f"output_mode={output_mode}")
        if sparse and output_mode == "int":
            raise ValueError(f"`sparse` may only be true if `output_mode` is `\"one_hot\"`, `\"multi_hot\"`, or "
                             f"`\"count\"`. Received: sparse={sparse} and output_mode={output_mode}")
        _refuse_sparse(sparse, "Hashing")
        if salt is not None:
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                salt = [int(s) for s in salt]
            elif isinstance(salt, int) and not isinstance(salt, bool):
                salt = [salt, salt]
            else:
                raise ValueError(f"The `salt` argument for `Hashing` can only be a tuple of size 2 integers, or a "
                                 f"single integer. Received: salt={salt}.")
        super().__init__(name=name, trainable=trainable)
        self.num_bins, self.mask_value, self.salt = int(num_bins), mask_value, salt
        self.output_mode, self._dtype = output_mode, dtype

    @property
    def dtype(self) -> str:
        """The output's dtype, Keras's: int64 (or int32) in "int" mode, else float32."""
        return self._dtype

    def _check_tensor(self, t: KerasTensor) -> None:
        pass            # strings or numbers

    def _apply(self, inputs) -> np.ndarray:
        values = _hash_values(inputs)
        if self.output_mode == "one_hot" and values.ndim > 0 and values.shape[-1] == 1:
            values = values[..., 0]
        bins = self.num_bins
        mask = None
        if self.mask_value is not None and bins > 1:
            bins -= 1
            mask = values == (self.mask_value if values.dtype == object else _as_int(self.mask_value))
        out = hash_buckets(values, bins, self.salt)
        if mask is not None:
            out = np.where(mask, 0, out + 1)
        if self.output_mode == "int":
            return out.astype(self._dtype)
        return encode(out, self.output_mode, self.num_bins, dtype=np.dtype(self._dtype))

    def compute_output_shape(self, input_shape) -> tuple:
        if self.output_mode == "int":
            return tuple(input_shape)
        return tuple(input_shape)[:-1] + (self.num_bins,) if input_shape else (self.num_bins,)

    def get_config(self) -> dict:
        return {"name": self.name, "trainable": self.trainable, "dtype": _policy(self._dtype),
                "num_bins": self.num_bins, "salt": self.salt, "mask_value": self.mask_value,
                "output_mode": self.output_mode, "sparse": False}


def _as_int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


def _hash_values(inputs) -> np.ndarray:
    """Strings as str objects, numbers as int64 (floats truncated, as Keras casts them)."""
    if isinstance(inputs, (str, bytes)):
        inputs = np.array(inputs, dtype=object)
    arr = np.asarray(inputs) if not isinstance(inputs, np.ndarray) else inputs
    if arr.dtype.kind in "USO":
        return as_strings(arr)
    if arr.dtype.kind == "f":
        return np.trunc(arr).astype(np.int64)
    if arr.dtype.kind in "iub":
        return arr.astype(np.int64)
    raise ValueError(f"Hashing takes strings or integers; received an array of dtype {arr.dtype}.")


class Discretization(_Preprocessing):
    """Keras's `layers.Discretization`: numbers -> the index of their bin (int32), or its
    encoding; the boundaries given, or learned by `adapt` as Keras's approximate quantiles."""

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int", sparse=False,
                 dtype=None, name=None, **kwargs):
        trainable = bool(kwargs.pop("trainable", True))
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments passed to Discretization: {kwargs}")
        check_dtype_arg(dtype, ("float32",), "Discretization")
        if sparse and output_mode == "int":
            raise ValueError(f"`sparse=True` may only be used if `output_mode` is `'one_hot'`, `'multi_hot'`, or "
                             f"`'count'`. Received: sparse={sparse} and output_mode={output_mode}")
        _refuse_sparse(sparse, "Discretization")
        if output_mode not in ("int", *MODES):
            raise ValueError(f"The `output_mode` argument of layer Discretization received an invalid value "
                             f"`{output_mode}`. Allowed values are: int, {', '.join(MODES)}.")
        if num_bins is not None and num_bins < 0:
            raise ValueError(f"`num_bins` must be greater than or equal to 0. Received: `num_bins={num_bins}`")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError(f"Both `num_bins` and `bin_boundaries` should not be set. Received: "
                             f"`num_bins={num_bins}` and `bin_boundaries={bin_boundaries}`")
        if num_bins is None and bin_boundaries is None:
            raise ValueError("You need to set either `num_bins` or `bin_boundaries`.")
        super().__init__(name=name, trainable=trainable)
        self.bin_boundaries = None if bin_boundaries is None else [float(b) for b in bin_boundaries]
        self.num_bins, self.epsilon, self.output_mode = num_bins, epsilon, output_mode
        self.summary = None if self.bin_boundaries else empty_summary()

    def adapt(self, data, steps=None) -> None:
        """Learn `num_bins` bins from `data`: an array, or an iterable of batches."""
        if self.num_bins is None:
            raise ValueError("Cannot adapt a Discretization layer that has been initialized with `bin_boundaries`, "
                             "use `num_bins` instead.")
        self.reset_state()
        if isinstance(data, np.ndarray) or not hasattr(data, "__iter__"):
            self.update_state(data)
        else:
            for i, batch in enumerate(data):
                if steps is not None and i >= steps:
                    break
                self.update_state(batch)
        self.finalize_state()

    def update_state(self, data) -> None:
        if isinstance(data, tuple) and len(data) == 2:
            raise TypeError("adapt received (inputs, labels) batches: adapt on the inputs alone.")
        data = np.array(data).astype("float32")
        self.summary = merge_summaries(summarize(data, self.epsilon), self.summary, self.epsilon)

    def finalize_state(self) -> None:
        if self.num_bins is not None:
            self.bin_boundaries = bin_boundaries(self.summary, self.num_bins)

    def reset_state(self) -> None:
        if self.num_bins is not None:
            self.summary = empty_summary()

    def _depth(self) -> int:
        return len(self.bin_boundaries) + 1 if self.bin_boundaries is not None else self.num_bins

    def _apply(self, inputs) -> np.ndarray:
        if self.bin_boundaries is None:
            raise ValueError("You need to either pass the `bin_boundaries` argument at construction time or call "
                             "`adapt(dataset)` before you can start using the `Discretization` layer.")
        arr = np.asarray(inputs)
        if arr.dtype.kind not in "iufb":
            raise ValueError(f"Discretization takes numbers; received an array of dtype {arr.dtype}.")
        indices = np.digitize(arr.astype(np.float32), np.asarray(self.bin_boundaries, np.float32))
        if self.output_mode == "int":
            return indices.astype(np.int32)
        return encode(indices, self.output_mode, self._depth())

    def compute_output_shape(self, input_shape) -> tuple:
        if self.output_mode != "int" and self.bin_boundaries is None:
            raise ValueError(f"Discretization '{self.name}' has no bins yet: adapt it (or give bin_boundaries) "
                             "before calling it on a model's tensor.")
        return encoded_shape(input_shape, self.output_mode, self._depth() if self.output_mode != "int" else 0)

    def get_config(self) -> dict:
        return {"bin_boundaries": self.bin_boundaries, "num_bins": self.num_bins, "epsilon": self.epsilon,
                "output_mode": self.output_mode, "sparse": False, "name": self.name, "dtype": "float32"}

    @classmethod
    def from_config(cls, config: dict) -> "Discretization":
        config = dict(config)
        if config.get("bin_boundaries") is not None and config.get("num_bins") is not None:
            boundaries = config.pop("bin_boundaries")
            layer = cls(**config)
            layer.bin_boundaries = [float(b) for b in boundaries]
            return layer
        return cls(**config)
