"""layers.RNN over cells (issue 23): SimpleRNNCell, LSTMCell, GRUCell, StackedRNNCells and a
cell written in Python, against real Keras 3 on identical weights, and the tape's gradients
of a user cell against finite differences."""

from __future__ import annotations

import numpy as np
import pytest

import visualnet
from visualnet import layers as vl
from visualnet import models as vm

from .gradcheck import numeric_grad


def minimal_cell_class(lib):
    """The keras.io guide's MinimalRNNCell, written against `lib` (Keras or VisualNet)."""
    L, ops = lib.layers, lib.ops

    class MinimalRNNCell(L.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.state_size = units

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer="uniform", name="kernel")
            self.recurrent_kernel = self.add_weight(shape=(self.units, self.units), initializer="uniform",
                                                    name="recurrent_kernel")
            self.built = True

        def call(self, inputs, states):
            prev = states[0]
            h = ops.matmul(inputs, self.kernel) + ops.matmul(prev, self.recurrent_kernel)
            return h, [h]

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    return MinimalRNNCell


def _lstm_cell(lib):
    L = lib.layers
    i = L.Input((6, 3))
    return lib.models.Model(i, L.Dense(2)(L.RNN(L.LSTMCell(5))(i)))


def _gru_sequences(lib):
    L = lib.layers
    i = L.Input((6, 3))
    x = L.RNN(L.GRUCell(4), return_sequences=True)(i)
    return lib.models.Model(i, L.Dense(2)(L.Flatten()(x)))


def _stacked_list_with_states(lib):
    L = lib.layers
    i = L.Input((6, 3))
    out, (h1, c1), h2 = L.RNN([L.LSTMCell(4), L.GRUCell(3)], return_state=True)(i)
    return lib.models.Model(i, L.Dense(2)(L.Concatenate()([out, h1, c1, h2])))


def _stacked_cells(lib):
    L = lib.layers
    i = L.Input((6, 3))
    x = L.RNN(L.StackedRNNCells([L.SimpleRNNCell(4), L.LSTMCell(3)]), go_backwards=True)(i)
    return lib.models.Model(i, L.Dense(2)(x))


def _masked_gru(lib):
    L = lib.layers
    i = L.Input((6,))
    x = L.Embedding(10, 3, mask_zero=True)(i)
    x = L.RNN(L.GRUCell(4), return_sequences=True)(x)
    return lib.models.Model(i, L.Dense(2)(L.GlobalAveragePooling1D()(x)))


def _masked_stacked_backwards(lib):
    L = lib.layers
    i = L.Input((6,))
    x = L.Embedding(10, 3, mask_zero=True)(i)
    x = L.RNN([L.GRUCell(4), L.LSTMCell(3)], go_backwards=True, return_sequences=True, zero_output_for_mask=True)(x)
    return lib.models.Model(i, L.Dense(2)(L.Flatten()(x)))


def _minimal_cell(lib):
    L = lib.layers
    i = L.Input((6, 3))
    x = L.RNN(minimal_cell_class(lib)(4))(i)
    return lib.models.Model(i, L.Dense(2)(x))


def _masked_minimal_cell(lib):
    L = lib.layers
    i = L.Input((6,))
    x = L.Embedding(10, 3, mask_zero=True)(i)
    x = L.RNN(minimal_cell_class(lib)(4), return_sequences=True)(x)
    return lib.models.Model(i, L.Dense(2)(L.Flatten()(x)))


def _stacked_minimal_cells(lib):
    """The RNN API docs' stacked user cells."""
    L = lib.layers
    cls = minimal_cell_class(lib)
    i = L.Input((6, 3))
    return lib.models.Model(i, L.Dense(2)(L.RNN([cls(4), cls(3)], go_backwards=True)(i)))


CASES = {"lstm_cell": _lstm_cell, "gru_cell_sequences": _gru_sequences, "stacked_list_states": _stacked_list_with_states,
         "stacked_rnn_cells_backwards": _stacked_cells, "masked_gru_cell": _masked_gru,
         "masked_stacked_backwards": _masked_stacked_backwards, "minimal_cell": _minimal_cell,
         "masked_minimal_cell": _masked_minimal_cell, "stacked_minimal_cells": _stacked_minimal_cells}
MASKED = ("masked_gru_cell", "masked_minimal_cell", "masked_stacked_backwards")


