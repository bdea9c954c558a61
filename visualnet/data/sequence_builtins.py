"""The built-in text and time-series datasets: movie review polarity and daily temperatures.

Movie reviews: the 2,000 reviews of Pang & Lee's polarity corpus v2.0, read from the
published `review_polarity.tar.gz`. The reviews are put in a fixed order (file names sorted,
negatives first, then a `SeededStream(0)` shuffle); the first 80% of that order is the
training part, the last 20% the test part (the builtin's split, unshuffled). The vocabulary
is counted on the training part only: id 0 is padding, id 1 out-of-vocabulary, and the
`num_words - 2` most frequent tokens (ties by token) have ids 2 .. num_words - 1. So, as with
Keras's own datasets, every id is below `num_words` (`Embedding(num_words, ...)`), and the
same file and parameters always give the same ids.

The same reviews as raw texts (`movie_review_texts`, in the same order) for a recipe that
vectorizes them itself (the `vectorize_text` step).

Daily temperatures: Melbourne's daily minimum temperatures, 1981-1990 (3,650 days), as
windows of `window` days (one every `step` days), each with the temperature `horizon` days
after the window as its target (the next day's by default).
"""

from __future__ import annotations

import csv
import re
import tarfile
from collections import Counter

import numpy as np

from .dataset import Dataset
from .errors import FormatError
from .seeded import SeededStream
from .sequences import pad_sequences
from .split import _count
from .text_files import as_text_column

PAD, OOV = "", "[UNK]"
TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*")
REVIEW_ORDER_SEED = 0
TRAIN_FRACTION = 0.8


def tokenize(text: str) -> list:
    """Lower-cased words and numbers (apostrophes kept inside words); punctuation dropped."""
    return TOKEN.findall(text.lower())


def read_reviews(path) -> "tuple[list, np.ndarray, list]":
    """(texts, labels 0 = neg / 1 = pos, file names) of the corpus, in file-name order, negatives first."""
    found = {}
    try:
        with tarfile.open(path, "r:gz") as tar:
            for member in tar:
                m = re.fullmatch(r"(?:.*/)?txt_sentoken/(neg|pos)/([^/]+\.txt)", member.name)
                if m and member.isfile():
                    found[(m.group(1), m.group(2))] = tar.extractfile(member).read().decode("latin-1")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise FormatError(f"{path}: not a readable review_polarity.tar.gz ({exc})") from None
    if not found:
        raise FormatError(f"{path}: no txt_sentoken/neg or txt_sentoken/pos reviews inside")
    keys = sorted(found, key=lambda k: (k[0] != "neg", k[1]))
    return [found[k] for k in keys], np.array([int(k[0] == "pos") for k in keys], np.int64), \
        [f"{k[0]}/{k[1]}" for k in keys]


def build_vocabulary(token_lists, num_words: int) -> list:
    """[PAD, OOV, the `num_words - 2` most frequent tokens (most frequent first, ties by token)]:
    `num_words` entries at most, so every id is below `num_words`."""
    counts = Counter()
    for tokens in token_lists:
        counts.update(tokens)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:max(num_words - 2, 0)]
    return [PAD, OOV] + [w for w, _ in ranked]


def encode(token_lists, vocabulary: list) -> list:
    index = {w: i for i, w in enumerate(vocabulary) if i >= 2}
    return [[index.get(t, 1) for t in tokens] for tokens in token_lists]


def decode(ids, vocabulary: list, skip_padding: bool = True) -> str:
    return " ".join(vocabulary[int(i)] if 0 <= int(i) < len(vocabulary) else OOV
                    for i in ids if not (skip_padding and int(i) == 0))


def _ordered_reviews(path) -> "tuple[list, np.ndarray]":
    """(texts, labels) in the builtin's fixed order."""
    texts, labels, _ = read_reviews(path)
    order = SeededStream(REVIEW_ORDER_SEED).permutation(len(texts))
    return [texts[i] for i in order], labels[order]


def movie_review_texts(path) -> Dataset:
    """The reviews as raw texts, x of shape (n, 1), in the order (and so the split) of `movie_reviews`."""
    texts, labels = _ordered_reviews(path)
    return Dataset(x=as_text_column(texts), y=labels, task="binary", name="movie_review_texts", kind="text",
                   feature_names=["text"], class_names=["negative", "positive"])


def movie_reviews(path, *, maxlen: int = 200, num_words: int = 10000) -> Dataset:
    texts, labels = _ordered_reviews(path)
    tokens = [tokenize(t) for t in texts]
    n_train = len(tokens) - _count(len(tokens), 1.0 - TRAIN_FRACTION)
    vocabulary = build_vocabulary(tokens[:n_train], num_words)
    # Keras's defaults: a long review keeps its last `maxlen` tokens (where the verdict usually is)
    x = pad_sequences(encode(tokens, vocabulary), maxlen=maxlen, dtype="int32")
    return Dataset(x=x, y=labels, task="binary", name="movie_reviews", kind="text",
                   class_names=["negative", "positive"], vocabulary=vocabulary)


def read_series(path, column: str) -> "tuple[list, np.ndarray]":
    """(dates, values float64) of a two-column CSV with a header (date first)."""
    dates, values = [], []
    with open(path, newline="", encoding="utf-8") as f:
        rows = csv.reader(f)
        header = next(rows)
        if column not in header:
            raise FormatError(f"{path}: no column {column!r} (columns: {header})")
        j = header.index(column)
        for line, row in enumerate(rows, start=2):
            if not row:
                continue
            try:
                values.append(float(row[j]))
            except (ValueError, IndexError):
                raise FormatError(f"{path}, row {line}: {column} is not a number: {row!r}") from None
            dates.append(row[0])
    return dates, np.asarray(values, dtype=np.float64)


def windows(series: np.ndarray, window: int, horizon: int = 1, step: int = 1) -> "tuple[np.ndarray, np.ndarray]":
    """Windows starting every `step` values: with s = i * step, x[i] = series[s : s + window]
    (as (window, 1)) and y[i] = series[s + window + horizon - 1]."""
    n = len(series) - window - horizon + 1
    if n <= 0:
        raise ValueError(f"a window of {window} days leaves no samples in a series of {len(series)}")
    starts = np.arange(0, n, step)
    index = starts[:, None] + np.arange(window)[None, :]
    return series[index][..., None], series[starts + window + horizon - 1]


def daily_temperatures(path, *, window: int = 30, horizon: int = 1, step: int = 1) -> Dataset:
    dates, temps = read_series(path, "Temp")
    x, y = windows(temps, window, horizon, step)
    return Dataset(x=x, y=y, task="regression", name="daily_temperatures", kind="timeseries",
                   feature_names=[f"day -{window - k}" for k in range(window)])
