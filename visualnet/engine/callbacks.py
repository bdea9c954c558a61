"""Keras's callbacks: the hooks of the training loop, and the standard ones."""

from __future__ import annotations

import sys
import time
import warnings

import numpy as np

from .. import VisualNetWarning
from .progbar import INTERACTIVE, log_line


class Callback:
    """Override any `on_*` method; `self.model` and `self.params` are set before training."""

    def __init__(self):
        self.model = None
        self.params = {}

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def on_train_begin(self, logs=None): ...
    def on_train_end(self, logs=None): ...
    def on_epoch_begin(self, epoch, logs=None): ...
    def on_epoch_end(self, epoch, logs=None): ...
    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs=logs)     # Keras 2's name, which Keras 3 still calls

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs=logs)

    def on_batch_begin(self, batch, logs=None): ...
    def on_batch_end(self, batch, logs=None): ...
    def on_test_begin(self, logs=None): ...
    def on_test_end(self, logs=None): ...
    def on_test_batch_begin(self, batch, logs=None): ...
    def on_test_batch_end(self, batch, logs=None): ...
    def on_predict_begin(self, logs=None): ...
    def on_predict_end(self, logs=None): ...
    def on_predict_batch_begin(self, batch, logs=None): ...
    def on_predict_batch_end(self, batch, logs=None): ...


def keras_logs(logs) -> dict:
    """The logs as Keras 3 hands them to callbacks (`python_utils.pythonify_logs`): a new
    dict, keys sorted (so "accuracy" comes before "loss", and "val_*" among the rest), a
    nested dict's items flattened into it. Callbacks share that dict, so a key one adds
    (ReduceLROnPlateau's "learning_rate") comes last in History."""
    result = {}
    for key, value in sorted((logs or {}).items()):
        if isinstance(value, dict):
            result.update(keras_logs(value))
        else:
            result[key] = value
    return result


class CallbackList:
    def __init__(self, callbacks):
        self.callbacks = list(callbacks)
        self._epoch_logs = None

    def set_model(self, model):
        for cb in self.callbacks:
            cb.set_model(model)

    def set_params(self, params):
        for cb in self.callbacks:
            cb.set_params(params)

    def _call(self, name, *args):
        # Keras hands every hook a dict, never None: callbacks may call `logs.keys()` unguarded
        *args, logs = args
        logs = keras_logs(logs)
        for cb in self.callbacks:
            getattr(cb, name)(*args, logs)

    def on_train_begin(self, logs=None):
        self._epoch_logs = None
        self._call("on_train_begin", logs)

    def on_train_end(self, logs=None):
        """As in Keras, `on_train_end` hears the last epoch's logs."""
        self._call("on_train_end", self._epoch_logs if logs is None else logs)

    def on_epoch_begin(self, epoch, logs=None): self._call("on_epoch_begin", epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._epoch_logs = logs
        self._call("on_epoch_end", epoch, logs)

    def on_train_batch_begin(self, batch, logs=None): self._call("on_train_batch_begin", batch, logs)
    def on_train_batch_end(self, batch, logs=None): self._call("on_train_batch_end", batch, logs)
    def on_test_begin(self, logs=None): self._call("on_test_begin", logs)
    def on_test_end(self, logs=None): self._call("on_test_end", logs)
    def on_test_batch_begin(self, batch, logs=None): self._call("on_test_batch_begin", batch, logs)
    def on_test_batch_end(self, batch, logs=None): self._call("on_test_batch_end", batch, logs)
    def on_predict_begin(self, logs=None): self._call("on_predict_begin", logs)
    def on_predict_end(self, logs=None): self._call("on_predict_end", logs)
    def on_predict_batch_begin(self, batch, logs=None): self._call("on_predict_batch_begin", batch, logs)
    def on_predict_batch_end(self, batch, logs=None): self._call("on_predict_batch_end", batch, logs)


class History(Callback):
    """Records each epoch's logs: `history.history['loss']` and so on."""

    def __init__(self):
        super().__init__()
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)


def format_logs(logs: dict) -> str:
    """Keras's display of logs: sorted by name, 4 decimals (4 significant digits when tiny)."""
    return " - ".join(f"{k}: {v:.4f}" if v > 1e-3 else f"{k}: {v:.4e}" for k, v in sorted(logs.items()))


def _per_step(seconds: float) -> str:
    if seconds >= 1 or seconds == 0:
        return f"{seconds:.0f}s/step"
    return f"{seconds * 1e3:.0f}ms/step" if seconds >= 1e-3 else f"{seconds * 1e6:.0f}us/step"


