"""Models with several-output layers (return_state, Bidirectional merge_mode=None) and
initial_state in Keras files, both dialects, both ways against real Keras 3: each inbound
connection keeps its tensor index (keras_history [layer, 0, index]); and in project files
(`Edge.src_port`)."""

import json

import numpy as np
import pytest

import visualnet
from visualnet import models as vm
from visualnet.graph import from_dict, to_dict

from ..engine.test_multi_output_layers import MODELS, data

keras = pytest.importorskip("keras")
pytestmark = pytest.mark.oracle


def _pair(name, seed=11):
    """The model in Keras and in VisualNet with the same random weights."""
    rng = np.random.default_rng(seed)
    k, v = MODELS[name](keras), MODELS[name](visualnet)
    weights = [rng.normal(0, 0.5, w.shape).astype("float32") for w in k.get_weights()]
    k.set_weights(weights)
    v.set_weights(weights)
    x, _, _ = data(name, rng, n=8)
    return k, v, x


@pytest.mark.parametrize("ext", [".keras", ".h5"])
@pytest.mark.parametrize("name", list(MODELS))
def test_visualnet_saves_keras_loads(tmp_path, name, ext):
    k, v, x = _pair(name)
    path = tmp_path / f"m{ext}"
    v.save(path)
    loaded = keras.models.load_model(path, compile=False)
    np.testing.assert_allclose(np.asarray(loaded.predict(x, verbose=0)), k.predict(x, verbose=0), atol=1e-5, rtol=0)


@pytest.mark.parametrize("ext", [".keras", ".h5"])
@pytest.mark.parametrize("name", list(MODELS))
def test_visualnet_saves_and_loads(tmp_path, name, ext):
    _, v, x = _pair(name)
    v.save(tmp_path / f"m{ext}")
    loaded = vm.load_model(tmp_path / f"m{ext}")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), v.predict(x, verbose=0))


@pytest.mark.parametrize("ext", [".keras", ".h5"])
@pytest.mark.parametrize("name", list(MODELS))
def test_keras_saves_visualnet_loads(tmp_path, name, ext):
    k, v, x = _pair(name)
    path = tmp_path / f"m{ext}"
    k.save(path)
    loaded = vm.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), k.predict(x, verbose=0), atol=1e-5, rtol=0)
    ports = sorted(e.src_port for e in loaded.traced_graph.edges.values())
    assert ports == sorted(e.src_port for e in v.traced_graph.edges.values())


def test_the_h5_dialect_writes_tensor_indices_and_initial_state(tmp_path):
    import h5py

    _, v, _ = _pair("encoder_decoder")
    v.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5") as f:
        layers = json.loads(f.attrs["model_config"])["config"]["layers"]
    decoder = next(layer for layer in layers if layer["class_name"] == "LSTM"
                   and layer["config"]["return_sequences"])
    (node,) = decoder["inbound_nodes"]
    histories = [t["config"]["keras_history"] for t in node["kwargs"]["initial_state"]]
    encoder = next(layer["name"] for layer in layers if layer["class_name"] == "LSTM"
                   and layer["config"]["return_state"])
    assert histories == [[encoder, 0, 1], [encoder, 0, 2]]


def test_the_tf_keras_form_of_initial_state_reads_as_state_inputs():
    """tf-keras wrote `layer(x, initial_state=[h, c])` as one node of three tensors."""
    from visualnet.io.keras_config import graph_from_keras_config, model_config

    _, v, _ = _pair("encoder_decoder")
    cfg = model_config(v.to_graph(), "m", False, "keras2")
    for layer in cfg["config"]["layers"]:
        nodes = layer["inbound_nodes"]
        if nodes and isinstance(nodes[0], dict):   # the decoder: rewrite it as tf-keras did
            refs = [nodes[0]["args"][0], *nodes[0]["kwargs"]["initial_state"]]
            layer["inbound_nodes"] = [[[*r["config"]["keras_history"], {}] for r in refs]]
    graph = graph_from_keras_config(cfg).graph
    decoder = next(n for n in graph.nodes.values() if n.type == "LSTM" and n.params["return_sequences"])
    assert [(e.src_port, e.dst_port) for e in graph.in_edges(decoder.id)] == [(0, 0), (1, 1), (2, 2)]


