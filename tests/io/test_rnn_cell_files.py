"""RNN over cells in files (issue 23), both ways against real Keras 3 (.keras, and the legacy .h5
for the built-in cells): Keras's `RNN(LSTMCell)`,
`RNN(StackedRNNCells)` and `RNN([cells])` load in VisualNet (as the LSTM, GRU, SimpleRNN layers
that compute the same) and predict the same; what VisualNet writes back loads in Keras; a
cell written in Python saves its config and loads with custom_objects. Project files and
the exported scripts keep the equivalent recurrent layers."""

from __future__ import annotations

import json

import numpy as np
import pytest

import visualnet
from visualnet import models as vm
from visualnet.graph import from_dict, to_dict

from ..engine.test_rnn_cells import minimal_cell_class

keras = pytest.importorskip("keras")
pytestmark = pytest.mark.oracle
TOL = 1e-5


def _lstm_cell(lib):
    L = lib.layers
    i = L.Input((6, 3))
    x = L.RNN(L.LSTMCell(4), return_sequences=True)(i)
    return lib.models.Model(i, L.Dense(2)(L.Flatten()(x)))


def _stacked_states(lib):
    """StackedRNNCells with return_state: the output and each cell's states feed the head."""
    L = lib.layers
    i = L.Input((6, 3))
    out, h1, (h2, c2) = L.RNN(L.StackedRNNCells([L.SimpleRNNCell(3), L.LSTMCell(4)]), return_state=True,
                              go_backwards=True)(i)
    return lib.models.Model(i, L.Dense(2)(L.Concatenate()([out, h1, h2, c2])))


def _masked_gru(lib):
    L = lib.layers
    i = L.Input((6,))
    x = L.Embedding(10, 3, mask_zero=True)(i)
    x = L.RNN(L.GRUCell(4), return_sequences=True)(x)
    return lib.models.Model(i, L.Dense(2)(L.GlobalAveragePooling1D()(x)))


def _sequential_list(lib):
    L = lib.layers
    return lib.models.Sequential([L.Input((6, 3)), L.RNN([L.GRUCell(4), L.GRUCell(3)]), L.Dense(2)])


def _initial_state(lib):
    L = lib.layers
    i, h, c = L.Input((6, 3)), L.Input((4,)), L.Input((4,))
    x = L.RNN(L.LSTMCell(4))(i, initial_state=[h, c])
    return lib.models.Model([i, h, c], L.Dense(2)(x))


MODELS = {"lstm_cell": _lstm_cell, "stacked_states": _stacked_states, "masked_gru": _masked_gru,
          "sequential_list": _sequential_list}


def _x(name, rng, n=8):
    if name == "masked_gru":
        x = rng.integers(1, 10, (n, 6)).astype("float32")
        x[::2, 4:] = 0
        return x
    return rng.normal(0, 1, (n, 6, 3)).astype("float32")


def _keras_model(name, seed=4):
    rng = np.random.default_rng(seed)
    k = MODELS[name](keras)
    k.set_weights([rng.normal(0, 0.5, w.shape).astype("float32") for w in k.get_weights()])
    return k, _x(name, rng)


@pytest.mark.parametrize("ext", [".keras", ".h5"])
@pytest.mark.parametrize("name", list(MODELS))
def test_keras_files_load_and_predict_the_same_and_go_back(tmp_path, name, ext):
    k, x = _keras_model(name)
    expected = k.predict(x, verbose=0)
    k.save(tmp_path / f"k{ext}")
    mine = vm.load_model(tmp_path / f"k{ext}")
    np.testing.assert_allclose(mine.predict(x, verbose=0), expected, atol=TOL, rtol=0)
    mine.save(tmp_path / f"v{ext}")
    back = keras.models.load_model(tmp_path / f"v{ext}", compile=False)
    np.testing.assert_allclose(np.asarray(back.predict(x, verbose=0)), expected, atol=TOL, rtol=0)


def test_initial_states_reach_the_lowered_layer(tmp_path):
    rng = np.random.default_rng(1)
    k = _initial_state(keras)
    k.set_weights([rng.normal(0, 0.5, w.shape).astype("float32") for w in k.get_weights()])
    xs = [rng.normal(0, 1, s).astype("float32") for s in ((5, 6, 3), (5, 4), (5, 4))]
    k.save(tmp_path / "k.keras")
    mine = vm.load_model(tmp_path / "k.keras")
    np.testing.assert_allclose(mine.predict(xs, verbose=0), k.predict(xs, verbose=0), atol=TOL, rtol=0)


