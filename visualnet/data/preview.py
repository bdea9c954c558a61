"""What the GUI's dataset panel shows: a few samples, class counts, per-feature statistics.

Everything returned is plain Python (numbers, strings, lists) except image samples,
which are uint8 arrays of shape (height, width) or (height, width, 3) ready for display.
Text samples also carry their words (decoded with the dataset's vocabulary, or the raw
text of a text source, shortened); time-series samples are rows of their window's values.
"""

from dataclasses import dataclass, field

import numpy as np

from .dataset import Dataset
from .seeded import SeededStream

MAX_TEXT = 400      # characters of a raw text sample shown


@dataclass(frozen=True)
class FeatureStats:
    name: str
    minimum: float
    maximum: float
    mean: float
    std: float


@dataclass(frozen=True)
class Sample:
    index: int                      # position in the dataset
    label: "str | float | list | None"     # class name, regression value(s), or None
    row: "list | None" = None       # table values (one per feature)
    image: "np.ndarray | None" = None   # uint8 (h, w) or (h, w, 3)
    text: "str | None" = None       # text datasets: the words (padding left out), the ids without a vocabulary,
                                    # or the start of a raw text


@dataclass(frozen=True)
class Preview:
    name: str
    description: str
    source: str
    kind: str
    task: str
    n_samples: int
    input_shape: tuple
    feature_names: list
    class_names: list
    class_counts: list = field(default_factory=list)     # [(class name, count)]
    target_stats: "FeatureStats | None" = None           # regression targets
    feature_stats: list = field(default_factory=list)    # [FeatureStats]
    samples: list = field(default_factory=list)          # [Sample]


def class_counts(dataset: Dataset) -> list:
    """[(class name, number of samples)] in class order; [] for regression or unlabelled data."""
    if dataset.y is None or dataset.task == "regression":
        return []
    counts = np.bincount(np.asarray(dataset.y, dtype=np.int64), minlength=dataset.num_classes)
    return [(name, int(c)) for name, c in zip(dataset.class_names, counts)]


def _stats(name: str, values: np.ndarray) -> FeatureStats:
    values = np.asarray(values, dtype=np.float64)
    return FeatureStats(name, float(values.min()), float(values.max()), float(values.mean()), float(values.std()))


def feature_stats(dataset: Dataset, max_features: int = 200) -> list:
    """Per-feature statistics for tables (first `max_features`); per-channel ones for images."""
    x = dataset.x
    if raw_text(dataset):
        texts = x.reshape(-1).tolist()
        return [_stats("characters per text", [len(t) for t in texts]),
                _stats("words per text", [len(t.split()) for t in texts])]
    if dataset.kind == "text":
        lengths = np.count_nonzero(x.reshape(len(x), -1), axis=1)
        return [_stats("token ids", x), _stats("words per sample (without padding)", lengths)]
    if dataset.kind == "image":
        channels = x.shape[-1] if x.ndim == 4 else 1
        names = {1: ["pixels"], 3: ["red", "green", "blue"], 4: ["red", "green", "blue", "alpha"]}.get(
            channels, [f"channel {c + 1}" for c in range(channels)])
        if channels == 1:
            return [_stats(names[0], x)]
        return [_stats(names[c], x[..., c]) for c in range(channels)]
    flat = x.reshape(len(x), -1)
    names = dataset.feature_names or [f"feature {j + 1}" for j in range(flat.shape[1])]
    return [_stats(names[j], flat[:, j]) for j in range(min(flat.shape[1], max_features))]


def to_display_image(sample: np.ndarray) -> np.ndarray:
    """An image sample (h, w[, c]) as uint8 (h, w) or (h, w, 3), scaled to 0-255 if needed."""
    img = np.asarray(sample)
    if img.ndim == 3 and img.shape[-1] == 1:
        img = img[..., 0]
    elif img.ndim == 3 and img.shape[0] in (1, 3) and img.shape[-1] not in (1, 3, 4):
        img = np.moveaxis(img, 0, -1)        # channels-first
        img = img[..., 0] if img.shape[-1] == 1 else img
    if img.ndim == 3:
        img = img[..., :3]
    if img.dtype != np.uint8:
        img = img.astype(np.float64)
        lo, hi = float(img.min()), float(img.max())
        img = np.zeros(img.shape, np.uint8) if hi <= lo else np.round((img - lo) / (hi - lo) * 255).astype(np.uint8)
    return img


def _label(dataset: Dataset, i: int):
    if dataset.y is None:
        return None
    if dataset.task == "regression":
        values = np.asarray(dataset.y[i], dtype=np.float64).reshape(-1)     # series: horizon x targets values
        return float(values[0]) if len(values) == 1 else values.tolist()
    return dataset.class_names[int(dataset.y[i])]


def raw_text(dataset: Dataset) -> bool:
    """Whether the samples are texts (a text folder or CSV) rather than token ids."""
    return dataset.kind == "text" and dataset.x.dtype == object


def _words(ids: np.ndarray, vocabulary, max_words: int = 60) -> str:
    ids = [int(i) for i in ids if int(i) != 0][:max_words]
    if not vocabulary:
        return " ".join(str(i) for i in ids)
    return " ".join(vocabulary[i] if 0 <= i < len(vocabulary) else "[UNK]" for i in ids)


def samples(dataset: Dataset, n: int = 8, seed: int = 0) -> list:
    """n samples picked at random (seeded), in dataset order."""
    n = min(n, len(dataset))
    picked = np.sort(SeededStream(seed).permutation(len(dataset))[:n])
    out = []
    for i in picked.tolist():
        if dataset.kind == "image":
            out.append(Sample(i, _label(dataset, i), image=to_display_image(dataset.x[i])))
        elif raw_text(dataset):
            text = str(dataset.x[i].reshape(-1)[0])
            out.append(Sample(i, _label(dataset, i), text=text[:MAX_TEXT] + ("..." if len(text) > MAX_TEXT else "")))
        elif dataset.kind == "text":
            ids = np.asarray(dataset.x[i]).reshape(-1)
            out.append(Sample(i, _label(dataset, i), row=ids.tolist(), text=_words(ids, dataset.vocabulary)))
        else:
            out.append(Sample(i, _label(dataset, i), row=np.asarray(dataset.x[i]).reshape(-1).tolist()))
    return out


def preview(dataset: Dataset, n_samples: int = 8, seed: int = 0) -> Preview:
    """Everything the dataset panel shows about `dataset`."""
    target = None
    if dataset.task == "regression" and dataset.y is not None:
        target = _stats("target", dataset.y)
    return Preview(name=dataset.name, description=dataset.describe(), source=dataset.source, kind=dataset.kind,
                   task=dataset.task, n_samples=len(dataset), input_shape=dataset.input_shape,
                   feature_names=list(dataset.feature_names), class_names=list(dataset.class_names),
                   class_counts=class_counts(dataset), target_stats=target,
                   feature_stats=feature_stats(dataset), samples=samples(dataset, n_samples, seed))
