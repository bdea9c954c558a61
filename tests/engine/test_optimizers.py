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
# The optimizers and common arguments of issue 24 (optimizers_adaptive.py, optimizer_base.py)
NEW_CONFIGS = [
    ("AdamW", {}),
    ("AdamW", {"learning_rate": 0.01, "weight_decay": 0.1, "amsgrad": True}),
    ("Nadam", {}),
    ("Nadam", {"learning_rate": 0.01, "beta_1": 0.8, "clipvalue": 0.5}),
    ("Adamax", {}),
    ("Adamax", {"learning_rate": 0.01, "weight_decay": 0.05}),
    ("Adadelta", {"learning_rate": 1.0}),
    ("Adadelta", {"learning_rate": 0.5, "rho": 0.8, "epsilon": 1e-4}),
    ("Ftrl", {"learning_rate": 0.1}),
    ("Ftrl", {"learning_rate": 0.1, "learning_rate_power": -0.7, "l1_regularization_strength": 0.01,
              "l2_regularization_strength": 0.1, "l2_shrinkage_regularization_strength": 0.05, "beta": 0.5}),
    ("Lion", {}),
    ("Lion", {"learning_rate": 0.01, "beta_1": 0.5, "weight_decay": 0.1}),
    ("Adam", {"learning_rate": 0.01, "use_ema": True}),
    ("SGD", {"learning_rate": 0.1, "use_ema": True, "ema_momentum": 0.5, "ema_overwrite_frequency": 3}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9, "gradient_accumulation_steps": 3}),
    ("Nadam", {"learning_rate": 0.01, "gradient_accumulation_steps": 2, "use_ema": True, "clipnorm": 1.0}),
    ("Adam", {"learning_rate": 0.01, "loss_scale_factor": 128.0}),
]


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
    *NEW_CONFIGS,
]


@pytest.mark.oracle
@pytest.mark.parametrize("cls, kwargs", CONFIGS)
def test_steps_match_keras(cls, kwargs):
    keras = pytest.importorskip("keras")
    params, grads = _params(), _grads(20, scale=2.0)
    ref = _run_keras(keras, getattr(keras.optimizers, cls)(**kwargs), params, grads)
    ours = _run_ours(getattr(O, cls)(**kwargs), params, grads)
    for a, b in zip(ours, ref):   # 20 steps: float32 rounding near 0 needs the absolute term
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


