"""`fit` of a model with its own `train_step` (custom_fit.py) ends and resumes as Keras's
does: a `use_ema` optimizer's moving averages become the weights at the end of fit, and
`BackupAndRestore` resumes at the epoch after the last backup. Real Keras is the oracle."""

import numpy as np
import pytest

import visualnet

from .test_custom_train_step import _data, _same, _weights, tracker_model_class

keras = pytest.importorskip("keras")
pytest.importorskip("tests.engine.keras_torch_tape")


def _model(k, optimizer):
    inputs = k.Input(shape=(6,))
    h = k.layers.Dense(5, activation="tanh")(inputs)
    model = tracker_model_class(k)(inputs, k.layers.Dense(2)(h))
    model.set_weights(_weights([w.shape for w in model.get_weights()]))
    model.compile(optimizer=optimizer)
    return model


@pytest.mark.oracle
@pytest.mark.parametrize("name, kwargs", [("Adam", {"learning_rate": 0.05, "use_ema": True, "ema_momentum": 0.9}),
                                          ("SGD", {"learning_rate": 0.1, "use_ema": True, "ema_momentum": 0.5,
                                                   "ema_overwrite_frequency": 3})])
def test_use_ema_weights_are_swapped_in_at_the_end_of_fit(name, kwargs):
    x, y = _data()
    results = []
    for k in (keras, visualnet):
        model = _model(k, getattr(k.optimizers, name)(**kwargs))
        history = model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
        results.append((history.history, model.get_weights()))
    (kh, kw), (vh, vw) = results
    np.testing.assert_allclose(vh["loss"], kh["loss"], rtol=2e-3)
    _same(vw, kw, 2e-4)
    # and the averages are not the last step's weights: without use_ema the weights differ
    plain = _model(visualnet, getattr(visualnet.optimizers, name)(
        **{k_: v for k_, v in kwargs.items() if not k_.startswith("ema") and k_ != "use_ema"}))
    plain.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    assert max(np.abs(a - b).max() for a, b in zip(plain.get_weights(), vw)) > 1e-3


class _Interrupt(Exception):
    pass


def _interrupt_at(k, epoch):
    class Interrupting(k.callbacks.Callback):
        def on_epoch_begin(self, e, logs=None):
            if e == epoch:
                raise _Interrupt()
    return Interrupting()


@pytest.mark.oracle
def test_backup_and_restore_resumes_at_the_epoch_after_the_last_backup(tmp_path):
    x, y = _data()
    results = []
    for k in (keras, visualnet):
        backup = str(tmp_path / k.__name__)
        model = _model(k, k.optimizers.Adam(0.02))
        with pytest.raises(_Interrupt):
            model.fit(x, y, batch_size=16, epochs=4, shuffle=False, verbose=0,
                      callbacks=[k.callbacks.BackupAndRestore(backup), _interrupt_at(k, 2)])
        again = _model(k, k.optimizers.Adam(0.02))        # a fresh process would start from scratch
        seen = []
        history = again.fit(x, y, batch_size=16, epochs=4, shuffle=False, verbose=0,
                            callbacks=[k.callbacks.BackupAndRestore(backup),
                                       k.callbacks.LambdaCallback(on_epoch_begin=lambda e, logs: seen.append(e))])
        results.append((seen, history.history, again.get_weights()))
    (ks, kh, kw), (vs, vh, vw) = results
    assert vs == ks == [2, 3]
    np.testing.assert_allclose(vh["loss"], kh["loss"], rtol=2e-3)
    _same(vw, kw, 2e-3)
