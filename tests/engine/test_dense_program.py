"""A chain of Dense layers trains by one compiled program a step (engine/steps/dense_program.py):
bit for bit as the step run from Python, in every setting programs cover, and from
Python wherever they do not."""

import logging
import os

import numpy as np
import pytest

from visualnet import layers, models, optimizers, utils
from visualnet.engine.steps import fused
from visualnet.engine.kernels import gemm
from visualnet.engine.runtime import program

pytestmark = pytest.mark.skipif(not (gemm.AVAILABLE and program.available()),
                                reason="programs need AVX-512 tiles and compiled jobs")


def _model(hidden="relu", bias=True, sparse=False, optimizer=None):
    m = models.Sequential([layers.Input((96,)), layers.Dense(160, activation=hidden, use_bias=bias),
                           layers.Dense(64, activation="relu"), layers.Dense(10, activation="softmax")])
    loss = "sparse_categorical_crossentropy" if sparse else "categorical_crossentropy"
    m.compile(optimizer=optimizer or optimizers.Adam(1e-3), loss=loss,
              metrics=["sparse_categorical_accuracy" if sparse else "accuracy"])
    return m


def _data(sparse):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((300, 96)).astype(np.float32)  # 300 = 2 batches of 128 and one of 44
    labels = rng.integers(0, 10, len(x))
    return x, (labels if sparse else utils.to_categorical(labels, 10))


def _train(monkeypatch, programs, build, sparse, shuffle, batch_size=128):
    monkeypatch.setattr(fused.FusedStep, "programs", programs)
    utils.set_random_seed(0)
    m = build()
    runs = []
    real = program.Runner.run
    monkeypatch.setattr(program.Runner, "run", lambda self, table, keep=False: runs.append(len(table)) or real(self, table, keep))
    x, y = _data(sparse)
    h = m.fit(x, y, batch_size=batch_size, epochs=3, verbose=0, shuffle=shuffle)
    monkeypatch.undo()
    return h.history, m.get_weights(), len(runs)