def _data(name, rng):
    if name in MASKED:
        x = rng.integers(1, 10, (32, 6)).astype("float32")
        for row, length in enumerate(rng.integers(2, 7, 32)):
            x[row, length:] = 0   # padding at the end, as pad_sequences makes it
        return x
    return rng.normal(0, 1, (32, 6, 3)).astype("float32")


@pytest.mark.oracle
@pytest.mark.parametrize("name", list(CASES))
def test_rnn_over_cells_predicts_and_trains_like_keras(name):
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(3)
    k, v = CASES[name](keras), CASES[name](visualnet)
    assert [w.shape for w in v.get_weights()] == [tuple(w.shape) for w in k.get_weights()]
    weights = [rng.normal(0, 0.4, w.shape).astype("float32") for w in k.get_weights()]
    k.set_weights(weights)
    v.set_weights(weights)
    x = _data(name, rng)
    y = rng.normal(0, 1, (32, 2)).astype("float32")
    np.testing.assert_allclose(v.predict(x, verbose=0), k.predict(x, verbose=0), atol=1e-5, rtol=0)
    k.compile(keras.optimizers.SGD(learning_rate=0.05), "mse")
    v.compile(visualnet.optimizers.SGD(learning_rate=0.05), "mse")
    k.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    v.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    for a, b in zip(v.get_weights(), k.get_weights()):
        np.testing.assert_allclose(a, np.asarray(b), atol=2e-3, rtol=0)


def _rng_weights(layer, rng):
    layer.set_weights([rng.normal(0, 0.5, w.shape).astype("float32") for w in layer.get_weights()])


