"""CSVLogger, LambdaCallback, TerminateOnNaN and ProgbarLogger behave as Keras's (PyTorch
backend) on the same model, weights and data: the CSV's columns and values, the hooks called
with their arguments, where training stops on NaN and what is printed, the verbose=2 lines."""

import contextlib
import csv
import io
import re

import numpy as np
import pytest

import visualnet

keras = pytest.importorskip("keras")
pytestmark = [pytest.mark.oracle, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


def _data(nan_row=None):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 5)).astype(np.float32)
    if nan_row is not None:
        x[nan_row] = np.nan
    return x, np.eye(3, dtype=np.float32)[rng.integers(0, 3, 40)]


def _model(lib):
    m = lib.models.Sequential([lib.layers.Input((5,)), lib.layers.Dense(3, activation="softmax")])
    rng = np.random.default_rng(1)
    m.set_weights([rng.normal(0, 0.5, np.shape(w)).astype(np.float32) for w in m.get_weights()])
    m.compile(lib.optimizers.SGD(0.1), "categorical_crossentropy", metrics=["accuracy"])
    return m


def _fit(lib, nan_row=None, callbacks=(), verbose=0, **kwargs):
    x, y = _data(nan_row)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        history = _model(lib).fit(x, y, batch_size=16, shuffle=False, verbose=verbose, callbacks=list(callbacks),
                                  **kwargs)
    return history, out.getvalue()


def test_csv_logger_writes_keras_columns_and_values(tmp_path):
    rows = {}
    for lib in (keras, visualnet):
        path = tmp_path / f"{lib.__name__}.csv"
        x, y = _data()
        _fit(lib, epochs=2, validation_data=(x[:8], y[:8]), callbacks=[lib.callbacks.CSVLogger(str(path))])
        with open(path, newline="") as f:
            rows[lib.__name__] = list(csv.reader(f))
    ours, theirs = rows["visualnet"], rows["keras"]
    assert ours[0] == theirs[0] == ["epoch", "accuracy", "loss", "val_accuracy", "val_loss"]
    assert len(ours) == len(theirs) == 3
    for a, b in zip(ours[1:], theirs[1:]):
        assert a[0] == b[0]
        np.testing.assert_allclose([float(v) for v in a[1:]], [float(v) for v in b[1:]], atol=1e-5)


def test_lambda_callback_hooks_and_terminate_on_nan_stop_where_keras_does():
    calls = {}
    for lib in (keras, visualnet):
        seen = []
        hooks = lib.callbacks.LambdaCallback(
            on_train_begin=lambda logs, seen=seen: seen.append(("train_begin",)),
            on_epoch_begin=lambda e, logs, seen=seen: seen.append(("epoch_begin", e)),
            on_train_batch_begin=lambda b, logs, seen=seen: seen.append(("batch_begin", b)),
            on_train_batch_end=lambda b, logs, seen=seen: seen.append(("batch_end", b, sorted(logs))),
            on_epoch_end=lambda e, logs, seen=seen: seen.append(("epoch_end", e, sorted(logs))),
            on_train_end=lambda logs, seen=seen: seen.append(("train_end", sorted(logs))))
        history, printed = _fit(lib, nan_row=20, epochs=3, callbacks=[lib.callbacks.TerminateOnNaN(), hooks])
        calls[lib.__name__] = (seen, printed, sorted(history.history), len(history.history["loss"]))
    assert calls["visualnet"] == calls["keras"]
    assert calls["keras"][1] == "Batch 1: Invalid loss, terminating training\n"


def test_progbar_logger_verbose_2_prints_keras_lines():
    printed = {}
    for lib in (keras, visualnet):
        _, out = _fit(lib, epochs=2, verbose=2)
        # timings differ run to run: keep the rest
        printed[lib.__name__] = re.sub(r"\d+(ms|us|s)/step", "T/step", re.sub(r" - \d+s - ", " - Ns - ", out))
    shape = re.compile(r"Epoch 1/2\n3/3 - Ns - T/step - accuracy: \d\.\d{4} - loss: \d\.\d{4}\n"
                       r"Epoch 2/2\n3/3 - Ns - T/step - accuracy: \d\.\d{4} - loss: \d\.\d{4}\n")
    assert shape.fullmatch(printed["keras"]) and shape.fullmatch(printed["visualnet"])
    assert printed["visualnet"] == printed["keras"]   # the same numbers too
