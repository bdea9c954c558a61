"""BackupAndRestore: an interrupted fit resumes at the epoch after the last backup, with the
weights and optimizer state of then, as Keras's does (checked against Keras, PyTorch
backend); the backup is VisualNet's own file, read without pickle."""

import os

import numpy as np
import pytest

from visualnet import callbacks as vc
from visualnet import layers as vl
from visualnet import models as vm
from visualnet import optimizers as vo

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


class Interrupt(Exception):
    pass


def _interrupt_at(lib, epoch):
    """A callback that stops training (as a crash would) when `epoch` begins."""
    class Stop(lib.callbacks.Callback):
        def on_epoch_begin(self, e, logs=None):
            if e == epoch:
                raise Interrupt(e)
    return Stop()


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(48, 5)).astype(np.float32)
    return x, np.eye(3, dtype=np.float32)[rng.integers(0, 3, 48)]


def _model(lib, optimizer):
    m = lib.models.Sequential([lib.layers.Input((5,)), lib.layers.Dense(8, activation="tanh"),
                               lib.layers.BatchNormalization(), lib.layers.Dense(3, activation="softmax")])
    rng = np.random.default_rng(1)
    m.set_weights([np.abs(w) + 0.5 if i == 5 else w for i, w in
                   enumerate(rng.normal(0, 0.4, np.shape(w)).astype(np.float32) for w in m.get_weights())])
    m.compile(optimizer, "categorical_crossentropy")
    return m


def _interrupted_then_resumed(lib, optimizer, backup, **kwargs):
    x, y = _data()
    model = _model(lib, optimizer)
    epochs_seen = []
    seen = lib.callbacks.LambdaCallback(on_epoch_begin=lambda e, logs: epochs_seen.append(e))
    with pytest.raises(Interrupt):
        model.fit(x, y, epochs=4, batch_size=16, shuffle=False, verbose=0,
                  callbacks=[lib.callbacks.BackupAndRestore(backup, **kwargs), _interrupt_at(lib, 2)])
    assert os.path.isdir(backup)
    fresh = _model(lib, optimizer.__class__.from_config(optimizer.get_config()))   # a new process would start so
    history = fresh.fit(x, y, epochs=4, batch_size=16, shuffle=False, verbose=0,
                        callbacks=[lib.callbacks.BackupAndRestore(backup, **kwargs), seen])
    return fresh, history, epochs_seen


def test_resumes_where_the_backup_was_and_equals_an_uninterrupted_fit(tmp_path):
    x, y = _data()
    whole = _model(__import__("visualnet"), vo.Adam(0.01))
    whole.fit(x, y, epochs=4, batch_size=16, shuffle=False, verbose=0)
    resumed, history, seen = _interrupted_then_resumed(__import__("visualnet"), vo.Adam(0.01), str(tmp_path / "b"))
    assert seen == [2, 3] and len(history.history["loss"]) == 2
    assert resumed.optimizer.iterations == whole.optimizer.iterations == 12
    for a, b in zip(resumed.get_weights(), whole.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert not os.path.exists(tmp_path / "b")   # delete_checkpoint: gone after a finished fit


def test_backup_is_read_without_pickle_and_a_damaged_one_falls_back(tmp_path):
    import visualnet

    backup = str(tmp_path / "b")
    _interrupted_then_resumed(visualnet, vo.SGD(0.1, momentum=0.9), backup, delete_checkpoint=False,
                              double_checkpoint=True)
    names = sorted(os.listdir(backup))
    assert names == ["latest.npz", "latest.npz.bkp"]
    with np.load(os.path.join(backup, "latest.npz"), allow_pickle=False) as f:
        assert "optimizer/momentum" in f.files and "metadata" in f.files
    with open(os.path.join(backup, "latest.npz"), "wb") as f:
        f.write(b"not a backup")
    model = _model(visualnet, vo.SGD(0.1, momentum=0.9))
    callback = vc.BackupAndRestore(backup, delete_checkpoint=False)
    callback.set_model(model)
    callback.on_train_begin()   # the previous backup: after epoch 3 of the resumed run's predecessor
    assert model._initial_epoch >= 1
    os.remove(os.path.join(backup, "latest.npz.bkp"))
    with open(os.path.join(backup, "latest.npz"), "wb") as f:
        f.write(b"not a backup")
    with pytest.raises(ValueError, match="BackupAndRestore: the backup in .* cannot be read"):
        callback.on_train_begin()


def test_argument_errors():
    with pytest.raises(ValueError, match="Empty `backup_dir` argument passed"):
        vc.BackupAndRestore("")
    with pytest.raises(ValueError, match="Invalid value for argument `save_freq`. Received: save_freq=often"):
        vc.BackupAndRestore("b", save_freq="often")


def test_batch_frequency_backs_up_mid_epoch(tmp_path):
    import visualnet

    x, y = _data()
    model = _model(visualnet, vo.SGD(0.1))
    saved = []
    callback = vc.BackupAndRestore(str(tmp_path / "b"), save_freq=2, delete_checkpoint=False)
    original = callback._save
    callback._save = lambda: (saved.append(model.optimizer.iterations), original())
    model.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0, callbacks=[callback])
    assert saved == [2, 4, 6]   # every 2 batches across the epochs' 3 batches each


@pytest.mark.oracle
@pytest.mark.parametrize("name", ["Adam", "Nadam"])
def test_resumed_fit_equals_keras(tmp_path, name):
    keras = pytest.importorskip("keras")
    import visualnet

    k, _, k_seen = _interrupted_then_resumed(keras, getattr(keras.optimizers, name)(0.01), str(tmp_path / "k"))
    v, _, v_seen = _interrupted_then_resumed(visualnet, getattr(vo, name)(0.01), str(tmp_path / "v"))
    assert v_seen == k_seen == [2, 3]
    assert v.optimizer.iterations == int(k.optimizer.iterations) == 12
    for a, b in zip(v.get_weights(), k.get_weights()):
        np.testing.assert_allclose(a, b, atol=2e-3)
