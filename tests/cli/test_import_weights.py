"""`visualnet import-weights PROJECT WEIGHTS -o OUT`: weights trained elsewhere into a project."""

import numpy as np
import pytest

from visualnet.io import open_project


def _keras_ordered(model, scale=1.0) -> dict:
    """What the exported scripts write: "<layer name>/<index>" arrays in Keras's order."""
    rng = np.random.default_rng(3)
    return {f"{layer.name}/{i}": (rng.normal(size=np.shape(w)) * scale).astype("float32")
            for layer in model.layers for i, w in enumerate(layer.get_weights())}


def test_the_weights_replace_the_project_s(iris_project, tmp_path, cli):
    assert cli("train", iris_project, "--json")[0] == 0
    before = open_project(iris_project)
    model = before.build_model(compile=False)
    arrays = _keras_ordered(model)
    np.savez(tmp_path / "w.npz", **arrays)
    code, out, err = cli("import-weights", iris_project, tmp_path / "w.npz", "-o", tmp_path / "out.vnet")
    assert code == 0 and err == "" and "Wrote" in out and "w.npz" in out
    after = open_project(tmp_path / "out.vnet")
    assert after.optimizer is None and len(after.runs) == len(before.runs) == 1
    back = after.build_model(compile=False)
    for layer in back.layers:
        for i, w in enumerate(layer.get_weights()):
            np.testing.assert_array_equal(w, arrays[f"{layer.name}/{i}"])
    assert cli("import-weights", iris_project, tmp_path / "w.npz")[0] == 0          # in place by default
    x = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")
    np.testing.assert_array_equal(open_project(iris_project).build_model(compile=False).predict(x, verbose=0),
                                  back.predict(x, verbose=0))


def test_keras_weights_files_are_read_too(iris_project, tmp_path, cli):
    model = open_project(iris_project).build_model(compile=False)
    model.set_weights([w + 1.0 for w in model.get_weights()])
    from visualnet.io.keras_files import save_weights

    save_weights(model, tmp_path / "m.weights.h5")
    assert cli("import-weights", iris_project, tmp_path / "m.weights.h5", "-o", tmp_path / "o.vnet")[0] == 0
    back = open_project(tmp_path / "o.vnet").build_model(compile=False)
    for a, b in zip(back.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("damage, message", [
    (lambda a: a.pop(next(iter(a))), "are missing"),
    (lambda a: a.update({"stray/0": np.zeros(3, "float32")}), "stray/0 match no weight"),
    (lambda a: a.update({k: v[:1] for k, v in list(a.items())[:1]}), "has shape"),
    (lambda a: a.update({k: v * np.nan for k, v in list(a.items())[:1]}), "NaN or infinite"),
])
def test_weights_that_do_not_fit_are_one_line_naming_the_file(iris_project, tmp_path, cli, damage, message):
    arrays = _keras_ordered(open_project(iris_project).build_model(compile=False))
    damage(arrays)
    np.savez(tmp_path / "bad.npz", **arrays)
    code, out, err = cli("import-weights", iris_project, tmp_path / "bad.npz", "-o", tmp_path / "o.vnet")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith(f"visualnet import-weights: {tmp_path / 'bad.npz'}: ") and message in err
    assert not (tmp_path / "o.vnet").exists()


def test_bad_input(iris_project, tmp_path, cli):
    np.savez(tmp_path / "obj.npz", x=np.array([[1], [2, 3]], dtype=object))
    code, _, err = cli("import-weights", iris_project, tmp_path / "obj.npz", "-o", tmp_path / "o.vnet")
    assert code == 2 and "obj.npz: " in err and "without unpickling" in err
    code, _, err = cli("import-weights", iris_project, tmp_path / "none.npz", "-o", tmp_path / "o.vnet")
    assert code == 2 and "none.npz: no such file" in err
    (tmp_path / "w.txt").write_text("x")
    code, _, err = cli("import-weights", iris_project, tmp_path / "w.txt", "-o", tmp_path / "o.vnet")
    assert code == 2 and "not a weights file" in err
    code, _, err = cli("import-weights", iris_project, tmp_path / "w.txt", "-o", tmp_path / "o.keras")
    assert code == 2 and "give -o OUT.vnet" in err
    code, _, err = cli("import-weights", iris_project)
    assert code == 2 and "WEIGHTS" in err
