"""Sequence sets (one file per variable-length sequence plus a targets file): padding, truncation,
the mask value, labels, folders and zips, and a Masking -> LSTM model training on them."""

import zipfile

import numpy as np
import pytest

import visualnet
from visualnet import data, layers, utils
from visualnet.data.sequence_sets import read_sequence_set

SEQUENCES = {1: [[1, 2], [3, 4], [5, 6]], 2: [[7, 8], [9, 1], [2, 3], [4, 5], [6, 7]], 3: [[8, 9], [1.5, -2]]}
TARGETS = "#sequence_ID, class_label\n1,+1\n2,-1\n3,+1\n"


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "set"
    root.mkdir()
    for i, steps in SEQUENCES.items():
        (root / f"seq_{i}.csv").write_text("x,y\n" + "\n".join(f"{a},{b}" for a, b in steps) + "\n")
    (root / "targets.csv").write_text(TARGETS)
    return root


def test_padded_to_the_longest_in_front_with_the_mask_value(folder):
    ds = read_sequence_set(folder, targets="targets.csv")
    assert ds.x.shape == (3, 5, 2) and ds.x.dtype == np.float32 and ds.kind == "timeseries"
    np.testing.assert_array_equal(ds.x[0], [[0, 0], [0, 0], [1, 2], [3, 4], [5, 6]])
    np.testing.assert_array_equal(ds.x[1], SEQUENCES[2])
    assert ds.feature_names[:3] == ["x t-5", "y t-5", "x t-4"] and len(ds.feature_names) == 10


def test_labels_come_from_the_targets_file(folder):
    ds = read_sequence_set(folder, targets="targets.csv")
    assert ds.task == "binary" and ds.class_names == ["-1", "1"]
    np.testing.assert_array_equal(ds.y, [1, 0, 1])


def test_post_padding_truncation_and_another_mask_value(folder):
    ds = read_sequence_set(folder, targets="targets.csv", maxlen=3, padding="post", truncating="post", mask_value=-9.0)
    np.testing.assert_array_equal(ds.x[1], SEQUENCES[2][:3])              # the first 3 steps kept
    np.testing.assert_array_equal(ds.x[2], [[8, 9], [1.5, -2], [-9, -9]])
    ds = read_sequence_set(folder, targets="targets.csv", maxlen=3)
    np.testing.assert_array_equal(ds.x[1], SEQUENCES[2][-3:])             # "pre": the last 3 steps kept


def test_zip_reads_like_the_folder(folder, tmp_path):
    with zipfile.ZipFile(tmp_path / "set.zip", "w") as z:
        for f in folder.iterdir():
            z.write(f, f"data/{f.name}")
    a = read_sequence_set(folder, targets="targets.csv")
    b = read_sequence_set(tmp_path / "set.zip", targets="data/targets.csv", pattern="data/seq_*.csv")
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.y, b.y)


def test_errors_name_the_file_and_row(folder):
    (folder / "seq_2.csv").write_text("x,y\n1,2\n0,0\n")
    with pytest.raises(data.DataError, match=r"seq_2.csv: time step 2 equals the mask value 0.0"):
        read_sequence_set(folder, targets="targets.csv")
    (folder / "seq_2.csv").write_text("x,y\n1,2\n3,oops\n")
    with pytest.raises(data.NonNumericError, match=r"seq_2.csv, row 3, column 2: 'oops' is not a number"):
        read_sequence_set(folder, targets="targets.csv")
    (folder / "seq_2.csv").unlink()
    with pytest.raises(data.DataError, match="no sequence file matching '\\*.csv' for id 2"):
        read_sequence_set(folder, targets="targets.csv")


def test_a_recipe_prepares_the_set(folder):
    recipe = data.Recipe({"type": "sequence_files", "path": str(folder), "options": {"targets": "targets.csv"}},
                         split={"test": 0.34, "shuffle": False})
    prepared = data.prepare(recipe)
    assert prepared.train.x.shape == (2, 5, 2) and prepared.test.y.tolist() == [1]


def test_masking_lstm_trains_on_indoor_movement():
    prepared = data.prepare(data.Recipe.builtin("indoor_movement"))
    (x, y), (xt, yt) = prepared.train, prepared.test
    assert x.shape[1:] == (129, 4) and len(x) + len(xt) == 314
    assert set(np.unique(y)) == {0, 1}
    utils.set_random_seed(0)
    model = visualnet.Sequential([layers.Input((129, 4)), layers.Masking(mask_value=0.0), layers.LSTM(8),
                                  layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=1, batch_size=32, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    loss, accuracy = model.evaluate(xt, yt, verbose=0)
    assert np.isfinite(loss) and 0.0 <= accuracy <= 1.0
