"""Train / validation / test splits by fractions, seeded, optionally stratified.

The same `SplitSpec` gives the same indices on every machine: the shuffle is
`SeededStream.permutation` (raw PCG64 words, stable argsort) and the split sizes use
round-half-up, not Python's round-half-even. Without shuffling the test rows are the
last ones and the validation rows the ones before them, as Keras's `validation_split`
takes the last samples.
"""

from dataclasses import asdict, dataclass

import numpy as np

from .seeded import SeededStream, check_seed


def _count(n: int, fraction: float) -> int:
    return int(np.floor(n * fraction + 0.5))


@dataclass(frozen=True)
class SplitSpec:
    """How to split: fractions of the samples for validation and test (train gets the rest)."""
    validation: float = 0.0
    test: float = 0.2
    seed: int = 0
    shuffle: bool = True
    stratify: bool = False

    def __post_init__(self):
        for field in ("validation", "test"):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value < 1.0:
                raise ValueError(f"{field} must be a fraction in [0, 1); received: {field}={value!r}")
        if self.validation + self.test >= 1.0:
            raise ValueError(f"validation + test must leave samples to train on; received: "
                             f"validation={self.validation}, test={self.test}")
        check_seed(self.seed)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "SplitSpec":
        unknown = set(d) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown split settings: {', '.join(sorted(unknown))}")
        return cls(**d)


@dataclass(frozen=True)
class SplitIndices:
    train: np.ndarray
    validation: np.ndarray
    test: np.ndarray


def split_indices(n: int, spec: "SplitSpec | None" = None, labels: "np.ndarray | None" = None) -> SplitIndices:
    """Indices of the train, validation and test samples among n (int64 arrays).

    With `spec.stratify`, `labels` (class indices) are needed and each class is split by
    the fractions on its own; every split keeps the shuffled order.
    """
    spec = spec or SplitSpec()
    if spec.shuffle:
        order = SeededStream(spec.seed).permutation(n)
    else:
        order = np.arange(n, dtype=np.int64)
    if not spec.stratify:
        parts = [_cut(order, spec)]
    else:
        if labels is None:
            raise ValueError("a stratified split needs the class labels")
        labels = np.asarray(labels)
        if len(labels) != n:
            raise ValueError(f"{len(labels)} labels for {n} samples")
        ordered = labels[order]
        parts = [_cut(order[ordered == c], spec) for c in np.unique(labels)]
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n, dtype=np.int64)
    train, val, test = ([p[k] for p in parts] for k in range(3))
    result = []
    for pieces in (train, val, test):
        joined = np.concatenate(pieces) if pieces else np.empty(0, np.int64)
        result.append(joined[np.argsort(rank[joined], kind="stable")])
    if len(result[0]) == 0:
        raise ValueError(f"no samples are left to train on ({n} samples, validation={spec.validation}, "
                         f"test={spec.test})")
    return SplitIndices(*result)


def _cut(order: np.ndarray, spec: SplitSpec):
    n = len(order)
    n_test = _count(n, spec.test)
    n_val = _count(n, spec.validation)
    if n_test + n_val >= n and n > 0:      # keep at least one training sample per group
        n_val = max(n - 1 - n_test, 0)
        n_test = min(n_test, n - 1 - n_val)
    n_train = n - n_val - n_test
    return order[:n_train], order[n_train:n_train + n_val], order[n_train + n_val:]
