"""`visualnet evaluate` and `visualnet predict`."""

import csv

import numpy as np

from visualnet import data
from visualnet.data import transform_for_prediction
from visualnet.engine import evaluation
from visualnet.engine.model import Model
from visualnet.io import open_project


def test_evaluate_prints_metrics_confusion_matrix_and_per_class_scores(iris_project, cli):
    assert cli("train", iris_project, "--json")[0] == 0
    code, out, err = cli("evaluate", iris_project)
    assert code == 0 and err == ""
    project = open_project(iris_project)
    prepared = data.prepare(project.recipe)
    result = evaluation.classify(project.build_model(compile=False), *prepared.test, 3)
    assert "Test split: 30 samples" in out and "accuracy:" in out and "Confusion matrix" in out
    rows = [line.split() for line in out.splitlines() if line.startswith("Iris-")]
    assert [[int(c) for c in r[1:]] for r in rows[:3]] == result.matrix.tolist()
    assert rows[3][1:] == [f"{r.precision:.4f}" for r in result.report[:1]] + \
        [f"{result.report[0].recall:.4f}", f"{result.report[0].f1:.4f}", str(result.report[0].support)]


def test_predict_goes_through_the_recipe_as_the_app_does(iris_project, tmp_path, cli):
    assert cli("train", iris_project, "--json")[0] == 0
    project = open_project(iris_project)
    iris = data.load_builtin("iris")
    np.save(tmp_path / "x.npy", iris.x[:6])
    assert cli("predict", iris_project, "--input", tmp_path / "x.npy", "-o", tmp_path / "y.npy")[0] == 0
    model = project.build_model(compile=False)
    expected = model.predict(transform_for_prediction(project.recipe, iris.x[:6]), verbose=0)
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), expected, rtol=1e-6)

    with open(tmp_path / "rows.csv", "w", newline="") as f:          # named columns, target included
        w = csv.writer(f)
        w.writerow(["species", *iris.feature_names])
        w.writerows([["?", *row] for row in iris.x[:6].tolist()])
    code, out, _ = cli("predict", iris_project, "--input", tmp_path / "rows.csv", "-o", tmp_path / "y.csv")
    assert code == 0 and "Predicted 6 samples" in out
    rows = list(csv.reader(open(tmp_path / "y.csv")))
    assert rows[0] == ["prediction", "Iris-setosa", "Iris-versicolor", "Iris-virginica"]
    np.testing.assert_allclose(np.array([r[1:] for r in rows[1:]], float), expected, rtol=1e-6)
    assert [r[0] for r in rows[1:]] == data.predicted_labels(project.recipe, expected)


def test_predict_reads_a_folder_of_images(tmp_path, cli):
    from PIL import Image

    from visualnet.graph.templates import load_template
    from visualnet.io import Project, save_project

    recipe = data.Recipe.builtin("mnist", steps=[data.Rescale(1 / 255).get_config()])
    recipe.fitted = {"task": "multiclass", "kind": "image", "name": "mnist", "class_names": [str(i) for i in range(10)],
                     "feature_names": [], "columns": None, "input_shape": [28, 28, 1], "output_shape": [28, 28, 1],
                     "n_samples": 10, "fingerprint": ""}
    graph = load_template("mnist_mlp")
    project = Project(graph, recipe, weights=Model.from_graph(graph).state_dict())
    save_project(project, tmp_path / "m.vnet")
    (tmp_path / "digits" / "a").mkdir(parents=True)
    for i in range(3):
        Image.fromarray(np.full((28, 28), 40 * i, np.uint8)).save(tmp_path / "digits" / "a" / f"{i}.png")
    code, out, err = cli("predict", tmp_path / "m.vnet", "--input", tmp_path / "digits", "-o", tmp_path / "y.csv")
    assert code == 0, err
    rows = list(csv.reader(open(tmp_path / "y.csv")))
    assert rows[0][:2] == ["file", "prediction"] and len(rows) == 4 and rows[1][0].endswith("0.png")