_ALIASES = {"on_train_batch_begin": "on_batch_begin", "on_train_batch_end": "on_batch_end"}


def uses_hook(callbacks, name: str) -> bool:
    """Whether any of `callbacks` does something in hook `name` (the base class's do nothing;
    a LambdaCallback's hooks are functions on the instance; `on_batch_end` counts as
    `on_train_batch_end`, which calls it)."""
    names = (name, _ALIASES[name]) if name in _ALIASES else (name,)
    return any(getattr(getattr(cb, n, None), "__func__", None) is not getattr(Callback, n)
               for cb in callbacks for n in names)


class ProgbarLogger(Callback):
    """Keras's progress display: a bar per epoch (verbose=1) or one line per epoch (verbose=2)."""

    def __init__(self, stream=None, width: int = 20):
        super().__init__()
        self.stream = stream or sys.stdout
        self.width = width

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()
        self._last = 0.0
        self._done = 0
        if self.params.get("verbose") == 1 and INTERACTIVE["enabled"]:
            self.stream.write(f"Epoch {epoch + 1}/{self.params['epochs']}\n")
        elif self.params.get("verbose"):
            log_line(f"Epoch {epoch + 1}/{self.params['epochs']}")

    def on_train_batch_end(self, batch, logs=None):
        self._done = batch + 1
        now = time.perf_counter()
        if self.params.get("verbose") == 1 and now - self._last > 0.1:
            self._last = now
            self._line(batch + 1, logs, end="\r")

    def on_epoch_end(self, epoch, logs=None):
        if self.params.get("verbose") == 2 and INTERACTIVE["enabled"]:
            self.stream.write(f"Epoch {epoch + 1}/{self.params['epochs']}\n")
        self._line(self.params["steps"], logs, end="\n")

    def _line(self, done, logs, end):
        steps = self.params["steps"]
        elapsed = time.perf_counter() - self._start
        if not INTERACTIVE["enabled"]:   # keras.config.disable_interactive_logging(): finished lines to `logging`
            if end == "\n":
                log_line(f"{done}/{steps} - {elapsed:.0f}s - {format_logs(logs or {})}")
            return
        if steps is None:    # a generator's epoch: its length is unknown until it runs out
            self.stream.write(f"{self._done}/Unknown {elapsed:.0f}s - {format_logs(logs or {})}{end}")
            self.stream.flush()
            return
        per_step = elapsed / max(done, 1)
        if self.params.get("verbose") == 2:  # Keras's one line per epoch: no bar
            self.stream.write(f"{done}/{steps} - {elapsed:.0f}s - {_per_step(per_step)} - "
                              f"{format_logs(logs or {})}{end}")
            self.stream.flush()
            return
        filled = int(self.width * done / steps)
        bar = "━" * filled + " " * (self.width - filled)
        timing = f"{elapsed:.0f}s {_per_step(per_step)}" if done == steps else f"{per_step * (steps - done):.0f}s"
        self.stream.write(f"{done}/{steps} {bar} {timing} - {format_logs(logs or {})}{end}")
        self.stream.flush()


class _Monitor(Callback):
    """Shared logic of the callbacks that watch one logged value."""

    def __init__(self, monitor, mode, min_delta):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"mode must be 'auto', 'min' or 'max'; received mode={mode!r}.")
        self.monitor = monitor
        if mode == "auto":
            mode = "max" if any(k in monitor for k in ("acc", "precision", "recall", "auc", "f1")) else "min"
        self.mode = mode
        self.min_delta = abs(min_delta)

    def _improved(self, current, best) -> bool:
        if best is None:
            return True
        if self.mode == "min":
            return current < best - self.min_delta
        return current > best + self.min_delta

    def _value(self, logs):
        value = (logs or {}).get(self.monitor)
        if value is None:
            warnings.warn(f"{type(self).__name__} monitors '{self.monitor}', which is not logged. Available: "
                          f"{', '.join(logs or {})}.", VisualNetWarning, stacklevel=3)
        return value


