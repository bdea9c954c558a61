"""`visualnet info` and `visualnet export`."""

from visualnet.io import open_project, read_keras_file


def test_info_shows_layers_parameters_recipe_and_runs(iris_project, tmp_path, cli):
    assert cli("train", iris_project, "--json")[0] == 0
    code, out, err = cli("info", iris_project)
    assert code == 0 and err == ""
    for text in ("dense_2 (Dense)", "(None, 3)", "Trainable params: 191", "Data: builtin iris", "steps: standardize",
                 "3 classes", "Runs: 1", "1. finished, 3 epoch(s): loss", "; test: loss"):
        assert text in out, text


def test_info_reads_keras_files_and_model_descriptions(iris_project, tmp_path, cli):
    from visualnet.graph import to_json
    from visualnet.graph.templates import load_template

    assert cli("export", iris_project, "--format", "h5", "-o", tmp_path / "m.h5")[0] == 0
    code, out, _ = cli("info", tmp_path / "m.h5")
    assert code == 0 and out.startswith("m.h5: Keras model") and "Trainable params: 191" in out
    (tmp_path / "cnn.json").write_text(to_json(load_template("mnist_cnn")), encoding="utf-8")
    code, out, _ = cli("info", tmp_path / "cnn.json")
    assert code == 0 and "Conv2D" in out and "Data: no recipe" in out
    assert "Multiply-adds per sample: " in out and "conv2d 194,688" in out
    assert "," in out.split("Total params: ")[1].split()[0]          # thousands separators


def test_export_writes_each_format(iris_project, tmp_path, cli):
    assert cli("train", iris_project, "--json")[0] == 0
    trained = open_project(iris_project).weights
    for fmt, name in (("keras", "m.keras"), ("h5", "m.h5"), ("keras-script", "k.py"), ("torch-script", "t.py")):
        code, out, _ = cli("export", iris_project, "--format", fmt, "-o", tmp_path / name)
        assert code == 0 and (tmp_path / name).is_file(), fmt
    assert (tmp_path / "k_weights.npz").is_file() and (tmp_path / "t_weights.npz").is_file()
    _, weights, _ = read_keras_file(tmp_path / "m.keras")
    kernel = next(a for nid, arrays in trained.items() for n, a in arrays.items() if n == "kernel")
    assert any((w == kernel).all() for arrays in weights.values() for w in arrays if w.shape == kernel.shape)


def test_export_onnx_predicts_as_the_trained_project(iris_project, tmp_path, cli):
    import numpy as np
    import onnxruntime as ort

    assert cli("train", iris_project, "--json")[0] == 0
    code, out, err = cli("export", iris_project, "--format", "onnx", "-o", tmp_path / "m.onnx")
    assert code == 0 and out.startswith(f"Wrote {tmp_path / 'm.onnx'}") and "untrained" not in out
    model = open_project(iris_project).build_model()
    x = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")
    session = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    y = session.run(None, {session.get_inputs()[0].name: x})[0]
    np.testing.assert_allclose(y, model.predict(x, verbose=0), atol=1e-5)


def test_export_onnx_to_another_suffix_is_bad_input(iris_project, tmp_path, cli):
    code, out, err = cli("export", iris_project, "--format", "onnx", "-o", tmp_path / "m.keras")
    assert code == 2 and "the onnx export is written to a .onnx file" in err and len(err.splitlines()) == 1
