"""Text to numbers as Keras's `TextVectorization` does it, in pure Python and NumPy.

The steps, in Keras's order: standardize each string (ASCII lower-casing, as
`tf.strings.lower`; punctuation removed with Keras's regular expression), split it into
tokens (ASCII whitespace runs, or Unicode characters), add n-grams (all n-grams of each
width, width by width, joined by a space), then look the tokens up in a vocabulary.

`TextVectorizer` holds the settings and the vocabulary. `count(rows)` accumulates token
counts (and document counts for tf-idf) and `finalize()` turns them into Keras's
vocabulary: tokens by count, most frequent first, ties broken by the token's UTF-8 bytes,
greatest first; at most `max_tokens` entries including the special ones. Index 0 is the
padding token "" and index 1 the out-of-vocabulary token "[UNK]" in "int" mode; the other
modes have no padding index, so "[UNK]" is index 0. `encode_ids` gives int64 ids (padded
with 0), `encode_bags` int64 multi-hot or count rows, or float32 tf-idf rows.
"""

from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np

from .memory import check_fits

PUNCTUATION = re.compile(r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']')
WHITESPACE = re.compile(r"[ \t\n\v\f\r]+")      # tf.strings.split's whitespace: ASCII only
ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
MASK, OOV = "", "[UNK]"
STANDARDIZE = ("lower_and_strip_punctuation", "lower", "strip_punctuation")
SPLIT = ("whitespace", "character")
OUTPUT_MODES = ("int", "multi_hot", "count", "tf_idf")


def standardize(text: str, mode: "str | None") -> str:
    """`text` as Keras standardizes it: only A-Z are lower-cased (as `tf.strings.lower`)."""
    if mode in ("lower", "lower_and_strip_punctuation"):
        text = text.translate(ASCII_LOWER)
    if mode in ("strip_punctuation", "lower_and_strip_punctuation"):
        text = PUNCTUATION.sub("", text)
    return text


def split(text: str, mode: str) -> list:
    """Tokens of `text`: runs of ASCII whitespace separate them ("whitespace"), or each
    Unicode character is one ("character")."""
    if mode == "character":
        return list(text)
    return [t for t in WHITESPACE.split(text) if t]


def add_ngrams(tokens: list, widths: tuple) -> list:
    """All n-grams of each width in `widths` (width 1 is the tokens), as `tf.strings.ngrams`."""
    out = []
    for w in widths:
        out += tokens if w == 1 else [" ".join(tokens[i:i + w]) for i in range(len(tokens) - w + 1)]
    return out


def ngram_widths(ngrams) -> "tuple | None":
    """Keras's reading of `ngrams`: None, an int n (widths 1..n) or a tuple of widths."""
    if ngrams is None:
        return None
    if isinstance(ngrams, int) and not isinstance(ngrams, bool):
        return tuple(range(1, ngrams + 1))
    return tuple(ngrams)


