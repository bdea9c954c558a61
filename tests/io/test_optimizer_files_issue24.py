"""The optimizers of issue 24 and the moving average / gradient accumulator in Keras files and
the project file: VisualNet continues from a file real Keras wrote (both dialects) as Keras
does, Keras continues from VisualNet's `.keras` as VisualNet does, and a project file resumes
exactly."""

import json

import numpy as np
import pytest

from visualnet import optimizers as vo
from visualnet import models as vm
from tests.io.test_optimizer_state_load import _close, _fit, _keras_model, _visualnet_model

keras = pytest.importorskip("keras")
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

CASES = {
    "adamw": ("AdamW", {"learning_rate": 0.01, "weight_decay": 0.01}),
    "nadam": ("Nadam", {"learning_rate": 0.01}),
    "adamax": ("Adamax", {"learning_rate": 0.01}),
    "adadelta": ("Adadelta", {"learning_rate": 1.0}),
    "ftrl": ("Ftrl", {"learning_rate": 0.1, "initial_accumulator_value": 0.2}),
    "lion": ("Lion", {"learning_rate": 0.001}),
    "adam-ema": ("Adam", {"learning_rate": 0.01, "use_ema": True}),
    "sgd-accumulation": ("SGD", {"learning_rate": 0.05, "momentum": 0.9, "gradient_accumulation_steps": 2}),
    "adamw-amsgrad-ema-accumulation": ("AdamW", {"learning_rate": 0.01, "amsgrad": True, "use_ema": True,
                                                 "gradient_accumulation_steps": 2}),   # 5 slots a weight
    "adam-restarts": ("Adam", {"learning_rate": ("CosineDecayRestarts", {"initial_learning_rate": 0.02,
                                                                        "first_decay_steps": 4, "alpha": 0.1})}),
}


def _make(module, case):
    name, kwargs = CASES[case]
    rate = kwargs.get("learning_rate")
    if isinstance(rate, tuple):   # a schedule
        kwargs = {**kwargs, "learning_rate": getattr(module.schedules, rate[0])(**rate[1])}
    return getattr(module, name)(**kwargs)


def _ours(case):
    return _make(vo, case)


def _theirs(case):
    return _make(keras.optimizers, case)


@pytest.mark.oracle
@pytest.mark.parametrize("suffix", [".keras", ".h5"])
@pytest.mark.parametrize("case", list(CASES))
def test_continues_from_a_keras_file_as_keras_does(tmp_path, case, suffix):
    k = _keras_model(_theirs(case))
    _fit(k)
    k.save(tmp_path / f"m{suffix}")
    v = vm.load_model(tmp_path / f"m{suffix}")
    assert type(v.optimizer).__name__ == type(k.optimizer).__name__.split(".")[-1]
    theirs = k.optimizer.get_config()
    if isinstance(theirs["learning_rate"], dict):   # Keras's serialized schedule carries its module too
        theirs["learning_rate"] = {key: theirs["learning_rate"][key] for key in ("class_name", "config")}
    assert v.optimizer.get_config() == {key: value for key, value in theirs.items() if key in v.optimizer.get_config()}
    assert v.optimizer.iterations == int(k.optimizer._iterations) == 6
    _fit(k)
    _fit(v)
    _close(v, k, f"{case}, one more epoch after loading {suffix}")


@pytest.mark.oracle
@pytest.mark.parametrize("case", list(CASES))
def test_keras_continues_from_a_visualnet_file(tmp_path, case):
    v = _visualnet_model(_ours(case))
    _fit(v)
    v.save(tmp_path / "m.keras")
    k = keras.models.load_model(tmp_path / "m.keras")
    assert int(k.optimizer._iterations) == v.optimizer.iterations == 6
    mine = v.optimizer.keras_variables([w.shape for w in v.trainable_weights])
    theirs = [keras.ops.convert_to_numpy(x) for x in k.optimizer.variables]
    assert len(mine) == len(theirs)
    for a, b in zip(mine, theirs):
        np.testing.assert_array_equal(a, b)
    _fit(k)
    _fit(v)
    _close(v, k, f"Keras continuing from VisualNet's .keras ({case})")


@pytest.mark.parametrize("case", list(CASES))
def test_project_file_resumes_exactly(tmp_path, case):
    from visualnet.io.project import Project, open_project, save_project

    part = _visualnet_model(_ours(case))
    _fit(part)
    save_project(Project.from_model(part), tmp_path / "m.vnet")
    project = open_project(tmp_path / "m.vnet")
    assert json.loads(json.dumps(project.optimizer.config)) == vo.serialize(part.optimizer)
    loaded = project.build_model()
    assert type(loaded.optimizer) is type(part.optimizer) and loaded.optimizer.iterations == 6
    _fit(part)   # (not two epochs in one fit: with use_ema, each fit ends on the moving average, as in Keras)
    _fit(loaded)
    for a, b in zip(part.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)
