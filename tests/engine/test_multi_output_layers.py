"""Layers with several outputs and state inputs (issues 22 and 23): return_state,
initial_state, Bidirectional merge_mode=None. Checked against finite differences (float64)
and against real Keras 3 on identical weights: predictions and one epoch of fit."""

import numpy as np
import pytest

import visualnet
from visualnet import layers as vl
from visualnet import models as vm
from visualnet.engine.layers import LAYER_CLASSES
from visualnet.graph import Graph, infer_shapes, validate

from .layer_harness import numeric_grad

STATES = {"SimpleRNN": 1, "GRU": 1, "LSTM": 2}


# ---------------------------------------------------------------------- the graph
def test_return_state_gives_one_port_per_output_and_checks_the_states():
    g = Graph()
    x = g.add_node("Input", {"shape": (5, 3)})
    enc = g.add_node("LSTM", {"units": 4, "return_state": True})
    d_in = g.add_node("Input", {"shape": (6, 2)})
    dec = g.add_node("LSTM", {"units": 4, "return_sequences": True})
    g.connect(x.id, enc.id)
    g.connect(d_in.id, dec.id)
    g.connect(enc.id, dec.id, src_port=1)
    g.connect(enc.id, dec.id, src_port=2)
    info = infer_shapes(g)
    assert info[enc.id].shapes == [(None, 4)] * 3
    assert info[dec.id].input_shapes == [(None, 6, 2), (None, 4), (None, 4)]
    assert info[dec.id].shape == (None, 6, 4)
    assert not [p for p in validate(g) if p.severity == "error"]

    g.set_params(enc.id, units=5)   # the states no longer fit the decoder's units
    problems = [p for p in validate(g) if p.severity == "error"]
    assert any("initial state state_h (input 1) must be (batch, units) = (None, 4); it receives (None, 5)"
               in p.message for p in problems)

    g.set_params(enc.id, units=4, return_state=False)   # the ports 1 and 2 are gone
    messages = [p.message for p in validate(g) if p.code == "missing_port"]
    assert len(messages) == 2 and "wired to output 2 of 'lstm', which has 1 output (0..0)" in messages[1]


def test_a_graph_with_ports_round_trips_and_old_files_read_port_zero():
    from visualnet.graph import from_dict, to_dict

    g = Graph()
    x = g.add_node("Input", {"shape": (5, 3)})
    b = g.add_node("Bidirectional", {"units": 3, "merge_mode": None, "return_sequences": True})
    c = g.add_node("Concatenate", {})
    g.connect(x.id, b.id)
    g.connect(b.id, c.id, src_port=1)
    g.connect(b.id, c.id, src_port=0)
    assert infer_shapes(g)[b.id].shapes == [(None, 5, 3), (None, 5, 3)]
    data = to_dict(g)
    again = from_dict(data)
    assert sorted((e.src_port, e.dst_port) for e in again.edges.values()) == [(0, 0), (0, 1), (1, 0)]
    old = to_dict(g)
    old["edges"] = [e for e in old["edges"] if e["src_port"] == 0]
    for e in old["edges"]:
        e.pop("src_port")   # a file of before: every wire reads output 0
    assert {e.src_port for e in from_dict(old).edges.values()} == {0}


def test_a_wire_from_an_output_a_node_lacks_is_refused_when_drawn():
    from visualnet.graph.model import GraphError

    g = Graph()
    x = g.add_node("Input", {"shape": (5, 3)})
    gru = g.add_node("GRU", {"units": 4})
    d = g.add_node("Dense", {"units": 2})
    g.connect(x.id, gru.id)
    with pytest.raises(GraphError, match="'gru' has no output port 1: it has 1 output"):
        g.connect(gru.id, d.id, src_port=1)


# ---------------------------------------------------------------------- finite differences
@pytest.mark.parametrize("layer_type", ["SimpleRNN", "LSTM", "GRU"])
@pytest.mark.parametrize("kwargs", [{}, {"return_sequences": True, "go_backwards": True}])
@pytest.mark.parametrize("kernels", [True, False])
def test_gradients_flow_into_the_initial_states_and_out_of_the_final_ones(layer_type, kwargs, kernels,
                                                                           monkeypatch):
    from visualnet.engine.layers import recurrent

    monkeypatch.setattr(recurrent._Recurrent, "kernels", kernels)
    rng = np.random.default_rng(3)
    layer = LAYER_CLASSES[layer_type](3, return_state=True, **kwargs)
    n, steps, features, u = 2, 4, 3, 3
    k = STATES[layer_type]
    layer.build([(None, steps, features), *[(None, u)] * k])
    for w in layer.weight_specs:
        layer.values[w.name] = rng.normal(0, 0.5, w.shape)
        layer.grads[w.name] = np.zeros(w.shape)
    xs = [rng.normal(0, 1, (n, steps, features)), *[rng.normal(0, 1, (n, u)) for _ in range(k)]]
    ys = layer.forward(list(xs), True)
    assert len(ys) == 1 + k
    rs = [rng.normal(0, 1, y.shape) for y in ys]

    def loss():
        return float(sum(np.sum(y * r) for y, r in zip(layer.forward(list(xs), True), rs)))

    layer.forward(list(xs), True)
    dxs = layer.backward([r.copy() for r in rs])
    analytic = {w.name: layer.grads[w.name].copy() for w in layer.weight_specs}
    assert len(dxs) == 1 + k
    for i, (x, dx) in enumerate(zip(xs, dxs)):
        np.testing.assert_allclose(dx, numeric_grad(loss, x), atol=1e-6, rtol=1e-4, err_msg=f"input {i}")
    for name, grad in analytic.items():
        np.testing.assert_allclose(grad, numeric_grad(loss, layer.values[name]), atol=1e-6, rtol=1e-4,
                                   err_msg=name)


