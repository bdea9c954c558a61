"""Metric objects a model is compiled with (`keras.metrics.Precision(thresholds=0.3)`, ...)
survive a project file as their class and config (JSON, never code) and come back as the
same metrics, giving the same numbers; configs that are not a built-in metric are refused."""

import json

import h5py
import numpy as np
import pytest

import visualnet as keras
from visualnet.io.errors import ProjectFileError
from visualnet.io.project import Project, open_project, save_project
from visualnet.io.project_hdf5 import _seal, _text


def _model():
    keras.utils.set_random_seed(5)
    inputs = keras.Input(shape=(6,))
    h = keras.layers.Dense(8, activation="relu")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(4, activation="softmax")(h))
    model.compile(optimizer="adam", loss="categorical_crossentropy",
                  metrics=["accuracy", keras.metrics.Precision(thresholds=0.3), keras.metrics.AUC(curve="PR"),
                           keras.metrics.TopKCategoricalAccuracy(k=3)])
    return model


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(48, 6)).astype(np.float32)
    return x, np.eye(4, dtype=np.float32)[rng.integers(0, 4, 48)]


def test_metric_objects_round_trip_and_give_the_same_numbers(tmp_path):
    model = _model()
    x, y = _data()
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    before = model.evaluate(x, y, verbose=0, return_dict=True)
    path = tmp_path / "metrics.vnet"
    save_project(Project.from_model(model), path)
    project = open_project(path)
    saved = project.training["metrics"]
    assert saved[0] == "accuracy"
    assert [m["class_name"] for m in saved[1:]] == ["Precision", "AUC", "TopKCategoricalAccuracy"]
    assert saved[1]["config"]["thresholds"] == 0.3 and saved[2]["config"]["curve"] == "PR"
    assert saved[3]["config"]["k"] == 3
    json.dumps(saved)                                   # plain JSON
    again = project.build_model()
    metrics = again.compiled.metric_ids
    assert isinstance(metrics[1], dict) or type(metrics[1]).__name__ == "Precision"
    after = again.evaluate(x, y, verbose=0, return_dict=True)
    assert sorted(after) == sorted(before)
    for key in before:
        assert after[key] == pytest.approx(before[key], rel=1e-6), key
    default = keras.metrics.Precision()                  # the threshold mattered: 0.5 gives another number
    default.update_state(y, model.predict(x, verbose=0))
    assert before["precision"] != pytest.approx(float(default.result()))


def test_a_metric_of_the_user_s_own_class_is_left_out():
    class Mine(keras.metrics.Mean):
        pass

    model = _model()
    model.compile(optimizer="adam", loss="mse", metrics=["mae", Mine(name="mine"), keras.metrics.Recall()])
    assert [m if isinstance(m, str) else m["class_name"] for m in Project.from_model(model).training["metrics"]] \
        == ["mae", "Recall"]


@pytest.mark.parametrize("metrics, message", [
    ([{"class_name": "os.system", "config": {}}], "os.system"),
    ([{"class_name": "Precision", "config": {"thresholds": "high"}}], "Precision"),
    ([{"config": {}}], "class_name"),
    ([3], "list of names or metric configs"),
])
def test_a_file_with_a_bad_metric_config_is_refused_naming_it(tmp_path, metrics, message):
    model = _model()
    path = tmp_path / "bad.vnet"
    save_project(Project.from_model(model), path)
    with h5py.File(path, "r+") as f:
        training = json.loads(f["training"][()].decode())
        training["metrics"] = metrics
        del f["training"]
        _text(f, "training", json.dumps(training))
        _seal(f)
    with pytest.raises(ProjectFileError, match=message):
        open_project(path)


def test_metrics_by_output_name_are_checked_per_output(tmp_path):
    from visualnet.io.project_checks import _check_training

    _check_training({"metrics": {"a": ["mae", {"class_name": "AUC", "config": {"curve": "PR"}}], "b": "accuracy"}})
    with pytest.raises(ProjectFileError, match="Nope"):
        _check_training({"metrics": {"a": ["mae"], "b": [{"class_name": "Nope", "config": {}}]}})
