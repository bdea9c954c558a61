"""ConvLSTM1D and ConvLSTM2D in files and exports (issue 23): Keras 3 `.keras` and Keras 2
`.h5` both ways against real Keras 3 (the cell's weights in Keras 3's `cell` group), the
options VisualNet refuses named on import, the exported Keras and PyTorch scripts (return_state
included; the PyTorch script saving Keras's weights back, its gradients VisualNet's), and ONNX
(onnxruntime predicting the same; steps of unknown number refused by name)."""

from __future__ import annotations

import importlib.util

import h5py
import numpy as np
import pytest

import visualnet
from visualnet import models as vm
from visualnet.io.errors import UnsupportedLayersError

keras = pytest.importorskip("keras")
pytestmark = pytest.mark.oracle


def video_model(lib, padding="same", strides=1):
    """Keras's next-frame example in small: ConvLSTM2D(return_sequences) -> ConvLSTM2D -> pooling -> Dense."""
    L = lib.layers
    i = L.Input((4, 9, 9, 2), name="frames")
    x = L.ConvLSTM2D(4, 3, padding=padding, strides=strides, return_sequences=True, name="clstm_a")(i)
    x = L.ConvLSTM2D(3, (3, 2), padding=padding, strides=strides, name="clstm_b")(x)
    x = L.GlobalAveragePooling2D(name="pool")(x)
    return lib.models.Model(i, L.Dense(2, name="out")(x), name="video")


def states_model(lib):
    """ConvLSTM1D's final cell state c (output 2) and ConvLSTM2D's sequence, read from the end."""
    L = lib.layers
    i = L.Input((5, 7, 3), name="seq")
    _, _, c = L.ConvLSTM1D(3, 3, padding="same", return_state=True, name="clstm_1d")(i)
    x = L.Reshape((1, 1, 7, 3))(c)
    x = L.ConvLSTM2D(2, (1, 3), go_backwards=True, return_sequences=True, name="clstm_2d")(x)
    return lib.models.Model(i, L.Flatten(name="flat")(x), name="states")


MODELS = {"video": video_model, "video_valid_stride2": lambda lib: video_model(lib, "valid", 2),
          "states": states_model}
SHAPES = {"video": (4, 9, 9, 2), "video_valid_stride2": (4, 9, 9, 2), "states": (5, 7, 3)}


def _pair(name, seed=12):
    """The model in Keras and in VisualNet with the same random weights, and a batch."""
    rng = np.random.default_rng(seed)
    k, v = MODELS[name](keras), MODELS[name](visualnet)
    weights = [rng.normal(0, 0.4, w.shape).astype("float32") for w in k.get_weights()]
    k.set_weights(weights)
    v.set_weights(weights)
    return k, v, rng.normal(size=(5, *SHAPES[name])).astype("float32")


@pytest.mark.parametrize("ext", [".keras", ".h5"])
@pytest.mark.parametrize("name", list(MODELS))
def test_keras_saves_visualnet_loads(tmp_path, name, ext):
    k, _, x = _pair(name)
    path = tmp_path / f"m{ext}"
    k.save(path)
    loaded = vm.load_model(path)
    assert [type(layer).__name__ for layer in loaded.layers] == [type(layer).__name__ for layer in k.layers]
    np.testing.assert_allclose(loaded.predict(x, verbose=0), k.predict(x, verbose=0), atol=1e-5, rtol=0)


@pytest.mark.parametrize("ext", [".keras", ".h5"])
@pytest.mark.parametrize("name", list(MODELS))
def test_visualnet_saves_keras_loads(tmp_path, name, ext):
    k, v, x = _pair(name)
    path = tmp_path / f"m{ext}"
    v.save(path)
    loaded = keras.models.load_model(path, compile=False)
    for layer in v.layers:
        if type(layer).__name__.startswith("ConvLSTM"):
            theirs = loaded.get_layer(layer.name).get_config()
            for key in ("filters", "kernel_size", "strides", "padding", "return_sequences", "return_state",
                        "go_backwards", "unit_forget_bias"):
                assert list(np.atleast_1d(theirs[key])) == list(np.atleast_1d(layer.get_config()[key])), key
    np.testing.assert_allclose(np.asarray(loaded.predict(x, verbose=0)), k.predict(x, verbose=0), atol=1e-5,
                               rtol=0)
    again = vm.load_model(path)
    np.testing.assert_array_equal(again.predict(x, verbose=0), v.predict(x, verbose=0))


def test_weights_sit_in_the_cell_group_as_keras_writes_them(tmp_path):
    k, v, _ = _pair("video")
    k.save_weights(tmp_path / "keras.weights.h5")
    v.save_weights(tmp_path / "visualnet.weights.h5")

    def datasets(path):
        out = {}
        with h5py.File(path, "r") as f:
            f.visititems(lambda name, obj: out.__setitem__(name, obj.shape) if isinstance(obj, h5py.Dataset)
                         else None)
        return {n: s for n, s in out.items() if n.startswith("layers/conv_lstm2d")}

    ours = datasets(tmp_path / "visualnet.weights.h5")
    assert ours == datasets(tmp_path / "keras.weights.h5")
    assert ours["layers/conv_lstm2d/cell/vars/0"] == (3, 3, 2, 16)


