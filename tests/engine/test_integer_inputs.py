"""Input(dtype="int32"/"int64") for token ids (issue 22), as Keras takes it: the model,
its files both ways, the exported scripts and ONNX carry the dtype; the engine computes in
float32 either way."""

import numpy as np
import pytest

import visualnet
from visualnet import layers

@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


IDS = np.array([[1, 2, 3, 0], [4, 5, 0, 0]], dtype="int64")


def _model(lib, dtype="int32"):
    i = lib.Input((4,), dtype=dtype, name="tokens")
    x = lib.layers.Embedding(8, 3)(i)
    return lib.Model(i, lib.layers.Dense(2)(lib.layers.GlobalAveragePooling1D()(x)))


@pytest.mark.parametrize("dtype", ["int32", "int64", np.int32])
def test_the_dtype_is_the_inputs_parameter(dtype):
    model = _model(visualnet, dtype)
    node = next(n for n in model.to_graph().nodes.values() if n.type == "Input")
    assert node.params["dtype"] == np.dtype(dtype).name
    assert model.predict(IDS, verbose=0).shape == (2, 2)


def test_other_dtypes_are_refused_naming_the_choices():
    with pytest.raises(ValueError, match="'dtype' must be one of float32, int32, int64, string. Received: "
                                         "dtype='float16'"):
        layers.Input((4,), dtype="float16")


@pytest.mark.oracle
@pytest.mark.parametrize("ext", [".keras", ".h5"])
def test_keras_files_carry_it_both_ways(keras, tmp_path, ext):
    ours = _model(visualnet, "int64")
    ours.save(tmp_path / f"ours{ext}")
    theirs = keras.models.load_model(tmp_path / f"ours{ext}")
    assert theirs.inputs[0].dtype == "int64"
    np.testing.assert_allclose(keras.ops.convert_to_numpy(theirs.predict(IDS, verbose=0)),
                               ours.predict(IDS, verbose=0), atol=1e-6)
    theirs.save(tmp_path / f"theirs{ext}")
    back = visualnet.models.load_model(tmp_path / f"theirs{ext}")
    assert next(n for n in back.to_graph().nodes.values() if n.type == "Input").params["dtype"] == "int64"


def test_onnx_takes_integer_ids(tmp_path):
    import onnx
    import onnxruntime as ort

    from visualnet.io.onnx_export import export_onnx

    model = _model(visualnet, "int64")
    path = export_onnx(model, tmp_path / "ids.onnx")
    assert onnx.load(str(path)).graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.INT64
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(session.run(None, {"tokens": IDS})[0], model.predict(IDS, verbose=0), atol=1e-6)


def test_the_keras_script_declares_it():
    from visualnet.io.code_export import keras_script

    text, _ = keras_script(_model(visualnet, "int32"), weights=None)
    assert "keras.Input(shape=(4,), name='tokens', dtype='int32')" in text