CASES = {
    "relu-adam": dict(),
    "linear-hidden": dict(hidden="linear"),
    "no-bias": dict(bias=False),
    "sparse": dict(sparse=True),
    "sgd-momentum": dict(optimizer=lambda: optimizers.SGD(0.05, momentum=0.9, nesterov=True)),
    "rmsprop": dict(optimizer=lambda: optimizers.RMSprop(1e-3, momentum=0.5)),
    "adagrad": dict(optimizer=lambda: optimizers.Adagrad(0.05)),
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("shuffle", [True, False], ids=["shuffled", "in-order"])
def test_program_trains_bit_for_bit_as_python(monkeypatch, caplog, case, shuffle):
    caplog.set_level(logging.DEBUG, logger="visualnet")
    kwargs = dict(CASES[case])
    if "optimizer" in kwargs:
        kwargs["optimizer"] = kwargs["optimizer"]()

    def build():
        opt = kwargs.get("optimizer")
        return _model(**{**kwargs, "optimizer": opt.__class__.from_config(opt.get_config()) if opt else None})

    sparse = kwargs.get("sparse", False)
    h_program, w_program, runs = _train(monkeypatch, True, build, sparse, shuffle)
    assert runs == 9, caplog.text  # every step of 3 epochs of 3 batches (the last one of 44 rows)
    h_python, w_python, none = _train(monkeypatch, False, build, sparse, shuffle)
    assert none == 0
    assert h_program == h_python
    for a, b in zip(w_program, w_python):
        np.testing.assert_array_equal(a, b)


def test_large_products_split_over_two_parts_in_the_program(monkeypatch):
    """W1's shapes: the first layer's products and Adam's step split, the next batch is
    gathered by the worker meanwhile."""
    def build():
        m = models.Sequential([layers.Input((784,)), layers.Dense(512, activation="relu"),
                               layers.Dense(10, activation="softmax")])
        m.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
        return m

    rng = np.random.default_rng(1)
    x = rng.random((400, 784), dtype=np.float32)
    y = utils.to_categorical(rng.integers(0, 10, 400), 10)
    results = []
    for programs in (True, False):
        monkeypatch.setattr(fused.FusedStep, "programs", programs)
        posts = []
        real = program.Program.worker
        monkeypatch.setattr(program.Program, "worker", lambda self, fill, label="": posts.append(1) or real(self, fill, label))
        utils.set_random_seed(0)
        m = build()
        h = m.fit(x, y, batch_size=128, epochs=2, verbose=0)
        monkeypatch.undo()
        results.append((h.history, m.get_weights(), len(posts)))
    (h1, w1, posts), (h2, w2, _) = results
    if (os.cpu_count() or 1) >= 2:
        assert posts > 0  # programs with worker rows were made
    assert h1 == h2
    for a, b in zip(w1, w2):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("setting", ["clipnorm", "leaky-relu", "two-inputs-metric"])
def test_settings_programs_do_not_cover_run_from_python(monkeypatch, setting):
    if setting == "clipnorm":
        m = _model(optimizer=optimizers.Adam(1e-3, clipnorm=1.0))
    elif setting == "leaky-relu":
        m = _model(hidden="leaky_relu")
    else:
        m = _model()
        m.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy", "mse"])
    runs = []
    monkeypatch.setattr(program.Runner, "run", lambda self, table, keep=False: runs.append(1))
    x, y = _data(False)
    h = m.fit(x, y, batch_size=128, epochs=1, verbose=0)
    assert runs == [] and np.isfinite(h.history["loss"][0])


@pytest.mark.parametrize("seeded", [False, True], ids=["global-generator", "layer-seed"])
@pytest.mark.parametrize("shuffle", [True, False], ids=["shuffled", "in-order"])
def test_flatten_and_dropout_run_in_the_program_bit_for_bit(monkeypatch, caplog, seeded, shuffle):
    """The beginner's MLP (Flatten, Dense, Dropout, Dense): the dropout numbers are drawn as
    the layer draws them, so the program's masks and the Python step's are the same."""
    caplog.set_level(logging.DEBUG, logger="visualnet")
    seed = 5 if seeded else None

    def build():
        m = models.Sequential([layers.Input((8, 12, 1)), layers.Flatten(), layers.Dense(160, activation="relu"),
                               layers.Dropout(0.3, seed=seed), layers.Dense(64, activation="relu"),
                               layers.Dropout(0.2), layers.Dense(10, activation="softmax")])
        m.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        return m

    rng = np.random.default_rng(0)
    x = rng.standard_normal((300, 8, 12, 1)).astype(np.float32)
    labels = rng.integers(0, 10, len(x))
    results = []
    for programs in (True, False):
        monkeypatch.setattr(fused.FusedStep, "programs", programs)
        runs = []
        real = program.Runner.run
        monkeypatch.setattr(program.Runner, "run",
                            lambda self, table, keep=False: runs.append(1) or real(self, table, keep))
        utils.set_random_seed(0)
        m = build()
        h = m.fit(x, labels, batch_size=128, epochs=3, verbose=0, shuffle=shuffle)
        monkeypatch.undo()
        results.append((h.history, m.get_weights(), len(runs)))
    (h1, w1, runs), (h2, w2, none) = results
    assert runs == 9 and none == 0, caplog.text
    assert h1 == h2
    for a, b in zip(w1, w2):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("model", ["dropout-last", "dropout-twice", "flatten-later"])
def test_chains_programs_do_not_cover_run_from_python(monkeypatch, model):
    body = {"dropout-last": [layers.Flatten(), layers.Dense(10, activation="softmax"), layers.Dropout(0.5)],
            "dropout-twice": [layers.Flatten(), layers.Dense(32, activation="relu"), layers.Dropout(0.5),
                              layers.Dropout(0.5), layers.Dense(10, activation="softmax")],
            "flatten-later": [layers.Dense(32, activation="relu"), layers.Flatten(),
                              layers.Dense(10, activation="softmax")]}[model]
    m = models.Sequential([layers.Input((8, 12)), *body])
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    runs = []
    monkeypatch.setattr(program.Runner, "run", lambda self, table, keep=False: runs.append(1))
    rng = np.random.default_rng(0)
    h = m.fit(rng.standard_normal((200, 8, 12)).astype(np.float32), rng.integers(0, 10, 200), batch_size=64,
              epochs=1, verbose=0)
    assert runs == [] and np.isfinite(h.history["loss"][0])