def test_trained_model_with_its_optimizer_goes_to_keras(tmp_path):
    _, v, x = _pair("video")
    y = np.random.default_rng(1).normal(size=(5, 2)).astype("float32")
    v.compile(visualnet.optimizers.Adam(learning_rate=0.01), "mse")
    v.fit(x, y, epochs=2, batch_size=5, verbose=0)
    v.save(tmp_path / "trained.keras")
    loaded = keras.models.load_model(tmp_path / "trained.keras")
    np.testing.assert_allclose(np.asarray(loaded.predict(x, verbose=0)), v.predict(x, verbose=0), atol=1e-5, rtol=0)
    assert loaded.optimizer.iterations.numpy() == 2


@pytest.mark.parametrize("option,value", [("dropout", 0.25), ("recurrent_dropout", 0.1)])
def test_options_not_supported_are_named_on_import(tmp_path, option, value):
    i = keras.Input((3, 5, 5, 2))
    k = keras.Model(i, keras.layers.ConvLSTM2D(2, 3, name="clstm", **{option: value})(i))
    k.save(tmp_path / "m.keras")
    with pytest.raises(UnsupportedLayersError, match=rf"layer 'clstm' \(ConvLSTM2D\): option {option}={value} is "
                                                     r"not supported \(only 0\.0\)"):
        vm.load_model(tmp_path / "m.keras")


def _import_script(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", list(MODELS))
def test_exported_keras_script(tmp_path, name):
    from visualnet.io.code_export import export_keras_script

    _, v, x = _pair(name)
    export_keras_script(v, tmp_path / "export_keras.py", weights="npz")
    script = _import_script(tmp_path / "export_keras.py", f"clstm_keras_{name}")
    model = script.build_model()
    script.load_weights(model)
    np.testing.assert_allclose(script.predict(model, x), v.predict(x, verbose=0), atol=1e-4, rtol=0)


@pytest.mark.parametrize("name", list(MODELS))
def test_exported_torch_script(tmp_path, name):
    pytest.importorskip("torch")
    from visualnet.io.code_export import export_torch_script

    _, v, x = _pair(name)
    export_torch_script(v, tmp_path / "export_torch.py", weights="npz")
    script = _import_script(tmp_path / "export_torch.py", f"clstm_torch_{name}")
    model = script.build_model()
    script.load_weights(model)
    np.testing.assert_allclose(script.predict(model, x), v.predict(x, verbose=0), atol=1e-4, rtol=0)
    back = script.keras_arrays(model)   # torch's layout traced back to Keras's order
    for layer in v.layers:
        for i, w in enumerate(layer.get_weights()):
            np.testing.assert_array_equal(back[f"{layer.name}/{i}"], w)


def test_torch_module_trains_as_visualnet(tmp_path):
    """One gradient of the exported module against VisualNet's backward through time."""
    torch = pytest.importorskip("torch")
    from visualnet.io.code_export import export_torch_script

    _, v, x = _pair("video_valid_stride2")
    y = np.random.default_rng(2).normal(size=(5, 2)).astype("float32")
    export_torch_script(v, tmp_path / "export_torch.py", weights="embed")
    script = _import_script(tmp_path / "export_torch.py", "clstm_torch_gradient")
    model = script.build_model()
    script.load_weights(model)
    loss = torch.nn.functional.mse_loss(model(torch.from_numpy(x)), torch.from_numpy(y))
    loss.backward()
    v.compile(visualnet.optimizers.SGD(learning_rate=1.0), "mse")   # one step: each weight moves by -gradient
    before = {layer.name: layer.get_weights() for layer in v.layers}
    v.fit(x, y, epochs=1, batch_size=5, shuffle=False, verbose=0)
    ours = {f"{layer.name}/{i}": b - a for layer in v.layers
            for i, (b, a) in enumerate(zip(before[layer.name], layer.get_weights()))}
    traced = script.state_from(ours)   # VisualNet's gradients in torch's layout
    for key, p in model.named_parameters():
        np.testing.assert_allclose(np.asarray(traced[key]), p.grad.numpy(), atol=1e-5, rtol=1e-4, err_msg=key)


@pytest.mark.parametrize("name", ["video", "video_valid_stride2"])
def test_onnxruntime_predicts_as_visualnet(tmp_path, name):
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    from visualnet.io.onnx_export import export_onnx

    _, v, x = _pair(name)
    path = export_onnx(v, tmp_path / "m.onnx")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    ours = session.run(None, {session.get_inputs()[0].name: x})[0]
    np.testing.assert_allclose(ours, v.predict(x, verbose=0), atol=1e-5, rtol=0)


def test_onnx_export_refuses_steps_of_unknown_number_by_name(tmp_path):
    pytest.importorskip("onnx")
    from visualnet.io.onnx_export import OnnxExportError, export_onnx

    i = visualnet.layers.Input((None, 5, 5, 2))
    v = vm.Model(i, visualnet.layers.ConvLSTM2D(2, 3, name="clstm")(i))
    with pytest.raises(OnnxExportError, match=r"layer 'clstm' \(ConvLSTM2D\) cannot be written as ONNX: its steps "
                                              "are unrolled"):
        export_onnx(v, tmp_path / "m.onnx")
    assert not (tmp_path / "m.onnx").exists()