@pytest.mark.parametrize("cell,layer,kwargs", [
    ("LSTMCell", "LSTM", dict(units=5)),
    ("GRUCell", "GRU", dict(units=4, reset_after=False)),
    ("SimpleRNNCell", "SimpleRNN", dict(units=3, activation="relu")),
])
def test_rnn_of_a_cell_is_its_recurrent_layer(cell, layer, kwargs):
    """Same weights, same numbers, masks and initial states included (the same code runs)."""
    rng = np.random.default_rng(0)
    x = rng.normal(0, 1, (4, 7, 3)).astype("float32")
    opts = dict(return_sequences=True, return_state=True, go_backwards=True)
    r = vl.RNN(getattr(vl, cell)(**kwargs), **opts)
    plain = getattr(vl, layer)(**kwargs, **opts)
    r(x)
    plain(x)
    _rng_weights(r, rng)
    plain.set_weights(r.get_weights())
    assert isinstance(r, plain.__class__) and type(r).__name__ == "RNN" and isinstance(r, vl.RNN)
    states = [rng.normal(0, 1, (4, kwargs["units"])).astype("float32") for _ in range(2 if layer == "LSTM" else 1)]
    for a, b in zip(r(x, initial_state=states), plain(x, initial_state=states)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_weights_are_named_and_ordered_as_keras():
    r = vl.RNN(vl.LSTMCell(4, name="lstm_cell"), name="rnn")
    r.build((None, 5, 3))
    assert [w.path for w in r.weights] == ["rnn/lstm_cell/kernel", "rnn/lstm_cell/recurrent_kernel", "rnn/lstm_cell/bias"]
    assert [w.shape for w in r.cell.weights] == [(3, 16), (4, 16), (16,)]
    assert r.cell.kernel.shape == (3, 16)
    s = vl.RNN(vl.StackedRNNCells([vl.SimpleRNNCell(2, name="a"), vl.GRUCell(3, name="b")], name="stack"), name="seq")
    s(np.zeros((1, 4, 3), "float32"))
    assert [w.path for w in s.weights] == [f"seq/stack/{c}/{w}" for c in "ab"
                                           for w in ("kernel", "recurrent_kernel", "bias")]
    assert [w.shape for w in s.get_weights()] == [(3, 2), (2, 2), (2,), (2, 9), (3, 9), (2, 9)]


@pytest.mark.oracle
@pytest.mark.parametrize("cell,kwargs,states", [
    ("LSTMCell", dict(units=4), 2), ("GRUCell", dict(units=3), 1), ("GRUCell", dict(units=3, reset_after=False), 1),
    ("SimpleRNNCell", dict(units=2), 1)])
def test_a_cell_called_alone_is_one_step_as_in_keras(cell, kwargs, states):
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(1)
    x = rng.normal(0, 1, (5, 3)).astype("float32")
    h = [rng.normal(0, 1, (5, kwargs["units"])).astype("float32") for _ in range(states)]
    k, v = getattr(keras.layers, cell)(**kwargs), getattr(vl, cell)(**kwargs)
    k_out, k_states = k(x, h)
    v_out, v_states = v(x, h)
    weights = [rng.normal(0, 0.5, np.shape(w)).astype("float32") for w in k.get_weights()]
    k.set_weights(weights)
    v.set_weights(weights)
    (k_out, k_states), (v_out, v_states) = k(x, h), v(x, h)
    np.testing.assert_allclose(np.asarray(v_out), keras.ops.convert_to_numpy(k_out), atol=1e-5)
    assert len(v_states) == len(k_states) == states
    for a, b in zip(v_states, k_states):
        np.testing.assert_allclose(np.asarray(a), keras.ops.convert_to_numpy(b), atol=1e-5)
    assert v.state_size == k.state_size and v.get_config().keys() == k.get_config().keys()


def test_a_cell_built_alone_brings_its_weights_to_the_rnn():
    cell = vl.GRUCell(3)
    x = np.ones((2, 4), "float32")
    cell(x, [np.zeros((2, 3), "float32")])
    before = cell.get_weights()
    rnn = vl.RNN(cell)
    rnn(np.ones((2, 5, 4), "float32"))
    for a, b in zip(rnn.get_weights(), before):
        np.testing.assert_array_equal(a, b)
    assert cell.kernel.path == f"{rnn.name}/{cell.name}/kernel"


def test_keras_arguments_and_refusals():
    cell = vl.LSTMCell(3, dropout=0.25, unit_forget_bias=False, seed=7)
    assert cell.get_config()["dropout"] == 0.25 and cell.state_size == [3, 3] and cell.output_size == 3
    assert vl.GRUCell(2).get_config()["reset_after"] is True
    with pytest.raises(ValueError, match="stateful=True"):
        vl.RNN(vl.LSTMCell(3), stateful=True)
    vl.RNN(vl.LSTMCell(3), unroll=True)   # accepted: no effect on the numbers
    with pytest.raises(ValueError, match="LSTMCell supports only recurrent_dropout=0.0"):
        vl.LSTMCell(3, recurrent_dropout=0.2)
    with pytest.raises(TypeError, match="RNN layer"):
        vl.GRUCell(3, return_sequences=True)
    with pytest.raises(ValueError, match="needs a cell"):
        vl.RNN(vl.Dense(3))
    with pytest.raises(ValueError, match="return_state=True is not supported"):
        vl.RNN(minimal_cell_class(visualnet)(3), return_state=True)
    with pytest.raises(ValueError, match="initial_state is not supported for cells written in Python"):
        vl.RNN(minimal_cell_class(visualnet)(3))(np.zeros((1, 2, 2), "float32"), initial_state=[np.zeros((1, 3))])
    with pytest.raises(ValueError, match="gradient would be lost"):
        class Outer(vl.Layer):
            def call(self, x):
                return vl.GRUCell(2)(x, [x])[0]
        inp = visualnet.Input((2,))
        vm.Model(inp, Outer()(inp)).predict(np.zeros((1, 2), "float32"), verbose=0)
    with pytest.raises(ValueError, match="2 initial state"):
        vl.RNN([vl.GRUCell(2), vl.GRUCell(2)])(np.zeros((1, 3, 2), "float32"), initial_state=[np.zeros((1, 2))])


def test_rnn_config_round_trips_as_keras_writes_it():
    r = vl.RNN(vl.GRUCell(4, reset_after=False), return_sequences=True, name="r")
    cfg = r.get_config()
    assert cfg["cell"]["class_name"] == "GRUCell" and cfg["return_sequences"] is True
    twin = vl.RNN.from_config(cfg)
    assert twin.get_config()["cell"]["config"]["reset_after"] is False and twin.return_sequences
    s = vl.RNN([vl.SimpleRNNCell(2), vl.LSTMCell(3)], name="s")
    assert [c["class_name"] for c in vl.RNN.from_config(s.get_config()).cell.get_config()["cells"]] == [
        "SimpleRNNCell", "LSTMCell"]


@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("backwards", [False, True])
def test_user_cell_gradients_match_finite_differences(masked, backwards):
    """The tape's gradients of the inputs and of the cell's weights through every step."""
    rng = np.random.default_rng(2)
    layer = vl.RNN(minimal_cell_class(visualnet)(3), return_sequences=True, go_backwards=backwards)
    x = rng.normal(0, 1, (2, 4, 2))
    layer(x.astype("float32"))
    cell = layer.cell
    cell.set_weights([rng.normal(0, 0.5, w.shape).astype("float32") for w in cell.get_weights()])
    mask = np.array([[1, 1, 0, 1], [1, 0, 0, 0]], bool) if masked else None
    dy = rng.normal(0, 1, (2, 4, 3))

    def loss(_=None):
        return float(np.sum(layer.forward([x.astype("float32")], True, mask=mask) * dy))

    loss()
    for values in (cell.values,):
        for g in values:
            cell.grads[g][...] = 0
    (dx,) = layer.backward(dy.astype("float32"))
    np.testing.assert_allclose(dx, numeric_grad(lambda a: float(np.sum(layer.forward([a], True, mask=mask) * dy)), x),
                               atol=2e-3, rtol=2e-3)
    for key, value in cell.values.items():
        def f(w, key=key):
            saved = cell.values[key].copy()
            cell.values[key][...] = w
            out = loss()
            cell.values[key][...] = saved
            return out
        np.testing.assert_allclose(cell.grads[key], numeric_grad(f, value.copy()), atol=2e-3, rtol=2e-3)


def test_user_cell_keeps_output_and_states_at_masked_steps():
    layer = vl.RNN(minimal_cell_class(visualnet)(2), return_sequences=True)
    x = np.ones((1, 4, 2), "float32")
    layer(x)
    mask = np.array([[True, False, True, False]])
    y = layer.forward([x], False, mask=mask)
    np.testing.assert_array_equal(y[0, 1], y[0, 0])
    np.testing.assert_array_equal(y[0, 3], y[0, 2])
    zeroed = vl.RNN(layer.cell, return_sequences=True, zero_output_for_mask=True)
    zeroed(x)
    assert np.all(zeroed.forward([x], False, mask=mask)[0, 1] == 0)


def test_rnn_over_a_cell_trains_in_a_sequential_model():
    model = vm.Sequential([vl.Input((5, 3)), vl.RNN(vl.LSTMCell(4)), vl.Dense(1)])
    model.compile("adam", "mse")
    x = np.random.default_rng(0).normal(size=(16, 5, 3)).astype("float32")
    history = model.fit(x, x[:, -1, :1], epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


@pytest.mark.parametrize("cell,kwargs", [("LSTMCell", dict(units=3)), ("GRUCell", dict(units=3, reset_after=False)),
                                         ("SimpleRNNCell", dict(units=2))])
def test_rnn_over_a_builtin_cell_gradients_match_finite_differences(cell, kwargs):
    """Backpropagation through time of RNN(cell) (its recurrent layer's), masked, initial states given."""
    from .layer_harness import numeric_grad as exact_grad   # float64 throughout

    rng = np.random.default_rng(4)
    layer = vl.RNN(getattr(vl, cell)(**kwargs), return_sequences=True, go_backwards=True)
    states = 2 if cell == "LSTMCell" else 1
    shapes = [(2, 4, 3)] + [(2, kwargs["units"])] * states
    layer.build([(None, *s[1:]) for s in shapes])
    for w in layer.weight_specs:
        layer.values[w.name] = rng.normal(0, 0.5, w.shape)
        layer.grads[w.name] = np.zeros(w.shape)
    xs = [rng.normal(0, 1, s) for s in shapes]
    mask = np.array([[True, True, False, True], [True, False, True, True]])
    r = rng.normal(0, 1, (2, 4, kwargs["units"]))

    def loss():
        return float(np.sum(layer.forward(list(xs), True, mask=mask) * r))

    loss()
    dxs = layer.backward(r.copy(), need_dx=True)
    analytic = {w.name: layer.grads[w.name].copy() for w in layer.weight_specs}
    for x, dx in zip(xs, dxs):
        np.testing.assert_allclose(dx, exact_grad(loss, x), atol=1e-6, rtol=1e-4)
    for name, grad in analytic.items():
        np.testing.assert_allclose(grad, exact_grad(loss, layer.values[name]), atol=1e-6, rtol=1e-4, err_msg=name)
