import json
import shutil

import numpy as np
import pytest

from visualnet.data import (DataChangedWarning, DataError, Flatten, MinMaxScale, OneHot, Recipe, Rescale, SplitSpec,
                            Standardize, predicted_labels, prepare, transform_for_prediction)

from .helpers import UCI


def _same(a, b):
    for part in ("train", "validation", "test"):
        pa, pb = getattr(a, part), getattr(b, part)
        assert pa.x.dtype == pb.x.dtype and np.array_equal(pa.x, pb.x)
        assert np.array_equal(pa.y, pb.y) and np.array_equal(pa.indices, pb.indices)


def test_builtin_recipe_round_trip_reproduces_arrays_exactly():
    recipe = Recipe.builtin("moons", params={"n_samples": 300, "noise": 0.2, "seed": 9},
                            split=SplitSpec(validation=0.1, test=0.2, seed=4),
                            steps=[Standardize().get_config(), OneHot().get_config()])
    first = prepare(recipe)
    assert recipe.fitted is None and first.recipe.is_fitted          # the argument is left unchanged
    text = first.recipe.to_json()
    again = prepare(Recipe.from_json(text))
    _same(first, again)
    assert first.train.y.shape == (210, 2) and first.train.x.dtype == np.float32
    assert json.loads(text)["version"] == 1
    assert Recipe.from_json(text).to_json() == text


def test_csv_recipe_with_relative_path_and_categories(tmp_path):
    shutil.copy(UCI / "abalone.csv", tmp_path / "abalone.csv")
    recipe = Recipe.from_file("csv", "abalone.csv", {"target": -1, "header": False},
                              split=SplitSpec(test=0.25, seed=1), steps=[MinMaxScale().get_config()])
    first = prepare(recipe, base_dir=tmp_path)
    fitted = Recipe.from_json(first.recipe.to_json())
    assert fitted.fitted["columns"]["features"][0]["categories"] == ["F", "I", "M"]
    assert fitted.fitted["task"] == "regression" and fitted.fitted["input_shape"] == [10]
    _same(first, prepare(fitted, base_dir=tmp_path))
    # a new row, given as the file's cells, is prepared exactly like the same row in the test split
    i = int(first.test.indices[0])
    line = (tmp_path / "abalone.csv").read_text().splitlines()[i].split(",")[:-1]
    np.testing.assert_array_equal(transform_for_prediction(fitted, [line]), first.test.x[:1])
    np.testing.assert_array_equal(transform_for_prediction(fitted, first.dataset.x[i]), first.test.x[:1])


def test_image_recipe_prediction_input():
    recipe = Recipe.builtin("mnist", steps=[Rescale().get_config(), Flatten().get_config()])
    prepared = prepare(recipe)
    assert recipe.split == SplitSpec(test=0.2, shuffle=False)           # first 8,000 / last 2,000
    assert prepared.train.indices[-1] == 7999 and prepared.test.indices[0] == 8000
    assert prepared.recipe.fitted["output_shape"] == [784]
    raw = prepared.dataset.x[8000:8003]
    np.testing.assert_array_equal(transform_for_prediction(prepared.recipe, raw), prepared.test.x[:3])
    with pytest.raises(DataError, match=r"samples of shape \(28, 28, 1\); received an array of shape \(3, 784\)"):
        transform_for_prediction(prepared.recipe, raw.reshape(3, -1))


def test_data_changed_warning(tmp_path):
    f = tmp_path / "d.csv"
    f.write_text("1,2,0\n3,4,1\n5,6,0\n7,8,1\n9,10,0\n")
    fitted = prepare(Recipe.from_file("csv", f, steps=[Standardize().get_config()])).recipe
    f.write_text("2,2,0\n6,4,1\n10,6,0\n14,8,1\n18,10,0\n")
    with pytest.warns(DataChangedWarning, match="the data differ"):
        again = prepare(fitted)
    assert again.recipe.steps == fitted.steps                         # statistics kept
    refit = prepare(fitted, refit=True).recipe
    assert refit.steps != fitted.steps


def test_predicted_labels():
    iris = prepare(Recipe.builtin("iris")).recipe
    assert predicted_labels(iris, [[0.1, 0.7, 0.2], [0.9, 0.05, 0.05]]) == ["Iris-versicolor", "Iris-setosa"]
    pima = prepare(Recipe.builtin("pima")).recipe
    assert predicted_labels(pima, [[0.2], [0.8]]) == ["tested negative", "tested positive"]
    curve = prepare(Recipe.builtin("regression_curve")).recipe
    assert predicted_labels(curve, [[1.5]]) == [1.5]


