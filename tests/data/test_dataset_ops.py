"""The tf.data methods tutorials call on the datasets the utilities return: take, skip,
prefetch, cache, map(num_parallel_calls=...), as_numpy_iterator, cardinality; batches offer
`.numpy()`; and `fit` reads a taken dataset as the batches it holds."""

import numpy as np

from visualnet import layers, models, utils


def _series():
    data = np.arange(200, dtype="float32").reshape(100, 2)
    return utils.timeseries_dataset_from_array(data, data[:, 0], sequence_length=5, batch_size=16)


def test_take_and_skip_select_batches_of_a_timeseries_dataset():
    ds = _series()
    batches = list(ds)
    first = list(ds.take(2))
    assert len(ds.take(2)) == 2 and ds.take(2).cardinality() == 2 and len(ds.take(-1)) == len(ds)
    assert all(np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1]) for a, b in zip(first, batches[:2]))
    rest = list(ds.skip(2))
    assert len(rest) == len(batches) - 2 and np.array_equal(rest[0][0], batches[2][0])
    x, y = next(iter(ds.take(1).prefetch(-1).cache()))
    assert x.numpy().shape == (16, 5, 2) and y.numpy().shape == (16,)
    assert type(next(ds.as_numpy_iterator())[0]) is np.ndarray
    wx, wy = ds.take(2).arrays()
    assert np.array_equal(wx, np.concatenate([b[0] for b in first])) and np.array_equal(wy, np.concatenate([b[1] for b in first]))


def test_batched_dataset_take_map_and_fit(tmp_path):
    for label in ("a", "b"):
        (tmp_path / label).mkdir()
        for i in range(6):
            (tmp_path / label / f"{i}.txt").write_text(f"{label} text number {i}", encoding="utf-8")
    ds = utils.text_dataset_from_directory(tmp_path, batch_size=4, shuffle=False)
    assert len(ds) == 3 and len(ds.take(2)) == 2 and len(ds.skip(1)) == 2
    lengths = ds.map(lambda x, y: (np.array([len(t) for t in x], dtype="float32")[:, None], y),
                     num_parallel_calls=-1)
    model = models.Sequential([layers.Input((1,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(lengths.take(2).prefetch(-1), epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    x, y = next(iter(lengths.take(1)))
    assert x.numpy().shape == (4, 1) and y.numpy().tolist() == [0, 0, 0, 0]
