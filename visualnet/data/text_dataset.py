"""`text_dataset_from_directory` (Keras's, same arguments and file order) and the batched
dataset it returns.

Keras returns a tf.data.Dataset of string tensors; this returns a `BatchedDataset` of
NumPy batches (texts as an object array of str), which `fit` accepts as it accepts
`timeseries_dataset_from_array`'s. With `shuffle`, the file order is Keras's (a
`RandomState(seed)` shuffle of the sorted paths) but without tf.data's extra buffered
shuffle, and it is the same on every iteration.
"""

from __future__ import annotations

import numpy as np

from .dataset_ops import DatasetOps, tensors
from .text_files import list_text_files, read_text_files

LABEL_MODES = ("int", "categorical", "binary", None)


class BatchedDataset(DatasetOps):
    """Samples (and targets) served in batches of `batch_size` (single samples when None).

    `arrays()` gives (x, y or None) whole, as `fit` reads a dataset; `map(fn)` applies `fn`
    to every batch (`fn(x, y)` when there are targets), like `tf.data.Dataset.map` after
    batching; `class_names` is set as Keras sets it.
    """

    def __init__(self, x, y=None, batch_size: "int | None" = 32, class_names=None, fns: tuple = ()):
        self._x, self._y, self._fns = x, y, tuple(fns)
        self.batch_size = batch_size
        self.class_names = class_names

    def _apply(self, x, y):
        out = x if y is None else (x, y)
        for fn in self._fns:
            out = fn(*out) if isinstance(out, tuple) else fn(out)
        return out

    def arrays(self):
        """(x, y or None) of all samples; a mapped dataset applies its functions to all of them at once."""
        out = self._apply(self._x, self._y)
        if isinstance(out, tuple):
            if len(out) != 2:
                raise ValueError(f"a dataset function must return x or (x, y); it returned {len(out)} values")
            return out
        return out, None

    def map(self, fn, num_parallel_calls=None, deterministic=None, name=None) -> "BatchedDataset":
        """A dataset whose batches are `fn(x, y)` (or `fn(x)`) of this one's (tf.data's
        `num_parallel_calls` and `deterministic` are accepted: the functions run in order)."""
        return BatchedDataset(self._x, self._y, self.batch_size, self.class_names, self._fns + (fn,))

    def _batches(self, start: int, stop: int) -> "BatchedDataset":
        size = self.batch_size or 1
        part = slice(start * size, stop * size)
        return BatchedDataset(self._x[part], None if self._y is None else self._y[part], self.batch_size,
                              self.class_names, self._fns)

    def __len__(self) -> int:
        n = len(self._x)
        return n if self.batch_size is None else -(-n // self.batch_size)

    def __iter__(self):
        n = len(self._x)
        if self.batch_size is None:
            for i in range(n):
                yield tensors(self._apply(self._x[i], None if self._y is None else self._y[i]))
            return
        for i in range(0, n, self.batch_size):
            part = slice(i, i + self.batch_size)
            yield tensors(self._apply(self._x[part], None if self._y is None else self._y[part]))

    def __repr__(self) -> str:
        return (f"BatchedDataset({len(self._x)} samples, batch_size={self.batch_size}, "
                f"targets={'yes' if self._y is not None else 'no'})")


def _check_split_args(validation_split, subset, shuffle, seed) -> None:
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(f"`validation_split` must be between 0 and 1, received: {validation_split}")
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError("If `subset` is set, `validation_split` must be set, and inversely.")
    if subset not in ("training", "validation", "both", None):
        raise ValueError(f'`subset` must be either "training", "validation" or "both", received: {subset}')
    if validation_split and shuffle and seed is None:
        raise ValueError("If using `validation_split` and shuffling the data, you must provide a `seed` argument, "
                         "to make sure that there is no overlap between the training and validation subset.")


def split_paths(paths: list, labels, validation_split, subset):
    """Keras's split: the last int(validation_split * n) files validate, the others train."""
    if not validation_split:
        return paths, labels
    n_val = int(validation_split * len(paths))
    if subset == "training":
        return paths[:-n_val], None if labels is None else labels[:-n_val]
    if subset == "validation":
        return paths[-n_val:], None if labels is None else labels[-n_val:]
    raise ValueError(f'`subset` must be either "training" or "validation", received: {subset}')


def _encode_labels(labels, label_mode, num_classes):
    if label_mode is None:
        return None
    labels = np.asarray(labels, dtype=np.int32)
    if label_mode == "binary":
        return labels.astype(np.float32)[:, None]
    if label_mode == "categorical":
        out = np.zeros((len(labels), num_classes), dtype=np.float32)
        out[np.arange(len(labels)), labels] = 1.0
        return out
    return labels


def _listed(directory, labels, class_names, follow_links, formats, label_mode, validation_split, subset, shuffle,
            seed, verbose):
    """The files of a `*_dataset_from_directory` call, as Keras lists them: (paths, their
    labels or None, class names, the seed), shuffled with the seed when asked."""
    _check_split_args(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    paths, found, class_names = list_text_files(directory, labels, class_names, follow_links, *formats)
    if verbose:
        print(f"Found {len(paths)} files." if found is None else
              f"Found {len(paths)} files belonging to {len(class_names)} classes.")
    if shuffle:
        np.random.RandomState(seed).shuffle(paths)
        if found is not None:
            np.random.RandomState(seed).shuffle(found)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError('When passing `label_mode="binary"`, there must be exactly 2 class_names. Received: '
                         f"class_names={class_names}")
    return paths, found, class_names, seed


def text_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None, batch_size=32,
                                max_length=None, shuffle=True, seed=None, validation_split=None, subset=None,
                                follow_links=False, encoding=None, verbose=True):
    """Texts from a folder of class subfolders of .txt files (Keras's `utils.text_dataset_from_directory`).

    Returns a `BatchedDataset` of (texts, labels) batches, or texts alone without labels;
    with subset="both", (training, validation). Files are decoded as `text_files` says
    (`encoding` None detects it); `max_length` keeps a text's first characters (Keras
    counts bytes: the same for ASCII text).
    """
    if labels not in ("inferred", None) and not isinstance(labels, (list, tuple)):
        raise ValueError("`labels` argument should be a list/tuple of integer labels, of the same size as the number "
                         "of text files in the target directory. If you wish to infer the labels from the "
                         'subdirectory names in the target directory, pass `labels="inferred"`. If you wish to get '
                         f"a dataset that only contains text samples (no labels), pass `labels=None`. Received: "
                         f"labels={labels}")
    if labels not in ("inferred", None) and class_names:
        raise ValueError('You can only pass `class_names` if `labels="inferred"`. Received: '
                         f"labels={labels}, and class_names={class_names}")
    if label_mode not in LABEL_MODES:
        raise ValueError('`label_mode` argument must be one of "int", "categorical", "binary", or None. Received: '
                         f"label_mode={label_mode}")
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    paths, found, class_names, seed = _listed(directory, labels, class_names, follow_links, (), label_mode,
                                              validation_split, subset, shuffle, seed, verbose)
    num_classes = len(class_names) if class_names else 0

    def make(subset_name, what):
        part_paths, part_labels = split_paths(paths, found, validation_split, subset_name)
        if not part_paths:
            raise ValueError(f"No {what}text files found in directory {directory}. Allowed format: .txt")
        if verbose and validation_split:
            print(f"Using {len(part_paths)} files for {subset_name}.")
        texts = np.array(read_text_files(part_paths, encoding, max_length), dtype=object)
        return BatchedDataset(texts, _encode_labels(part_labels, label_mode, num_classes), batch_size, class_names)

    if subset == "both":
        return make("training", "training "), make("validation", "validation ")
    return make(subset, "")
