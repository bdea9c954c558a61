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


def test_an_onnx_file_opens_on_the_canvas_through_the_import(window, answers, tmp_path):
    from visualnet.io.onnx_export import export_onnx

    from ..io.helpers import mlp

    model = mlp()
    path = export_onnx(model, tmp_path / "mlp.onnx")
    assert window.files.import_keras(path)                       # read in the child process, as Keras files
    names = {n.name for n in window.graph.nodes.values() if n.type != "Input"}
    assert names == {layer.name for layer in model.layers if type(layer).__name__ != "InputLayer"}
    imported, _ = window.files.build_model("test")
    x = np.random.default_rng(1).normal(size=(4, *model.input_shape[1:])).astype("float32")
    np.testing.assert_allclose(imported.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)


def test_an_onnx_file_with_unknown_operators_is_refused_by_name(window, answers, tmp_path):
    import onnx
    from onnx import TensorProto, helper

    node = helper.make_node("Hardmax", ["x"], ["y"])
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 3])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 3])])
    path = tmp_path / "hard.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    window.load_template("mnist_mlp")
    assert not window.files.import_keras(path)
    title, text = answers.warnings[-1]
    assert title == "Import ONNX Model" and "'hard.onnx'" in text and "Hardmax" in text
    assert len(window.graph.nodes) == 5