@pytest.mark.parametrize("name", ["lstm_cell", "stacked_states"])
def test_visualnet_models_over_cells_load_in_keras(tmp_path, name):
    k, x = _keras_model(name)
    v = MODELS[name](visualnet)
    v.set_weights(k.get_weights())
    np.testing.assert_allclose(v.predict(x, verbose=0), k.predict(x, verbose=0), atol=TOL, rtol=0)
    v.save(tmp_path / "v.keras")
    back = keras.models.load_model(tmp_path / "v.keras", compile=False)
    np.testing.assert_allclose(np.asarray(back.predict(x, verbose=0)), k.predict(x, verbose=0), atol=TOL, rtol=0)
    again = vm.load_model(tmp_path / "v.keras")
    np.testing.assert_array_equal(again.predict(x, verbose=0), v.predict(x, verbose=0))


def test_the_lowered_layers_are_what_keras_computes_and_the_project_keeps_them():
    v = _stacked_states(visualnet)
    graph = v.to_graph()
    assert sorted(n.type for n in graph.nodes.values() if n.type in ("SimpleRNN", "LSTM")) == ["LSTM", "SimpleRNN"]
    again = from_dict(json.loads(json.dumps(to_dict(graph))))
    assert to_dict(again) == to_dict(graph)


@pytest.mark.parametrize("stacked", [False, True])
def test_user_cell_files_round_trip_with_custom_objects(tmp_path, stacked):
    rng = np.random.default_rng(2)
    x = rng.normal(0, 1, (6, 5, 3)).astype("float32")
    mine_cls, their_cls = minimal_cell_class(visualnet), minimal_cell_class(keras)

    def build(lib, cls):
        L = lib.layers
        i = L.Input((5, 3))
        cell = [cls(4), cls(3)] if stacked else cls(4)
        return lib.models.Model(i, L.Dense(2)(L.RNN(cell, return_sequences=True)(i)))

    k, v = build(keras, their_cls), build(visualnet, mine_cls)
    weights = [rng.normal(0, 0.5, w.shape).astype("float32") for w in k.get_weights()]
    k.set_weights(weights)
    v.set_weights(weights)
    v.save(tmp_path / "v.keras")
    with pytest.raises(Exception, match="MinimalRNNCell"):
        vm.load_model(tmp_path / "v.keras")
    again = vm.load_model(tmp_path / "v.keras", custom_objects={"MinimalRNNCell": mine_cls})
    np.testing.assert_array_equal(again.predict(x, verbose=0), v.predict(x, verbose=0))
    theirs = keras.models.load_model(tmp_path / "v.keras", custom_objects={"MinimalRNNCell": their_cls},
                                     compile=False)
    np.testing.assert_allclose(np.asarray(theirs.predict(x, verbose=0)), k.predict(x, verbose=0), atol=TOL, rtol=0)
    k.save(tmp_path / "k.keras")
    loaded = vm.load_model(tmp_path / "k.keras", custom_objects={"MinimalRNNCell": mine_cls})
    np.testing.assert_allclose(loaded.predict(x, verbose=0), k.predict(x, verbose=0), atol=TOL, rtol=0)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["keras", "torch"])
def test_exported_scripts_of_a_model_over_cells_reproduce_it(tmp_path, kind):
    from visualnet.io.code_export import export_keras_script, export_torch_script

    from .test_code_export import run

    k, x = _keras_model("lstm_cell")
    v = _lstm_cell(visualnet)
    v.set_weights(k.get_weights())
    np.save(tmp_path / "x.npy", x)
    (export_keras_script if kind == "keras" else export_torch_script)(v, tmp_path / "s.py")
    run(tmp_path / "s.py", "--predict", "x.npy", "y.npy", cwd=tmp_path)
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), v.predict(x, verbose=0), atol=1e-4, rtol=0)


def test_a_masked_stacked_backward_rnn_file_is_refused_not_misread(tmp_path):
    """Read as plain layers, the later cells would not see the reversed mask Keras gives them:
    the file is refused, naming the layer, rather than predicting other numbers."""
    L = keras.layers
    i = L.Input((5,), dtype="int32")
    x = L.RNN([L.GRUCell(3), L.GRUCell(2)], go_backwards=True, name="back")(L.Embedding(9, 4, mask_zero=True)(i))
    keras.models.Model(i, x).save(tmp_path / "m.keras")
    with pytest.raises(ValueError, match="'back'.*backwards.*masks"):
        vm.load_model(tmp_path / "m.keras")
