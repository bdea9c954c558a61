"""Keras's IMDB and Reuters word-index sequences, from the user's imdb.npz / reuters.npz.

Those files store the reviews as NumPy object arrays of int lists, that is as pickles;
`object_npz.read_npz` decodes exactly that form without unpickling (and refuses anything
else), so the files Keras's site serves load as they are. The indexing (shuffle by
`RandomState(seed)`, `start_char`, `index_from`, `maxlen`, `num_words`, `skip_top`,
`oov_char`) is Keras's, step for step.
"""

from __future__ import annotations

import json

import numpy as np

from .errors import FormatError, SizeMismatchError
from .keras_datasets import KERAS_ORIGIN, locate
from .object_npz import read_npz


def _arrays(dataset: str, path, default: str, keys: tuple) -> dict:
    file = locate(dataset, path, default, KERAS_ORIGIN + default)
    arrays = read_npz(file)
    absent = [k for k in keys if k not in arrays]
    if absent:
        raise FormatError(f"not Keras's {default}: arrays {', '.join(absent)} are missing (it holds "
                          f"{', '.join(sorted(arrays))})", file=file)
    for k in keys:
        if k.startswith("x") and arrays[k].dtype != object:
            raise FormatError(f"array {k!r} should hold one list of word indices per text; it is {arrays[k].dtype}",
                              file=file)
    return {"file": file, **arrays}


def _shuffled(rng, x, y, file):
    if len(x) != len(y):
        raise SizeMismatchError(f"{len(y)} labels for {len(x)} texts", file=file)
    indices = np.arange(len(x))
    rng.shuffle(indices)
    return x[indices], y[indices]


def _mark(xs, start_char, index_from) -> list:
    """Each text's words moved up by index_from, after start_char (as Keras does)."""
    if start_char is not None:
        return [[start_char] + [w + index_from for w in x] for x in xs]
    return [[w + index_from for w in x] for x in xs]


def _drop_long(maxlen, xs: list, labels) -> tuple[list, list]:
    """Keras's `remove_long_seq`: only texts shorter than maxlen stay."""
    kept = [i for i, x in enumerate(xs) if len(x) < maxlen]
    return [xs[i] for i in kept], [labels[i] for i in kept]


def _cut(xs: list, num_words, skip_top, oov_char) -> list:
    """Words outside skip_top..num_words-1 become oov_char (or are dropped when it is None)."""
    if not num_words:
        num_words = max(max(x) for x in xs)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    return [[w for w in x if skip_top <= w < num_words] for x in xs]


def _objects(xs: list) -> np.ndarray:
    out = np.empty(len(xs), dtype=object)
    for i, x in enumerate(xs):
        out[i] = x
    return out


def load_imdb(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113, start_char=1, oov_char=2,
              index_from=3):
    """((x_train, y_train), (x_test, y_test)) as Keras's `imdb.load_data`."""
    a = _arrays("imdb", path, "imdb.npz", ("x_train", "y_train", "x_test", "y_test"))
    rng = np.random.RandomState(seed)
    x_train, y_train = _shuffled(rng, a["x_train"], a["y_train"], a["file"])
    x_test, y_test = _shuffled(rng, a["x_test"], a["y_test"], a["file"])
    x_train, x_test = _mark(x_train, start_char, index_from), _mark(x_test, start_char, index_from)
    if maxlen:
        x_train, y_train = _drop_long(maxlen, x_train, y_train)
        x_test, y_test = _drop_long(maxlen, x_test, y_test)
        if not x_train or not x_test:
            raise ValueError(f"After filtering for sequences shorter than maxlen={maxlen}, no sequence was kept. "
                             "Increase maxlen.")
    labels = np.concatenate([y_train, y_test])
    xs = _cut(x_train + x_test, num_words, skip_top, oov_char)
    idx = len(x_train)
    return (_objects(xs[:idx]), labels[:idx]), (_objects(xs[idx:]), labels[idx:])


def load_reuters(path="reuters.npz", num_words=None, skip_top=0, maxlen=None, test_split=0.2, seed=113,
                 start_char=1, oov_char=2, index_from=3):
    """((x_train, y_train), (x_test, y_test)) as Keras's `reuters.load_data`."""
    a = _arrays("reuters", path, "reuters.npz", ("x", "y"))
    xs, labels = _shuffled(np.random.RandomState(seed), a["x"], a["y"], a["file"])
    xs = _mark(xs, start_char, index_from)
    if maxlen:
        xs, labels = _drop_long(maxlen, xs, labels)
    xs = _cut(xs, num_words, skip_top, oov_char)
    idx = int(len(xs) * (1 - test_split))
    return (_objects(xs[:idx]), np.array(labels[:idx])), (_objects(xs[idx:]), np.array(labels[idx:]))


def load_word_index(dataset: str, path, default: str) -> dict:
    """{word: index} from Keras's imdb_word_index.json / reuters_word_index.json."""
    file = locate(dataset, path, default, KERAS_ORIGIN + default)
    try:
        with open(file, encoding="utf-8") as f:
            index = json.load(f)
    except (ValueError, OSError) as e:
        raise FormatError(f"not a JSON word index: {e}", file=file) from None
    if not isinstance(index, dict):
        raise FormatError(f"a word index is a JSON object of word: index; this holds a {type(index).__name__}",
                          file=file)
    return index
