"""`StringLookup` and `IntegerLookup`: Keras's preprocessing layers with their arguments,
defaults, checks and outputs, on NumPy arrays (`visualnet.layers.StringLookup`).

Adapt one (or give it a vocabulary) and call it on arrays, or call it on a model's Input
(a string Input for StringLookup, an integer one for IntegerLookup) to make a model that
takes raw categories: it is then a node of the model (a Python-API layer, as TextVectorization
is) that turns each batch into ids or encodings on the way in; nothing before it trains. The
vocabulary logic is in `lookups.Vocabulary`. As with Keras on a backend other than
TensorFlow, `sparse=True` is refused.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..engine.custom_layer import Layer
from ..engine.tensor import KerasTensor
from ..engine.variables import eager_result
from .categorical import encode, encoded_shape, integer_ids
from .lookups import Vocabulary
from .text_vectorization import as_strings
from .vocabulary_layer import VocabularyLayer, listify

OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")
ALIASES = {"binary": "multi_hot", "tf-idf": "tf_idf"}


def check_dtype_arg(dtype, allowed: tuple, who: str):
    name = dtype.get("config", {}).get("name") if isinstance(dtype, dict) else dtype
    if name not in (None, *allowed):
        raise ValueError(f"{who}: VisualNet computes in float32; dtype must be one of {allowed}. "
                         f"Received: dtype={dtype!r}")
    return name


class IndexLookup(VocabularyLayer, Layer):
    """The shared base of StringLookup and IntegerLookup (Keras's `IndexLookup`)."""

    keras_module = "keras.layers"      # Keras's own class in files, not a custom layer's
    strings = True

    def __init__(self, max_tokens, num_oov_indices, mask_token, oov_token, vocabulary=None, idf_weights=None,
                 invert=False, output_mode="int", sparse=False, pad_to_max_tokens=False, oov_method="floormod",
                 name=None, salt=None, **kwargs):
        who = type(self).__name__
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"If set, `max_tokens` must be greater than 1. Received: max_tokens={max_tokens}")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(f"If pad_to_max_tokens is True, must set `max_tokens`. Received: max_tokens={max_tokens}")
        if num_oov_indices < 0:
            raise ValueError(f"`num_oov_indices` must be greater than or equal to 0. Received: "
                             f"num_oov_indices={num_oov_indices}")
        if oov_method not in ("floormod", "farmhash"):
            raise ValueError(f"The `oov_method` argument of layer {who} received an invalid value `{oov_method}`. "
                             "Allowed values are: floormod, farmhash.")
        if salt is not None:
            if not self.strings and oov_method != "farmhash":
                raise ValueError(f"`salt` can only be used when `oov_method='farmhash'`. Received: "
                                 f"oov_method={oov_method}")
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                salt = [int(s) for s in salt]
            elif isinstance(salt, int) and not isinstance(salt, bool):
                salt = [salt, salt]
            else:
                raise ValueError(f"The `salt` argument for `IndexLookup` can only be a tuple of 2 integers, or a "
                                 f"single integer. Received: salt={salt}.")
        output_mode = ALIASES.get(output_mode, output_mode)
        if output_mode not in OUTPUT_MODES:
            raise ValueError(f"The `output_mode` argument of layer {who} received an invalid value `{output_mode}`. "
                             f"Allowed values are: {', '.join(OUTPUT_MODES)}.")
        if invert and output_mode != "int":
            raise ValueError(f"`output_mode` must be `'int'` when `invert` is true. Received: "
                             f"output_mode={output_mode}")
        if sparse:
            raise ValueError("`sparse=True` can only be used with the TensorFlow backend; VisualNet's outputs are "
                             "dense arrays.")
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(f"`idf_weights` should only be set if `output_mode` is `'tf_idf'`. Received: "
                             f"idf_weights={idf_weights} and output_mode={output_mode}")
        self._frozen_vocab_size = kwargs.pop("vocabulary_size", None)
        self._has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        trainable = bool(kwargs.pop("trainable", True))
        check_dtype_arg(kwargs.pop("dtype", None), ("float32", "int64", "string"), who)
        if kwargs:
            raise ValueError(f"Unrecognized keyword argument(s): {kwargs}")
        if output_mode == "tf_idf" and self._has_input_vocabulary and idf_weights is None:
            raise ValueError("When specifying the `vocabulary` argument, in TF-IDF output mode, the `idf_weights` "
                             "argument must also be provided.")
        super().__init__(name=name, trainable=trainable)
        self._vocab = Vocabulary(self.strings, max_tokens, num_oov_indices, mask_token, oov_token, output_mode,
                                 pad_to_max_tokens, invert, oov_method, salt)
        self._input_vocabulary = vocabulary if not isinstance(vocabulary, (str, Path)) else None
        self._input_idf_weights = idf_weights
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    # the arguments, as Keras's attributes
    max_tokens = property(lambda self: self._vocab.max_tokens)
    num_oov_indices = property(lambda self: self._vocab.num_oov_indices)
    mask_token = property(lambda self: self._vocab.mask_token)
    oov_token = property(lambda self: self._vocab.oov_token)
    output_mode = property(lambda self: self._vocab.output_mode)
    invert = property(lambda self: self._vocab.invert)
    pad_to_max_tokens = property(lambda self: self._vocab.pad_to_max_tokens)
    idf_weights = property(lambda self: self._vocab.idf_weights)
    _counter = property(lambda self: self._vocab)

    # vocabulary
    def adapt(self, data, steps=None) -> None:
        """Learn the vocabulary (and idf weights) from `data`: a list or array, or an iterable
        of batches (a dataset, a generator); `steps` limits the batches read."""
        self._adapt(data, steps, "values")

    def _adapt_array(self, data) -> np.ndarray:
        return self._values(data)

    def update_state(self, data) -> None:
        self._check_adaptable()
        if isinstance(data, tuple) and len(data) == 2:
            raise TypeError("adapt received (inputs, labels) batches: adapt on the inputs alone, e.g. "
                            "layer.adapt(x_train) or layer.adapt(dataset.map(lambda x, y: x))")
        arr = self._values(data)
        if arr.ndim < 2:                 # Keras counts a 1-D batch as one document
            arr = arr.reshape(1, -1)
        self._vocab.count(arr)

    def vocabulary_size(self) -> int:
        """The size of the vocabulary, special tokens included."""
        return self._vocab.size()

    def set_vocabulary(self, vocabulary, idf_weights=None) -> None:
        """Use `vocabulary` (a list or 1-D array, or the path of a text file with one term per
        line) and, in "tf_idf" mode, its idf weights, instead of adapting."""
        if isinstance(vocabulary, (str, Path)):
            lines = self._vocabulary_file(vocabulary)
            if not self.strings:
                bad = next((i for i, v in enumerate(lines) if not v.strip().lstrip("-").isdigit()), None)
                if bad is not None:
                    raise ValueError(f"Vocabulary file {vocabulary}: line {bad + 1} ({lines[bad]!r}) is not an "
                                     "integer; IntegerLookup's vocabulary file holds one integer a line.")
                lines = [int(v) for v in lines]
            vocabulary = lines
        self._vocab.set(vocabulary, idf_weights)
        self._record_vocabulary_size()

    # calling
    def _values(self, data) -> np.ndarray:
        raise NotImplementedError

    def _depth(self) -> int:
        if self.pad_to_max_tokens:
            return self.max_tokens
        if self._frozen_vocab_size is None:
            raise RuntimeError(f"When using `output_mode={self.output_mode}` and `pad_to_max_tokens=False`, you must "
                               "set the layer's vocabulary before calling it. Either pass a `vocabulary` argument to "
                               "the layer, or call `adapt` with some sample data.")
        return self._frozen_vocab_size

    def __call__(self, inputs, training=None):
        """`call`'s result; on arrays with Keras's `.numpy()`."""
        return eager_result(self.call(inputs, training))

    def call(self, inputs, training=None) -> np.ndarray:
        """Ids (int64) in "int" mode, tokens with `invert`; else the encodings of the ids
        (int64, float32 for "tf_idf"). On a model's tensor, the layer's tensor in the model."""
        if isinstance(inputs, KerasTensor):
            self._check_tensor(inputs)
            if self.output_mode != "int":
                self._depth()
            return super().__call__(inputs)
        if self.invert:
            return self._vocab.invert_lookup(integer_ids(inputs, type(self).__name__))
        ids = self._vocab.lookup(self._values(inputs))
        if self.output_mode == "int":
            return ids
        mode = "count" if self.output_mode == "tf_idf" else self.output_mode
        out = encode(ids, mode, self._depth(), dtype=np.int64, drop_outside=True, who=type(self).__name__)
        if self.output_mode == "tf_idf":
            if self.idf_weights is None:
                raise ValueError("When `output_mode` is `'tf_idf'`, `idf_weights` must be provided.")
            out = (out * self.idf_weights.astype(np.float64)).astype(np.float32)
        return out

    def _check_tensor(self, t: KerasTensor) -> None:
        raise NotImplementedError

    def forward(self, inputs, training) -> np.ndarray:
        """In a model: a batch of values -> its ids or encodings, as float32 (the engine's
        type); `backward` gives no gradient (categories are not differentiable)."""
        return np.ascontiguousarray(self(inputs[0]), dtype=np.float32)

    def backward(self, dy, need_dx=True, skip_activation=False, **kwargs) -> list:
        return [None]

    def compute_output_shape(self, input_shape) -> tuple:
        if self.output_mode == "int":
            return tuple(input_shape)
        return encoded_shape(input_shape, self.output_mode, self._depth())

    # config
    def get_config(self) -> dict:
        v = self._vocab
        return {"name": self.name, "trainable": self.trainable,
                "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
                          "registered_name": None},
                "invert": v.invert, "max_tokens": v.max_tokens, "num_oov_indices": v.num_oov_indices,
                "oov_token": v.oov_token, "mask_token": v.mask_token, "output_mode": v.output_mode, "sparse": False,
                "pad_to_max_tokens": v.pad_to_max_tokens, "idf_weights": listify(self._input_idf_weights),
                "vocabulary": listify(self._input_vocabulary), "vocabulary_size": self._frozen_vocab_size,
                "oov_method": v.oov_method, "salt": v.salt}

    def __repr__(self) -> str:
        return (f"<{type(self).__name__} name={self.name}, output_mode={self.output_mode}, "
                f"vocabulary_size={self.vocabulary_size()}>")


