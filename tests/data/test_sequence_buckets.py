"""Per-batch padding of sequence sets (the `pad_per_batch` source option): the arrays stay as
before, the lengths come from the padded sequences before preprocessing, recipes saved
before it keep padding to the longest, and one epoch on the indoor movement set gives the
weights of padding to the longest (a masked LSTM, shuffle off)."""

import numpy as np
import pytest

import visualnet
from visualnet import data, layers, utils
from visualnet.data.sequence_sets import batch_padding, read_sequence_set
from visualnet.engine.run_config import TrainingConfig
from visualnet.engine.session import TrainingSession
from visualnet.resources import resource_path

def indoor_source(**options):
    return {"type": "sequence_files", "path": str(resource_path("datasets", "sequences", "IndoorMovement.zip")),
            "options": {"targets": "dataset/MovementAAL_target.csv", "pattern": "dataset/MovementAAL_RSS_*.csv",
                        **options}}


def test_the_option_keeps_the_arrays_and_gives_each_sequence_its_length():
    source = indoor_source(pad_per_batch=True)
    options = {k: v for k, v in source["options"].items() if k != "pad_per_batch"}
    cut = read_sequence_set(source["path"], **source["options"])
    whole = read_sequence_set(source["path"], **options)
    np.testing.assert_array_equal(cut.x, whole.x)
    lengths = batch_padding(source, cut.x).lengths
    assert (lengths.min(), lengths.max(), len(lengths)) == (19, 129, 314)   # as the builtin's description says
    post = read_sequence_set(source["path"], **{**options, "padding": "post"})
    np.testing.assert_array_equal(batch_padding(indoor_source(pad_per_batch=True, padding="post"), post.x).lengths,
                                  lengths)


def test_recipes_without_the_option_pad_to_the_longest():
    assert batch_padding(indoor_source(), np.zeros((2, 3, 4))) is None
    assert batch_padding({"type": "builtin", "name": "iris"}, np.zeros((2, 3))) is None
    recipe = data.Recipe.from_dict(data.Recipe(indoor_source(pad_per_batch=True)).to_dict())
    assert recipe.source["options"]["pad_per_batch"] is True


def test_the_option_is_a_boolean():
    source = indoor_source(pad_per_batch="yes")
    with pytest.raises(data.DataError, match="pad_per_batch"):
        read_sequence_set(source["path"], **source["options"])


def test_one_epoch_on_indoor_movement_equals_padding_to_the_longest():
    recipe = data.Recipe(indoor_source(pad_per_batch=True), split={"test": 0.2, "seed": 0})
    prepared = data.prepare(recipe)
    x, y = prepared.train
    padding = batch_padding(recipe.source, prepared.dataset.x[prepared.train.indices])
    assert x.shape[1] == 129 and padding.lengths.min() < 30   # most batches are far shorter
    weights = []
    for per_batch in (None, padding):
        utils.set_random_seed(0)
        model = visualnet.Sequential([layers.Input((129, 4)), layers.Masking(mask_value=0.0), layers.LSTM(8),
                                      layers.Dense(1, activation="sigmoid")])
        config = TrainingConfig(optimizer="adam", loss="binary_crossentropy", metrics=[], batch_size=16, epochs=1,
                                shuffle=False, seed=0)
        TrainingSession(model, x, y, config, batch_padding=per_batch).run()
        weights.append(model.get_weights())
    for a, b in zip(*weights):
        np.testing.assert_allclose(a, b, rtol=0, atol=2e-5)
