"""Sequence helpers with Keras's semantics: padding ragged sequences and cutting a series
into windows. No engine and no Keras here; `visualnet.utils` re-exports both functions.
"""

from __future__ import annotations

import numpy as np

from .dataset_ops import DatasetOps, tensors


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre", value=0.0):
    """Pad (or truncate) sequences to one length: Keras's `utils.pad_sequences`, same rules and errors.

    Returns an array of shape (len(sequences), maxlen, *sample_shape); `maxlen` None means
    the longest sequence. "pre" pads / truncates at the start, "post" at the end.
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError("`sequences` must be iterable.")
    num_samples = len(sequences)
    lengths = []
    sample_shape = ()
    flag = True
    for x in sequences:                 # the sample shape comes from the first non-empty sequence
        try:
            lengths.append(len(x))
            if flag and len(x):
                sample_shape = np.asarray(x).shape[1:]
                flag = False
        except TypeError as e:
            raise ValueError(f"`sequences` must be a list of iterables. Found non-iterable: {x}") from e
    if maxlen is None:
        maxlen = np.max(lengths)
    is_dtype_str = np.issubdtype(dtype, np.str_) or np.issubdtype(dtype, np.bytes_)
    if isinstance(value, str) and dtype is not object and not is_dtype_str:
        raise ValueError(f"`dtype` {dtype} is not compatible with `value`'s type: {type(value)}\n"
                         "You should set `dtype=object` for variable length strings.")
    out = np.full((num_samples, maxlen) + sample_shape, value, dtype=dtype)
    for idx, s in enumerate(sequences):
        if not len(s):
            continue
        if truncating == "pre":
            trunc = s[-maxlen:]
        elif truncating == "post":
            trunc = s[:maxlen]
        else:
            raise ValueError(f'Truncating type "{truncating}" not understood')
        trunc = np.asarray(trunc, dtype=dtype)
        if trunc.shape[1:] != sample_shape:
            raise ValueError(f"Shape of sample {trunc.shape[1:]} of sequence at position {idx} is different "
                             f"from expected shape {sample_shape}")
        if padding == "post":
            out[idx, :len(trunc)] = trunc
        elif padding == "pre":
            out[idx, -len(trunc):] = trunc
        else:
            raise ValueError(f'Padding type "{padding}" not understood')
    return out


def _check_window_args(n, sequence_stride, sampling_rate, start_index, end_index):
    if start_index:
        if start_index < 0:
            raise ValueError(f"`start_index` must be 0 or greater. Received: start_index={start_index}")
        if start_index >= n:
            raise ValueError("`start_index` must be lower than the length of the data. Received: "
                             f"start_index={start_index}, for data of length {n}")
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError("`end_index` must be higher than `start_index`. Received: "
                             f"start_index={start_index}, and end_index={end_index} ")
        if end_index >= n:
            raise ValueError("`end_index` must be lower than the length of the data. Received: "
                             f"end_index={end_index}, for data of length {n}")
        if end_index <= 0:
            raise ValueError(f"`end_index` must be higher than 0. Received: end_index={end_index}")
    if sampling_rate <= 0:
        raise ValueError(f"`sampling_rate` must be higher than 0. Received: sampling_rate={sampling_rate}")
    if sampling_rate >= n:
        raise ValueError("`sampling_rate` must be lower than the length of the data. Received: "
                         f"sampling_rate={sampling_rate}, for data of length {n}")
    if sequence_stride <= 0:
        raise ValueError(f"`sequence_stride` must be higher than 0. Received: sequence_stride={sequence_stride}")
    if sequence_stride >= n:
        raise ValueError("`sequence_stride` must be lower than the length of the data. Received: "
                         f"sequence_stride={sequence_stride}, for data of length {n}")


class TimeseriesDataset(DatasetOps):
    """Windows over a series, batched: what `timeseries_dataset_from_array` returns.

    Iterating yields (x_batch, y_batch) arrays (with Keras's `.numpy()`), or x_batch alone without targets (single
    windows when batch_size is None); `len()` is the number of batches; `arrays()` gives
    all windows and all targets (None without targets) in iteration order.
    """

    def __init__(self, data, targets, start_positions, sequence_length, sampling_rate, batch_size):
        self._data = data
        self._targets = targets
        self.start_positions = start_positions
        self.sequence_length = int(sequence_length)
        self.sampling_rate = int(sampling_rate)
        self.batch_size = batch_size

    @property
    def num_windows(self) -> int:
        return len(self.start_positions)

    def _windows(self, positions):
        offsets = np.arange(self.sequence_length, dtype=np.int64) * self.sampling_rate
        index = np.asarray(positions, dtype=np.int64)[:, None] + offsets[None, :]
        return self._data[index]

    def _batch(self, positions):
        x = self._windows(positions)
        if self._targets is None:
            return x
        return x, self._targets[np.asarray(positions, dtype=np.int64)]

    def arrays(self):
        """(windows, targets): every window, shape (n, sequence_length, *features), and its target."""
        x = self._windows(self.start_positions)
        y = None if self._targets is None else self._targets[self.start_positions.astype(np.int64)]
        return x, y

    def __len__(self) -> int:
        if self.batch_size is None:
            return self.num_windows
        return -(-self.num_windows // self.batch_size)

    def __iter__(self):
        if self.batch_size is None:
            for p in self.start_positions:
                x = self._windows(np.array([p]))[0]
                yield tensors(x if self._targets is None else (x, self._targets[int(p)]))
            return
        for i in range(0, self.num_windows, self.batch_size):
            yield tensors(self._batch(self.start_positions[i:i + self.batch_size]))

    def _batches(self, start: int, stop: int) -> "TimeseriesDataset":
        size = self.batch_size or 1
        return TimeseriesDataset(self._data, self._targets, self.start_positions[start * size:stop * size],
                                 self.sequence_length, self.sampling_rate, self.batch_size)

    def __repr__(self) -> str:
        return (f"TimeseriesDataset({self.num_windows} windows of {self.sequence_length}, "
                f"batch_size={self.batch_size}, targets={'yes' if self._targets is not None else 'no'})")


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1, sampling_rate=1,
                                  batch_size=128, shuffle=False, seed=None, start_index=None, end_index=None):
    """Sliding windows over `data` (Keras's `utils.timeseries_dataset_from_array`, same index rule).

    Window i holds data[start_index + p_i + k * sampling_rate] for k < sequence_length, with
    p_i = i * sequence_stride, and its target is targets[start_index + p_i]. Keras returns a
    tf.data.Dataset; this returns a `TimeseriesDataset` of NumPy batches. With `shuffle`, the
    window order is Keras's (a `RandomState(seed)` shuffle of the start positions) but
    without tf.data's extra buffered shuffle, and it is the same on every iteration.
    """
    n = len(data)
    _check_window_args(n, sequence_stride, sampling_rate, start_index, end_index)
    if start_index is None:
        start_index = 0
    if end_index is None:
        end_index = n
    num_seqs = end_index - start_index - (sequence_length - 1) * sampling_rate
    if targets is not None:
        num_seqs = min(num_seqs, len(targets))
    index_dtype = "int32" if num_seqs < 2147483647 else "int64"
    start_positions = np.arange(0, num_seqs, sequence_stride, dtype=index_dtype)
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(start_positions)
    data_part = np.asarray(data)[start_index:end_index]
    target_part = None if targets is None else np.asarray(targets)[start_index:end_index]
    return TimeseriesDataset(data_part, target_part, start_positions, sequence_length, sampling_rate, batch_size)