class StringLookup(IndexLookup):
    """Keras's `layers.StringLookup` (same arguments and defaults): strings -> ids."""

    strings = True

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]", vocabulary=None,
                 idf_weights=None, invert=False, output_mode="int", pad_to_max_tokens=False, sparse=False,
                 encoding="utf-8", name=None, salt=None, **kwargs):
        self._encoding = encoding
        kwargs.pop("vocabulary_dtype", None)
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices, mask_token=mask_token,
                         oov_token=oov_token, vocabulary=vocabulary, idf_weights=idf_weights, invert=invert,
                         output_mode=output_mode, pad_to_max_tokens=pad_to_max_tokens, sparse=sparse, name=name,
                         salt=salt, **kwargs)

    def _values(self, data) -> np.ndarray:
        if hasattr(data, "layer") and hasattr(data, "shape") and not isinstance(data, np.ndarray):
            raise TypeError("StringLookup takes strings (a list or array), or in a model the tensor of "
                            "keras.Input(shape=(1,), dtype='string').")
        try:
            return as_strings(data, self._encoding)
        except ValueError as e:
            raise ValueError(str(e).replace("TextVectorization", "StringLookup")) from None

    def _check_tensor(self, t: KerasTensor) -> None:
        if self.invert:
            raise ValueError(f"StringLookup '{self.name}' with invert=True returns strings, which a model cannot "
                             "carry; call it on arrays of ids outside the model.")
        check_string_tensor(self, t)

    def get_config(self) -> dict:
        return {**super().get_config(), "encoding": self._encoding}


