"""Bidirectional(...)(x, initial_state=[fh, fc, bh, bc]) as Keras takes it: the first half of
the states to the forward layer, the second half to the backward layer. The graph's ports
and shape checks, gradients into the states (finite differences), real Keras 3 on identical
weights (predictions 1e-5, one epoch of fit 2e-3 per weight), Keras files in both dialects
both ways, and the Keras and PyTorch scripts."""

import importlib.util
import os

import numpy as np
import pytest

import visualnet
from visualnet import layers as vl
from visualnet.graph import Graph, infer_shapes, validate
from visualnet.io.code_export import export_keras_script, export_torch_script

from .layer_harness import numeric_grad


def bidirectional_encoder_decoder(lib):
    """The encoder's four final states start the decoder's two directions."""
    L = lib.layers
    enc_in, dec_in = L.Input((6, 3)), L.Input((5, 2))
    _, fh, fc, bh, bc = L.Bidirectional(L.LSTM(4, return_state=True))(enc_in)
    seq = L.Bidirectional(L.LSTM(4, return_sequences=True))(dec_in, initial_state=[fh, fc, bh, bc])
    return lib.models.Model([enc_in, dec_in], L.Dense(3, activation="softmax")(seq))


def gru_from_a_context(lib):
    """A GRU pair started from a context vector projected per direction (Keras's pattern)."""
    L = lib.layers
    ctx, seq_in = L.Input((5,)), L.Input((6, 3))
    states = [L.Dense(4, activation="tanh")(ctx), L.Dense(4)(ctx)]
    y = L.Bidirectional(L.GRU(4), merge_mode="sum")(seq_in, initial_state=states)
    # (the context first: a Keras file written from the graph lists the inputs in Keras's layer order)
    return lib.models.Model([ctx, seq_in], L.Dense(2)(y))


MODELS = {"bidirectional_encoder_decoder": bidirectional_encoder_decoder, "gru_from_a_context": gru_from_a_context}


def data(name, rng, n=32):
    if name == "bidirectional_encoder_decoder":
        x = [rng.normal(0, 1, (n, 6, 3)).astype("float32"), rng.normal(0, 1, (n, 5, 2)).astype("float32")]
        return x, np.eye(3, dtype="float32")[rng.integers(0, 3, (n, 5))], "categorical_crossentropy"
    x = [rng.normal(0, 1, (n, 5)).astype("float32"), rng.normal(0, 1, (n, 6, 3)).astype("float32")]
    return x, rng.normal(0, 1, (n, 2)).astype("float32"), "mse"


def pair(keras, name, seed=7):
    rng = np.random.default_rng(seed)
    k, v = MODELS[name](keras), MODELS[name](visualnet)
    weights = [rng.normal(0, 0.5, w.shape).astype("float32") for w in k.get_weights()]
    assert [w.shape for w in v.get_weights()] == [w.shape for w in weights]
    k.set_weights(weights)
    v.set_weights(weights)
    return k, v, rng


# ---------------------------------------------------------------------- the graph
def test_the_states_are_ports_after_the_sequence_and_are_checked():
    g = Graph()
    x = g.add_node("Input", {"shape": (5, 3)})
    b = g.add_node("Bidirectional", {"units": 4, "return_sequences": True})
    g.connect(x.id, b.id)
    states = [g.add_node("Input", {"shape": (4,)}) for _ in range(4)]
    for s in states:
        g.connect(s.id, b.id)
    info = infer_shapes(g)
    assert info[b.id].input_shapes == [(None, 5, 3), *[(None, 4)] * 4] and info[b.id].shape == (None, 5, 8)
    assert not [p for p in validate(g) if p.severity == "error"]
    g.set_params(b.id, units=3)
    assert any("initial state forward_h (input 1) must be (batch, units) = (None, 3); it receives (None, 4)"
               in p.message for p in validate(g) if p.severity == "error")
    g.set_params(b.id, units=4, wrapped="GRU")   # GRU: two states (forward_h, backward_h), four wired
    assert any("initial_state is 2 tensors (forward_h, backward_h)" in p.message
               for p in validate(g) if p.severity == "error")


def test_the_python_call_takes_the_states_and_names_a_wrong_count():
    x = vl.Input((5, 3))
    h = [vl.Input((4,)) for _ in range(4)]
    assert vl.Bidirectional(vl.LSTM(4))(x, initial_state=h).shape == (None, 8)
    with pytest.raises(ValueError, match=r"takes 4 initial state tensors .* received initial_state with 2"):
        vl.Bidirectional(vl.LSTM(4))(x, initial_state=h[:2])


# ---------------------------------------------------------------------- gradients
@pytest.mark.parametrize("wrapped, kwargs", [("LSTM", {"return_sequences": True}),
                                             ("GRU", {"return_state": True, "merge_mode": "ave"})])