def test_a_file_wiring_an_output_the_layer_lacks_is_refused(tmp_path):
    from visualnet.io import KerasFileError, UnsupportedLayersError
    from visualnet.io.keras_config import graph_from_keras_config, model_config

    _, v, _ = _pair("gru_state")
    cfg = model_config(v.to_graph(), "m", False, "keras3")
    dense = next(layer for layer in cfg["config"]["layers"] if layer["class_name"] == "Dense")
    dense["inbound_nodes"][0]["args"][0]["config"]["keras_history"][2] = 4
    with pytest.raises((KerasFileError, UnsupportedLayersError), match="no output port 4"):
        graph_from_keras_config(cfg)


def test_the_project_graph_keeps_src_port():
    _, v, _ = _pair("bidirectional_states")
    graph = v.to_graph()
    again = from_dict(json.loads(json.dumps(to_dict(graph))))
    assert sorted((e.src, e.src_port, e.dst, e.dst_port) for e in again.edges.values()) == \
        sorted((e.src, e.src_port, e.dst, e.dst_port) for e in graph.edges.values())
    assert {e.src_port for e in again.edges.values()} == {0, 1, 2, 3, 4}


@pytest.mark.parametrize("name", list(MODELS))
def test_get_config_reads_back_in_keras_and_in_visualnet(name):
    k, v, x = _pair(name)
    cfg = v.get_config()
    again = vm.Model.from_config(cfg)
    again.set_weights(v.get_weights())
    np.testing.assert_allclose(again.predict(x, verbose=0), v.predict(x, verbose=0), atol=1e-6, rtol=0)
    theirs = keras.Model.from_config(json.loads(json.dumps(cfg)))
    theirs.set_weights(v.get_weights())
    np.testing.assert_allclose(np.asarray(theirs.predict(x, verbose=0)), k.predict(x, verbose=0), atol=1e-5, rtol=0)
    mine = vm.Model.from_config(k.get_config())
    mine.set_weights(k.get_weights())
    np.testing.assert_allclose(mine.predict(x, verbose=0), k.predict(x, verbose=0), atol=1e-5, rtol=0)


SCRIPT_CASES = [pytest.param(n, k, marks=() if (n, k) in (("encoder_decoder", "torch"), ("gru_state", "keras"))
                             else pytest.mark.slow) for n in MODELS for k in ("keras", "torch")]


@pytest.mark.parametrize("name,kind", SCRIPT_CASES)
def test_exported_scripts_reproduce_the_predictions(tmp_path, name, kind):
    from visualnet.io.code_export import export_keras_script, export_torch_script

    from .test_code_export import run

    _, v, x = _pair(name)
    xs = x if isinstance(x, list) else [x]
    np.savez(tmp_path / "x.npz", **{n: a for n, a in zip([v.layers_by_node_id[i].name for i in v.input_node_ids],
                                                           xs)})
    export = export_torch_script if kind == "torch" else export_keras_script
    export(v, tmp_path / "s.py", weights="npz")
    run(tmp_path / "s.py", "--predict", "x.npz", "y.npy", cwd=tmp_path)
    assert np.abs(np.load(tmp_path / "y.npy") - v.predict(x, verbose=0)).max() <= 1e-4


def test_the_keras_script_unpacks_the_outputs_and_passes_initial_state():
    from visualnet.io.code_export import keras_script, torch_script

    _, v, _ = _pair("encoder_decoder")
    text, _ = keras_script(v, weights=None)
    enc = next(layer.name for layer in v.layers if type(layer).__name__ == "LSTM" and layer.config["return_state"])
    assert f"{enc}, {enc}_out1, {enc}_out2 = layers.LSTM(" in text
    assert f"initial_state=[{enc}_out1, {enc}_out2])" in text
    text, _ = torch_script(v, weights=None)
    assert f"[{enc}[1], {enc}[2]]" in text and "def rnn_call(" in text



def test_onnx_export_refuses_several_outputs_naming_the_layer(tmp_path):
    pytest.importorskip("onnx")
    from visualnet.io.onnx_export import OnnxExportError, export_onnx

    _, v, _ = _pair("gru_state")
    gru = next(layer.name for layer in v.layers if type(layer).__name__ == "GRU")
    with pytest.raises(OnnxExportError, match=f"{gru} \\(GRU\\): ONNX export of layers with several outputs"):
        export_onnx(v, tmp_path / "m.onnx")
