"""What TextVectorization and the lookup layers (StringLookup, IntegerLookup) share as Keras
preprocessing layers with a vocabulary: adapting to data, the adapt-state hooks, reading a
vocabulary file, and the check that a layer whose output width is its vocabulary size keeps
that size once called.

A layer using `VocabularyLayer` names its counting object `_counter` (with `reset_counts`,
`finalize`, `vocabulary(include_special_tokens)`, `output_mode` and `pad_to_max_tokens`), and
implements `update_state`, `vocabulary_size` and `_adapt_array(data)` (the data as an array)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .text_files import read_text_file


class VocabularyLayer:
    """The adapt / vocabulary methods of a layer with a vocabulary (a mixin of `Layer`)."""

    _has_input_vocabulary: bool
    _frozen_vocab_size: int | None

    def _adapt(self, data, steps, what: str) -> None:
        """Learn the vocabulary from `data`: a list or array, or an iterable of batches;
        `steps` limits the batches read; `what` names the values in the error for a lone string."""
        self.reset_state()
        if isinstance(data, (str, bytes)):
            raise TypeError(f"adapt needs a list or array of {what}, or an iterable of batches; received a single "
                            "string (wrap it in a list).")
        if isinstance(data, (list, tuple, np.ndarray)) or not hasattr(data, "__iter__"):
            arr = self._adapt_array(data)
            self.update_state(arr[:, None] if arr.ndim == 1 else arr)
        else:
            for i, batch in enumerate(data):
                if steps is not None and i >= steps:
                    break
                self.update_state(batch)
        self.finalize_state()

    def _check_adaptable(self) -> None:
        if self._has_input_vocabulary:
            raise ValueError(f"Cannot adapt layer '{self.name}' after setting a static vocabulary via `vocabulary` "
                             "argument or `set_vocabulary()` method.")

    def finalize_state(self) -> None:
        if not self._has_input_vocabulary:
            self._counter.finalize()
        self._record_vocabulary_size()

    def reset_state(self) -> None:
        if not self._has_input_vocabulary:
            self._counter.reset_counts()

    def get_vocabulary(self, include_special_tokens: bool = True) -> list:
        """The vocabulary: a token's index is its id (with the special tokens)."""
        return self._counter.vocabulary(include_special_tokens)

    def _vocabulary_file(self, vocabulary) -> list[str]:
        """The terms of a vocabulary file, one a line (trailing empty lines dropped)."""
        path = Path(vocabulary)
        if not path.is_file():
            raise ValueError(f"Vocabulary file {vocabulary} does not exist.")
        if self._counter.output_mode == "tf_idf":
            raise ValueError("output_mode `'tf_idf'` does not support loading a vocabulary from file.")
        lines = read_text_file(path, encoding="utf-8").split("\n")
        while lines and lines[-1] == "":
            lines.pop()
        return lines

    def _record_vocabulary_size(self) -> None:
        size, mode = self.vocabulary_size(), self._counter.output_mode
        if mode != "int" and not self._counter.pad_to_max_tokens and self._frozen_vocab_size is not None \
                and size != self._frozen_vocab_size:
            raise RuntimeError(f"When using `output_mode={mode}` and `pad_to_max_tokens=False`, the "
                               "vocabulary size cannot be changed after the layer is called. Old vocab size is "
                               f"{self._frozen_vocab_size}, new vocab size is {size}")
        self._frozen_vocab_size = size


def listify(value):
    """An array-like argument as a JSON-safe list (None as is), for `get_config`."""
    if value is None:
        return None
    return np.asarray(value).tolist()