def test_gradients_reach_both_directions_initial_states(wrapped, kwargs):
    rng = np.random.default_rng(4)
    k = 2 if wrapped == "LSTM" else 1
    layer = vl.Bidirectional(units=3, wrapped=wrapped, **kwargs)
    layer.build([(None, 4, 2), *[(None, 3)] * (2 * k)])
    layer.values = {w.name: rng.normal(0, 0.5, w.shape) for w in layer.weight_specs}   # float64
    layer.grads = {name: np.zeros_like(v) for name, v in layer.values.items()}
    xs = [rng.normal(0, 1, (2, 4, 2)), *[rng.normal(0, 1, (2, 3)) for _ in range(2 * k)]]

    def outputs():
        ys = layer.forward(list(xs), True)
        return ys if isinstance(ys, list) else [ys]

    rs = [rng.normal(0, 1, y.shape) for y in outputs()]

    def loss():
        return float(sum(np.sum(y * r) for y, r in zip(outputs(), rs)))

    outputs()
    dxs = layer.backward([r.copy() for r in rs] if len(rs) > 1 else rs[0].copy())
    analytic = {name: g.copy() for name, g in layer.grads.items()}
    assert len(dxs) == 1 + 2 * k
    for i, (x, dx) in enumerate(zip(xs, dxs)):
        np.testing.assert_allclose(dx, numeric_grad(loss, x), atol=1e-6, rtol=1e-4, err_msg=f"input {i}")
    for name, grad in analytic.items():
        np.testing.assert_allclose(grad, numeric_grad(loss, layer.values[name]), atol=1e-6, rtol=1e-4,
                                   err_msg=name)


# ---------------------------------------------------------------------- against real Keras
@pytest.mark.oracle
@pytest.mark.parametrize("name", list(MODELS))
def test_predictions_and_one_epoch_equal_keras(name):
    keras = pytest.importorskip("keras")
    k, v, rng = pair(keras, name)
    x, y, loss = data(name, rng)
    np.testing.assert_allclose(v.predict(x, verbose=0), k.predict(x, verbose=0), atol=1e-5, rtol=0)
    k.compile(keras.optimizers.SGD(learning_rate=0.05), loss)
    v.compile(visualnet.optimizers.SGD(learning_rate=0.05), loss)
    hk = k.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    hv = v.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    assert max(float(np.abs(a - b).max()) for a, b in zip(k.get_weights(), v.get_weights())) <= 2e-3
    assert hv.history["loss"][0] == pytest.approx(hk.history["loss"][0], rel=1e-4)


@pytest.mark.oracle
@pytest.mark.parametrize("ext", [".keras", ".h5"])
@pytest.mark.parametrize("name", list(MODELS))
def test_keras_files_both_ways(tmp_path, name, ext):
    keras = pytest.importorskip("keras")
    k, v, rng = pair(keras, name)
    x, _, _ = data(name, rng, n=6)
    expected = k.predict(x, verbose=0)
    v.save(tmp_path / f"v{ext}")
    by_keras = keras.models.load_model(tmp_path / f"v{ext}", compile=False)
    np.testing.assert_allclose(np.asarray(by_keras.predict(x, verbose=0)), expected, atol=1e-5, rtol=0)
    k.save(tmp_path / f"k{ext}")
    by_visualnet = visualnet.models.load_model(tmp_path / f"k{ext}")
    np.testing.assert_allclose(by_visualnet.predict(x, verbose=0), expected, atol=1e-5, rtol=0)
    again = visualnet.models.load_model(tmp_path / f"v{ext}")
    np.testing.assert_array_equal(again.predict(x, verbose=0), v.predict(x, verbose=0))


# ---------------------------------------------------------------------- scripts
def _module(path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.oracle
@pytest.mark.parametrize("kind", ["keras", "torch"])
@pytest.mark.parametrize("name", list(MODELS))
def test_scripts_predict_as_visualnet(tmp_path, name, kind, monkeypatch):
    pytest.importorskip("keras" if kind == "keras" else "torch")
    monkeypatch.setitem(os.environ, "KERAS_BACKEND", "torch")
    rng = np.random.default_rng(5)
    v = MODELS[name](visualnet)
    v.set_weights([rng.normal(0, 0.5, w.shape).astype("float32") for w in v.get_weights()])
    x, _, _ = data(name, rng, n=6)
    export = export_torch_script if kind == "torch" else export_keras_script
    path = tmp_path / f"{kind}_{name}.py"
    export(v, path, weights="embed")
    script = _module(path)
    model = script.build_model()
    script.load_weights(model)
    np.testing.assert_allclose(script.predict(model, x), v.predict(x, verbose=0), atol=1e-5, rtol=0)


def test_onnx_export_refuses_the_initial_states_by_name():
    pytest.importorskip("onnx")
    from visualnet.io.onnx_export import OnnxExportError, onnx_model

    L = visualnet.layers
    x, states = L.Input((5, 3)), [L.Input((4,)) for _ in range(4)]
    y = L.Bidirectional(L.LSTM(4), name="both_ways")(x, initial_state=states)
    with pytest.raises(OnnxExportError, match="both_ways"):
        onnx_model(visualnet.models.Model([x, *states], y))
