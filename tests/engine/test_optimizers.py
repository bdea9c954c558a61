import json
import os

import numpy as np
import pytest

from visualnet import VisualNetWarning
from visualnet.engine import optimizers as O
from visualnet.engine import schedules as S
from visualnet.engine.runtime.split import split

os.environ.setdefault("KERAS_BACKEND", "torch")
# Keras's torch-to-NumPy conversion warns about NumPy 2's `copy` keyword.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
SIZES = [7, 3, 12, 1]


def _grads(steps, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    return [(rng.normal(size=sum(SIZES)) * scale).astype(np.float32) for _ in range(steps)]


def _params(seed=1):
    return np.random.default_rng(seed).normal(size=sum(SIZES)).astype(np.float32)


def _split(flat):
    return np.split(flat, np.cumsum(SIZES)[:-1])


def _run_keras(keras, opt, params, grads, lr_changes=None):
    """Apply `grads` with a real Keras optimizer; returns params after each step."""
    variables = [keras.Variable(v) for v in _split(params)]
    opt.build(variables)
    history = []
    for step, g in enumerate(grads):
        if lr_changes and step in lr_changes:
            opt.learning_rate = lr_changes[step]
        opt.apply([keras.ops.convert_to_tensor(x) for x in _split(g)], variables)
        history.append(np.concatenate([keras.ops.convert_to_numpy(v) for v in variables]))
    return history


def _run_ours(opt, params, grads, lr_changes=None):
    opt.build(SIZES)
    params, history = params.copy(), []
    for step, g in enumerate(grads):
        if lr_changes and step in lr_changes:
            opt.learning_rate = lr_changes[step]
        opt.apply(params, g.copy())
        history.append(params.copy())
    assert opt.iterations == len(grads)
    return history


CONFIGS = [
    ("SGD", {}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"learning_rate": 0.1, "clipvalue": 0.5}),
    ("Adam", {}),
    ("Adam", {"learning_rate": 0.01, "amsgrad": True}),
    ("Adam", {"learning_rate": 0.01, "beta_1": 0.8, "epsilon": 1e-3, "clipnorm": 1.0}),
    ("Adam", {"learning_rate": 0.01, "global_clipnorm": 2.0}),
    ("Adam", {"learning_rate": 0.01, "weight_decay": 0.1}),
    ("RMSprop", {}),
    ("RMSprop", {"learning_rate": 0.01, "momentum": 0.9}),
    ("RMSprop", {"learning_rate": 0.01, "centered": True, "rho": 0.8}),
    ("RMSprop", {"learning_rate": 0.01, "centered": True, "momentum": 0.5,
                 "clipnorm": 0.7}),
    ("Adagrad", {}),
    ("Adagrad", {"learning_rate": 0.1, "initial_accumulator_value": 0.5}),
]


@pytest.mark.oracle
@pytest.mark.parametrize("cls, kwargs", CONFIGS)
def test_steps_match_keras(cls, kwargs):
    keras = pytest.importorskip("keras")
    params, grads = _params(), _grads(6, scale=2.0)
    ref = _run_keras(keras, getattr(keras.optimizers, cls)(**kwargs), params, grads)
    ours = _run_ours(getattr(O, cls)(**kwargs), params, grads)
    for a, b in zip(ours, ref):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


@pytest.mark.oracle
@pytest.mark.parametrize("cls", ["SGD", "Adam", "RMSprop", "Adagrad"])
def test_learning_rate_change_mid_run_matches_keras(cls):
    keras = pytest.importorskip("keras")
    params, grads, changes = _params(2), _grads(6, seed=3), {2: 0.05, 4: 0.002}
    kwargs = {"momentum": 0.5} if cls in ("SGD", "RMSprop") else {}
    ref = _run_keras(keras, getattr(keras.optimizers, cls)(**kwargs), params, grads,
                     changes)
    ours = _run_ours(getattr(O, cls)(**kwargs), params, grads, changes)
    for a, b in zip(ours, ref):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


