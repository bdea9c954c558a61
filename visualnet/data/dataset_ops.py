"""The `tf.data.Dataset` methods Keras tutorials call on what the dataset utilities return
(`take`, `skip`, `prefetch`, `cache`, `as_numpy_iterator`, `cardinality`, `map` with
`num_parallel_calls`): the datasets here hold their arrays, so these select batches or
return the dataset itself where tf.data would only change how batches are produced."""

from __future__ import annotations

import numpy as np

AUTOTUNE = -1


class DatasetOps:
    """Mixed into a dataset of batches that implements `_batches(start, stop)`: a dataset of
    its batches start..stop-1 (or samples, when unbatched)."""

    def take(self, count: int):
        """The first `count` batches (all of them when count is -1)."""
        return self if count is None or count < 0 else self._batches(0, min(int(count), len(self)))

    def skip(self, count: int):
        """The batches after the first `count`."""
        return self._batches(min(max(int(count), 0), len(self)), len(self)) if count >= 0 else self._batches(0, 0)

    def prefetch(self, buffer_size=AUTOTUNE):
        """The dataset itself: its batches are slices of arrays already in memory."""
        return self

    def cache(self, filename: str = ""):
        """The dataset itself: its arrays are already in memory."""
        return self

    def as_numpy_iterator(self):
        """Iterates over the batches as plain NumPy arrays."""
        for item in self:
            yield tuple(np.asarray(v) for v in item) if isinstance(item, tuple) else np.asarray(item)

    def cardinality(self) -> int:
        return len(self)


def tensors(item):
    """A batch (x or (x, y)) as arrays that also offer Keras's `.numpy()`."""
    from ..engine.variables import as_tensor   # not at import: the data package loads without the engine

    if isinstance(item, tuple):
        return tuple(as_tensor(v) if isinstance(v, np.ndarray) else v for v in item)
    return as_tensor(item) if isinstance(item, np.ndarray) else item