@pytest.mark.oracle
@pytest.mark.parametrize("cls, kwargs", CONFIGS)
def test_variables_and_finalized_weights_match_keras(cls, kwargs):
    """After 20 steps, `keras_variables` is Keras's `optimizer.variables` (same order, names
    aside, and values), and `finalize_variable_values` (the moving average swapped in with
    use_ema) gives Keras's weights."""
    keras = pytest.importorskip("keras")
    params, grads = _params(8), _grads(20, seed=9)
    kopt = getattr(keras.optimizers, cls)(**kwargs)
    variables = [keras.Variable(v) for v in _split(params)]
    kopt.build(variables)
    for g in grads:
        kopt.apply([keras.ops.convert_to_tensor(x) for x in _split(g)], variables)
    ours = getattr(O, cls)(**kwargs)
    _run_ours(ours, params, grads)
    theirs = [keras.ops.convert_to_numpy(v) for v in kopt.variables]
    mine = ours.keras_variables([(s,) for s in SIZES])
    assert [np.shape(v) for v in mine] == [np.shape(v) for v in theirs]
    for i, (a, b) in enumerate(zip(mine, theirs)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6, err_msg=f"variable {i}: {kopt.variables[i].name}")
    kopt.finalize_variable_values(variables)
    flat = np.concatenate([keras.ops.convert_to_numpy(v) for v in variables])
    p = _run_ours(getattr(O, cls)(**kwargs), params, grads)[-1]
    again = getattr(O, cls)(**kwargs)
    again.build(SIZES)
    again.set_keras_variables(theirs, [(s,) for s in SIZES])  # Keras's state, then the same final swap
    again.finalize_variable_values(p)
    np.testing.assert_allclose(p, flat, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cls, kwargs", NEW_CONFIGS)
def test_new_optimizers_move_the_weights_and_stay_finite(cls, kwargs):
    """A guard on the oracle comparisons above: each configuration really trains."""
    params, grads = _params(), _grads(20, scale=2.0)
    history = _run_ours(getattr(O, cls)(**kwargs), params, grads)
    assert np.all(np.isfinite(history[-1])) and not np.allclose(history[-1], params)


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
    with pytest.raises(ValueError, match=r"`ema_momentum` must be in the range \[0, 1\]\. Received: ema_momentum=2"):
        O.Adam(use_ema=True, ema_momentum=2)
    with pytest.raises(ValueError, match="`ema_overwrite_frequency` must be an integer >= 1 or None"):
        O.Nadam(use_ema=True, ema_overwrite_frequency=0.5)
    with pytest.raises(ValueError, match=r"`gradient_accumulation_steps` must be an integer >= 2\. "
                                         r"Received: gradient_accumulation_steps=1"):
        O.SGD(gradient_accumulation_steps=1)
    with pytest.raises(ValueError, match="Argument `weight_decay` must be a float. Received: weight_decay=None"):
        O.AdamW(weight_decay=None)
    with pytest.raises(ValueError, match="`beta_1` must be in the \\[0, 1\\] range.*Received: beta_1=0"):
        O.Lion(beta_1=0)
    with pytest.raises(ValueError, match=r"`learning_rate_power` needs to be negative or zero\. "
                                         r"Received: learning_rate_power=0\.5"):
        O.Ftrl(learning_rate_power=0.5)
    with pytest.raises(ValueError, match="`l1_regularization_strength` needs to be positive or zero"):
        O.Ftrl(l1_regularization_strength=-1.0)


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
    from visualnet.engine import optimizer_base
    from visualnet.engine.runtime import jobs
    from visualnet.engine.runtime.split import layer_parallel

    splits, in_python = [], []

    def recording_split(count, fn, parts, fill):
        splits.append(parts)
        return split(count, lambda lo, hi, i: in_python.append(i) or fn(lo, hi, i), parts, fill)

    monkeypatch.setattr(optimizer_base, "split", recording_split)

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
    steps = kwargs.get("gradient_accumulation_steps")
    assert splits == [2] * (1 if steps else 3)   # with accumulation, only the updating step runs the kernel
    assert in_python == ([0] * len(splits) if jobs.available() else [0, 1] * len(splits))
    (p1, s1), (p2, s2) = results
    np.testing.assert_array_equal(p1, p2)
    for key in s1:
        np.testing.assert_array_equal(s1[key], s2[key])


@pytest.mark.oracle
@pytest.mark.parametrize("name, kwargs", [
    ("CosineDecayRestarts", {"initial_learning_rate": 0.1, "first_decay_steps": 10}),
    ("CosineDecayRestarts", {"initial_learning_rate": 0.1, "first_decay_steps": 7, "t_mul": 1.0, "m_mul": 0.5,
                             "alpha": 0.1}),
    # (first_decay_steps=4 would put a restart on step 10, where float32 logs decide: log(2.25) / log(1.5)
    # is 2 here (the new period starts) and 1.9999999 in PyTorch's float32, so Keras's torch backend is
    # still at the end of the old one)
    ("CosineDecayRestarts", {"initial_learning_rate": 0.05, "first_decay_steps": 5, "t_mul": 1.5, "m_mul": 0.8,
                             "alpha": 0.01, "name": "restarts"}),
    ("CosineDecay", {"initial_learning_rate": 0.01, "decay_steps": 30, "alpha": 0.05, "warmup_target": 0.1,
                     "warmup_steps": 12}),
])
def test_schedules_match_keras_over_50_steps(name, kwargs):
    keras = pytest.importorskip("keras")
    from visualnet.optimizers import schedules as public

    ours, ref = getattr(public, name)(**kwargs), getattr(keras.optimizers.schedules, name)(**kwargs)
    for step in range(51):
        assert float(ours(step)) == pytest.approx(float(keras.ops.convert_to_numpy(ref(step))), rel=1e-6,
                                                  abs=1e-9), step
    assert ours.get_config() == ref.get_config()
    config = keras.optimizers.schedules.serialize(ref)   # Keras's own serialized form reads back
    assert S.deserialize(json.loads(json.dumps(config))).get_config() == ours.get_config()
    assert S.deserialize(json.loads(json.dumps(S.serialize(ours)))).get_config() == ours.get_config()


def test_first_decay_steps_must_be_positive():
    with pytest.raises(ValueError, match=r"`first_decay_steps` must be > 0\. Received: first_decay_steps=0"):
        S.CosineDecayRestarts(0.1, 0)


def test_public_namespaces_mirror_keras_import_paths():
    import visualnet
    from visualnet.optimizers import schedules
    from visualnet.optimizers.schedules import CosineDecayRestarts

    assert visualnet.optimizers.schedules is schedules and CosineDecayRestarts is S.CosineDecayRestarts
    assert schedules.__name__ == "visualnet.optimizers.schedules" and schedules.ExponentialDecay is S.ExponentialDecay
    assert visualnet.optimizers.AdamW is O.AdamW and visualnet.optimizers.get("lion").__class__ is O.Lion
    for name, cls in O.OPTIMIZERS.items():
        assert O.get(name).__class__ is cls and O.get(cls.__name__).__class__ is cls


@pytest.mark.parametrize("cls, change", [
    ("Nadam", {"beta_2": 0.99, "epsilon": 1e-4}),   # (beta_1: the running product of u_t is not in the state)
    ("Ftrl", {"l1_regularization_strength": 0.01, "learning_rate_power": -0.7}),
    ("Lion", {"beta_2": 0.9, "weight_decay": 0.1}),
    ("AdamW", {"weight_decay": 0.01, "amsgrad": True}),
    ("Adadelta", {"use_ema": True, "gradient_accumulation_steps": 2}),
])
def test_configure_between_steps_equals_an_optimizer_made_so(cls, change):
    """Changing hyper-parameters mid-run (the Train page's live edits) keeps the state; the
    steps after it are those of an optimizer built with the new values from the same state."""
    params, grads = _params(3), _grads(8, seed=4)
    opt = getattr(O, cls)(learning_rate=0.01)
    opt.build(SIZES)
    p = params.copy()
    for g in grads[:4]:
        opt.apply(p, g.copy())
    changed = opt.configure(**change)
    assert set(changed) == set(change)
    twin = getattr(O, cls)(**{**opt.get_config(), **change})
    twin.build(SIZES)
    twin.set_state(opt.get_state())
    q = p.copy()
    for g in grads[4:]:
        opt.apply(p, g.copy())
        twin.apply(q, g.copy())
    np.testing.assert_array_equal(p, q)
    with pytest.raises(ValueError):
        opt.configure(**({"beta_1": 0.0} if cls == "Lion" else {"gradient_accumulation_steps": 1}))


@pytest.mark.parametrize("source", ["arrays", "generator"])
def test_fit_ends_on_the_moving_average(source):
    """Keras's end of fit (`finalize_variable_values`): with use_ema the weights become their
    moving average, whether fit read arrays or a generator."""
    from visualnet import layers, models

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(32, 4)).astype(np.float32), rng.normal(size=(32, 2)).astype(np.float32)
    model = models.Sequential([layers.Input((4,)), layers.Dense(2)])
    model.compile(O.Adam(0.05, use_ema=True, ema_momentum=0.5), "mse")
    if source == "arrays":
        model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    else:
        model.fit(((x[i:i + 8], y[i:i + 8]) for _ in range(2) for i in range(0, 32, 8)), steps_per_epoch=4,
                  epochs=2, verbose=0)
    average = model.optimizer.get_state()["average"]
    np.testing.assert_array_equal(np.concatenate([w.ravel() for w in model.get_weights()]), average)
    assert model.optimizer.iterations == 8
