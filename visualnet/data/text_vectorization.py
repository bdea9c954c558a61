"""`TextVectorization`: Keras's preprocessing layer with its arguments, defaults, checks and
outputs, on NumPy arrays (`visualnet.layers.TextVectorization`).

Adapt it, call it on the texts and train the model on the ids it returns (the Keras
tutorials' pattern), or `dataset.map` it; or call it on a string Input
(`keras.Input(shape=(1,), dtype="string")`) to make a model that takes raw text: it is then a
node of the model (a layer of the Python API, as custom layers are, which the canvas does not
hold) that turns each batch of strings into ids on the way in; nothing before it trains. The
maths are in `text_vectorizer.TextVectorizer`. As with Keras on a backend other than TensorFlow,
`sparse` and `ragged` outputs are refused; callables for `standardize` and `split` are
refused too (a project file could not store them).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..engine.custom_layer import Layer
from ..engine.tensor import KerasTensor
from ..engine.variables import eager_result
from .text_vectorizer import OUTPUT_MODES, SPLIT, STANDARDIZE, TextVectorizer, add_ngrams
from .text_vectorizer import standardize as standardize_text
from .vocabulary_layer import VocabularyLayer, listify

ALIASES = {"binary": "multi_hot", "tf-idf": "tf_idf"}


def _check_choice(value, allowed: tuple, arg: str) -> None:
    if value is not None and not isinstance(value, str) and callable(value):
        raise ValueError(f"VisualNet's TextVectorization does not take a callable `{arg}`: use one of "
                         f"{allowed} or None.")
    if value is not None and value not in allowed:
        raise ValueError(f"The `{arg}` argument of layer TextVectorization received an invalid value `{value}`. "
                         f"Allowed values are: {', '.join(allowed)} or None.")


def as_strings(inputs, encoding: str = "utf-8") -> np.ndarray:
    """`inputs` (a string, bytes, or nested lists / arrays of them) as an object array of str."""
    if hasattr(inputs, "layer") and hasattr(inputs, "shape") and not isinstance(inputs, np.ndarray):
        raise TypeError("TextVectorization takes text: the texts themselves (a list or array of strings), or in "
                        "a model the tensor of keras.Input(shape=(1,), dtype='string').")
    arr = np.asarray(inputs, dtype=object) if not isinstance(inputs, np.ndarray) else inputs
    if arr.dtype.kind == "U":
        return arr.astype(object)
    if arr.dtype.kind not in "OS":
        raise ValueError(f"TextVectorization needs strings; received an array of dtype {arr.dtype}.")
    out = np.empty(arr.shape, dtype=object)
    for pos, value in np.ndenumerate(arr):
        if isinstance(value, (bytes, np.bytes_)):
            try:
                value = bytes(value).decode(encoding)
            except UnicodeDecodeError as e:
                raise ValueError(f"the string at position {pos} is not valid {encoding}: {e.reason} at byte "
                                 f"{e.start}") from None
        elif not isinstance(value, str):
            raise ValueError(f"TextVectorization needs strings; position {pos} holds {type(value).__name__} "
                             f"{value!r}.")
        out[pos] = str(value)
    return out


class TextVectorization(VocabularyLayer, Layer):
    """Keras's `layers.TextVectorization` (same arguments and defaults)."""

    keras_module = "keras.layers"      # Keras's own class in files, not a custom layer's

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation", split="whitespace", ngrams=None,
                 output_mode="int", output_sequence_length=None, pad_to_max_tokens=False, vocabulary=None,
                 idf_weights=None, sparse=False, ragged=False, encoding="utf-8", name=None, **kwargs):
        if sparse:
            raise ValueError("`sparse=True` can only be used with the TensorFlow backend.")
        if ragged:
            raise ValueError("`ragged=True` can only be used with the TensorFlow backend.")
        _check_choice(standardize, STANDARDIZE, "standardize")
        _check_choice(split, SPLIT, "split")
        output_mode = ALIASES.get(output_mode, output_mode)
        if output_mode not in OUTPUT_MODES:
            raise ValueError("The `output_mode` argument of layer TextVectorization received an invalid value "
                             f"`{output_mode}`. Allowed values are: {', '.join(OUTPUT_MODES)}.")
        if not (ngrams is None or isinstance(ngrams, int) and not isinstance(ngrams, bool)
                or isinstance(ngrams, tuple) and all(isinstance(i, int) for i in ngrams)):
            raise ValueError(f"`ngrams` must be None, an integer, or a tuple of integers. Received: ngrams={ngrams}")
        if output_mode == "int" and not (output_sequence_length is None or isinstance(output_sequence_length, int)):
            raise ValueError("`output_sequence_length` must be either None or an integer when `output_mode` is "
                             f"'int'. Received: output_sequence_length={output_sequence_length}")
        if output_mode != "int" and output_sequence_length is not None:
            raise ValueError("`output_sequence_length` must not be set if `output_mode` is not 'int'. "
                             f"Received output_sequence_length={output_sequence_length}.")
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"If set, `max_tokens` must be greater than 1. Received: max_tokens={max_tokens}")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(f"If pad_to_max_tokens is True, must set `max_tokens`. Received: max_tokens={max_tokens}")
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError("`idf_weights` should only be set if `output_mode` is `'tf_idf'`. Received: "
                             f"idf_weights={idf_weights} and output_mode={output_mode}")
        self._has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        self._frozen_vocab_size = kwargs.pop("vocabulary_size", None)
        trainable = bool(kwargs.pop("trainable", True))
        dtype = kwargs.pop("dtype", None)
        if isinstance(dtype, dict):
            dtype = dtype.get("config", {}).get("name")
        if dtype not in (None, "float32"):
            raise ValueError(f"VisualNet computes in float32. Received: dtype={dtype!r}")
        if kwargs:
            raise TypeError(f"Unrecognized keyword argument(s) passed to TextVectorization: {sorted(kwargs)}")
        if output_mode == "tf_idf" and self._has_input_vocabulary and idf_weights is None:
            raise ValueError("When specifying the `vocabulary` argument, in TF-IDF output mode, the `idf_weights` "
                             "argument must also be provided.")
        super().__init__(name=name, trainable=trainable)    # named as Keras's: text_vectorization, ..._1
        self._ngrams_arg = ngrams
        self._encoding = encoding
        self._vectorizer = TextVectorizer(max_tokens, standardize, split, ngrams, output_mode, output_sequence_length,
                                          pad_to_max_tokens)
        self._input_vocabulary = vocabulary if not isinstance(vocabulary, (str, Path)) else None
        self._input_idf_weights = idf_weights
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    # vocabulary

    def adapt(self, data, batch_size=None, steps=None) -> None:
        """Learn the vocabulary (and idf weights) from `data`: a list or array of strings, or an
        iterable of batches of strings (a dataset, a generator); `steps` limits the batches read.
        `batch_size` is accepted as Keras's signature has it (Keras ignores it too)."""
        self._adapt(data, steps, "strings")

    def _adapt_array(self, data) -> np.ndarray:
        return as_strings(data, self._encoding)

    def update_state(self, data) -> None:
        self._check_adaptable()
        if isinstance(data, tuple) and len(data) == 2 and not isinstance(data[1], (str, bytes)):
            raise TypeError("adapt received (texts, labels) batches: adapt on the texts alone, e.g. "
                            "layer.adapt(dataset.map(lambda x, y: x))")
        arr = as_strings(data, self._encoding)
        rows = self._token_rows(arr)
        if arr.ndim == 0 or arr.ndim == 1 and self._split is None:     # Keras counts this as one document
            rows = [[t for row in rows for t in row]]
        self._vectorizer.count(rows)

    def vocabulary_size(self) -> int:
        """The size of the vocabulary, special tokens included."""
        return self._vectorizer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None) -> None:
        """Use `vocabulary` (a list or 1-D array of strings, or the path of a text file with one
        term per line) and, in "tf_idf" mode, its idf weights, instead of adapting."""
        if isinstance(vocabulary, (str, Path)):
            self._vectorizer.set_tokens(self._vocabulary_file(vocabulary))
        else:
            self._vectorizer.set_vocabulary(vocabulary, idf_weights)
        self._record_vocabulary_size()

    # calling

    @property
    def _counter(self) -> TextVectorizer:
        return self._vectorizer

    @property
    def _output_mode(self) -> str:
        return self._vectorizer.output_mode

    @property
    def _split(self):
        return self._vectorizer.split

    def _token_rows(self, arr: np.ndarray) -> list:
        """One list of tokens per sample: a string's tokens with `split`; without it, the
        strings of the last axis (a string alone for inputs of rank 0 or 1)."""
        v = self._vectorizer
        if self._split is not None:
            if arr.ndim > 1:
                if arr.shape[-1] != 1 or arr.ndim > 2:
                    raise ValueError("When using `TextVectorization` to tokenize strings, the input rank must be 1 "
                                     "or the last shape dimension must be 1. Received: "
                                     f"inputs.shape={arr.shape} with rank={arr.ndim}")
                arr = arr[:, 0]
            return [v.tokenize(s) for s in arr.reshape(-1)]
        rows = arr.reshape(-1, 1) if arr.ndim < 2 else arr.reshape(-1, arr.shape[-1])
        return [_dense_tokens(v, r) for r in rows.tolist()]

    def __call__(self, inputs, training=None):
        """`call`'s result; on arrays with Keras's `.numpy()`."""
        return eager_result(self.call(inputs, training))

    def call(self, inputs, training=None) -> np.ndarray:
        """int64 ids (0-padded, 1 for unknown tokens) in "int" mode; else rows of vocabulary-size
        (or max_tokens) columns, int64 for "multi_hot" and "count", float32 for "tf_idf". On a
        string Input's tensor, the layer's tensor in a model (see `forward`)."""
        if isinstance(inputs, KerasTensor):
            _check_string_tensor(self, inputs)
            return super().__call__(inputs)
        v = self._vectorizer
        if self._output_mode != "int" and not v.pad_to_max_tokens and self._frozen_vocab_size is None:
            raise RuntimeError(f"When using `output_mode={self._output_mode}` and `pad_to_max_tokens=False`, you "
                               "must set the layer's vocabulary before calling it. Either pass a `vocabulary` "
                               "argument to the layer, or call `adapt` with some sample data.")
        arr = as_strings(inputs, self._encoding)
        rows = self._token_rows(arr)
        if self._output_mode != "int":
            out = v.encode_bags(rows, v.depth(self._frozen_vocab_size))
            return out[0] if arr.ndim == 0 else out
        length = v.output_sequence_length
        if self._split is not None:
            out = v.encode_ids(rows, length)
            return out[0] if arr.ndim == 0 else out
        ids = v.encode_ids(rows)
        ids = ids.reshape(arr.shape) if v.ngrams is None else ids.reshape(*arr.shape[:-1], -1) if arr.ndim > 1 \
            else ids.reshape(-1)
        if length is not None:          # Keras trims and pads the last axis of dense inputs
            ids = ids[..., :length]
            ids = np.pad(ids, [(0, 0)] * (ids.ndim - 1) + [(0, length - ids.shape[-1])])
        return ids

    def forward(self, inputs, training) -> np.ndarray:
        """In a model: a batch of strings (batch, 1) -> its ids or rows, as float32 (the
        engine's type); `backward` gives no gradient (text is not differentiable)."""
        return np.ascontiguousarray(self(inputs[0]), dtype=np.float32)

    def backward(self, dy, need_dx=True, skip_activation=False, **kwargs) -> list:
        return [None]

    def compute_output_shape(self, input_shape) -> tuple:
        if self._output_mode == "int":
            return (input_shape[0], self._vectorizer.output_sequence_length)
        return (input_shape[0], self._vectorizer.depth(self._frozen_vocab_size))

    # config

    def get_config(self) -> dict:
        v = self._vectorizer
        return {"name": self.name, "trainable": self.trainable, "max_tokens": v.max_tokens,
                "standardize": v.standardize, "split": v.split, "ngrams": self._ngrams_arg,
                "output_mode": v.output_mode, "output_sequence_length": v.output_sequence_length,
                "pad_to_max_tokens": v.pad_to_max_tokens, "sparse": False, "ragged": False,
                "vocabulary": listify(self._input_vocabulary), "idf_weights": listify(self._input_idf_weights),
                "encoding": self._encoding, "vocabulary_size": self.vocabulary_size()}

    @classmethod
    def from_config(cls, config: dict) -> "TextVectorization":
        config = dict(config)
        if isinstance(config.get("ngrams"), list):
            config["ngrams"] = tuple(config["ngrams"])
        return cls(**config)

    def __repr__(self) -> str:
        return (f"<TextVectorization name={self.name}, output_mode={self._output_mode}, "
                f"vocabulary_size={self.vocabulary_size()}>")


def _check_string_tensor(layer, t: KerasTensor) -> None:
    """A model's TextVectorization takes a string Input's tensor, and nothing else."""
    source = t.layer
    if source is None or getattr(source, "layer_type", None) != "Input" or source.config.get("dtype") != "string":
        name = getattr(source, "name", t.name)
        raise ValueError(f"TextVectorization '{layer.name}' takes text: call it on keras.Input(shape=(1,), "
                         f"dtype='string'); received the output of '{name}', which holds numbers.")


def _dense_tokens(vectorizer: TextVectorizer, strings: list) -> list:
    """Without `split`: the standardized strings of one row, with n-grams across them."""
    tokens = [standardize_text(s, vectorizer.standardize) for s in strings]
    return add_ngrams(tokens, vectorizer.ngrams) if vectorizer.ngrams is not None else tokens
