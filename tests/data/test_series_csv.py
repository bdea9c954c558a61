"""The "series_csv" source: date order, missing values, one-hot categories, windows, time splits,
scaling fitted on the training rows, the recipe in a project file, and prediction from a raw window."""

import numpy as np
import pytest

from visualnet import data, layers, models, utils
from visualnet.data.errors import MissingValueError, NonNumericError
from visualnet.data.series_recipe import unscale_targets
from visualnet.io.project import Project, open_project, save_project

N = 40


def rows(n=N):
    """date, a, b, wind rows in time order: a = i, b = i^2 / 10, wind N/S, and E only in the last 5 rows."""
    return [[f"2000-{1 + i // 28:02d}-{1 + i % 28:02d}", str(float(i)), str(i * i / 10),
             "E" if i >= n - 5 else "NS"[i % 2]] for i in range(n)]


def write(path, table, header="date,a,b,wind"):
    path.write_text(header + "\n" + "\n".join(",".join(r) for r in table) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def shuffled(tmp_path):
    """The rows written in a scrambled order (the date column orders them)."""
    table = rows()
    order = np.random.default_rng(0).permutation(N)
    return write(tmp_path / "s.csv", [table[i] for i in order])


def recipe(path, split=None, **options):
    options = {"lookback": 4, "horizon": 1, "stride": 1, "targets": ["b"], **options}
    return data.Recipe({"type": "series_csv", "path": str(path), "options": options},
                       split=split or {"validation": 0.2, "test": 0.2, "shuffle": False})


def encoded(table):
    """The features by hand: a, b, wind=N, wind=S (no E: it is not in the training rows)."""
    return np.array([[float(r[1]), float(r[2]), r[3] == "N", r[3] == "S"] for r in table])


def hand_windows(f, lookback, horizon, stride, targets):
    xs, ys = [], []
    for s in range(0, len(f) - lookback - horizon + 1, stride):
        xs.append(f[s:s + lookback])
        ys.append(np.concatenate([f[s + lookback + h, targets] for h in range(horizon)]))
    return np.array(xs), np.array(ys)


def test_rows_are_ordered_by_date_and_the_date_is_not_a_feature(shuffled):
    ds = data.load_source({"type": "series_csv", "path": str(shuffled), "options": {"lookback": 3}})
    assert ds.feature_names[-5:] == ["a t-1", "b t-1", "wind=E t-1", "wind=N t-1", "wind=S t-1"]
    assert len(ds.feature_names) == 3 * 5
    np.testing.assert_array_equal(ds.x[:, 0, 0], np.arange(N - 3))          # a = row index, in time order
    assert ds.y.shape == (N - 3, 1) and ds.kind == "timeseries" and ds.task == "regression"


def test_missing_value_refused_with_row_and_column(tmp_path):
    table = rows()
    table[6][2] = "NA"
    path = write(tmp_path / "na.csv", table)
    with pytest.raises(MissingValueError) as err:
        data.prepare(recipe(path))
    assert err.value.row == 8 and err.value.column == "b"           # line 8: header, then rows 0..6
    assert "na.csv" in str(err.value) and "'NA'" in str(err.value) and "interpolate" in str(err.value)
    table[6][2] = ""
    write(path, table)
    with pytest.raises(MissingValueError, match="row 8, column b"):
        data.load_source({"type": "series_csv", "path": str(path), "options": {}})


def test_interpolate_fills_linearly_and_drop_skips_the_row(tmp_path):
    table = rows()
    table[6][1], table[7][1], table[12][3] = "NA", "", "NA"
    path = write(tmp_path / "gaps.csv", table)
    ds = data.load_source({"type": "series_csv", "path": str(path),
                           "options": {"lookback": 1, "missing": "interpolate"}})
    np.testing.assert_allclose(ds.x[:, 0, 0], np.arange(N - 1))          # 6 and 7 back between 5 and 8
    assert ds.x[12, 0, ds.feature_names.index("wind=S t-1")] == 1           # a category repeats the previous one
    ds = data.load_source({"type": "series_csv", "path": str(path), "options": {"lookback": 1, "missing": "drop"}})
    kept = [i for i in range(N) if i not in (6, 7, 12)]
    np.testing.assert_array_equal(ds.x[:, 0, 0], kept[:-1])


def test_stray_word_and_repeated_date_are_named(tmp_path):
    table = rows()
    table[3][1] = "3;5"
    with pytest.raises(NonNumericError, match=r"row 5, column a: '3;5' is not a number"):
        data.prepare(recipe(write(tmp_path / "w.csv", table)))
    table = rows()
    table[9][0] = table[8][0]
    with pytest.raises(data.DataError, match="rows 10 and 11 have the same date"):
        data.prepare(recipe(write(tmp_path / "d.csv", table)))


def test_windows_match_a_hand_computation(shuffled):
    prepared = data.prepare(recipe(shuffled, split={"validation": 0.0, "test": 0.0}, scale="none",
                                   targets=["a", "b"], lookback=5, horizon=3, stride=2))
    f = encoded(rows())
    f = np.concatenate([f[:, :2], np.array([[r[3] == "E"] for r in rows()]), f[:, 2:]], axis=1)   # E, N, S
    x, y = hand_windows(f, 5, 3, 2, [0, 1])
    np.testing.assert_array_equal(prepared.train.x, x.astype(np.float32))
    np.testing.assert_array_equal(prepared.train.y, y.astype(np.float32))
    assert prepared.train.y.shape == (len(x), 6)                     # horizon 3 x 2 targets, step by step


def test_windows_match_timeseries_dataset_from_array(shuffled):
    prepared = data.prepare(recipe(shuffled, split={"validation": 0.0, "test": 0.0}, stride=3, lookback=6))
    series = prepared.recipe.fitted["series"]
    f = (encoded(rows()) - np.array(series["mean"])[[0, 1, 3, 4]]) / np.array(series["std"])[[0, 1, 3, 4]]
    f = np.insert(f, 2, (np.array([r[3] for r in rows()]) == "E") * 1.0, axis=1)
    x, y = utils.timeseries_dataset_from_array(f, f[6:, 1], sequence_length=6, sequence_stride=3,
                                               batch_size=None).arrays()
    np.testing.assert_allclose(prepared.train.x, x, rtol=1e-6)
    np.testing.assert_allclose(prepared.train.y[:, 0], y, rtol=1e-6)


def test_time_split_has_no_leakage_and_no_window_straddles(shuffled):
    prepared = data.prepare(recipe(shuffled, scale="none", targets=["a"],
                                   split={"validation": 0.2, "test": 0.25, "shuffle": True}))
    train, val, test = prepared.train, prepared.validation, prepared.test
    n_test, n_val = 10, 8                                              # rows: 22 train, 8 validation, 10 test
    assert (len(train), len(val), len(test)) == (22 - 4, n_val - 4, n_test - 4)
    for part, first, last in ((train, 0, 21), (val, 22, 29), (test, 30, 39)):
        rows_used = np.concatenate([part.x[:, :, 0].ravel(), part.y.ravel()])
        assert rows_used.min() == first and rows_used.max() == last   # a = row index: inside its part only
    assert prepared.recipe.split.shuffle is False


def test_categories_and_scaling_come_from_the_training_rows(tmp_path, shuffled):
    prepared = data.prepare(recipe(shuffled))
    series = prepared.recipe.fitted["series"]
    assert series["categories"] == {"wind": ["N", "S"]}                # E only appears in the test rows
    assert series["features"] == ["a", "b", "wind=N", "wind=S"]
    train_rows = encoded(rows())[:24]                                  # 40 rows: 24 train, 8, 8
    np.testing.assert_allclose(series["mean"][:2], train_rows[:, :2].mean(axis=0))
    np.testing.assert_allclose(series["std"][:2], train_rows[:, :2].std(axis=0))
    assert series["mean"][2:] == [0, 0] and series["std"][2:] == [1, 1]
    assert np.all(prepared.test.x[-1, -1, 2:] == 0)                    # an unseen category: all zeros
    assert abs(prepared.train.x[:, :, 0].mean()) < 0.2                 # standardized with training statistics
    changed = rows()
    for r in changed[30:]:
        r[1], r[2] = "1000", "-1000"
    other = data.prepare(recipe(write(tmp_path / "changed.csv", changed)))
    np.testing.assert_array_equal(other.train.x, prepared.train.x)
    assert other.recipe.fitted["series"]["mean"] == series["mean"]
    np.testing.assert_allclose(unscale_targets(prepared.recipe, prepared.test.y), [[float(r[2])] for r in rows()[36:]],
                               rtol=1e-5)


def test_recipe_round_trip_through_a_project_file(shuffled, tmp_path):
    prepared = data.prepare(recipe(shuffled.name, missing="interpolate"), base_dir=shuffled.parent)
    model = models.Sequential([layers.Input((4, 4)), layers.Flatten(), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    save_project(Project.from_model(model, recipe=prepared.recipe), tmp_path / "series.vnet")
    reopened = open_project(tmp_path / "series.vnet").recipe
    assert reopened.to_dict() == prepared.recipe.to_dict()
    again = data.prepare(reopened, base_dir=shuffled.parent)
    for a, b in zip((prepared.train, prepared.validation, prepared.test), (again.train, again.validation, again.test)):
        np.testing.assert_array_equal(a.x, b.x)
        np.testing.assert_array_equal(a.y, b.y)


def test_transform_for_prediction_of_a_raw_window(shuffled):
    prepared = data.prepare(recipe(shuffled))
    table = rows()
    window = table[32:36]                                              # test rows 32..35: the test part's first window
    x = data.transform_for_prediction(prepared.recipe, window)
    np.testing.assert_array_equal(x, prepared.test.x[:1])
    used_only = [r[1:] for r in window]                                # without the date column
    np.testing.assert_array_equal(data.transform_for_prediction(prepared.recipe, [used_only]), x)
    window[1] = [window[1][0], "NA", window[1][2], window[1][3]]
    with pytest.raises(MissingValueError, match="prediction window 1, row 2, column a"):
        data.transform_for_prediction(prepared.recipe, window)
    with pytest.raises(data.DataError, match="4 rows"):
        data.transform_for_prediction(prepared.recipe, table[:3])


def test_prepared_windows_feed_fit_directly(shuffled):
    prepared = data.prepare(recipe(shuffled, targets=["a", "b"], horizon=2))
    (x, y), (xv, yv) = prepared.train, prepared.validation
    utils.set_random_seed(0)
    model = models.Sequential([layers.Input(x.shape[1:]), layers.LSTM(8), layers.Dense(y.shape[1])])
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(x, y, validation_data=(xv, yv), epochs=1, batch_size=8, verbose=0)
    assert np.isfinite(history.history["val_loss"][0])
    assert model.predict(data.transform_for_prediction(prepared.recipe, rows()[10:14]), verbose=0).shape == (1, 4)


def test_a_changed_file_warns_and_a_lost_column_is_named(tmp_path):
    path = write(tmp_path / "c.csv", rows())
    fitted = data.prepare(recipe(path)).recipe
    changed = rows()
    changed[0][1] = "99"
    write(path, changed)
    with pytest.warns(data.DataChangedWarning):
        data.prepare(fitted)
    write(path, [[r[0], r[1], r[3]] for r in rows()], header="date,a,wind")
    with pytest.raises(data.ColumnError, match="no longer has: b"):
        data.prepare(fitted)
