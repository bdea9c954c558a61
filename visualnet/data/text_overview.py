"""What the Train page shows about text data: the vocabulary size, a few training samples as
tokens (each id with its word), and how long the training texts are against the sequence
length the model receives (how many are cut, and how much of them).

Works on prepared data whose samples are raw texts with a "vectorize_text" step first (the
lengths are counted in tokens before cutting or padding), or token ids (the lengths are the
ids before the 0 padding, so a set cut when it was made shows no text longer than its
length)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .preprocessing import Step
from .preview import raw_text
from .recipe import PreparedData


@dataclass
class TextOverview:
    vocabulary_size: int
    samples: list                     # [(label, [(id, word), ...])], the first tokens of a few training texts
    lengths: np.ndarray               # tokens in each training text
    sequence_length: "int | None"     # the ids each text becomes (output_sequence_length); None: a bag of words
    histogram: tuple                  # (bin centres, counts, bin width) of `lengths`
    cut_texts: float                  # the fraction of training texts longer than sequence_length
    cut_tokens: float                 # the fraction of their tokens beyond it

    def summary(self) -> str:
        median = int(np.median(self.lengths)) if len(self.lengths) else 0
        text = f"vocabulary {self.vocabulary_size:,} tokens · median length {median} tokens"
        if self.sequence_length is not None:
            text += (f" · output_sequence_length {self.sequence_length}: {self.cut_texts:.0%} of the training texts "
                     f"are cut, losing {self.cut_tokens:.0%} of their tokens")
        return text


def text_overview(prepared: PreparedData, n_samples: int = 3, n_tokens: int = 16,
                  bins: int = 30) -> "TextOverview | None":
    """The overview of `prepared`'s training texts; None when the data are not texts."""
    ds = prepared.dataset
    if ds.kind != "text":
        return None
    train = np.asarray(prepared.train.indices)
    names = list(ds.class_names)

    def label(i: int) -> str:
        if ds.y is None:
            return ""
        return str(names[int(ds.y[i])]) if names else f"{float(np.asarray(ds.y[i]).reshape(-1)[0]):.4g}"

    if raw_text(ds):
        steps = prepared.recipe.steps
        if not steps or steps[0].get("step") != "vectorize_text":
            return None
        vectorizer = Step.from_config(steps[0]).vectorizer()
        vocabulary = vectorizer.vocabulary()
        texts = [str(ds.x[i].reshape(-1)[0]) for i in train]
        tokens = [vectorizer.tokenize(t) for t in texts]
        lengths = np.array([len(t) for t in tokens], dtype=np.int64)
        sequence_length = vectorizer.output_sequence_length if vectorizer.output_mode == "int" else None
        samples = []
        for i, row in zip(train[:n_samples].tolist(), tokens[:n_samples]):
            ids = vectorizer.lookup(row[:n_tokens])
            samples.append((label(i), [(int(k), vocabulary[k] if 0 <= k < len(vocabulary) else "?") for k in ids]))
        size = len(vocabulary)
    else:
        ids = np.asarray(ds.x[train]).reshape(len(train), -1).astype(np.int64)
        vocabulary = list(ds.vocabulary or [])
        lengths = np.count_nonzero(ids, axis=1).astype(np.int64)
        sequence_length = ids.shape[1]
        samples = []
        for i, row in zip(train[:n_samples].tolist(), ids[:n_samples]):
            kept = [int(k) for k in row if k != 0][:n_tokens]
            samples.append((label(i), [(k, vocabulary[k] if 0 <= k < len(vocabulary) else str(k)) for k in kept]))
        size = len(vocabulary) if vocabulary else int(ids.max(initial=0)) + 1
    counts, edges = np.histogram(lengths, bins=bins) if len(lengths) else (np.zeros(0), np.zeros(2))
    cut_texts = cut_tokens = 0.0
    if sequence_length is not None and len(lengths):
        cut_texts = float(np.mean(lengths > sequence_length))
        cut_tokens = float(np.maximum(lengths - sequence_length, 0).sum() / max(lengths.sum(), 1))
    histogram = ((edges[:-1] + edges[1:]) / 2, counts, float(edges[1] - edges[0]) or 1.0)
    return TextOverview(size, samples, lengths, sequence_length, histogram, cut_texts, cut_tokens)