@pytest.mark.parametrize("kwargs", [{"merge_mode": None, "return_sequences": True},
                                    {"return_state": True}, {"merge_mode": "mul", "return_state": True,
                                                             "wrapped": "GRU"}])
def test_bidirectional_outputs_have_their_gradients(kwargs):
    rng = np.random.default_rng(4)
    layer = vl.Bidirectional(**{"units": 3, **kwargs})
    layer.build([(None, 4, 2)])
    layer.values = {w.name: rng.normal(0, 0.5, w.shape) for w in layer.weight_specs}   # float64
    layer.grads = {k: np.zeros_like(v) for k, v in layer.values.items()}
    x = rng.normal(0, 1, (2, 4, 2))
    ys = layer.forward([x], True)
    assert isinstance(ys, list) and len(ys) == layer.output_count
    rs = [rng.normal(0, 1, y.shape) for y in ys]

    def loss():
        return float(sum(np.sum(y * r) for y, r in zip(layer.forward([x], True), rs)))

    layer.forward([x], True)
    (dx,) = layer.backward([r.copy() for r in rs])
    analytic = {k: g.copy() for k, g in layer.grads.items()}
    np.testing.assert_allclose(dx, numeric_grad(loss, x), atol=1e-6, rtol=1e-4)
    for name, grad in analytic.items():
        np.testing.assert_allclose(grad, numeric_grad(loss, layer.values[name]), atol=1e-6, rtol=1e-4,
                                   err_msg=name)


# ---------------------------------------------------------------------- the Python API
def test_calls_return_lists_of_tensors_and_take_initial_state_eagerly():
    x = vl.Input((5, 3))
    outs = vl.LSTM(4, return_state=True)(x)
    assert [t.shape for t in outs] == [(None, 4)] * 3
    seq = vl.GRU(4, return_sequences=True)(vl.Input((6, 2)), initial_state=outs[1])
    assert seq.shape == (None, 6, 4)
    with pytest.raises(ValueError, match="takes 2 initial state tensor"):
        vl.LSTM(4)(x, initial_state=[outs[1]])
    with pytest.raises(ValueError, match=r"initial state state_h \(input 1\) must be \(batch, units\) = "
                                         r"\(None, 3\); it receives \(None, 4\)"):
        vl.LSTM(3)(x, initial_state=outs[1:])

    rng = np.random.default_rng(0)
    layer = vl.LSTM(4, return_state=True)
    a = rng.normal(size=(2, 5, 3)).astype("float32")
    h0, c0 = (rng.normal(size=(2, 4)).astype("float32") for _ in range(2))
    out, h, c = layer(a, initial_state=[h0, c0])
    np.testing.assert_array_equal(np.asarray(out), np.asarray(h))
    out0, _, _ = layer(a)
    assert not np.allclose(np.asarray(out0), np.asarray(out))   # the initial state matters


def test_an_output_of_a_layer_with_several_ends_the_model():
    # Keras's encoder_model = Model(enc_in, [state_h, state_c]) (issue 23: it was refused)
    x = vl.Input((5, 3))
    out, h, c = vl.LSTM(4, return_state=True)(x)
    a = np.random.default_rng(3).normal(size=(2, 5, 3)).astype("float32")
    whole = vm.Model(x, [out, h, c]).predict(a, verbose=0)
    states = vm.Model(x, [h, c]).predict(a, verbose=0)
    np.testing.assert_array_equal(vm.Model(x, c).predict(a, verbose=0), whole[2])
    np.testing.assert_array_equal(states[0], whole[1])
    np.testing.assert_array_equal(states[1], whole[2])


