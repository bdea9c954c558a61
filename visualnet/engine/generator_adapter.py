"""Batches from Python generators and `PyDataset`s, epoch by epoch as Keras 3 serves them.

`EpochIterator` follows keras/src/trainers/epoch_iterator.py: with `steps` an epoch is that
many batches and the next epoch continues the same iterator; without, an epoch ends when
the source runs out (a `PyDataset` after `len()` batches). A generator is peeked for its
first two batches, which Keras keeps: once it is exhausted, each later epoch replays just
those two, with Keras's warning "Your input ran out of data".
"""

from __future__ import annotations

import itertools
import types
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .py_dataset import PyDataset

PEEKED = 2  # Keras's NUM_BATCHES_FOR_TENSOR_SPEC

RAN_OUT = ("Your input ran out of data; interrupting training. Make sure that your dataset or generator can "
           "generate at least `steps_per_epoch * epochs` batches. You may need to use the `.repeat()` function "
           "when building your dataset.")


def is_batch_source(x) -> bool:
    """Whether `x` is a Python generator or a `PyDataset` (batches, not arrays)."""
    return isinstance(x, (types.GeneratorType, PyDataset))


def check_source_args(x, where: str, y=None, sample_weight=None, validation_split=0.0, class_weight=None) -> None:
    """Keras's refusals of arguments that a generator or PyDataset must carry itself."""
    kind = "a generator" if isinstance(x, types.GeneratorType) else "a PyDataset"
    if class_weight is not None and kind == "a generator":
        raise ValueError(f"Argument `class_weight` is not supported for Python generator inputs. Received: "
                         f"class_weight={class_weight}")
    for name, value in (("y", y), ("sample_weights", sample_weight)):
        if value is not None:
            what = "targets" if name == "y" else "sample weights"
            raise ValueError(f"When providing `{where}` as {kind}, `{name}` should not be passed. Instead, the "
                             f"{what} should be included as part of the {kind[2:]}.")
    if validation_split:
        raise ValueError("Argument `validation_split` is only supported for tensors or NumPy arrays. Found "
                         f"incompatible type in the input: [{type(x).__name__}]")


class _GeneratorSource:
    def __init__(self, generator):
        self.first = list(itertools.islice(generator, PEEKED))
        self.generator = generator
        if not self.first:
            raise ValueError("When passing a Python generator to a Keras model, the generator must yield at "
                             "least one batch. Received an empty generator.")
        self.num_batches = None

    def iterator(self):
        return map(_standardize_generator_batch, itertools.chain(self.first, self.generator))

    def peek(self):
        return _standardize_generator_batch(self.first[0])

    def on_epoch_begin(self):
        """A generator has no epoch hooks."""

    def on_epoch_end(self):
        """A generator has no epoch hooks."""


class _PyDatasetSource:
    def __init__(self, dataset: PyDataset, shuffle: bool, rng):
        self.dataset, self.shuffle, self.rng = dataset, shuffle, rng
        self.num_batches = dataset.num_batches
        self.workers = dataset.workers
        self.threaded = self.workers > 1 or (self.workers > 0 and dataset.use_multiprocessing)
        self.queue = max(1, int(dataset.max_queue_size))

    def iterator(self):
        order = range(self.num_batches) if self.num_batches is not None else itertools.count()
        if self.shuffle and self.num_batches is not None:
            order = self.rng.permutation(self.num_batches).tolist()
        get = self.dataset.__getitem__
        if not self.threaded:
            return map(_standardize_dataset_batch, map(get, order))
        return map(_standardize_dataset_batch, _ahead(get, order, self.workers, self.queue))

    def peek(self):
        return _standardize_dataset_batch(self.dataset[0])

    def on_epoch_begin(self):
        self.dataset.on_epoch_begin()

    def on_epoch_end(self):
        self.dataset.on_epoch_end()


def _ahead(get, order, workers: int, queue: int):
    """get(i) for i in `order`, in order, up to `queue` of them loading ahead on threads."""
    with ThreadPoolExecutor(max(1, workers)) as pool:
        pending = []
        for i in order:
            pending.append(pool.submit(get, i))
            if len(pending) > queue:
                yield pending.pop(0).result()
        for f in pending:
            yield f.result()


def _standardize_generator_batch(batch):
    if not isinstance(batch, tuple) or len(batch) not in (1, 2, 3):
        raise ValueError("When passing a Python generator to a Keras model, the generator must return a tuple, "
                         "either (input,) or (inputs, targets) or (inputs, targets, sample_weights). "
                         f"Received: {batch}")
    return batch


def _standardize_dataset_batch(batch):
    if isinstance(batch, np.ndarray):
        batch = (batch,)
    if isinstance(batch, list):
        batch = tuple(batch)
    if not isinstance(batch, tuple) or len(batch) not in (1, 2, 3):
        raise ValueError("PyDataset.__getitem__() must return a tuple or a dict. If a tuple, it must be ordered "
                         "either (input,) or (inputs, targets) or (inputs, targets, sample_weights). "
                         f"Received: {str(batch)[:100]}... of type {type(batch)}")
    return batch


class EpochIterator:
    """Keras's epoch iterator over a generator or PyDataset `x` (steps_per_execution 1):
    `for step, batch in it:` one epoch; `reset()` before the first epoch, as Keras."""

    def __init__(self, x, steps=None, shuffle=False, rng=None):
        if isinstance(x, types.GeneratorType):
            if shuffle:
                warnings.warn("`shuffle=True` was passed, but will be ignored since the data `x` was provided as "
                              "a generator. The generator is expected to yield already-shuffled data.", stacklevel=3)
            self.source = _GeneratorSource(x)
        else:
            self.source = _PyDatasetSource(x, shuffle, rng if rng is not None else np.random.default_rng())
        self.steps = steps
        self._current = None
        self._num_batches = self.source.num_batches
        self._seen = 0

    def reset(self) -> None:
        self._current, self._seen = None, 0
        self._num_batches = self.source.num_batches
        self.source.on_epoch_end()

    @property
    def num_batches(self):
        return self.steps or self._num_batches

    def peek(self):
        """The first batch (a generator's is kept; a PyDataset's is read again when served)."""
        return self.source.peek()

    def __iter__(self):
        self.source.on_epoch_begin()
        steps = self.steps or self._num_batches or -1
        if steps > 0:
            if self._current is None or self.steps is None:
                self._current, self._seen = self.source.iterator(), 0
            for step in range(steps):
                if self._num_batches and self._seen >= self._num_batches:
                    if self.steps:
                        warnings.warn(RAN_OUT, stacklevel=2)
                    break
                self._seen += 1
                batch = self._next(self._current)
                if batch is None:
                    return
                yield step, batch
            if self._num_batches and self._seen >= self._num_batches:
                self._current, self._seen = self.source.iterator(), 0
        else:
            iterator = self.source.iterator()
            for step in itertools.count():
                self._seen = step + 1
                batch = self._next(iterator)
                if batch is None:
                    return
                yield step, batch
        self.source.on_epoch_end()

    def _next(self, iterator):
        """The next batch, or None when the source ran out (Keras's bookkeeping and warning)."""
        try:
            return next(iterator)
        except StopIteration:
            if self._num_batches is None:
                self._num_batches = self._seen
            warnings.warn(RAN_OUT, stacklevel=3)
            self._current = None
            self.source.on_epoch_end()
            return None
