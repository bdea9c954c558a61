"""`utils.pad_sequences` against real Keras; `utils.timeseries_dataset_from_array` against
Keras's index rule (Keras builds a tf.data or grain dataset and neither TensorFlow nor grain
is installed, so the reference is Keras's own index arithmetic written in NumPy); and the
engine's data adapter taking the windowed dataset object."""

import itertools

import numpy as np
import pytest

from visualnet import layers, models, utils
from visualnet.engine.data_adapter import as_inputs, is_dataset, unpack_dataset

RAGGED = [[1, 2, 3, 4, 5], [6], [], [7, 8, 9], list(range(10, 22))]


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


@pytest.mark.oracle
@pytest.mark.parametrize("padding,truncating", list(itertools.product(["pre", "post"], repeat=2)))
@pytest.mark.parametrize("maxlen", [None, 3, 20, 1])
def test_pad_sequences_equals_keras_on_ragged_ints(keras, padding, truncating, maxlen):
    ours = utils.pad_sequences(RAGGED, maxlen=maxlen, padding=padding, truncating=truncating)
    ref = keras.utils.pad_sequences(RAGGED, maxlen=maxlen, padding=padding, truncating=truncating)
    assert ours.dtype == ref.dtype and ours.shape == ref.shape
    np.testing.assert_array_equal(ours, ref)


@pytest.mark.oracle
@pytest.mark.parametrize("kwargs", [
    dict(dtype="float32", value=-1.5), dict(dtype="float64", maxlen=4, padding="post", value=np.nan),
    dict(dtype="int64", maxlen=6, truncating="post", value=7)])
def test_pad_sequences_equals_keras_with_float_and_values(keras, kwargs):
    seqs = [[0.5, 1.5, 2.5], [], [3.25] * 9, np.arange(5) / 4]
    ours = utils.pad_sequences(seqs, **kwargs)
    ref = keras.utils.pad_sequences(seqs, **kwargs)
    assert ours.dtype == ref.dtype
    np.testing.assert_array_equal(ours, ref)


@pytest.mark.oracle
def test_pad_sequences_of_vectors_and_all_empty(keras):
    seqs = [np.ones((2, 3)), np.zeros((0, 3)), np.arange(12).reshape(4, 3)]
    for kw in (dict(), dict(maxlen=3, padding="post", truncating="post", dtype="float32")):
        np.testing.assert_array_equal(utils.pad_sequences(seqs, **kw), keras.utils.pad_sequences(seqs, **kw))
    np.testing.assert_array_equal(utils.pad_sequences([[], []], maxlen=3), keras.utils.pad_sequences([[], []], maxlen=3))
    assert utils.pad_sequences([[], []]).shape == (2, 0)


@pytest.mark.oracle
@pytest.mark.parametrize("args,kwargs", [
    ((5,), {}), (([1, 2], 3), {}), ((RAGGED,), dict(padding="middle")), ((RAGGED,), dict(truncating="both")),
    ((RAGGED,), dict(value="x")), (([[1, 2], [[1, 2]]],), {})])
def test_pad_sequences_errors_like_keras(keras, args, kwargs):
    with pytest.raises(ValueError) as ref:
        keras.utils.pad_sequences(*args, **kwargs)
    with pytest.raises(ValueError) as ours:
        utils.pad_sequences(*args, **kwargs)
    assert str(ours.value) == str(ref.value)


def keras_windows(data, targets, sequence_length, sequence_stride=1, sampling_rate=1, shuffle=False, seed=None,
                  start_index=None, end_index=None):
    """Keras 3's index rule (timeseries_dataset_utils._timeseries_dataset_grain), unbatched."""
    start_index = 0 if start_index is None else start_index
    end_index = len(data) if end_index is None else end_index
    num_seqs = end_index - start_index - (sequence_length - 1) * sampling_rate
    if targets is not None:
        num_seqs = min(num_seqs, len(targets))
    starts = np.arange(0, num_seqs, sequence_stride)
    if shuffle:
        np.random.RandomState(seed).shuffle(starts)
    part = np.array(data[start_index:end_index])
    xs = [part[np.arange(p, p + sequence_length * sampling_rate, sampling_rate)] for p in starts]
    ys = None if targets is None else [np.array(targets[start_index:])[p] for p in starts]
    return xs, ys