@pytest.mark.oracle
@pytest.mark.parametrize("name, kwargs", [
    ("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 3,
                          "decay_rate": 0.5}),
    ("InverseTimeDecay", {"initial_learning_rate": 0.1, "decay_steps": 2,
                          "decay_rate": 0.5, "staircase": True}),
    ("PiecewiseConstantDecay", {"boundaries": [1, 3], "values": [0.1, 0.05, 0.01]}),
    ("CosineDecay", {"initial_learning_rate": 0.01, "decay_steps": 4,
                     "warmup_target": 0.1, "warmup_steps": 2}),
])
def test_scheduled_learning_rate_matches_keras(name, kwargs):
    keras = pytest.importorskip("keras")
    params, grads = _params(4), _grads(7, seed=5)
    ref = _run_keras(keras, keras.optimizers.Adam(
        getattr(keras.optimizers.schedules, name)(**kwargs)), params, grads)
    opt = O.Adam(getattr(O.schedules, name)(**kwargs))
    ours = _run_ours(opt, params, grads)
    for a, b in zip(ours, ref):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert opt.learning_rate == pytest.approx(float(getattr(S, name)(**kwargs)(7)))
    with pytest.raises(TypeError, match="not settable"):
        opt.learning_rate = 0.1


@pytest.mark.oracle
@pytest.mark.parametrize("name, kwargs", [
    ("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 7,
                          "decay_rate": 0.96}),
    ("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 7,
                          "decay_rate": 0.5, "staircase": True}),
    ("PiecewiseConstantDecay", {"boundaries": [10, 100], "values": [1.0, 0.5, 0.1]}),
    ("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 50, "power": 2.0}),
    ("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 30, "cycle": True}),
    ("InverseTimeDecay", {"initial_learning_rate": 0.1, "decay_steps": 10,
                          "decay_rate": 0.5}),
    ("CosineDecay", {"initial_learning_rate": 0.1, "decay_steps": 100, "alpha": 0.1}),
    ("CosineDecay", {"initial_learning_rate": 0.0, "decay_steps": 100,
                     "warmup_target": 0.1, "warmup_steps": 20}),
])
def test_schedules_match_keras(name, kwargs):
    keras = pytest.importorskip("keras")
    ours, ref = getattr(S, name)(**kwargs), getattr(keras.optimizers.schedules, name)(**kwargs)
    for step in [0, 1, 5, 10, 11, 19, 20, 37, 99, 100, 101, 150, 1000]:
        assert float(ours(step)) == pytest.approx(
            float(keras.ops.convert_to_numpy(ref(step))), rel=1e-6, abs=1e-9), step
    assert ours.get_config() == ref.get_config()
    again = S.deserialize(json.loads(json.dumps(S.serialize(ours))))
    assert again.get_config() == ours.get_config()


@pytest.mark.parametrize("cls, kwargs", CONFIGS)
def test_state_round_trip_resumes_identically(cls, kwargs):
    params, grads = _params(6), _grads(6, seed=7)
    straight = getattr(O, cls)(**kwargs)
    straight.build(SIZES)
    p_straight = params.copy()
    for g in grads:
        straight.apply(p_straight, g.copy())

    first = getattr(O, cls)(**kwargs)
    first.build(SIZES)
    p = params.copy()
    for g in grads[:3]:
        first.apply(p, g.copy())
    state = {k: np.array(v) for k, v in first.get_state().items()}
    resumed = O.deserialize(json.loads(json.dumps(O.serialize(first))))
    resumed.build(SIZES)
    resumed.set_state(state)
    assert resumed.iterations == 3
    for g in grads[3:]:
        resumed.apply(p, g.copy())
    np.testing.assert_array_equal(p, p_straight)


def test_state_carries_changed_learning_rate():
    opt = O.SGD(learning_rate=0.1)
    opt.build([2])
    opt.learning_rate = 0.02
    other = O.SGD(learning_rate=0.1)
    other.build([2])
    other.set_state(opt.get_state())
    assert other.learning_rate == 0.02


@pytest.mark.oracle
def test_reads_keras_configs():
    keras = pytest.importorskip("keras")
    sched = keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.9)
    for kopt in [keras.optimizers.Adam(learning_rate=sched, amsgrad=True),
                 keras.optimizers.SGD(momentum=0.9, nesterov=True, clipnorm=1.0),
                 keras.optimizers.RMSprop(centered=True)]:
        config = {"class_name": type(kopt).__name__, "config": kopt.get_config()}
        ours = O.get(json.loads(json.dumps(config)))
        assert type(ours).__name__ == type(kopt).__name__
        assert set(ours.get_config()) <= set(kopt.get_config())
        for key, value in ours.get_config().items():
            if key != "learning_rate":
                assert value == kopt.get_config()[key], key


