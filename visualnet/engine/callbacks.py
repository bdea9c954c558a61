"""Keras's callbacks: the hooks of the training loop, and the standard ones."""

from __future__ import annotations

import collections.abc
import csv
import json
import os
import shutil
import sys
import time
import warnings
import zipfile

import numpy as np

from .. import VisualNetWarning


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
    def on_train_batch_begin(self, batch, logs=None): ...
    def on_train_batch_end(self, batch, logs=None): ...
    def on_test_begin(self, logs=None): ...
    def on_test_end(self, logs=None): ...
    def on_test_batch_begin(self, batch, logs=None): ...
    def on_test_batch_end(self, batch, logs=None): ...
    def on_predict_begin(self, logs=None): ...
    def on_predict_end(self, logs=None): ...
    def on_predict_batch_begin(self, batch, logs=None): ...
    def on_predict_batch_end(self, batch, logs=None): ...


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
        logs = {} if logs is None else logs
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
        if self.params.get("verbose") == 1:
            self.stream.write(f"Epoch {epoch + 1}/{self.params['epochs']}\n")

    def on_train_batch_end(self, batch, logs=None):
        self._done = batch + 1
        now = time.perf_counter()
        if self.params.get("verbose") == 1 and now - self._last > 0.1:
            self._last = now
            self._line(batch + 1, logs, end="\r")

    def on_epoch_end(self, epoch, logs=None):
        if self.params.get("verbose") == 2:
            self.stream.write(f"Epoch {epoch + 1}/{self.params['epochs']}\n")
        self._line(self.params["steps"], logs, end="\n")

    def _line(self, done, logs, end):
        steps = self.params["steps"]
        elapsed = time.perf_counter() - self._start
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
            if current is None or not self._improved(current, self.best):
                return
            if self.verbose:
                print(f"Epoch {epoch + 1}: {self.monitor} improved from {self.best} to {current}, saving to {path}")
            self.best = current
        if self.save_weights_only:
            self.model.save_weights(path, overwrite=True)
        else:
            self.model.save(path, overwrite=True)


class CSVLogger(Callback):
    """Streams each epoch's logs to a CSV file: an `epoch` column, then the logged names sorted
    (and their `val_` twins when no validation ran), as Keras's `CSVLogger` writes them."""

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.sep, self.filename, self.append = separator, str(filename), append
        self.keys, self.writer, self.csv_file, self.append_header = None, None, None, True

    def on_train_begin(self, logs=None):
        if self.append:
            try:
                with open(self.filename) as f:
                    self.append_header = not f.readline()
            except FileNotFoundError:
                self.append_header = True
        if self.csv_file and not self.csv_file.closed:
            self.csv_file.close()
        self.csv_file = open(self.filename, "a" if self.append else "w", newline="")
        self.keys, self.writer = None, None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            if self.keys and not any(k.startswith("val_") for k in self.keys):
                self.keys += [f"val_{k}" for k in self.keys]
        if self.writer is None:
            dialect = type("CSVLoggerDialect", (csv.excel,), {"delimiter": self.sep})
            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch", *self.keys], dialect=dialect)
            if self.append_header:
                self.writer.writeheader()
        self.writer.writerow({"epoch": epoch, **{k: _csv_value(logs.get(k, "NA")) for k in self.keys}})
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        if self.csv_file and not self.csv_file.closed:
            self.csv_file.close()
        self.writer = None