# ---------------------------------------------------------------------- against real Keras
def encoder_decoder(lib):
    L = lib.layers
    enc_in, dec_in = L.Input((6, 3)), L.Input((5, 4))
    _, h, c = L.LSTM(8, return_state=True)(enc_in)
    seq = L.LSTM(8, return_sequences=True)(dec_in, initial_state=[h, c])
    return lib.models.Model([enc_in, dec_in], L.Dense(4, activation="softmax")(seq))


def gru_state(lib):
    L = lib.layers
    i = L.Input((6, 3))
    _, h = L.GRU(5, return_state=True)(i)
    return lib.models.Model(i, L.Dense(2)(h))


def bidirectional_none(lib):
    L = lib.layers
    i = L.Input((6, 3))
    fwd, bwd = L.Bidirectional(L.LSTM(4, return_sequences=True), merge_mode=None)(i)
    x = L.Concatenate()([bwd, fwd])
    return lib.models.Model(i, L.Dense(2)(L.Flatten()(x)))


def bidirectional_states(lib):
    L = lib.layers
    i = L.Input((6, 3))
    out, fh, fc, bh, bc = L.Bidirectional(L.LSTM(4, return_state=True))(i)
    x = L.Concatenate()([out, fh, bc, L.Add()([fc, bh])])
    return lib.models.Model(i, L.Dense(2)(x))


MODELS = {"encoder_decoder": encoder_decoder, "gru_state": gru_state, "bidirectional_none": bidirectional_none,
          "bidirectional_states": bidirectional_states}


def data(name, rng, n=48):
    if name == "encoder_decoder":
        x = [rng.normal(0, 1, (n, 6, 3)).astype("float32"), rng.normal(0, 1, (n, 5, 4)).astype("float32")]
        y = np.eye(4, dtype="float32")[rng.integers(0, 4, (n, 5))]   # teacher forcing: one target per step
        return x, y, "categorical_crossentropy"
    return rng.normal(0, 1, (n, 6, 3)).astype("float32"), rng.normal(0, 1, (n, 2)).astype("float32"), "mse"


@pytest.mark.oracle
@pytest.mark.parametrize("name", list(MODELS))
def test_models_predict_and_train_like_keras(name):
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(7)
    k, v = MODELS[name](keras), MODELS[name](visualnet)
    assert [type(layer).__name__ for layer in v.layers] == [type(layer).__name__ for layer in k.layers]
    weights = [rng.normal(0, 0.5, w.shape).astype("float32") for w in k.get_weights()]
    assert [w.shape for w in v.get_weights()] == [w.shape for w in weights]
    k.set_weights(weights)
    v.set_weights(weights)
    x, y, loss = data(name, rng)
    np.testing.assert_allclose(v.predict(x, verbose=0), k.predict(x, verbose=0), atol=1e-5, rtol=0)
    k.compile(keras.optimizers.SGD(learning_rate=0.05), loss)
    v.compile(visualnet.optimizers.SGD(learning_rate=0.05), loss)
    hk = k.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    hv = v.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    assert max(float(np.abs(a - b).max()) for a, b in zip(k.get_weights(), v.get_weights())) <= 2e-3
    assert hv.history["loss"][0] == pytest.approx(hk.history["loss"][0], rel=1e-4)


def test_summary_shows_the_layer_once_with_all_its_outputs(capsys):
    encoder_decoder(visualnet).summary(line_length=160)
    text = capsys.readouterr().out
    import re
    assert len(re.findall(r"lstm_?\d* \(LSTM\)", text)) == 2   # the encoder and the decoder, once each
    assert "[(None, 8), (None, 8), (None, 8)]" in text
    assert re.search(r"lstm_?\d*\[0\]\[1\]", text) and re.search(r"lstm_?\d*\[0\]\[2\]", text)


def test_a_nested_model_keeps_its_state_wires():
    """A functional model holding the encoder-decoder, used as a layer: its wires keep their ports."""
    inner = encoder_decoder(visualnet)
    a, b = vl.Input((6, 3)), vl.Input((5, 4))
    outer = vm.Model([a, b], vl.Dense(2)(inner([a, b])))
    rng = np.random.default_rng(2)
    x = [rng.normal(size=(4, 6, 3)).astype("float32"), rng.normal(size=(4, 5, 4)).astype("float32")]
    ports = sorted(e.src_port for e in outer.traced_graph.edges.values())
    assert ports.count(1) == 1 and ports.count(2) == 1
    expected = outer.get_layer(outer.layers[-1].name)(inner.predict(x, verbose=0))
    np.testing.assert_allclose(outer.predict(x, verbose=0), np.asarray(expected), atol=1e-6)


def test_a_sequential_model_refuses_a_layer_with_several_outputs():
    with pytest.raises(ValueError, match="single output tensor; 'lstm.*' \\(LSTM\\) has 3 \\(return_state\\)"):
        vm.Sequential([vl.Input((5, 3)), vl.LSTM(4, return_state=True), vl.Dense(2)])