class IntegerLookup(IndexLookup):
    """Keras's `layers.IntegerLookup` (same arguments and defaults): integers -> ids."""

    strings = False

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1, vocabulary=None,
                 vocabulary_dtype="int64", idf_weights=None, invert=False, output_mode="int", sparse=False,
                 pad_to_max_tokens=False, oov_method="floormod", salt=None, name=None, **kwargs):
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"If `max_tokens` is set for `IntegerLookup`, it must be greater than 1. Received: "
                             f"max_tokens={max_tokens}")
        if num_oov_indices < 0:
            raise ValueError(f"The value of `num_oov_indices` argument for `IntegerLookup` must >= 0. Received: "
                             f"num_oov_indices={num_oov_indices}")
        if vocabulary_dtype != "int64":
            raise ValueError(f"Only `vocabulary_dtype='int64'` is supported at this time. Received: "
                             f"vocabulary_dtype={vocabulary_dtype}")
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices, mask_token=mask_token,
                         oov_token=oov_token, vocabulary=vocabulary, idf_weights=idf_weights, invert=invert,
                         output_mode=output_mode, sparse=sparse, pad_to_max_tokens=pad_to_max_tokens,
                         oov_method=oov_method, salt=salt, name=name, **kwargs)

    def _values(self, data) -> np.ndarray:
        return integer_ids(data, "IntegerLookup")

    def _check_tensor(self, t: KerasTensor) -> None:
        check_number_tensor(self, t)

    def get_config(self) -> dict:
        config = {**super().get_config(), "vocabulary_dtype": "int64"}
        for key in ("oov_token", "mask_token"):
            if config[key] is not None:
                config[key] = int(config[key])
        if config["vocabulary"] is not None:
            config["vocabulary"] = [int(v) for v in config["vocabulary"]]
        return config


def _string_source(t: KerasTensor) -> bool:
    source = t.layer
    return source is not None and getattr(source, "layer_type", None) == "Input" \
        and source.config.get("dtype") == "string"


def check_string_tensor(layer, t: KerasTensor) -> None:
    """A layer that takes strings in a model takes a string Input's tensor."""
    if not _string_source(t):
        name = getattr(t.layer, "name", t.name)
        raise ValueError(f"{type(layer).__name__} '{layer.name}' takes strings: call it on keras.Input(shape=(1,), "
                         f"dtype='string'); received the output of '{name}', which holds numbers.")


def check_number_tensor(layer, t: KerasTensor) -> None:
    """A layer that takes numbers refuses a string Input's tensor, naming the layer to use."""
    if _string_source(t):
        raise ValueError(f"{type(layer).__name__} '{layer.name}' takes numbers; '{t.layer.name}' holds strings "
                         "(dtype 'string'): use StringLookup or Hashing on it.")
