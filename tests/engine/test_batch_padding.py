"""Per-batch padding (engine/batch_padding.py): the lengths of padded sequences, each batch cut
to its own longest, an epoch's order in length buckets, and training that gives the weights
padding to the whole set's longest gives (masked LSTM and GRU, padding in front and behind)."""

import numpy as np
import pytest

from visualnet import layers, models
from visualnet.engine.batch_padding import BatchPadding
from visualnet.engine.rng import set_seed
from visualnet.engine.run_config import TrainingConfig
from visualnet.engine.session import TrainingSession


def padded_sequences(n=40, steps=12, features=3, side="pre", seed=0):
    """(x, y, lengths): sequences of 2..steps steps (values never 0 in every feature), padded with 0."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(2, steps + 1, n)
    lengths[0] = steps
    x = np.zeros((n, steps, features), np.float32)
    for i, k in enumerate(lengths):
        values = rng.normal(size=(k, features)).astype(np.float32)
        values[:, 0] = np.where(values[:, 0] == 0, 1, values[:, 0])
        if side == "pre":
            x[i, steps - k:] = values
        else:
            x[i, :k] = values
    y = (x.sum(axis=(1, 2)) > 0).astype(np.float32)
    return x, y, lengths


def test_lengths_of_padded_sequences():
    x, _, lengths = padded_sequences(side="pre")
    np.testing.assert_array_equal(BatchPadding.of(x, 0.0, "pre").lengths, lengths)
    x, _, lengths = padded_sequences(side="post")
    np.testing.assert_array_equal(BatchPadding.of(x, 0.0, "post").lengths, lengths)
    ids = np.array([[0, 0, 5, 3], [7, 1, 2, 9], [0, 0, 0, 0]], np.float32)  # token ids, 0 padding (mask_zero)
    np.testing.assert_array_equal(BatchPadding.of(ids).lengths, [2, 4, 0])
    with pytest.raises(ValueError, match="side"):
        BatchPadding.of(ids, side="middle")


def test_trim_cuts_a_batch_to_its_longest():
    padding = BatchPadding([3, 1, 5, 2], "pre")
    x = np.arange(4 * 6).reshape(4, 6)
    (cut,) = padding.trim([x[[0, 1, 3]]], np.array([0, 1, 3]))
    np.testing.assert_array_equal(cut, x[[0, 1, 3], 3:])
    (cut,) = BatchPadding([3, 1, 5, 2], "post").trim([x[:2]], slice(0, 2))
    np.testing.assert_array_equal(cut, x[:2, :3])
    flat = np.ones((2, 1))
    assert padding.trim([flat], slice(0, 2))[0] is flat   # no step axis to cut


def test_epoch_order_draws_batches_in_length_buckets():
    lengths = np.random.default_rng(3).integers(1, 100, 103)
    padding = BatchPadding(lengths)
    order = padding.epoch_order(np.random.default_rng(5), 10)
    assert sorted(order.tolist()) == list(range(103))
    again = padding.epoch_order(np.random.default_rng(5), 10)
    np.testing.assert_array_equal(order, again)              # seeded
    assert not np.array_equal(order, padding.epoch_order(np.random.default_rng(6), 10))
    batches = [lengths[order[i:i + 10]] for i in range(0, 103, 10)]
    ranges = sorted((b.min(), b.max()) for b in batches)
    assert all(hi <= lo2 for (_, hi), (lo2, _) in zip(ranges, ranges[1:]))   # buckets do not overlap
    first = [b.min() for b in batches]
    assert first != sorted(first)                              # the batches come shuffled
    assert batches[-1].max() <= min(b.min() for b in batches[:-1])   # the partial batch: the shortest, last


def _train(x, y, recurrent, padding, shuffle=False):
    set_seed(3)
    model = models.Sequential([layers.Input(x.shape[1:]), layers.Masking(0.0), recurrent(6),
                               layers.Dense(1, activation="sigmoid")])
    config = TrainingConfig(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"], batch_size=8,
                            epochs=1, shuffle=shuffle, seed=0)
    session = TrainingSession(model, x, y, config, batch_padding=padding)
    session.run()
    return session, [w.copy() for w in model.get_weights()]


@pytest.mark.parametrize("side", ["pre", "post"])
@pytest.mark.parametrize("recurrent", [layers.LSTM, layers.GRU], ids=["LSTM", "GRU"])
def test_one_epoch_gives_the_weights_of_padding_to_the_longest(recurrent, side):
    x, y, lengths = padded_sequences(side=side)
    whole, expected = _train(x, y, recurrent, None)
    cut, weights = _train(x, y, recurrent, BatchPadding(lengths, side))
    for a, b in zip(weights, expected):
        np.testing.assert_allclose(a, b, rtol=0, atol=2e-5)
    assert cut.history.to_dict()["epoch"]["loss"][0] == pytest.approx(whole.history.to_dict()["epoch"]["loss"][0],
                                                                       rel=1e-5)


def test_shuffled_training_with_buckets_runs_and_is_seeded():
    x, y, lengths = padded_sequences()
    a = _train(x, y, layers.LSTM, BatchPadding(lengths), shuffle=True)[1]
    b = _train(x, y, layers.LSTM, BatchPadding(lengths), shuffle=True)[1]
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)


def test_lengths_must_match_the_samples():
    x, y, lengths = padded_sequences()
    with pytest.raises(ValueError, match="39 sequence lengths for 40 samples"):
        _train(x, y, layers.LSTM, BatchPadding(lengths[:-1]))
