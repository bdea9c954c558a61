import json

import numpy as np
import pytest

from visualnet.data import (Channels, DataError, Flatten, MinMaxScale, OneHot, Pipeline, Recipe, Rescale, Reshape,
                            SplitSpec, Standardize, Step, load_builtin, prepare, split_indices)


def test_min_max_and_standardize_per_feature():
    x = np.array([[0.0, 10.0, 5.0], [2.0, 20.0, 5.0], [4.0, 30.0, 5.0]])
    mm = MinMaxScale().fit(x)
    np.testing.assert_allclose(mm.transform(x), [[0, 0, 0], [0.5, 0.5, 0], [1, 1, 0]])
    np.testing.assert_allclose(MinMaxScale((-1, 1)).fit(x).transform([[1.0, 25.0, 6.0]]), [[-0.5, 0.5, 1]])
    st = Standardize().fit(x)
    out = st.transform(x)
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(out[:, :2].std(axis=0), 1)
    assert np.all(out[:, 2] == 0)                     # constant feature: std 0 -> divide by 1


def test_scopes_for_images():
    x = np.arange(2 * 2 * 2 * 3, dtype=float).reshape(2, 2, 2, 3)
    assert Standardize(scope="channel").fit(x).stats["mean"].shape == (3,)
    assert MinMaxScale(scope="global").fit(x).stats["data_max"].shape == ()
    np.testing.assert_allclose(MinMaxScale(scope="global").fit(x).transform(x).max(), 1.0)


def test_rescale_flatten_reshape():
    x = np.full((2, 28, 28, 1), 255, np.uint8)
    assert Rescale().transform(x).max() == 1.0
    assert Flatten().transform(x).shape == (2, 784) and Flatten().output_shape((28, 28, 1)) == (784,)
    assert Reshape((28, 28)).transform(x).shape == (2, 28, 28)
    with pytest.raises(DataError, match=r"cannot reshape samples of shape \(28, 28, 1\) to \(10, 10\)"):
        Reshape((10, 10)).transform(x)


def test_channels():
    rgb = np.zeros((1, 2, 2, 3))
    rgb[..., 0] = 100.0
    gray = Channels(color="grayscale").transform(rgb)
    assert gray.shape == (1, 2, 2, 1) and np.allclose(gray, 29.9)
    assert Channels(color="rgb").transform(np.ones((1, 2, 2))).shape == (1, 2, 2, 3)
    first = Channels(layout="channels_first").transform(np.zeros((5, 4, 3, 3)))
    assert first.shape == (5, 3, 4, 3)
    assert Channels(color="grayscale", layout="channels_first").output_shape((28, 28, 3)) == (1, 28, 28)
    with pytest.raises(DataError, match="image channel handling"):
        Channels().transform(np.zeros((2, 5)))


def test_one_hot():
    oh = OneHot().fit(np.array([0, 2]), num_classes=4)
    np.testing.assert_array_equal(oh.transform(np.array([3, 0])), [[0, 0, 0, 1], [1, 0, 0, 0]])
    with pytest.raises(DataError, match="label 4 at sample 2 is outside 0..3"):
        oh.transform(np.array([1, 4]))


def test_unfitted_step_refuses_to_transform():
    with pytest.raises(RuntimeError, match="must be fitted on training data"):
        Standardize().transform(np.zeros((2, 2)))


def test_fitted_on_other_shape():
    st = Standardize().fit(np.zeros((3, 4)))
    with pytest.raises(DataError, match=r"fitted on samples of shape \(4,\) but received samples of shape \(5,\)"):
        st.transform(np.zeros((3, 5)))


def test_config_round_trip_through_json_is_exact():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 3)) * [1e-7, 1.0, 1e7]
    pipe = Pipeline([Standardize(), MinMaxScale((-1, 1)), Reshape((3, 1)), Flatten()]).fit(x)
    again = Pipeline.from_config(json.loads(json.dumps(pipe.get_config())))
    new = rng.normal(size=(10, 3))
    assert np.array_equal(pipe.transform_x(new, dtype="float64"), again.transform_x(new, dtype="float64"))


def test_unknown_step_and_bad_settings():
    with pytest.raises(DataError, match="unknown preprocessing step 'whiten'"):
        Step.from_config({"step": "whiten"})
    with pytest.raises(DataError, match="bad settings for preprocessing step 'standardize'"):
        Step.from_config({"step": "standardize", "axis": 0})
    with pytest.raises(DataError, match="lacks statistics"):
        Step.from_config({"step": "standardize", "stats": {"mean": [0.0]}})


# --- no leakage: statistics come from the training split only --------------------------------

def test_statistics_are_those_of_the_training_split_only():
    recipe = Recipe.builtin("pima", split=SplitSpec(validation=0.1, test=0.2, seed=5),
                            steps=[Standardize().get_config(), MinMaxScale().get_config()])
    prepared = prepare(recipe)
    pima = load_builtin("pima")
    idx = split_indices(len(pima), recipe.split)
    np.testing.assert_array_equal(prepared.train.indices, idx.train)
    stats = prepared.recipe.steps[0]["stats"]
    train = pima.x[idx.train]
    np.testing.assert_array_equal(stats["mean"], train.mean(axis=0))
    np.testing.assert_array_equal(stats["std"], train.std(axis=0))
    assert not np.allclose(stats["mean"], pima.x.mean(axis=0), rtol=1e-6)   # would differ if it leaked
    scaled_train = (train - train.mean(axis=0)) / train.std(axis=0)
    np.testing.assert_array_equal(prepared.recipe.steps[1]["stats"]["data_min"], scaled_train.min(axis=0))
    test = prepared.test.x.astype(np.float64)
    expected = ((pima.x[idx.test] - train.mean(axis=0)) / train.std(axis=0) - scaled_train.min(axis=0)) / \
        (scaled_train.max(axis=0) - scaled_train.min(axis=0))
    np.testing.assert_allclose(test, expected, rtol=1e-6, atol=1e-6)


def test_validation_and_test_do_not_change_the_statistics():
    base = Recipe.builtin("iris", split=SplitSpec(validation=0.2, test=0.2, seed=0), steps=[Standardize().get_config()])
    a = prepare(base)
    iris = load_builtin("iris")
    changed = iris.subset(np.arange(len(iris)))
    changed.x[a.test.indices] *= 100.0          # wildly different test rows...
    changed.x[a.validation.indices] += 50.0
    b = prepare(base, dataset=changed)
    assert b.recipe.steps == a.recipe.steps     # ...same fitted statistics
    np.testing.assert_array_equal(a.train.x, b.train.x)