class TextVectorizer:
    """Keras's TextVectorization maths (see the module docstring); inputs are rows of tokens
    made by `tokenize`."""

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation", split="whitespace",
                 ngrams=None, output_mode="int", output_sequence_length=None, pad_to_max_tokens=False):
        self.max_tokens = max_tokens
        self.standardize = standardize
        self.split = split
        self.ngrams = ngram_widths(ngrams)
        self.output_mode = output_mode
        self.output_sequence_length = output_sequence_length
        self.pad_to_max_tokens = pad_to_max_tokens
        self.tokens: list = []              # the vocabulary without its special tokens
        self.index: dict = {}
        self.idf_weights: "np.ndarray | None" = None
        self.reset_counts()

    @property
    def token_start(self) -> int:
        """The index of the first learned token: 2 in "int" mode ("" and "[UNK]" first), else 1."""
        return 2 if self.output_mode == "int" else 1

    @property
    def oov_index(self) -> int:
        return self.token_start - 1

    def vocabulary(self, include_special_tokens: bool = True) -> list:
        special = [MASK, OOV] if self.output_mode == "int" else [OOV]
        return (special if include_special_tokens else []) + list(self.tokens)

    def vocabulary_size(self) -> int:
        return self.token_start + len(self.tokens)

    def tokenize(self, text: str) -> list:
        """The tokens of one string (standardized, split, with n-grams); without `split`,
        the standardized string is the one token."""
        text = standardize(text, self.standardize)
        tokens = split(text, self.split) if self.split is not None else [text]
        return add_ngrams(tokens, self.ngrams) if self.ngrams is not None else tokens

    # adapting

    def reset_counts(self) -> None:
        self.counts: Counter = Counter()
        self.document_counts: Counter = Counter()
        self.num_documents = 0

    def count(self, rows: list) -> None:
        """Add the token counts of `rows` (lists of tokens, one per document)."""
        for row in rows:
            self.counts.update(row)
        if self.output_mode == "tf_idf":
            for row in rows:
                self.document_counts.update(set(row))
            self.num_documents += len(rows)

    def finalize(self) -> bool:
        """Make the vocabulary (and idf weights) from the counts, then forget the counts;
        without any token counted, nothing changes and this returns False."""
        counts = self.counts
        counts.pop(MASK, None)
        counts.pop(OOV, None)
        if not counts:
            self.reset_counts()
            return False
        ranked = sorted(counts.items(), key=lambda kv: (kv[1], kv[0].encode("utf-8")), reverse=True)
        if self.max_tokens:
            ranked = ranked[:max(self.max_tokens - self.token_start, 0)]
        self.set_tokens([t for t, _ in ranked])
        if self.output_mode == "tf_idf":
            n = self.num_documents
            idf = np.array([math.log(1 + n / (1 + self.document_counts[t])) for t in self.tokens],
                           dtype=np.float64).astype(np.float32)
            self.idf_weights = self.padded_idf(idf, front=self.token_start, front_value=np.mean(idf))
        self.reset_counts()
        return True

    def set_vocabulary(self, vocabulary, idf_weights=None) -> None:
        """Use `vocabulary` (strings; the special tokens may lead it, in Keras's order) and, in
        "tf_idf" mode, its `idf_weights`; Keras's checks and errors."""
        if self.output_mode == "tf_idf" and idf_weights is None:
            raise ValueError("`idf_weights` must be set if output_mode is 'tf_idf'.")
        if self.output_mode != "tf_idf" and idf_weights is not None:
            raise ValueError("`idf_weights` should only be set if output_mode is `'tf_idf'`. Received: "
                             f"output_mode={self.output_mode} and idf_weights={idf_weights}")
        vocabulary = [str(t) for t in np.asarray(vocabulary, dtype=object).reshape(-1)]
        if not vocabulary:
            raise ValueError(f"Cannot set an empty vocabulary. Received: vocabulary={vocabulary}")
        special = self.vocabulary()[:self.token_start]
        found_special = vocabulary[:self.token_start] == special
        tokens = vocabulary[self.token_start:] if found_special else vocabulary
        repeated = [t for t, c in Counter(tokens).items() if c > 1]
        if repeated:
            raise ValueError("The passed vocabulary has at least one repeated term. Please uniquify your dataset. "
                             f"The repeated terms are: {repeated}")
        if MASK in tokens:
            raise ValueError("Found reserved mask token at unexpected location in `vocabulary`. Note that passed "
                             "`vocabulary` does not need to include the OOV and mask tokens. Either remove all mask "
                             "and OOV tokens, or include them only at the start of the vocabulary in precisely this "
                             f"order: {special}. Received: mask_token='' at vocabulary index "
                             f"{len(vocabulary) - 1 - vocabulary[::-1].index(MASK)}")
        size = self.token_start + len(tokens)
        if self.max_tokens is not None and size > self.max_tokens:
            raise ValueError("Attempted to set a vocabulary larger than the maximum vocab size. Received vocabulary "
                             f"size is {size}; `max_tokens` is {self.max_tokens}.")
        self.set_tokens(tokens)
        if idf_weights is not None:
            idf = np.asarray(idf_weights, dtype=np.float64)
            if len(vocabulary) != len(idf):
                raise ValueError("`idf_weights` must be the same length as vocabulary. len(idf_weights) is "
                                 f"{len(idf)}; len(vocabulary) is {len(vocabulary)}")
            if idf.ndim != 1:
                raise ValueError(f"TF-IDF data must be a 1-index array. Received: idf_weights of shape {idf.shape}")
            front = 0 if found_special else self.token_start
            self.idf_weights = self.padded_idf(idf, front=front, front_value=np.average(idf) if front else 0)

    def set_tokens(self, tokens: list) -> None:
        self.tokens = list(tokens)
        self.index = {t: i for i, t in enumerate(self.tokens, self.token_start)}

    def padded_idf(self, idf: np.ndarray, front: int, front_value) -> np.ndarray:
        """`idf` with `front` copies of `front_value` before it and, with pad_to_max_tokens,
        zeros after it up to max_tokens entries (as Keras pads its idf weights)."""
        idf = np.asarray(idf, dtype=np.float32)
        back = self.max_tokens - front - len(idf) if self.pad_to_max_tokens and self.max_tokens is not None else 0
        return np.pad(idf, (front, max(back, 0)), constant_values=(np.float32(front_value), 0)).astype(np.float32)

    # encoding

    def lookup(self, tokens: list) -> list:
        """Token ids: "" is 0 in "int" mode (and -1, dropped, in the others); unknown tokens
        are the OOV index."""
        mask = 0 if self.output_mode == "int" else -1
        index, oov = self.index, self.oov_index
        return [mask if t == MASK else index.get(t, oov) for t in tokens]

    def depth(self, frozen_size: "int | None") -> int:
        return self.max_tokens if self.pad_to_max_tokens else frozen_size

    def encode_ids(self, rows: list, sequence_length: "int | None" = None) -> np.ndarray:
        """(n, length) int64 ids, 0-padded at the end: `sequence_length` or the longest row."""
        length = sequence_length if sequence_length is not None else max((len(r) for r in rows), default=0)
        check_fits(len(rows) * length * 8, f"{len(rows):,} token sequences of length {length}",
                   advice="Use a smaller output_sequence_length.")
        out = np.zeros((len(rows), length), dtype=np.int64)
        for i, row in enumerate(rows):
            ids = self.lookup(row[:length])
            out[i, :len(ids)] = ids
        return out

    def encode_bags(self, rows: list, depth: int) -> np.ndarray:
        """(n, depth) rows of each row's tokens: int64 multi-hot or counts (as Keras returns
        them), or float32 tf-idf (counts times the idf weights)."""
        check_fits(len(rows) * depth * 8, f"{len(rows):,} rows of {depth:,} token columns",
                   advice="Use a smaller max_tokens.")
        flat, row_of = [], []
        for i, row in enumerate(rows):
            ids = self.lookup(row)
            flat += ids
            row_of += [i] * len(ids)
        flat_ids, row_ids = np.asarray(flat, dtype=np.int64), np.asarray(row_of, dtype=np.int64)
        keep = (flat_ids >= 0) & (flat_ids < depth)
        cells, counts = np.unique(row_ids[keep] * depth + flat_ids[keep], return_counts=True)
        out = np.zeros((len(rows), depth), dtype=np.float32 if self.output_mode == "tf_idf" else np.int64)
        out.flat[cells] = 1 if self.output_mode == "multi_hot" else counts
        if self.output_mode == "tf_idf":
            out *= self.idf_weights[:depth]
        return out