def test_broken_recipes():
    good = Recipe.builtin("iris").to_dict()
    with pytest.raises(DataError, match="version 2, newer than this VisualNet reads"):
        Recipe.from_dict({**good, "version": 2})
    with pytest.raises(DataError, match="no valid version number"):
        Recipe.from_dict({k: v for k, v in good.items() if k != "version"})
    with pytest.raises(DataError, match="source type must be one of"):
        Recipe.from_dict({**good, "source": {"type": "url", "path": "http://x"}})
    with pytest.raises(DataError, match="unknown preprocessing step 'lambda'"):
        Recipe.from_dict({**good, "steps": [{"step": "lambda", "code": "import os"}]})
    with pytest.raises(DataError, match="unknown data recipe fields: extra"):
        Recipe.from_dict({**good, "extra": 1})
    with pytest.raises(DataError, match="not valid JSON"):
        Recipe.from_json("{")
    with pytest.raises(DataError, match="not fitted yet"):
        transform_for_prediction(Recipe.builtin("iris"), np.zeros((1, 4)))
    with pytest.raises(DataError, match="stratified split needs class labels"):
        prepare(Recipe.builtin("abalone", split=SplitSpec(stratify=True)))


def test_every_file_source_round_trips(tmp_path):
    import h5py
    from PIL import Image

    from visualnet.data import guess_source_type, read_idx
    from .helpers import MNIST_IMAGES, MNIST_LABELS, write_idx

    x, y = read_idx(MNIST_IMAGES)[:60], read_idx(MNIST_LABELS)[:60]
    np.savez(tmp_path / "d.npz", x=x, y=y)
    with h5py.File(tmp_path / "d.h5", "w") as h:
        h["x"], h["y"] = x, y
    write_idx(tmp_path / "imgs-idx3-ubyte.gz", x, True)
    write_idx(tmp_path / "labs-idx1-ubyte.gz", y, True)
    for d in (0, 1):
        (tmp_path / "folder" / str(d)).mkdir(parents=True)
        for i in np.flatnonzero(y == d)[:3]:
            Image.fromarray(x[i]).save(tmp_path / "folder" / str(d) / f"{i}.png")
    (tmp_path / "noext").write_bytes((tmp_path / "d.h5").read_bytes())
    assert [guess_source_type(tmp_path / n) for n in ("d.npz", "d.h5", "imgs-idx3-ubyte.gz", "folder", "noext")] \
        == ["numpy", "hdf5", "idx", "images", "hdf5"]
    recipes = [Recipe.from_file(None, "d.npz", base_dir=tmp_path), Recipe.from_file(None, "d.h5", base_dir=tmp_path),
               Recipe({"type": "idx", "images": "imgs-idx3-ubyte.gz", "labels": "labs-idx1-ubyte.gz"}),
               Recipe.from_file(None, "folder", {"size": [14, 14]}, base_dir=tmp_path)]
    assert [r.source["type"] for r in recipes] == ["numpy", "hdf5", "idx", "images"]
    for recipe in recipes:
        recipe.steps = [Rescale().get_config(), Flatten().get_config()]
        first = prepare(recipe, base_dir=tmp_path)
        again = prepare(Recipe.from_json(first.recipe.to_json()), base_dir=tmp_path)
        _same(first, again)
    assert first.train.x.shape[1] == 14 * 14 and len(first.dataset) == 6


def test_outside_paths_names_what_leaves_the_folder(tmp_path):
    from visualnet.data import outside_paths

    base = tmp_path / "project"
    (base / "data").mkdir(parents=True)
    (base / "link").symlink_to(tmp_path)
    assert outside_paths({"type": "csv", "path": "data/x.csv"}, base) == []
    assert outside_paths({"type": "csv", "path": str(base / "data" / "x.csv")}, base) == []
    assert outside_paths({"type": "csv", "path": "../x.csv"}, base) == ["../x.csv"]
    assert outside_paths({"type": "csv", "path": "/etc/passwd"}, base) == ["/etc/passwd"]
    assert outside_paths({"type": "csv", "path": "~/.ssh/id_rsa"}, base) == ["~/.ssh/id_rsa"]
    assert outside_paths({"type": "csv", "path": "link/x.csv"}, base) == ["link/x.csv"]
    assert outside_paths({"type": "idx", "images": "a", "labels": "/b"}, base) == ["/b"]
    assert outside_paths({"type": "numpy", "path": "x.npy"}, None) == ["x.npy"]
    assert outside_paths({"type": "builtin", "name": "iris"}, base) == []
