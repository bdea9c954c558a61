"""The decision boundary of the Inside tab (engine/evaluation.py) predicts as `predict`
does: in `parallel_layers(model, predicting=True)` (layers that split their batch over the
cores do so) and in chunks of `prediction_chunk` samples, with the numbers of the single
serial pass it made before (to float32 rounding)."""

import contextlib

import numpy as np

import visualnet as vn
from visualnet.engine import evaluation, prediction

L = vn.layers


def test_the_decision_grid_runs_in_chunks_in_parallel_with_the_serial_numbers(monkeypatch):
    calls = []
    real = prediction.parallel_layers

    @contextlib.contextmanager
    def recording(model, predicting=False):
        calls.append(predicting)
        with real(model, predicting) as control:
            yield control

    monkeypatch.setattr(evaluation, "parallel_layers", recording)
    monkeypatch.setattr(evaluation, "prediction_chunk", lambda m: 500)   # 3,600 grid points: 8 chunks
    vn.utils.set_random_seed(0)
    model = vn.Sequential([L.Input((2,)), L.Dense(64, activation="relu"), L.Dense(3, activation="softmax")])
    points = np.random.default_rng(2).normal(size=(40, 2)).astype("float32")
    grid = evaluation.decision_grid(model, points, resolution=60)
    assert calls == [True]
    xs = np.stack(np.meshgrid(np.linspace(*grid.x_range, 60), np.linspace(*grid.y_range, 60)), -1)
    serial = model._executor.forward([xs.reshape(-1, 2).astype(np.float32)], training=False)
    np.testing.assert_array_equal(grid.values.ravel(), np.argmax(serial, axis=1))
    binary = vn.Sequential([L.Input((2,)), L.Dense(8, activation="tanh"), L.Dense(1, activation="sigmoid")])
    grid = evaluation.decision_grid(binary, points, resolution=60)
    serial = binary._executor.forward([xs.reshape(-1, 2).astype(np.float32)], training=False)
    # chunks of another size may round the last float32 bit differently (the BLAS's blocking)
    np.testing.assert_allclose(grid.values.ravel(), serial[:, 0], rtol=0, atol=1e-6)