class BackupAndRestore(Callback):
    """Keras's `BackupAndRestore`: backs up the training state in `backup_dir` at each epoch's
    end (or every `save_freq` batches) and, when fit starts again after an interruption,
    restores it and resumes at the epoch after the last backup. The state is VisualNet's
    own in one file written whole then renamed, and read without pickle: `latest.npz`, the
    weights in `get_weights()` order (so a model built again, in a new process, takes them),
    the optimizer's iterations and slots, and
    "metadata" (JSON text: epoch, batch, the optimizer's config). With
    `double_checkpoint`, the previous backup is kept as `latest.npz.bkp` and used when the
    latest cannot be read. `delete_checkpoint`: remove `backup_dir` when
    training ends without interruption."""

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False, delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError("Empty `backup_dir` argument passed")
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(save_freq, int) or save_freq < 1):
            raise ValueError(f"Invalid value for argument `save_freq`. Received: save_freq={save_freq}. "
                             "Expected either 'epoch' or an integer value.")
        self.backup_dir = str(backup_dir)
        self.save_freq, self.double_checkpoint, self.delete_checkpoint = save_freq, double_checkpoint, delete_checkpoint
        self._state_path = os.path.join(self.backup_dir, "latest.npz")
        self._batches_seen_since_last_saving = self._last_batch_seen = self._current_epoch = 0

    def on_train_begin(self, logs=None):
        try:
            self._load()
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as error:
            if not os.path.exists(self._state_path + ".bkp"):
                raise ValueError(f"BackupAndRestore: the backup in '{self.backup_dir}' cannot be read "
                                 f"({error}); delete it to start afresh.") from error
            shutil.copyfile(self._state_path + ".bkp", self._state_path)
            self._load()

    def _load(self):
        if not os.path.exists(self._state_path):
            return
        with np.load(self._state_path, allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files}
        metadata = json.loads(str(arrays.pop("metadata")))
        weights = [arrays[f"weights/{i}"] for i in range(int(metadata["weights"]))]
        expected = [np.shape(w) for w in self.model.get_weights()]
        if [np.shape(w) for w in weights] != expected:
            raise ValueError(f"its weights have shapes {[np.shape(w) for w in weights]}; the model's are {expected}")
        self.model.set_weights(weights)
        optimizer = self.model.optimizer
        if optimizer is not None and metadata.get("optimizer") is not None:
            optimizer.load_state_dict({
                "config": metadata["optimizer"], "iterations": int(arrays["optimizer/iterations"]),
                "variable_sizes": metadata["variable_sizes"],
                "slots": {k.split("/", 1)[1]: v for k, v in arrays.items()
                          if k.startswith("optimizer/") and k != "optimizer/iterations"}})
        self.model._initial_epoch = int(metadata["epoch"])

    def on_epoch_end(self, epoch, logs=None):
        self._current_epoch = epoch + 1
        self._last_batch_seen = 0
        if self.save_freq == "epoch":
            self._save()

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        added = batch + 1 if batch <= self._last_batch_seen else batch - self._last_batch_seen   # a new epoch
        self._batches_seen_since_last_saving += added
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            self._save()

    def _save(self):
        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint and os.path.exists(self._state_path):
            shutil.copyfile(self._state_path, self._state_path + ".bkp")
        weights = self.model.get_weights()
        arrays = {f"weights/{i}": w for i, w in enumerate(weights)}
        metadata = {"epoch": self._current_epoch, "batch": self._last_batch_seen, "weights": len(weights),
                    "optimizer": None, "variable_sizes": None}
        optimizer = self.model.optimizer
        if optimizer is not None:
            state = optimizer.state_dict()
            metadata["optimizer"], metadata["variable_sizes"] = state["config"], state["variable_sizes"]
            arrays["optimizer/iterations"] = np.array(state["iterations"], np.int64)
            arrays.update({f"optimizer/{k}": v for k, v in state["slots"].items()})
        arrays["metadata"] = np.array(json.dumps(metadata))
        tmp = self._state_path + ".tmp"
        with open(tmp, "wb") as f:   # written whole, then renamed: an interruption leaves the last backup
            np.savez(f, **arrays)
        os.replace(tmp, self._state_path)

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and os.path.exists(self.backup_dir):
            shutil.rmtree(self.backup_dir)


def _csv_value(value):
    if isinstance(value, str) or (isinstance(value, np.ndarray) and value.ndim == 0):
        return value
    if isinstance(value, collections.abc.Iterable):
        return f'"[{", ".join(map(str, value))}]"'
    return value
