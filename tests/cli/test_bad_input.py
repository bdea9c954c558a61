"""Bad input exits with status 2 and one line naming the file and the problem."""

import json

import pytest


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.mark.parametrize("command", ["info", "train", "evaluate", "export"])
def test_a_missing_file(tmp_path, cli, command):
    extra = ["--format", "keras", "-o", tmp_path / "m.keras"] if command == "export" else []
    code, _, err = cli(command, tmp_path / "none.vnet", *extra)
    assert code == 2 and one_line(err) == f"visualnet {command}: {tmp_path / 'none.vnet'}: no such file"


def test_a_corrupt_project(iris_project, tmp_path, cli):
    bad = tmp_path / "bad.vnet"
    bad.write_bytes(iris_project.read_bytes()[:400])
    code, _, err = cli("info", bad)
    assert code == 2 and one_line(err).startswith(f"visualnet info: {bad}: 'bad.vnet' is not a VisualNet project")
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    code, _, err = cli("train", tmp_path / "bad.json", "--data", "iris")
    assert code == 2 and str(tmp_path / "bad.json") in one_line(err)


def test_an_unknown_builtin(iris_project, cli):
    code, _, err = cli("train", iris_project, "--data", "no_such_data")
    assert code == 2 and one_line(err).startswith("visualnet train: no_such_data: neither a data file nor a built-in")


def test_a_wrong_format_or_output(iris_project, tmp_path, cli):
    code, _, err = cli("export", iris_project, "--format", "caffe", "-o", tmp_path / "m.x")
    assert code == 2 and "invalid choice: 'caffe'" in one_line(err)
    code, _, err = cli("export", iris_project, "--format", "keras", "-o", tmp_path / "m.h5")
    assert code == 2 and one_line(err).endswith("the keras export is written to a .keras file")
    code, _, err = cli("predict", iris_project, "--input", tmp_path / "x.npy", "-o", tmp_path / "y.npy")
    assert code == 2 and one_line(err).endswith("x.npy: no such file or folder")


def test_untrained_projects_and_projects_without_data(iris_project, tmp_path, cli):
    code, _, err = cli("evaluate", iris_project)
    assert code == 2 and one_line(err).endswith("it has no trained weights to evaluate; train it first")
    assert cli("export", iris_project, "--format", "h5", "-o", tmp_path / "m.h5")[0] == 0
    code, _, err = cli("train", tmp_path / "m.h5")
    assert code == 2 and one_line(err).endswith("it has no data recipe; give the data with --data PATH_OR_BUILTIN")


def test_data_outside_the_projects_folder_needs_permission(tmp_path, cli):
    import numpy as np

    from visualnet import data
    from visualnet.io import Project, save_project

    from .conftest import iris_graph

    iris = data.load_builtin("iris")
    np.save(tmp_path / "x.npy", iris.x.astype("float32"))
    np.save(tmp_path / "y.npy", iris.y)
    (tmp_path / "project").mkdir()
    recipe = data.Recipe({"type": "numpy", "path": str(tmp_path / "x.npy"), "y_path": str(tmp_path / "y.npy")})
    save_project(Project(iris_graph(), recipe), tmp_path / "project" / "p.vnet")
    code, _, err = cli("train", tmp_path / "project" / "p.vnet", "--json")
    assert code == 2 and "pass --allow-outside-data to read it" in one_line(err)
    code, out, err = cli("train", tmp_path / "project" / "p.vnet", "--json", "--allow-outside-data", "--epochs", 1)
    assert code == 0, err


def test_a_recipe_this_version_cannot_read(iris_project, tmp_path, cli):
    import h5py

    from visualnet.io import project as project_file

    with h5py.File(iris_project, "a") as f:                  # a newer version's preprocessing step
        recipe = json.loads(f["data_recipe"][()].decode())
        recipe["steps"].append({"step": "denoise"})
        del f["data_recipe"]
        project_file._text(f, "data_recipe", json.dumps(recipe))
        project_file._seal(f)
    code, out, _ = cli("info", iris_project)
    assert code == 0 and "Data: not read (the data recipe is invalid" in out and "denoise" in out
    code, _, err = cli("train", iris_project, "--epochs", "1")
    assert code == 2 and "data recipe is invalid" in one_line(err) and "--data" in one_line(err)
    code, _, err = cli("train", iris_project, "--epochs", "1", "--data", "iris", "-o", tmp_path / "t.vnet")
    assert code == 0, err
