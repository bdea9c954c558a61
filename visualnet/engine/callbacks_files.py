"""Keras's callbacks that keep files beside training: `CSVLogger` (each epoch's logs as CSV
rows) and `BackupAndRestore` (the training state, to resume an interrupted fit)."""

from __future__ import annotations

import collections.abc
import csv
import json
import os
import shutil
import zipfile

import numpy as np

from .callbacks import Callback


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
