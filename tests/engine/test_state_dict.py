"""The public state API: Model.state_dict / load_state_dict and Optimizer.state_dict /
load_state_dict / keras_variables."""

import json

import numpy as np
import pytest

from visualnet import layers as L
from visualnet.engine import optimizers as O
from visualnet.engine import schedules as S
from visualnet.engine.model import Model
from visualnet.engine.rng import set_seed

SIZES = [7, 3, 12, 1]


def _model(seed=0):
    set_seed(seed)
    inp = L.Input((5,), name="x")
    h = L.Dense(6, activation="relu", name="hidden")(inp)
    h = L.BatchNormalization(name="bn")(h)
    return Model(inp, L.Dense(3, activation="softmax", name="out")(h), name="m")


def _data(n=40):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(n, 5)).astype(np.float32)
    return x, np.eye(3, dtype=np.float32)[rng.integers(0, 3, n)]


def _node(model, name):
    return next(nid for nid, layer in model.layers_by_node_id.items() if layer.name == name)


def test_state_dict_is_keyed_by_node_id_and_weight_name_and_copies():
    model = _model()
    state = model.state_dict()
    assert set(state) == {_node(model, n) for n in ("hidden", "bn", "out")}
    assert set(state[_node(model, "bn")]) == {"gamma", "beta", "moving_mean", "moving_variance"}
    state[_node(model, "out")]["kernel"][...] = 7
    assert not np.any(model.get_layer("out").values["kernel"] == 7)


def test_load_state_dict_round_trips_into_a_fresh_model():
    model, x = _model(), _data()[0]
    fresh = Model.from_graph(model.to_graph())
    fresh.load_state_dict(model.state_dict())
    np.testing.assert_array_equal(fresh.predict(x, verbose=0), model.predict(x, verbose=0))


@pytest.mark.parametrize("edit, message", [
    (lambda s, m: s.pop(_node(m, "out")), r"layer 'out' \(node '\w+'\) is missing kernel, bias"),
    (lambda s, m: s.update(ghost={"kernel": np.zeros(1)}), "node 'ghost' is not in the model"),
    (lambda s, m: s[_node(m, "hidden")].update(scale=np.zeros(6)), "layer 'hidden' .* has no weight 'scale'"),
])
def test_strict_load_names_what_does_not_fit_and_changes_nothing(edit, message):
    model = _model(0)
    set_seed(1)
    other = Model.from_graph(model.to_graph())  # the same node ids, other weights
    state = other.state_dict()
    edit(state, model)
    before = model.get_weights()
    with pytest.raises(ValueError, match=message):
        model.load_state_dict(state)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    model.load_state_dict(state, strict=False)  # loads what fits
    kernel = other.get_layer("hidden").values["kernel"]
    assert not np.array_equal(before[0], kernel)
    np.testing.assert_array_equal(model.get_layer("hidden").values["kernel"], kernel)


def test_a_wrong_shape_is_an_error_even_when_not_strict():
    model = _model()
    state = {_node(model, "out"): {"kernel": np.zeros((6, 4), np.float32)}}
    with pytest.raises(ValueError, match=r"Weight 'kernel' of layer 'out' .* has shape \(6, 3\); "
                                         r"the state holds shape \(6, 4\)"):
        model.load_state_dict(state, strict=False)


def test_public_structure_accessors():
    model = _model()
    ids = model.layers_by_node_id
    assert [ids[n].name for n in model.input_node_ids] == ["x"]
    assert ids[model.output_node_id].name == "out"
    ids.clear()  # a copy: the model is unchanged
    assert len(model.layers_by_node_id) == 4