class EarlyStopping(_Monitor):
    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto", baseline=None,
                 restore_best_weights=False, start_from_epoch=0):
        super().__init__(monitor, mode, min_delta)
        self.patience, self.verbose, self.baseline = patience, verbose, baseline
        self.restore_best_weights, self.start_from_epoch = restore_best_weights, start_from_epoch

    def on_train_begin(self, logs=None):
        self.wait, self.stopped_epoch, self.best, self.best_weights, self.best_epoch = 0, 0, None, None, 0

    def on_epoch_end(self, epoch, logs=None):
        current = self._value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
        self.wait += 1
        if self._improved(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._improved(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)


class ReduceLROnPlateau(_Monitor):
    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto", min_delta=1e-4,
                 cooldown=0, min_lr=0.0, **kwargs):
        super().__init__(monitor, mode, min_delta)
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0. Received: factor={factor}")
        self.factor, self.patience, self.verbose = factor, patience, verbose
        self.cooldown, self.min_lr = cooldown, min_lr

    def on_train_begin(self, logs=None):
        self.wait, self.cooldown_counter, self.best = 0, 0, None

    def _rate(self) -> float:
        """The rate this callback watches and lowers (a session overrides it: its base rate)."""
        return float(self.model.optimizer.learning_rate)

    def _set_rate(self, value: float) -> None:
        self.model.optimizer.learning_rate = value

    def on_epoch_end(self, epoch, logs=None):
        current = self._value(logs)
        if logs is not None:
            logs["learning_rate"] = self._rate()
        if current is None:
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self._improved(current, self.best):
            self.best, self.wait = current, 0
        elif self.cooldown_counter <= 0:
            self.wait += 1
            if self.wait >= self.patience:
                old = self._rate()
                if old > np.float32(self.min_lr):
                    new = max(old * self.factor, self.min_lr)
                    self._set_rate(new)
                    if self.verbose:
                        print(f"Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new}.")
                    self.cooldown_counter, self.wait = self.cooldown, 0


class TerminateOnNaN(Callback):
    """Stops training as soon as a batch loss is NaN or infinite."""

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not np.isfinite(loss):
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True


class LearningRateScheduler(Callback):
    """Sets the learning rate at each epoch's start from `schedule(epoch, lr)`."""

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch, logs=None):
        lr = float(self.schedule(epoch, float(self.model.optimizer.learning_rate)))
        self.model.optimizer.learning_rate = lr
        if self.verbose:
            print(f"Epoch {epoch + 1}: LearningRateScheduler setting learning rate to {lr}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)


class LambdaCallback(Callback):
    """Callback from plain functions: `LambdaCallback(on_epoch_end=lambda epoch, logs: ...)`."""

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None, on_train_end=None,
                 on_train_batch_begin=None, on_train_batch_end=None, **kwargs):
        super().__init__()
        hooks = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end, on_train_begin=on_train_begin,
                     on_train_end=on_train_end, on_train_batch_begin=on_train_batch_begin,
                     on_train_batch_end=on_train_batch_end, **kwargs)
        for name, fn in hooks.items():
            if fn is not None:
                setattr(self, name, fn)


class ModelCheckpoint(_Monitor):
    """Saves the model (or only its weights) after each epoch, or only when `monitor` improves."""

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False, save_weights_only=False,
                 mode="auto", save_freq="epoch", initial_value_threshold=None):
        super().__init__(monitor, mode, 0)
        if save_freq != "epoch":
            raise ValueError(f"ModelCheckpoint supports save_freq='epoch' only; received save_freq={save_freq!r}.")
        filepath = str(filepath)
        if save_weights_only and not filepath.endswith(".weights.h5"):
            raise ValueError(f"With save_weights_only=True the filepath must end in '.weights.h5'. "
                             f"Received: filepath={filepath}")
        if not save_weights_only and not filepath.endswith((".keras", ".h5")):
            raise ValueError(f"The filepath must end in '.keras' (or '.h5'). Received: filepath={filepath}")
        self.filepath, self.verbose = filepath, verbose
        self.save_best_only, self.save_weights_only = save_best_only, save_weights_only
        self.best = initial_value_threshold

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        path = self.filepath.format(epoch=epoch + 1, **logs)
        if self.save_best_only:
            current = self._value(logs)
            if current is None:
                return
            best = "None" if self.best is None else f"{self.best:.5f}"
            if not self._improved(current, self.best):
                if self.verbose:     # Keras's messages, word for word
                    print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best}")
                return
            if self.verbose:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} to {current:.5f}, "
                      f"saving model to {path}")
            self.best = current
        elif self.verbose:
            print(f"\nEpoch {epoch + 1}: saving model to {path}")
        if self.save_weights_only:
            self.model.save_weights(path, overwrite=True)
        else:
            self.model.save(path, overwrite=True)