def test_get_and_argument_errors():
    assert isinstance(O.get("adam"), O.Adam) and isinstance(O.get("RMSprop"), O.RMSprop)
    assert isinstance(O.get("SGD"), O.SGD) and isinstance(O.get("adagrad"), O.Adagrad)
    opt = O.Adam()
    assert O.get(opt) is opt and O.get(None) is None
    assert O.get({"class_name": "SGD", "config": {"learning_rate": 0.5}}).learning_rate == 0.5
    assert O.SGD(lr=0.3).learning_rate == 0.3
    assert O.schedules is S
    with pytest.raises(ValueError, match=r"Could not interpret optimizer identifier: "
                                         r"'adamm'\. Known: adam, sgd, rmsprop, adagrad"):
        O.get("adamm")
    with pytest.raises(TypeError, match="Adam got unexpected keyword argument.*: betas"):
        O.Adam(betas=(0.9, 0.99))
    with pytest.raises(ValueError, match="Only one of `clipnorm`"):
        O.SGD(clipnorm=1.0, clipvalue=1.0)
    with pytest.raises(ValueError, match="`momentum` must be a float between"):
        O.SGD(momentum=1.5)
    with pytest.raises(ValueError, match="learning_rate='fast'"):
        O.SGD(learning_rate="fast")
    with pytest.warns(VisualNetWarning, match="`decay` is no longer supported"):
        O.SGD(decay=0.1)
    with pytest.raises(ValueError, match="must be built"):
        O.SGD().apply(np.zeros(3, np.float32), np.zeros(3, np.float32))
    opt = O.SGD()
    opt.build([2, 1])
    with pytest.raises(ValueError, match=r"`grads` must be a contiguous 1-D float32 array "
                                         r"of size 3\. Received: float64"):
        opt.apply(np.zeros(3, np.float32), np.zeros(3))
    with pytest.raises(ValueError, match="missing: momentum"):
        momentum = O.SGD(momentum=0.9)
        momentum.build([3])
        momentum.set_state({"iterations": np.array(1)})
    with pytest.raises(ValueError, match="`use_ema` is not supported"):
        O.Adam.from_config({"use_ema": True})


def test_global_clipnorm_zero_and_nonfinite_gradients():
    opt = O.SGD(learning_rate=1.0, global_clipnorm=1.0)
    opt.build([3])
    p = np.ones(3, np.float32)
    opt.apply(p, np.zeros(3, np.float32))
    np.testing.assert_array_equal(p, 1.0)
    opt.apply(p, np.array([np.inf, 0, 0], np.float32))
    assert np.isnan(p).all()  # like Keras: a non-finite norm poisons the step


@pytest.mark.parametrize("cls, kwargs", CONFIGS)
def test_a_step_split_over_the_cores_equals_the_serial_one(monkeypatch, cls, kwargs):
    """Inside layer_parallel, a large enough step runs in parts on the workers: elementwise,
    so bit for bit the serial result (clipping, a whole-vector pass, comes first). The
    worker's part runs as a compiled job where those run: only this thread's part runs the
    Python function."""
    from visualnet.engine.runtime import jobs
    from visualnet.engine.runtime.split import layer_parallel

    splits, in_python = [], []

    def recording_split(count, fn, parts, fill):
        splits.append(parts)
        return split(count, lambda lo, hi, i: in_python.append(i) or fn(lo, hi, i), parts, fill)

    monkeypatch.setattr(O, "split", recording_split)

    sizes = [O._MIN_SPLIT_PARAMS, 5, 2]
    rng = np.random.default_rng(4)
    params = rng.normal(size=sum(sizes)).astype(np.float32)
    grads = [rng.normal(size=sum(sizes)).astype(np.float32) for _ in range(3)]
    results = []
    for parts in (1, 2):
        opt = getattr(O, cls)(**kwargs)
        opt.build(sizes)
        p = params.copy()
        with layer_parallel() as control:
            control.set(parts)
            for g in grads:
                opt.apply(p, g.copy())
        results.append((p, opt.get_state()))
    assert splits == [2, 2, 2]
    assert in_python == ([0, 0, 0] if jobs.available() else [0, 1] * 3)
    (p1, s1), (p2, s2) = results
    np.testing.assert_array_equal(p1, p2)
    for key in s1:
        np.testing.assert_array_equal(s1[key], s2[key])