@pytest.mark.parametrize("cls, kwargs", [
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True}),
    ("Adam", {"learning_rate": 0.01, "amsgrad": True, "clipnorm": 1.0}),
    ("RMSprop", {"learning_rate": 0.01, "centered": True, "momentum": 0.5}),
    ("Adagrad", {"learning_rate": 0.05, "initial_accumulator_value": 0.3}),
    ("Adam", {"learning_rate": S.ExponentialDecay(0.01, 2, 0.5)}),
])
def test_optimizer_state_dict_resumes_exactly_in_a_default_optimizer(cls, kwargs):
    rng = np.random.default_rng(0)
    params = rng.normal(size=sum(SIZES)).astype(np.float32)
    grads = [rng.normal(size=sum(SIZES)).astype(np.float32) for _ in range(6)]
    straight, first = getattr(O, cls)(**kwargs), getattr(O, cls)(**kwargs)
    straight.build(SIZES)
    first.build(SIZES)
    p_straight, p = params.copy(), params.copy()
    for g in grads:
        straight.apply(p_straight, g.copy())
    for g in grads[:3]:
        first.apply(p, g.copy())
    state = first.state_dict()
    state["config"] = json.loads(json.dumps(state["config"]))  # the config is JSON-safe
    resumed = getattr(O, cls)()  # hyper-parameters come from the state
    resumed.load_state_dict(state)
    assert (resumed.iterations, resumed.get_config()) == (3, first.get_config())
    for g in grads[3:]:
        resumed.apply(p, g.copy())
    np.testing.assert_array_equal(p, p_straight)


def test_optimizer_load_checks_before_changing_anything():
    adam = O.Adam(0.01)
    adam.build(SIZES)
    state = adam.state_dict()
    with pytest.raises(ValueError, match="The state is for Adam; this optimizer is SGD"):
        O.SGD().load_state_dict(state)
    other = O.Adam(0.5, amsgrad=True)
    with pytest.raises(ValueError, match=r"holds slots \['momentum', 'velocity'\]; expected \['momentum', "
                                         r"'velocity', 'velocity_hat'\]"):
        other.load_state_dict({**state, "config": O.serialize(other)})
    state["slots"]["velocity"] = np.zeros(5, np.float32)
    with pytest.raises(ValueError, match=r"slot 'velocity' has shape \(5,\); expected \(23,\)"):
        other.load_state_dict(state)
    assert (other.learning_rate, other.amsgrad, other.built) == (0.5, True, False)


def test_state_of_an_unbuilt_optimizer_loads_unbuilt():
    sgd = O.SGD(0.1, momentum=0.9)
    sgd.build([2])
    sgd.load_state_dict(O.SGD(0.3).state_dict())
    assert (sgd.built, sgd.learning_rate, sgd.slot_names, sgd.iterations) == (False, 0.3, (), 0)


def test_training_resumes_bit_for_bit_in_a_fresh_model_and_optimizer():
    x, y = _data()
    straight = _model()
    straight.compile(optimizer=O.Adam(0.01), loss="categorical_crossentropy")
    straight.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)

    first = _model()
    first.compile(optimizer=O.Adam(0.01), loss="categorical_crossentropy")
    first.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    resumed = Model.from_graph(first.to_graph())
    resumed.compile(optimizer="adam", loss="categorical_crossentropy")
    resumed.load_state_dict(first.state_dict())
    resumed.optimizer.load_state_dict(first.optimizer.state_dict())
    assert resumed.compiled.optimizer_built  # fit() continues from the loaded state
    resumed.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(resumed.get_weights(), straight.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert resumed.optimizer.iterations == straight.optimizer.iterations == 10


def test_recompiling_still_starts_the_optimizer_afresh():
    x, y = _data()
    model, opt = _model(), O.Adam(0.01)
    model.compile(optimizer=opt, loss="categorical_crossentropy")
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    model.compile(optimizer=opt, loss="categorical_crossentropy")
    assert not model.compiled.optimizer_built
    model.fit(x, y, batch_size=40, epochs=1, verbose=0)
    assert opt.iterations == 6  # state rebuilt; the count runs on, as before


def test_keras_variables_are_in_keras_order():
    shapes = [(2, 3), (3,)]
    adam = O.Adam(0.01, amsgrad=True)
    adam.build([6, 3])
    adam.apply(np.ones(9, np.float32), np.full(9, 0.5, np.float32))
    it, lr, *slots = adam.keras_variables(shapes)
    assert (int(it), float(lr)) == (1, np.float32(0.01))
    assert [a.shape for a in slots] == [(2, 3), (2, 3), (3,), (3,), (2, 3), (3,)]  # m0 v0 m1 v1 vhat0 vhat1
    np.testing.assert_array_equal(slots[0], adam.state_dict()["slots"]["momentum"][:6].reshape(2, 3))
    fresh = O.Adagrad(initial_accumulator_value=0.25).keras_variables(shapes)
    assert [a.shape for a in fresh[2:]] == [(2, 3), (3,)] and all(np.all(a == 0.25) for a in fresh[2:])
