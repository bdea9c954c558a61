"""Per-batch padding: each batch of padded sequences cut to its own longest sequence.

Sequences of different lengths are stored padded to the longest of the whole set (a
rectangular array: splits, previews and fingerprints see one array). Keras users who
bucket (`tf.data`'s `bucket_by_sequence_length`, `padded_batch`) pay per batch only for the
longest sequence in it. `BatchPadding` gives training the same: it knows each sample's
real length and the padding's side, cuts a batch's inputs to the batch's longest, and
draws an epoch's order in length buckets.

Exact where the padding is masked (Masking with the padding's value, Embedding with
mask_zero): a masked step keeps the recurrent state, so leading padding leaves the zero
initial state as it is and trailing padding the final one; a batch cut to its longest
gives the weights that padding to the whole set's longest gives (to float32's rounding).
Without a mask the padding is data, and cutting it changes the results.

Shuffling: with shuffle on, an epoch's order is no longer a uniform permutation. The
samples are sorted by length (ties in a random order), cut into batches of `batch_size`
consecutive samples (one bucket per batch: similar lengths), and the batches come in a
random order; which samples share a batch is therefore mostly decided by length, and the
partial batch (n % batch_size samples, the shortest sequences) always comes last. The draws come from the run's seeded
generator, so a seed gives the same order. With shuffle off, batches are the data's order
as without this (only cut shorter).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SIDES = ("pre", "post")


@dataclass
class BatchPadding:
    """The real length of each sample's sequence (`lengths`, steps along axis 1 of the
    inputs) and the side the padding is on ("pre": in front, Keras's default; "post")."""

    lengths: np.ndarray
    side: str = "pre"

    def __post_init__(self):
        if self.side not in SIDES:
            raise ValueError(f"side is 'pre' or 'post'; received side={self.side!r}")
        self.lengths = np.asarray(self.lengths, dtype=np.int64).reshape(-1)
        if len(self.lengths) and self.lengths.min() < 0:
            raise ValueError(f"a sequence length is negative: {int(self.lengths.min())}")

    @classmethod
    def of(cls, x, value=0.0, side: str = "pre") -> "BatchPadding":
        """The lengths of sequences padded with `value` on `side`: x (n, steps) or
        (n, steps, ...), a padding step equal to `value` everywhere (as Masking reads it)."""
        x = np.asarray(x)
        if x.ndim < 2:
            raise ValueError(f"padded sequences have a sample and a step axis; received shape {x.shape}")
        if side not in SIDES:
            raise ValueError(f"side is 'pre' or 'post'; received side={side!r}")
        real = np.any(x != value, axis=tuple(range(2, x.ndim))) if x.ndim > 2 else x != value
        steps = x.shape[1]
        if side == "pre":
            first = np.where(real.any(axis=1), real.argmax(axis=1), steps)
            return cls(steps - first, side)
        last = np.where(real.any(axis=1), steps - real[:, ::-1].argmax(axis=1), 0)
        return cls(last, side)

    def __len__(self) -> int:
        return len(self.lengths)

    def head(self, n: int) -> "BatchPadding":
        """The first n samples' (a validation split keeps the rest)."""
        return BatchPadding(self.lengths[:n], self.side)

    def trim(self, xs: list, rows) -> list:
        """The inputs of batch `rows` (already gathered, `xs`) cut along axis 1 to the longest
        of its sequences (at least one step); inputs without that step axis stay whole."""
        steps = max(1, int(self.lengths[rows].max())) if len(self.lengths[rows]) else 1
        out = []
        for a in xs:
            if a.ndim < 2 or steps >= a.shape[1]:
                out.append(a)
            else:
                out.append(a[:, a.shape[1] - steps:] if self.side == "pre" else a[:, :steps])
        return out

    def epoch_order(self, rng, batch_size: int) -> np.ndarray:
        """A shuffled epoch's sample order in length buckets (see the module docstring)."""
        n = len(self.lengths)
        order = rng.permutation(n)
        order = order[np.argsort(self.lengths[order], kind="stable")]
        rest = n % batch_size   # the shortest: the partial batch, last (the loop cuts batches from the start)
        batches = [order[i:i + batch_size] for i in range(rest, n, batch_size)]
        shuffled = [batches[b] for b in rng.permutation(len(batches))]
        return np.concatenate([*shuffled, order[:rest]]) if n else order