CASES = [dict(sequence_length=5), dict(sequence_length=4, sequence_stride=3), dict(sequence_length=3, sampling_rate=4),
         dict(sequence_length=6, sequence_stride=2, sampling_rate=2, start_index=7, end_index=90),
         dict(sequence_length=10, shuffle=True, seed=42), dict(sequence_length=2, start_index=95),
         dict(sequence_length=99)]


@pytest.mark.parametrize("case", CASES, ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()))
@pytest.mark.parametrize("batch_size", [None, 1, 7, 128])
def test_timeseries_windows_follow_keras_index_rule(case, batch_size):
    data = np.arange(100 * 2, dtype=np.float64).reshape(100, 2)
    targets = np.arange(100) * 10
    ds = utils.timeseries_dataset_from_array(data, targets, batch_size=batch_size, **case)
    xs, ys = keras_windows(data, targets, **case)
    x, y = ds.arrays()
    assert x.shape == (len(xs), case["sequence_length"], 2) and x.dtype == np.float64
    if xs:
        np.testing.assert_array_equal(x, np.stack(xs))
        np.testing.assert_array_equal(y, np.array(ys))
    batches = list(ds)
    assert len(batches) == len(ds) == (len(xs) if batch_size is None else -(-len(xs) // batch_size))
    if batch_size is not None and batches:
        assert all(len(b[0]) == batch_size for b in batches[:-1])
        np.testing.assert_array_equal(np.concatenate([b[0] for b in batches]), x)
        np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), y)
    elif batches:
        np.testing.assert_array_equal(batches[0][0], x[0])


def test_timeseries_without_targets_and_keras_forecast_recipe():
    series = np.arange(20.0)
    ds = utils.timeseries_dataset_from_array(series, None, sequence_length=4, batch_size=5)
    first = next(iter(ds))
    assert isinstance(first, np.ndarray) and first.shape == (5, 4)
    x, y = ds.arrays()
    assert y is None and x.shape == (17, 4)
    # Keras's documented forecasting use: targets offset by the window length
    ds = utils.timeseries_dataset_from_array(series[:-4], series[4:], sequence_length=4, batch_size=None)
    for window, target in ds:
        assert target == window[-1] + 1


@pytest.mark.parametrize("kwargs,message", [
    (dict(start_index=-1), "`start_index` must be 0 or greater"), (dict(start_index=50), "lower than the length"),
    (dict(start_index=10, end_index=5), "higher than `start_index`"), (dict(end_index=50), "lower than the length"),
    (dict(sampling_rate=0), "`sampling_rate` must be higher than 0"), (dict(sequence_stride=0), "higher than 0"),
    (dict(sequence_stride=50), "`sequence_stride` must be lower")])
def test_timeseries_errors_are_keras_messages(kwargs, message):
    with pytest.raises(ValueError, match=message):
        utils.timeseries_dataset_from_array(np.zeros(50), None, sequence_length=3, **kwargs)


def test_data_adapter_takes_the_windowed_dataset():
    data = np.random.default_rng(0).normal(size=(60, 3)).astype(np.float32)
    ds = utils.timeseries_dataset_from_array(data, data[:, 0], sequence_length=5, batch_size=16)
    assert is_dataset(ds) and not is_dataset(data) and not is_dataset([data])
    x, y, batch_size = unpack_dataset(ds, None, None)
    np.testing.assert_array_equal(x, ds.arrays()[0])
    assert batch_size == 16 and unpack_dataset(ds, None, 4)[2] == 4
    with pytest.raises(ValueError, match="`y` should not be passed"):
        unpack_dataset(ds, np.zeros(56))
    assert unpack_dataset(data, data, 8)[1] is data
    model = models.Sequential([layers.Input((5, 3)), layers.Flatten(), layers.Dense(1)])
    (xs,) = as_inputs(model, ds)
    assert xs.shape == (56, 5, 3) and xs.dtype == np.float32
    assert model.predict(ds, verbose=0).shape == (56, 1)
