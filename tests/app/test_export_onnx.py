"""File ▸ Export ▸ ONNX Model with the real window: the file onnxruntime runs predicts as
the canvas's model; a model with problems is refused before a file is written."""

import numpy as np
import onnxruntime as ort

from visualnet.utils import set_random_seed


def test_export_onnx_from_the_file_menu(window, answers, tmp_path):
    window.load_template("mnist_cnn")
    answers.save_names.append(tmp_path / "digits")                # the suffix is added
    set_random_seed(0)                                            # untrained: the same initial weights below
    window.actions["export_onnx"].trigger()
    path = tmp_path / "digits.onnx"
    assert path.is_file()
    assert window.statusBar().currentMessage().startswith(f"Exported {path}")
    set_random_seed(0)
    model, _ = window.files.build_model("test")
    x = np.random.default_rng(0).random((3, 28, 28, 1), dtype=np.float32)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    y = session.run(None, {session.get_inputs()[0].name: x})[0]
    np.testing.assert_allclose(y, model.predict(x, verbose=0), atol=1e-5)


def test_export_onnx_of_an_invalid_model_is_refused(window, answers, tmp_path):
    window.add_layer("Dense")                                     # a Dense without an input
    assert not window.files.export_onnx(tmp_path / "x.onnx")
    assert "Fix the model's problems first" in answers.warnings[-1][1]
    assert not (tmp_path / "x.onnx").exists()
