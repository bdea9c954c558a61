"""The vocabulary behind StringLookup and IntegerLookup, as Keras's `IndexLookup` keeps it:
learned tokens after the special ones (the mask token at 0 in "int" mode, then
`num_oov_indices` out-of-vocabulary slots), counted by `adapt` and sorted by count (ties by
the token, highest first), the idf weights of "tf_idf", and the lookup in both directions.
Pure NumPy; the layers are in `lookup_layers.py`.
"""

from __future__ import annotations

import collections

import numpy as np

from .fingerprints import as_hash_text, fingerprint64, siphash64


class Vocabulary:
    """Tokens (str or int) and their ids, with Keras's special-token layout."""

    def __init__(self, strings: bool, max_tokens, num_oov_indices: int, mask_token, oov_token, output_mode: str,
                 pad_to_max_tokens: bool, invert: bool, oov_method: str = "floormod", salt=None):
        self.strings = strings
        self.max_tokens, self.num_oov_indices = max_tokens, num_oov_indices
        self.mask_token, self.oov_token = mask_token, oov_token
        self.output_mode, self.pad_to_max_tokens, self.invert = output_mode, pad_to_max_tokens, invert
        self.oov_method, self.salt = oov_method, salt
        self.tokens: list = []
        self.index: dict = {}
        self.idf_weights = None          # float32, one per id (padded as Keras pads it)
        self.reset_counts()

    # layout
    @property
    def oov_start(self) -> int:
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    @property
    def token_start(self) -> int:
        return self.oov_start + self.num_oov_indices

    def size(self) -> int:
        return self.token_start + len(self.tokens)

    def special_tokens(self) -> list:
        return [self.mask_token] * self.oov_start + [self.oov_token] * self.num_oov_indices

    def vocabulary(self, include_special_tokens: bool = True) -> list:
        vocab = [self.oov_token] * self.token_start + list(self.tokens)
        if self.mask_token is not None and self.output_mode == "int":
            vocab[0] = self.mask_token
        return vocab if include_special_tokens else vocab[self.token_start:]

    def _set_tokens(self, tokens: list) -> None:
        self.tokens = [self.token(t) for t in tokens]
        start = self.token_start
        self.index = {t: start + i for i, t in enumerate(self.tokens)}

    def token(self, t):
        if self.strings:
            return t.decode("utf-8") if isinstance(t, bytes) else str(t)
        return int(t)

    # adapt
    def reset_counts(self) -> None:
        self.counts: collections.Counter = collections.Counter()
        self.document_counts: collections.Counter = collections.Counter()
        self.num_documents = 0

    def count(self, data: np.ndarray) -> None:
        """Count the tokens of `data` (rank 2: one document per row)."""
        self.counts.update(self.token(t) for t in data.reshape(-1).tolist())
        if self.output_mode == "tf_idf":
            if data.ndim != 2:
                raise ValueError(f"adapt in 'tf_idf' mode takes documents as rows of a 2-D array; received "
                                 f"shape {data.shape}.")
            for row in data.tolist():
                self.document_counts.update({self.token(t) for t in row})
            self.num_documents += data.shape[0]

    def finalize(self) -> None:
        """The vocabulary from the counts: by count, ties by the token, highest first."""
        counts = dict(self.counts)
        for special in (self.mask_token, self.oov_token):
            if special is not None:
                counts.pop(self.token(special), None)
        if not counts:
            return
        order = sorted(counts, key=lambda t: (counts[t], t), reverse=True)
        if self.max_tokens:
            order = order[:self.max_tokens - self.token_start]
        self._set_tokens(order)
        if self.output_mode == "tf_idf":
            docs = np.array([self.document_counts[t] for t in order], dtype=np.float64)
            idf = np.log(1 + self.num_documents / (1 + docs)).astype(np.float32)
            idf = np.pad(idf, (self.token_start, 0), constant_values=np.mean(idf, dtype=np.float32))
            if self.pad_to_max_tokens and self.max_tokens is not None:
                idf = np.pad(idf, (0, self.max_tokens - idf.size))
            self.idf_weights = idf.astype(np.float32)
        self.reset_counts()

    # a given vocabulary
    def set(self, vocabulary, idf_weights=None) -> None:
        """Keras's `set_vocabulary` on a list or 1-D array (the special tokens may lead it)."""
        if self.output_mode == "tf_idf":
            if idf_weights is None:
                raise ValueError("`idf_weights` must be set if output_mode is 'tf_idf'.")
        elif idf_weights is not None:
            raise ValueError(f"`idf_weights` should only be set if output_mode is `'tf_idf'`. Received: "
                             f"output_mode={self.output_mode} and idf_weights={idf_weights}")
        if isinstance(vocabulary, np.ndarray) and vocabulary.ndim != 1:
            raise ValueError(f"The vocabulary must be 1-D; received shape {vocabulary.shape}.")
        values = [self.token(t) for t in np.asarray(vocabulary, dtype=object).reshape(-1).tolist()]
        if not values:
            raise ValueError(f"Cannot set an empty vocabulary. Received: vocabulary={list(vocabulary)}")
        special = self.special_tokens()
        start = self.token_start
        found_special = [None if s is None else self.token(s) for s in special] == values[:start]
        tokens = values[start:] if found_special else values
        repeated = [t for t, c in collections.Counter(tokens).items() if c > 1]
        if repeated:
            raise ValueError("The passed vocabulary has at least one repeated term. Please uniquify your dataset. "
                             f"The repeated terms are: {repeated}")
        for name, tok, applies in (("mask_token", self.mask_token, True), ("oov_token", self.oov_token, self.invert)):
            if applies and tok is not None and self.token(tok) in tokens:
                raise ValueError(f"Found reserved {'mask' if name == 'mask_token' else 'OOV'} token at unexpected "
                                 "location in `vocabulary`. Note that passed `vocabulary` does not need to include "
                                 "the OOV and mask tokens. Either remove all mask and OOV tokens, or include them "
                                 f"only at the start of the vocabulary in precisely this order: {special}. "
                                 f"Received: {name}={tok} at vocabulary index "
                                 f"{len(values) - 1 - values[::-1].index(self.token(tok))}")
        if self.max_tokens is not None and start + len(tokens) > self.max_tokens:
            raise ValueError("Attempted to set a vocabulary larger than the maximum vocab size. Received vocabulary "
                             f"size is {start + len(tokens)}; `max_tokens` is {self.max_tokens}.")
        self._set_tokens(tokens)
        if self.output_mode == "tf_idf":
            idf = np.asarray(idf_weights, dtype=np.float64)
            if idf.ndim != 1:
                raise ValueError(f"TF-IDF data must be a 1-index array. Received: idf_weights of shape {idf.shape}")
            if len(values) != idf.size:
                raise ValueError(f"`idf_weights` must be the same length as vocabulary. len(idf_weights) is "
                                 f"{idf.size}; len(vocabulary) is {len(values)}")
            front, value = (0, 0.0) if found_special else (start, float(np.average(idf)))
            back = self.max_tokens - front - idf.size if self.pad_to_max_tokens and self.max_tokens else 0
            self.idf_weights = np.pad(idf, (front, back), constant_values=(value, 0.0)).astype(np.float32)

    # lookup
    def lookup(self, values: np.ndarray) -> np.ndarray:
        """Ids of `values` (str objects or int64), Keras's: the mask token -> 0 in "int" mode
        (dropped, -1, otherwise), unknown values -> an OOV id."""
        flat = values.reshape(-1)
        uniques, inverse = np.unique(flat, return_inverse=True) if flat.size else (flat, np.zeros(0, np.int64))
        mask = None if self.mask_token is None else self.token(self.mask_token)
        oov = []
        ids = np.empty(len(uniques), dtype=np.int64)
        for i, u in enumerate(uniques.tolist()):
            if mask is not None and u == mask:
                ids[i] = 0 if self.output_mode == "int" else -1
            elif u in self.index:
                ids[i] = self.index[u]
            else:
                ids[i] = self._oov_id(u)
                oov.append(u)
        if oov and self.num_oov_indices == 0:
            raise ValueError(f"When `num_oov_indices=0` all inputs should be in vocabulary, found OOV values "
                             f"{oov[:10]}, consider setting `num_oov_indices=1`.")
        return ids[np.asarray(inverse).reshape(-1)].reshape(values.shape)

    def _oov_id(self, value) -> int:
        n = self.num_oov_indices
        if n <= 1:
            return self.oov_start
        if not self.strings and self.oov_method != "farmhash":
            return value % n + self.oov_start
        text = as_hash_text(value)
        h = fingerprint64(text) if self.salt is None else siphash64(tuple(self.salt), text)
        return h % n + self.oov_start

    def invert_lookup(self, ids: np.ndarray) -> np.ndarray:
        """Tokens of `ids`: id 0 -> the mask token (when set), unknown ids -> the OOV token."""
        by_id = {i: t for t, i in self.index.items()}
        if self.mask_token is not None:
            by_id[0] = self.token(self.mask_token)
        default = self.oov_token if self.oov_token is None else self.token(self.oov_token)
        out = np.empty(ids.shape, dtype=object if self.strings else np.int64)
        flat = out.reshape(-1)
        for k, i in enumerate(ids.reshape(-1).tolist()):
            flat[k] = by_id.get(i, default)
        return out
