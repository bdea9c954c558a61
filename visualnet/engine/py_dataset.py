"""`PyDataset` (Keras's `keras.utils.PyDataset`, alias `Sequence`): batches by index.

Subclass it with `__len__` (batches per epoch) and `__getitem__(index)` -> (x,), (x, y) or
(x, y, sample_weight); `on_epoch_begin`/`on_epoch_end` are called around each epoch.
`workers` > 1 (or `use_multiprocessing=True`) loads up to `max_queue_size` batches ahead
on a pool of threads (VisualNet never forks processes); the order stays the index order.
"""

from __future__ import annotations

import warnings


class PyDataset:
    """Base class of datasets served by batch index (see the module docstring)."""

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    def _warn_if_super_not_called(self) -> None:
        missing = [a for a in ("_workers", "_use_multiprocessing", "_max_queue_size") if not hasattr(self, a)]
        if missing:
            self._workers, self._use_multiprocessing, self._max_queue_size = (
                getattr(self, "_workers", 1), getattr(self, "_use_multiprocessing", False),
                getattr(self, "_max_queue_size", 10))
            warnings.warn("Your `PyDataset` class should call `super().__init__(**kwargs)` in its constructor. "
                          "`**kwargs` can include `workers`, `use_multiprocessing`, `max_queue_size`. Do not pass "
                          "these arguments to `fit()`, as they will be ignored.", stacklevel=3)

    @property
    def workers(self):
        self._warn_if_super_not_called()
        return self._workers

    @workers.setter
    def workers(self, value):
        self._workers = value

    @property
    def use_multiprocessing(self):
        self._warn_if_super_not_called()
        return self._use_multiprocessing

    @use_multiprocessing.setter
    def use_multiprocessing(self, value):
        self._use_multiprocessing = value

    @property
    def max_queue_size(self):
        self._warn_if_super_not_called()
        return self._max_queue_size

    @max_queue_size.setter
    def max_queue_size(self, value):
        self._max_queue_size = value

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__(index) returning a batch.")

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    @property
    def num_batches(self):
        """`len(self)`: the batches of an epoch."""
        if hasattr(self, "__len__"):
            return len(self)
        raise NotImplementedError("You need to implement the `num_batches` property:\n\n"
                                  "@property\ndef num_batches(self):\n  return ...")

    def on_epoch_begin(self):
        """Called before each epoch."""

    def on_epoch_end(self):
        """Called after each epoch."""


Sequence = PyDataset
